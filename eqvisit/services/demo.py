"""The demo profile: the real NHS trusts of the ODS extract, with synthetic, labelled intelligence.

Every figure the demo invents carries ``"synthetic": true`` in its dimensions and says so in its
text, so no one mistakes it for a trust's real survey results. Deterministic from the seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from eqvisit.domain.enums import (
    Audience,
    IntelligenceSource,
    NtsFlag,
    PanelRole,
    ProviderKind,
    UserRole,
    VisitType,
)
from eqvisit.domain.ids import new_id, utc_now
from eqvisit.services.context import ServiceContext
from eqvisit.services.ods_records import read_ods_lines
from eqvisit.services.visits import SessionDraft, VisitDraft, VisitService
from eqvisit.storage.models import User
from eqvisit.storage.repositories import intelligence, providers

NTS_INDICATORS = (
    "Overall satisfaction",
    "Clinical supervision",
    "Clinical supervision out of hours",
    "Reporting systems",
    "Work load",
    "Teamwork",
    "Handover",
    "Supportive environment",
    "Induction",
    "Adequate experience",
    "Curriculum coverage",
    "Educational governance",
    "Educational supervision",
    "Feedback",
    "Local teaching",
    "Regional teaching",
    "Study leave",
    "Rota design",
)
DEMO_PROGRAMMES = (("Foundation", "F1"), ("Core Surgical Training", "CT1-2"))
DEMO_YEARS = ("2024", "2025", "2026")
FLAG_WEIGHTS = (
    (NtsFlag.RED, 4),
    (NtsFlag.PINK, 8),
    (NtsFlag.WHITE, 70),
    (NtsFlag.LIGHT_GREEN, 8),
    (NtsFlag.GREEN, 4),
    (NtsFlag.GREY, 6),
)
DEMO_USERS = (
    ("lead", "Dr Asha Patel", "NHS England — Quality", UserRole.QUALITY_LEAD),
    ("panel1", "Mr Tom Okafor", "School of Surgery", UserRole.PANEL_MEMBER),
    ("panel2", "Ms Eilidh Morgan", "University of the North", UserRole.PANEL_MEMBER),
    ("lay1", "Mrs Jean Hughes", "Lay representative", UserRole.LAY_REPRESENTATIVE),
    ("admin", "Quality Administrator", "NHS England — Quality", UserRole.ADMIN),
)
SYNTHETIC_NOTE = "Synthetic demo figure — not a real survey result."


@dataclass(frozen=True)
class DemoSummary:
    providers: int
    intelligence_items: int
    users: int
    visit_id: str


class DemoService:
    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def is_populated(self) -> bool:
        with self._context.store.unit_of_work() as uow:
            return providers.count(uow.session) > 0

    def build(self, etr_file: Path, *, seed: int = 2026) -> DemoSummary:
        """Load trusts, users and synthetic NTS results, plan a visit, sign in as its lead."""
        rng = random.Random(seed)
        source = str(etr_file)
        with etr_file.open(encoding="utf-8-sig", newline="") as handle:
            records = list(read_ods_lines(handle, source, ProviderKind.TRUST))
        now = utc_now()
        with self._context.store.unit_of_work() as uow:
            providers.upsert_many(
                uow.session,
                [
                    {
                        "id": new_id(),
                        "ods_code": r.ods_code,
                        "name": r.name,
                        "kind": r.kind.value,
                        "region_code": r.region_code,
                        "icb_code": r.icb_code,
                        "address_lines": list(r.address_lines),
                        "postcode": r.postcode,
                        "status": r.status.value,
                        "opened_on": r.opened_on,
                        "closed_on": r.closed_on,
                        "parent_code": r.parent_code,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for r in records
                ],
            )
            ids = providers.ids_by_code(uow.session, [r.ods_code for r in records])
            items = intelligence.bulk_insert(
                uow.session, _synthetic_nts(rng, [ids[r.ods_code] for r in records], now)
            )
            flagged = providers.red_flag_counts(uow.session, list(ids.values()))
            target = max(sorted(flagged), key=lambda pid: flagged[pid])
            triggers = [
                item.id
                for item in intelligence.for_provider(uow.session, target, IntelligenceSource.NTS)
                if item.flag == NtsFlag.RED and item.period == DEMO_YEARS[-1]
            ]
            user_ids = {}
            for username, name, organisation, role in DEMO_USERS:
                user = User(
                    id=new_id(),
                    username=username,
                    display_name=name,
                    organisation=organisation,
                    role=role,
                )
                uow.session.add(user)
                user_ids[username] = user.id
            uow.commit()
        self._context.set_current_user(user_ids["lead"])
        visit_id = self._plan_visit(rng, target, triggers, user_ids)
        return DemoSummary(len(records), items, len(DEMO_USERS), visit_id)

    def _plan_visit(
        self, rng: random.Random, provider_id: str, triggers: list[str], users: dict[str, str]
    ) -> str:
        service = VisitService(self._context)
        day = date.today() + timedelta(days=14)
        visit = service.create(
            VisitDraft(
                provider_id=provider_id,
                visit_type=VisitType.RISK_BASED_REVIEW,
                title="Risk-based review — postgraduate medical education",
                starts_on=day,
                ends_on=day,
                reason="More red outlier flags in the National Training Survey than any other "
                f"trust in {DEMO_YEARS[-1]} (synthetic demo data).",
                programme_group="Foundation and core surgical training",
                trigger_ids=triggers,
            )
        )
        for username, role in (
            ("lead", PanelRole.LEAD),
            ("panel1", PanelRole.SPECIALTY_SCHOOL_LEAD),
            ("panel2", PanelRole.UNIVERSITY_REP),
            ("lay1", PanelRole.LAY_REPRESENTATIVE),
        ):
            service.add_panel_member(visit.summary.id, users[username], role)
        agenda = (
            (
                "Senior leaders and education governance",
                Audience.SENIOR_LEADERS,
                9,
                ("lead", "panel2"),
            ),
            ("Foundation doctors (F1/F2)", Audience.LEARNERS, 10, ("panel1", "panel2")),
            ("Core surgical trainees", Audience.LEARNERS, 11, ("panel1", "lead")),
            ("Educational and clinical supervisors", Audience.EDUCATORS, 13, ("lead", "panel2")),
            ("Walk-round: wards and learner facilities", Audience.WALK_ROUND, 14, ("lay1",)),
        )
        for title, audience, hour, interviewers in agenda:
            start = datetime.combine(day, time(hour, 0), UTC)
            service.add_session(
                visit.summary.id,
                SessionDraft(
                    title=title,
                    audience=audience,
                    starts_at=start,
                    ends_at=start + timedelta(minutes=50),
                    room=f"Education Centre, room {rng.randint(1, 9)}",
                    interviewer_ids=[users[u] for u in interviewers],
                ),
            )
        return visit.summary.id


def _synthetic_nts(
    rng: random.Random, provider_ids: list[str], now: datetime
) -> Iterator[dict[str, Any]]:
    flags = [flag for flag, _ in FLAG_WEIGHTS]
    weights = [weight for _, weight in FLAG_WEIGHTS]
    for provider_id in provider_ids:
        for year in DEMO_YEARS:
            for programme, level in DEMO_PROGRAMMES:
                for indicator in NTS_INDICATORS:
                    flag = rng.choices(flags, weights)[0]
                    n = rng.randint(0, 2) if flag is NtsFlag.GREY else rng.randint(3, 60)
                    yield {
                        "id": new_id(),
                        "provider_id": provider_id,
                        "source": IntelligenceSource.NTS.value,
                        "period": year,
                        "indicator": indicator,
                        "dimensions": {"programme": programme, "level": level, "synthetic": True},
                        "n": n,
                        "value": round(rng.uniform(55, 95), 1),
                        "benchmark": 78.0,
                        "flag": flag.value,
                        "text": SYNTHETIC_NOTE,
                        "created_at": now,
                        "updated_at": now,
                    }
