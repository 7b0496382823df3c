"""Random edits on four replicas over a lossy, repeating network still converge (DESIGN §4).

A Hypothesis state machine drives the real services of four laptops — the lead on two laptops
(so shared records really conflict, even with the same author), a panel member and a lay
representative — against the real central store in-process. Each sync goes through a
:class:`~tests.sync.faulty.FaultyTransport` that drops requests, drops answers after the server
handled them, or delivers requests twice; old pushes are also delivered again at random moments.

After every step: no acknowledged change is missing from the server, none is logged twice, no
cursor is ahead of the server, nothing was rejected. At the end, after clean syncs: every replica
holds exactly the server's merged state of the visit (values and stamps, as far as it may read),
every change ever made was accepted, receipts match, cursors are at the server's last change, and
every value ever written is current, kept in a conflict record, or was replaced by a write whose
laptop had really received it. The test knows that last part independently of the merge rule: it
records, for each change it makes, which changes its laptop had pulled or made before.

Known failures, each pinned by a strict xfail in ``test_faults.py``: an older concurrent edit is
lost without a conflict when the winner's *base* stamp is later than it (only counted here, see
``TOLERATE_UNSEEN_OVERWRITES``); a restamped push whose answer is lost (no skewed clocks here).
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import Engine, func, select

from eqvisit.app_services import Services, open_services
from eqvisit.domain.enums import Audience, FindingKind, PanelRole
from eqvisit.errors import NetworkError
from eqvisit.paths import resolve_profile
from eqvisit.services.credentials import CredentialStore
from eqvisit.services.sync import SyncReport, SyncService
from eqvisit.services.visits import SessionDraft
from eqvisit.storage.models import Finding, OutboxState
from eqvisit.sync.client import SyncClient
from eqvisit.sync.server.app import create_app
from eqvisit.sync.server.clock import ServerClock
from eqvisit.sync.server.database import open_central_store
from eqvisit.sync.server.models import ServerRecord, ServerUser
from eqvisit.sync.transport import InProcessTransport
from tests.conftest import TEST_UNLOCK
from tests.sync.conftest import PASSWORD, seed_central
from tests.sync.faulty import (
    Fault,
    FaultyTransport,
    LoggedWrite,
    assert_acknowledged_on_server,
    assert_change_log_unique,
    assert_cursors_consistent,
    assert_no_rejections,
    assert_no_silent_loss,
    assert_replica_matches_server,
    cursors,
    outbox_rows,
    outbox_top,
    replay,
    saw_by_base,
    server_session,
    server_snapshot,
    silent_losses,
)

URL = "http://central.test"
REPLICAS = {"lead_a": "lead", "lead_b": "lead", "panel": "panel1", "lay": "lay1"}
LEADS = ("lead_a", "lead_b")
FINDING_WRITERS = ("lead_a", "lead_b", "panel")
OBSERVATION_WRITERS = ("panel", "lay")
QUESTIONS = ("q1", "q2", "q3")
TOGGLED_MEMBERS = {
    "panel2": (PanelRole.UNIVERSITY_REP, PanelRole.EDUCATOR),
    "observer": (PanelRole.OBSERVER, PanelRole.REGULATOR_OBSERVER),
}
# The merge rule counts a write as seen when the winner's base stamp is at or after it; a laptop
# that edits a field twice thus "sees" concurrent older edits it never received, and they are lost
# without a conflict (test_faults.py pins it as a strict xfail). Set False once that is fixed.
TOLERATE_UNSEEN_OVERWRITES = False
EXAMPLES = int(os.environ.get("EQVISIT_SYNC_EXAMPLES", "25"))

WORDS = st.sampled_from(["alpha", "beta", "gamma", "delta"])
TEXT = st.one_of(
    WORDS, st.text(alphabet="abcdefghij klm", min_size=1, max_size=12).filter(str.strip)
)
FAULTS = st.lists(st.sampled_from(list(Fault)), min_size=1, max_size=6)
ATTENDANCE = st.dictionaries(st.sampled_from(["FY1", "FY2", "ST3"]), st.integers(0, 20))

M = TypeVar("M", bound=Callable[..., Any])


@dataclass(frozen=True)
class Template:
    """A seeded central store and four signed-in, synced laptops, copied for every example."""

    root: Path
    visit_id: str
    user_ids: dict[str, str]


def build_template(root: Path) -> Template:
    """Seed the central store, sign the four laptops in, and give them shared records to fight
    over from the first step: a session, a finding by the lead and one by the panel member."""
    engine = open_central_store(str(root / "central.sqlite3"))
    central = seed_central(engine)
    app = create_app(engine, clock=central.clock)
    laptops: dict[str, tuple[Services, SyncService]] = {}
    try:
        for name, username in REPLICAS.items():
            paths = resolve_profile(root / name).ensure()
            services = open_services(paths, TEST_UNLOCK)
            sync = SyncService(
                services.context,
                CredentialStore(paths.config_dir, use_keychain=False),
                lambda url, device, token: SyncClient(
                    url, device, token=token, transport=InProcessTransport(app)
                ),
            )
            laptops[name] = (services, sync)
            sync.login(URL, username, PASSWORD, name)
            sync.sync_once()
        lead, lead_sync = laptops["lead_a"]
        panel, panel_sync = laptops["panel"]
        lead.visits.add_session(
            central.visit_id, SessionDraft(title="Foundation doctors", audience=Audience.LEARNERS)
        )
        lead.findings.propose(central.visit_id, FindingKind.RECOMMENDATION, "Rota gaps")
        panel.findings.propose(central.visit_id, FindingKind.GOOD_PRACTICE, "Teaching")
        lead_sync.sync_once()
        panel_sync.sync_once()
        for _services, sync in laptops.values():
            sync.sync_once()
    finally:
        for services, _sync in laptops.values():
            services.close()
    with engine.connect() as connection:
        user_ids = {u.username: u.id for u in connection.execute(select(ServerUser))}
    engine.dispose()
    return Template(root, central.visit_id, user_ids)


@dataclass(frozen=True)
class Origin:
    """Where a change the test made comes from."""

    replica: str
    order: int  # when it was made, across all replicas
    cursor: int  # how far its replica had pulled the visit when it was made


@dataclass
class Replica:
    name: str
    services: Services
    sync: SyncService
    transport: FaultyTransport

    @property
    def user_id(self) -> str:
        user_id = self.services.context.identity.user_id
        assert user_id is not None
        return user_id


def guarded(method: M) -> M:
    """Mark the machine broken while a step runs, so teardown skips its checks after a failure."""

    @functools.wraps(method)
    def wrapper(self: SyncMachine, *args: Any, **kwargs: Any) -> Any:
        self.broken = True
        result = method(self, *args, **kwargs)
        self.broken = False
        return result

    return wrapper  # type: ignore[return-value]


class SyncMachine(RuleBasedStateMachine):
    template: ClassVar[Template]

    def __init__(self) -> None:
        super().__init__()
        self.broken = False
        source = self.template.root
        self.root = Path(tempfile.mkdtemp(prefix="example-", dir=source.parent))
        shutil.copytree(source, self.root, dirs_exist_ok=True)
        self.visit_id = self.template.visit_id
        self.scope = f"visit:{self.visit_id}"
        self.engine: Engine = open_central_store(str(self.root / "central.sqlite3"))
        self.server = InProcessTransport(create_app(self.engine, clock=ServerClock()))
        self.replicas = {name: self._open(name) for name in REPLICAS}
        self.origins: dict[str, Origin] = {}

    def _open(self, name: str) -> Replica:
        paths = resolve_profile(self.root / name)
        services = open_services(paths, TEST_UNLOCK)
        transport = FaultyTransport(self.server)
        sync = SyncService(
            services.context,
            CredentialStore(paths.config_dir, use_keychain=False),
            lambda url, device, token: SyncClient(
                url, device, token=token, transport=transport, sleep=lambda _s: None
            ),
        )
        return Replica(name, services, sync, transport)

    def _edit(self, name: str, action: Callable[[Services], object]) -> None:
        """Run one user action on a replica; remember each change it wrote and what that
        replica had received when it was made (its own earlier changes, the log to its cursor)."""
        replica = self.replicas[name]
        before = outbox_top(replica.services)
        cursor = cursors(replica.services).get(self.scope, 0)
        action(replica.services)
        for row in outbox_rows(replica.services):
            if row.seq > before:
                self.origins[row.change_id] = Origin(name, len(self.origins), cursor)

    def _really_saw(self, later: LoggedWrite, earlier: LoggedWrite) -> bool:
        """Whether the laptop that made ``later`` had received ``earlier`` (not a stamp test)."""
        made = self.origins.get(later.change_id)
        if made is None:
            return saw_by_base(later, earlier)  # written by the server itself
        before = self.origins.get(earlier.change_id)
        if before is not None and before.replica == made.replica:
            return before.order < made.order
        return earlier.seq <= made.cursor

    # --- what people do on their laptops -------------------------------------------------------

    @rule(data=st.data(), what=st.sampled_from(["session", "response", "finding", "observation"]))
    @guarded
    def create(self, data: st.DataObject, what: str) -> None:
        text = data.draw(TEXT, label="text")
        if what == "session":
            name = data.draw(st.sampled_from(LEADS), label="replica")
            audience = data.draw(st.sampled_from(list(Audience)), label="audience")
            draft = SessionDraft(title=text, audience=audience)
            self._edit(name, lambda s: s.visits.add_session(self.visit_id, draft))
        elif what == "response":
            self._answer(data, text)
        elif what == "finding":
            name = data.draw(st.sampled_from(FINDING_WRITERS), label="replica")
            kind = data.draw(st.sampled_from(list(FindingKind)), label="kind")
            self._edit(name, lambda s: s.findings.propose(self.visit_id, kind, text))
        else:
            name = data.draw(st.sampled_from(OBSERVATION_WRITERS), label="replica")
            self._edit(name, lambda s: s.capture.add_observation(self.visit_id, text))

    @rule(
        data=st.data(),
        what=st.sampled_from(
            ["visit", "visit", "finding", "finding", "risk", "reference", "attendance", "answer"]
        ),
    )
    @guarded
    def edit(self, data: st.DataObject, what: str) -> None:
        """Edit a shared record (the visit, a finding, a session) or one's own answer."""
        text = data.draw(TEXT, label="text")
        if what == "visit":
            name = data.draw(st.sampled_from(LEADS), label="replica")
            field = data.draw(st.sampled_from(["reason", "title"]), label="field")
            self._edit(name, lambda s: s.visits.update(self.visit_id, {field: text}))
        elif what in ("finding", "risk"):
            name, finding_id = self._pick_finding(data)
            if finding_id is None:
                return
            if what == "finding":
                field = data.draw(st.sampled_from(["text", "owner", "required_actions"]))
                self._edit(name, lambda s: s.findings.update(finding_id, {field: text}))
            else:
                likelihood = data.draw(st.integers(1, 5), label="likelihood")
                consequence = data.draw(st.integers(1, 5), label="consequence")
                self._edit(
                    name, lambda s: s.findings.rate_risk(finding_id, likelihood, consequence)
                )
        elif what == "reference":
            name = data.draw(st.sampled_from(LEADS), label="replica")
            unnumbered = [
                f.id
                for f in self.replicas[name].services.findings.for_visit(self.visit_id)
                if f.reference is None
            ]
            if unnumbered:
                finding_id = data.draw(st.sampled_from(unnumbered), label="finding")
                self._edit(name, lambda s: s.findings.issue_reference(finding_id))
        elif what == "attendance":
            name = data.draw(st.sampled_from(LEADS), label="replica")
            sessions = self.replicas[name].services.visits.get(self.visit_id).sessions
            if sessions:
                session = data.draw(st.sampled_from(sessions), label="session")
                counts = data.draw(ATTENDANCE, label="attendance")
                self._edit(name, lambda s: s.visits.set_attendance(session.id, counts))
        else:
            self._answer(data, text)

    @rule(data=st.data(), what=st.sampled_from(["finding", "panel member"]))
    @guarded
    def delete(self, data: st.DataObject, what: str) -> None:
        """Soft deletes: a finding, or a panel member taken off (and later put back)."""
        if what == "finding":
            name, finding_id = self._pick_finding(data)
            if finding_id is not None:
                self._edit(name, lambda s: s.findings.delete(finding_id))
            return
        name = data.draw(st.sampled_from(LEADS), label="replica")
        username = data.draw(st.sampled_from(sorted(TOGGLED_MEMBERS)), label="member")
        user_id = self.template.user_ids[username]
        services = self.replicas[name].services
        on_panel = {row.user.id for row in services.visits.get(self.visit_id).panel}
        if user_id in on_panel:
            self._edit(name, lambda s: s.visits.remove_panel_member(self.visit_id, user_id))
        else:
            role = data.draw(st.sampled_from(TOGGLED_MEMBERS[username]), label="role")
            self._edit(name, lambda s: s.visits.add_panel_member(self.visit_id, user_id, role))

    def _answer(self, data: st.DataObject, note: str) -> None:
        """Save the replica's own answer to a question (creating it, or editing it)."""
        name = data.draw(st.sampled_from(FINDING_WRITERS), label="replica")
        replica = self.replicas[name]
        sessions = [s.id for s in replica.services.visits.get(self.visit_id).sessions]
        session_id = data.draw(st.sampled_from(sessions), label="session")
        question = data.draw(st.sampled_from(QUESTIONS), label="question")
        value = data.draw(st.sampled_from(["yes", "no", "unsure", None]), label="value")
        self._edit(
            name, lambda s: s.capture.save_response(session_id, question, value=value, note=note)
        )

    def _pick_finding(self, data: st.DataObject) -> tuple[str, str | None]:
        """A replica and a live finding on it that its user may edit (panel: their own)."""
        name = data.draw(st.sampled_from(FINDING_WRITERS), label="replica")
        replica = self.replicas[name]
        ids = [f.id for f in replica.services.findings.for_visit(self.visit_id)]
        if name == "panel":
            with replica.services.context.store.unit_of_work() as uow:
                ids = [i for i in ids if uow.session.get(Finding, i).proposed_by == replica.user_id]  # type: ignore[union-attr]
        if not ids:
            return name, None
        return name, data.draw(st.sampled_from(ids), label="finding")

    # --- the network ---------------------------------------------------------------------------

    @rule(data=st.data())
    @guarded
    def sync(self, data: st.DataObject) -> None:
        """One sync over a clean network."""
        self._sync(data.draw(st.sampled_from(sorted(REPLICAS)), label="replica"), [])

    @rule(data=st.data(), faults=FAULTS)
    @guarded
    def sync_over_a_bad_network(self, data: st.DataObject, faults: list[Fault]) -> None:
        """One sync whose requests may be dropped, lose their answer, or arrive twice."""
        self._sync(data.draw(st.sampled_from(sorted(REPLICAS)), label="replica"), faults)

    def _sync(self, name: str, faults: list[Fault]) -> None:
        replica = self.replicas[name]
        replica.transport.set_plan(faults)
        try:
            replica.sync.sync_once()
        except NetworkError:
            assert faults, "a sync failed on a clean network"
        finally:
            replica.transport.set_plan(())

    @rule(data=st.data(), times=st.integers(1, 3))
    @guarded
    def deliver_old_push_again(self, data: st.DataObject, times: int) -> None:
        """A push sent earlier arrives again (late duplicate); doing so N times = doing it once."""
        pushes = [p for r in self.replicas.values() for p in r.transport.pushes]
        if not pushes:
            return
        recorded = data.draw(st.sampled_from(pushes), label="push")
        states = []
        for _ in range(times):
            answer = replay(self.server, recorded)
            assert answer.status_code == 200, answer.text
            assert all(r["status"] == "accepted" for r in answer.json()["results"]), answer.text
            states.append(server_snapshot(self.engine))
        assert all(state == states[0] for state in states), "a repeated push changed the state"

    # --- invariants ----------------------------------------------------------------------------

    @invariant()
    @guarded
    def nothing_acknowledged_is_lost_or_doubled(self) -> None:
        assert_change_log_unique(self.engine)
        for replica in self.replicas.values():
            assert_acknowledged_on_server(replica.services, self.engine)
            assert_cursors_consistent(replica.services, self.engine, caught_up=False)
            assert_no_rejections(replica.services)

    def _view(self, name: str) -> tuple[object, ...]:
        """The visit as the services show it (order-free; local timestamps left out)."""
        services = self.replicas[name].services
        detail = services.visits.get(self.visit_id)
        sessions = sorted(detail.sessions, key=lambda row: row.id)
        answers = sorted(
            (r.id, r.session_id, r.author_id, r.question_id, r.value, r.note, r.safety_flag)
            for session in sessions
            for r in services.capture.responses(session.id)
        )
        return (
            detail.summary,
            detail.reason,
            detail.executive_summary,
            sorted((row.user.id, row.panel_role) for row in detail.panel),
            [(row.id, row.title, row.audience, row.attendance) for row in sessions],
            sorted(services.findings.for_visit(self.visit_id), key=lambda row: row.id),
            answers,
            sorted(services.capture.observations(self.visit_id), key=lambda row: row.id),
            services.sync_status.status().open_conflicts,
        )

    def teardown(self) -> None:
        try:
            if not self.broken:
                self._converge_and_check()
        finally:
            for replica in self.replicas.values():
                replica.services.close()
            self.engine.dispose()
            shutil.rmtree(self.root, ignore_errors=True)

    def _converge_and_check(self) -> None:
        # Round one sends every outbox (the server decides every conflict); round two brings
        # every replica the final state, so its receipts must match and it has nothing to send.
        reports: dict[str, SyncReport] = {}
        for _round in range(2):
            for name, replica in self.replicas.items():
                reports[name] = replica.sync.sync_once()
        for name, report in reports.items():
            assert (report.pushed, report.rejected) == (0, 0), (name, report)
            assert report.receipts and all(r.matches for r in report.receipts), (name, report)
        assert_change_log_unique(self.engine)
        for name, replica in self.replicas.items():
            rows = outbox_rows(replica.services)
            states = {r.change_id: r.state for r in rows}
            made = [c for c, origin in self.origins.items() if origin.replica == name]
            assert all(states[c] is OutboxState.ACCEPTED for c in made), name
            assert all(r.state is OutboxState.ACCEPTED for r in rows), name
            assert assert_acknowledged_on_server(replica.services, self.engine) == len(rows)
            assert_cursors_consistent(replica.services, self.engine, caught_up=True)
            assert_replica_matches_server(replica.services, self.engine, self.scope)
        # What the people see: the three laptops that may read everything show the same visit.
        views = {name: self._view(name) for name in FINDING_WRITERS}
        assert views["lead_a"] == views["lead_b"] == views["panel"]
        checked = assert_no_silent_loss(self.engine, self.scope)  # conflicts as the rule says
        _checked, unseen = silent_losses(self.engine, self.scope, self._really_saw)
        if TOLERATE_UNSEEN_OVERWRITES:
            event(f"lost without being seen (known failure): {_bucket(len(unseen))}")
        else:
            assert not unseen, "\n".join(unseen[:5])
        with server_session(self.engine) as session:
            conflicts = session.scalar(
                select(func.count())
                .select_from(ServerRecord)
                .where(ServerRecord.record_type == "conflicts")
            )
        faults = sum(len(r.transport.faults_applied) for r in self.replicas.values())
        event(f"conflict records: {_bucket(conflicts or 0)}")
        event(f"faults injected: {_bucket(faults)}")
        event(f"writes checked: {_bucket(checked)}")


def _bucket(n: int) -> str:
    return "0" if n == 0 else "1-4" if n < 5 else "5-19" if n < 20 else "20+"


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Path]:
    """Where the example stores live: tmpfs when there is one (real SQLite files, but the
    thousands of fsyncs of ``synchronous=FULL`` cost nothing), else the test's tmp_path."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    root = Path(tempfile.mkdtemp(prefix="eqvisit-convergence-", dir=shm))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.slow
def test_replicas_converge_over_a_lossy_repeating_network(scratch: Path) -> None:
    template_root = scratch / "template"
    template_root.mkdir()
    SyncMachine.template = build_template(template_root)
    run_state_machine_as_test(
        SyncMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            report_multiple_bugs=False,
        ),
    )
