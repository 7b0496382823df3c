"""Sync use cases: sign in to a central store, and one full sync of the profile (DESIGN §4).

One sync: ask which scopes this user holds; push the outbox in batches (each answered change
marked accepted or rejected, never dropped); pull every scope page by page, applying each page
and its cursor in one transaction; purge scopes no longer granted once nothing of theirs is
unsent; then compare each visit's digest with the server's receipt. Last, closed visits older than
``purge_closed_after_days`` whose receipt matched are retired from the laptop
(:mod:`eqvisit.storage.retention`) and never pulled again.
"""

from __future__ import annotations

import functools
import gc
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, cast

from eqvisit.domain.hlc import Stamp
from eqvisit.domain.scopes import server_owned
from eqvisit.errors import AuthError, WipeRequired
from eqvisit.services.attachments import AttachmentService, TransferSummary
from eqvisit.services.context import ServiceContext
from eqvisit.services.credentials import Connection, CredentialStore
from eqvisit.services.pages_ahead import PagesAhead
from eqvisit.storage import feed_pages, pulled_pages, receipt_blocks, retention, sync_state
from eqvisit.storage.models import OutboxChange, OutboxState
from eqvisit.storage.repositories import outbox
from eqvisit.storage.unit_of_work import UnitOfWork
from eqvisit.sync.client import DeviceRevoked, RawPage, SyncClient, read_changes, read_feed
from eqvisit.sync.protocol import DEFAULT_PULL_PAGE, MAX_FEED_PAGE, MAX_PUSH_BATCH, Change
from eqvisit.sync.transport import InProcessTransport

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

ClientFactory = Callable[[str, str, str | None], SyncClient]
Progress = Callable[[str], None]


LOCAL_SCHEME = "local:"
# The default of Settings.purge_closed_visits_after_days: how long a closed visit stays on the
# laptop once the server holds all of it.
PURGE_CLOSED_VISITS_AFTER_DAYS = 30
DAY_MS = 86_400_000
# A pull's transaction takes in pages until it holds this many changes or has been open this
# long (see SyncService._pull_scope).
COMMIT_EVERY_ROWS = 100_000
COMMIT_EVERY_SECONDS = 1.0


def http_client(server_url: str, device_id: str, token: str | None) -> SyncClient:
    """A client for ``server_url``; ``local:PATH`` serves the central store at PATH in-process."""
    if server_url.startswith(LOCAL_SCHEME):
        app = _local_app(server_url.removeprefix(LOCAL_SCHEME))
        return SyncClient(
            "http://local.invalid", device_id, token=token, transport=InProcessTransport(app)
        )
    return SyncClient(server_url, device_id, token=token)


@functools.cache
def _local_app(database: str) -> FastAPI:
    # Imported here, not at the top: only ``local:`` URLs (the demo, tests) run the central store
    # in-process, and the app's start-up should not pay for FastAPI and the server's modules.
    from eqvisit.sync.server.app import create_app
    from eqvisit.sync.server.database import open_central_store

    return create_app(open_central_store(database))


@dataclass(frozen=True)
class ScopeReceipt:
    scope: str
    matches: bool
    unsent: int


class ReceiptState(StrEnum):
    MATCHED = "matched"
    WAITING = "waiting"
    REJECTED = "rejected"
    DIFFERS = "differs"
    UNCHECKED = "unchecked"


@dataclass(frozen=True)
class VisitReceipt:
    """Whether everything written on a visit on this laptop is on the server, in words.

    ``matched`` only when the last receipt matched at the cursor this laptop is still at and
    nothing of the visit is waiting or refused since."""

    visit_id: str
    state: ReceiptState
    waiting: int
    rejected: int
    checked_at: datetime | None

    @property
    def text(self) -> str:
        if self.rejected:
            return (
                f"{self.rejected} change(s) on this visit were refused by the server: "
                "see Sync → Review."
            )
        if self.waiting:
            return f"{self.waiting} change(s) on this visit are waiting to be sent."
        if self.state is ReceiptState.MATCHED:
            when = f" (checked {self.checked_at.astimezone():%H:%M})" if self.checked_at else ""
            return f"Everything you wrote on this visit is on the server{when}."
        if self.state is ReceiptState.DIFFERS:
            return "The server's copy of this visit differs from this laptop's: sync again."
        return "Not confirmed with the server since the app started: sync to check."


@dataclass(frozen=True)
class SyncReport:
    pushed: int = 0
    accepted: int = 0
    rejected: int = 0
    pulled: int = 0
    applied: int = 0
    receipts: tuple[ScopeReceipt, ...] = ()
    purged: tuple[str, ...] = ()
    rejections: tuple[str, ...] = field(default=())
    uploads: TransferSummary = field(default_factory=TransferSummary)
    downloads: TransferSummary = field(default_factory=TransferSummary)
    retired: tuple[str, ...] = ()  # closed visits removed from the laptop (the server holds them)


@dataclass
class _Sent:
    """What a sync's push did: counts, reasons for refusals, and the highest sequence number
    the server gave our changes in each scope."""

    pushed: int = 0
    accepted: int = 0
    rejected: int = 0
    reasons: list[str] = field(default_factory=list)
    heads: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Page:
    """A fetched page, ready to write: where it leaves the scope's cursor, and how to write it."""

    cursor: int
    more: bool
    server_hlc: str
    count: int
    write: Callable[[Session], int]


@dataclass(frozen=True)
class SignIn:
    connection: Connection
    token_kept_in: str


class SyncService:
    def __init__(
        self,
        context: ServiceContext,
        credentials: CredentialStore,
        client_factory: ClientFactory = http_client,
        attachments: AttachmentService | None = None,
        *,
        purge_closed_after_days: int = PURGE_CLOSED_VISITS_AFTER_DAYS,
        request_wipe: Callable[[str], None] | None = None,
        feed_page_size: int = MAX_FEED_PAGE,
    ) -> None:
        """``request_wipe`` (the app passes the profile's wipe): called when the server revoked
        this device, before :class:`WipeRequired` tells the caller; without it the token is
        forgotten and :class:`DeviceRevoked` raised, nothing erased. ``feed_page_size``: changes
        asked per page of a scope the central store owns (tests make pages small)."""
        self._request_wipe = request_wipe
        self._feed_page_size = feed_page_size
        if purge_closed_after_days < 0:
            raise ValueError("purge_closed_after_days must not be negative")
        self._purge_closed_after_days = purge_closed_after_days
        self._context = context
        self._credentials = credentials
        self._client_factory = client_factory
        self._attachments = attachments
        self._matched: dict[str, int] = {}
        self._checked: dict[str, tuple[bool, datetime]] = {}

    def connection(self) -> Connection | None:
        return self._credentials.connection()

    def login(self, server_url: str, username: str, password: str, device_name: str) -> SignIn:
        device_id = self._context.identity.device_id
        with self._client_factory(server_url, device_id, None) as client:
            answer = client.login(username, password, device_name)
        connection = Connection(
            server_url=server_url,
            user_id=answer.user.id,
            username=answer.user.username,
            display_name=answer.user.display_name,
            role=answer.user.role,
        )
        where = self._credentials.save(connection, answer.token)
        self._context.set_current_user(answer.user.id)
        return SignIn(connection, where)

    def sync_once(self, progress: Progress | None = None) -> SyncReport:
        say = progress or (lambda _message: None)
        connection = self._credentials.connection()
        token = self._credentials.token()
        if connection is None or token is None:
            raise AuthError("Not signed in to a central store: run 'eqvisit login' first.")
        client = self._client_factory(
            connection.server_url, self._context.identity.device_id, token
        )
        try:
            with _collector_paused():
                return self._sync(client, say)
        except DeviceRevoked as revoked:
            self._credentials.forget_token()
            if self._request_wipe is None:
                raise
            with self._context.store.unit_of_work() as uow:
                unsent = sync_state.unsent_count(uow.session)
            self._request_wipe(f"device revoked by the central store: {revoked}")
            raise WipeRequired(unsent) from revoked
        finally:
            client.close()

    def _sync(self, client: SyncClient, say: Progress) -> SyncReport:
        granted = client.scopes()
        self._observe(granted.server_hlc)
        sent = self._push(client, say)
        uploads = (
            self._attachments.upload_pending(client) if self._attachments else TransferSummary()
        )
        with self._context.store.unit_of_work() as uow:
            retired = retention.retired_scopes(uow.session)
        scopes = [g.scope for g in granted.scopes]
        ordered = sorted(
            scopes, key=lambda s: (not s.startswith("reference"), not s.startswith("provider"), s)
        )
        heads = {g.scope: g.head for g in granted.scopes}
        for scope, seq in sent.heads.items():  # our own changes moved these heads since
            if scope in heads:
                heads[scope] = max(heads[scope], seq)
        with self._context.store.unit_of_work() as uow:
            cursors = sync_state.cursors(uow.session)
        pulled = applied = 0
        # Only scopes with something past our cursor: a lead holds hundreds of provider scopes.
        wanted = (s for s in ordered if s not in retired and heads[s] > cursors.get(s, 0))
        for scope in wanted:
            got, changed = self._pull_scope(client, scope, say)
            pulled += got
            applied += changed
        purged = self._purge(set(scopes) | retired)
        downloads = TransferSummary()
        if self._attachments is not None:
            downloads = self._attachments.download_missing(client)
            self._attachments.prune_orphans()
        visits = [s for s in ordered if s.startswith("visit:") and s not in retired]
        receipts = self._receipts(client, visits)
        newly_retired = self._retire_closed(receipts)
        return SyncReport(
            sent.pushed,
            sent.accepted,
            sent.rejected,
            pulled,
            applied,
            receipts,
            purged,
            tuple(sent.reasons),
            uploads,
            downloads,
            newly_retired,
        )

    def _observe(self, server_hlc: str) -> None:
        """Fold the server's clock into ours: later local stamps sort after what we have seen."""
        server = Stamp.parse(server_hlc)
        self._context.correct_clock(server.wall_ms)
        self._context.clock.observe(server, self._context.corrected_wall_ms())

    def _push(self, client: SyncClient, say: Progress) -> _Sent:
        sent = _Sent()
        while True:
            with self._context.store.unit_of_work() as uow:
                batch = [
                    _wire(change)
                    for change in sync_state.pending_changes(uow.session, MAX_PUSH_BATCH)
                ]
                cursors = sync_state.cursors(uow.session, {change.scope for change in batch})
            if not batch:
                return sent
            say(f"Sending {len(batch)} changes")
            answer = client.push(batch, cursors)
            self._observe(answer.server_hlc)
            with self._context.store.unit_of_work() as uow:
                # The outcomes first: a pull skips our own changes because they are accepted
                # here, and moving a cursor past them stands for exactly that pull.
                sync_state.record_results(
                    uow.session,
                    [
                        sync_state.PushOutcome(
                            r.change_id,
                            r.status,
                            r.server_seq,
                            r.reason,
                            r.restamped_hlc,
                            r.rewritten,
                        )
                        for r in answer.results
                    ],
                )
                for caught_up, head in answer.caught_up.items():
                    if caught_up in cursors:  # only scopes we asked about; never moved back
                        sync_state.set_cursor(uow.session, caught_up, head)
                uow.commit()
            sent.pushed += len(batch)
            scope_of = {change.change_id: change.scope for change in batch}
            for result in answer.results:
                if result.status == "accepted":
                    sent.accepted += 1
                    scope = scope_of.get(result.change_id)
                    if scope is not None and result.server_seq is not None:
                        sent.heads[scope] = max(sent.heads.get(scope, 0), result.server_seq)
                else:
                    sent.rejected += 1
                    sent.reasons.append(f"{result.change_id}: {result.reason}")
            if len(answer.results) < len(batch):
                log.warning("the server answered %d of %d changes", len(answer.results), len(batch))
                return sent

    def _pull_scope(self, client: SyncClient, scope: str, say: Progress) -> tuple[int, int]:
        """Pull a scope page by page: a visit's through ``/v1/pull``, merged by stamps
        (:mod:`~eqvisit.storage.pulled_pages`); a scope the central store owns through its feed,
        applied in log order (:mod:`~eqvisit.storage.feed_pages`), each page made ready to write
        on a helper thread."""
        fetch: Callable[[int], RawPage]
        read: Callable[[RawPage], _Page]
        if server_owned(scope):
            dialect = self._context.store.engine.dialect
            size = self._feed_page_size

            def fetch(after: int) -> RawPage:
                return client.fetch_feed(scope, after, size)

            def read(raw: RawPage) -> _Page:
                page = read_feed(raw, scope)
                ready = feed_pages.prepare(scope, page.changes, dialect)
                return _Page(
                    page.cursor,
                    page.more,
                    page.server_hlc,
                    ready.changes,
                    lambda session: feed_pages.apply(session, ready),
                )

        else:
            own_device = self._context.identity.device_id

            def fetch(after: int) -> RawPage:
                return client.fetch_pull(scope, after, DEFAULT_PULL_PAGE)

            def read(raw: RawPage) -> _Page:
                page = read_changes(raw, scope)
                changes = cast(list[pulled_pages.IncomingChange], page.changes)
                return _Page(
                    page.cursor,
                    page.more,
                    page.server_hlc,
                    len(changes),
                    lambda session: pulled_pages.apply_page(
                        session, changes, own_device=own_device
                    ),
                )

        return self._pull_pages(scope, fetch, read, say)

    def _pull_pages(
        self,
        scope: str,
        fetch: Callable[[int], RawPage],
        read: Callable[[RawPage], _Page],
        say: Progress,
    ) -> tuple[int, int]:
        """Fetch and write a scope's pages, each page written with its cursor in one transaction.

        Pages are fetched and read ahead on helper threads (:class:`PagesAhead`), so the central
        store, the network and the laptop's parsing work while the disk does. A transaction
        takes in further pages (each with its cursor) until it holds ``COMMIT_EVERY_ROWS``
        changes or has been open ``COMMIT_EVERY_SECONDS``: a commit of a big initial pull costs
        a WAL sync and often a checkpoint, and a page of new records is written in less time
        than that. An interrupted pull resumes from the last commit, whose cursor is that of the
        last page it holds whole.
        """
        pulled = applied = 0
        with self._context.store.unit_of_work() as reading:
            after = sync_state.cursor(reading.session, scope)
        with PagesAhead(fetch, read, after) as pages, ExitStack() as open_work:
            uow: UnitOfWork | None = None
            held = 0
            opened = 0.0
            for page in pages:
                if uow is None:
                    uow = open_work.enter_context(self._context.store.unit_of_work())
                    held, opened = 0, time.monotonic()
                applied += page.write(uow.session)
                sync_state.set_cursor(uow.session, scope, page.cursor)
                held += page.count
                pulled += page.count
                if (
                    not page.more
                    or held >= COMMIT_EVERY_ROWS
                    or time.monotonic() - opened >= COMMIT_EVERY_SECONDS
                ):
                    uow.commit()
                    open_work.close()
                    uow = None
                    # After the commit: observing may save the clock offset in a transaction
                    # of its own, which must not wait for this one's write lock.
                    self._observe(page.server_hlc)
                if page.count:
                    say(f"Received {pulled} changes for {scope}")
        return pulled, applied

    def _purge(self, granted: set[str]) -> tuple[str, ...]:
        purged: list[str] = []
        with self._context.store.unit_of_work() as uow:
            for scope in sync_state.known_scopes(uow.session):
                if scope not in granted and sync_state.purge_scope(uow.session, scope):
                    purged.append(scope)
            uow.commit()
        return tuple(purged)

    def _retire_closed(self, receipts: tuple[ScopeReceipt, ...]) -> tuple[str, ...]:
        """Remove closed visits older than the retention period whose receipt matched just now."""
        matched = {r.scope for r in receipts if r.matches}
        cutoff = self._context.corrected_wall_ms() - self._purge_closed_after_days * DAY_MS
        done: list[str] = []
        with self._context.store.unit_of_work() as uow:
            for visit_id in retention.closed_before(uow.session, cutoff):
                scope = f"visit:{visit_id}"
                if scope in matched and retention.retire_visit(uow.session, visit_id, scope):
                    done.append(scope)
            uow.commit()
        if done:
            log.info("retired %d closed visits the server holds whole", len(done))
            if self._attachments is not None:
                self._attachments.prune_orphans()
        return tuple(done)

    def _receipts(self, client: SyncClient, scopes: list[str]) -> tuple[ScopeReceipt, ...]:
        """Compare each visit's digest with the server's; a scope whose receipt matched at the
        cursor it is still at, with nothing unsent, is known to match without asking again
        (every change on the server moves the scope's head, and we pull up to the head)."""
        receipts: list[ScopeReceipt] = []
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="eqvisit-receipt") as asker:
            for scope in scopes:
                with self._context.store.unit_of_work() as uow:
                    unsent = sync_state.pending_in_scope(uow.session, scope)
                    at = sync_state.cursor(uow.session, scope)
                    if unsent == 0 and self._matched.get(scope) == at:
                        self._checked[scope] = (True, datetime.now(UTC))
                        receipts.append(ScopeReceipt(scope, True, 0))
                        continue
                    # The server works out its digest while we work out ours.
                    server = asker.submit(client.receipt, scope)
                    local = receipt_blocks.digest(uow.session, scope)
                    uow.commit()  # the receipt blocks it rebuilt
                receipts.append(self._compare(scope, at, local, server.result().digest, unsent))
        return tuple(receipts)

    def visit_receipt(self, visit_id: str) -> VisitReceipt:
        """The visit's receipt as of the last sync in this session, and what is unsent since."""
        scope = f"visit:{visit_id}"
        with self._context.store.unit_of_work() as uow:
            counts = outbox.counts_in_scope(uow.session, scope)
            at = sync_state.cursor(uow.session, scope)
        waiting = counts.get(OutboxState.PENDING, 0)
        rejected = counts.get(OutboxState.REJECTED, 0)
        checked = self._checked.get(scope)
        if rejected:
            state = ReceiptState.REJECTED
        elif waiting:
            state = ReceiptState.WAITING
        elif checked is None:
            state = ReceiptState.UNCHECKED
        elif checked[0] and self._matched.get(scope) == at:
            state = ReceiptState.MATCHED
        else:
            state = ReceiptState.DIFFERS
        return VisitReceipt(
            visit_id, state, waiting, rejected, checked[1] if checked is not None else None
        )

    def _compare(self, scope: str, at: int, local: str, server: str, unsent: int) -> ScopeReceipt:
        matches = local == server and unsent == 0
        self._checked[scope] = (matches, datetime.now(UTC))
        if matches:
            self._matched[scope] = at
        else:
            self._matched.pop(scope, None)
        return ScopeReceipt(scope, matches, unsent)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Automatic cyclic garbage collection off for a sync, and as it was again afterwards.

    A big pull allocates millions of short-lived objects that hold no cycles (parsed pages, the
    rows built from them), which reference counting frees as it goes; the automatic collector's
    passes over them cost more than the parsing itself (a page of 20,000 changes parsed in about
    twice the time). The desktop app collects on its UI thread only anyway (``ui/gc_guard.py``);
    this is for ``eqvisit sync`` and other callers that leave collection on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _wire(change: OutboxChange) -> Change:
    return Change(
        change_id=change.change_id,
        record_type=change.record_type,
        record_id=change.record_id,
        scope=change.scope,
        fields=change.fields,
        base=change.base,
        hlc=change.hlc,
        author_id=change.author_id,
        device_id=change.device_id,
    )
