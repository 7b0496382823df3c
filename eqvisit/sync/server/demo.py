"""Demo content for a central store: the real NHS trusts of the ODS extract, synthetic figures.

Every figure invented here carries ``"synthetic": true`` in its dimensions and says so in its
text, so no one mistakes it for a trust's real survey results. Deterministic from the seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from eqvisit.domain.enums import Audience, NtsFlag, PanelRole, ProviderKind, UserRole, VisitType
from eqvisit.domain.ids import natural_id, new_id
from eqvisit.domain.ods import read_ods_lines
from eqvisit.sync.server import admin
from eqvisit.sync.server.clock import ServerClock
from eqvisit.sync.server.exchange import server_create_many, server_write
from eqvisit.sync.server.importing.formats import NTS_TRAINEE_INDICATORS
from eqvisit.sync.server.importing.ods import provider_fields
from eqvisit.templates.loader import load_default_templates

DEMO_PASSWORD = "demo-password-not-secret"  # noqa: S105 - a published demo credential
SYNTHETIC_NOTE = "Synthetic demo figure — not a real survey result."
NTS_INDICATORS = NTS_TRAINEE_INDICATORS
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
    ("lead", "Dr Asha Patel", "NHS England — Quality", UserRole.QUALITY_LEAD, PanelRole.LEAD),
    (
        "panel1",
        "Mr Tom Okafor",
        "School of Surgery",
        UserRole.PANEL_MEMBER,
        PanelRole.SPECIALTY_SCHOOL_LEAD,
    ),
    (
        "panel2",
        "Ms Eilidh Morgan",
        "University of the North",
        UserRole.PANEL_MEMBER,
        PanelRole.UNIVERSITY_REP,
    ),
    (
        "lay1",
        "Mrs Jean Hughes",
        "Lay representative",
        UserRole.LAY_REPRESENTATIVE,
        PanelRole.LAY_REPRESENTATIVE,
    ),
    ("admin", "Quality Administrator", "NHS England — Quality", UserRole.ADMIN, None),
)
AGENDA = (
    (
        "Senior leaders and education governance",
        Audience.SENIOR_LEADERS,
        9,
        ("lead", "panel2"),
        "senior-leaders",
    ),
    (
        "Foundation doctors (F1/F2)",
        Audience.LEARNERS,
        10,
        ("panel1", "panel2"),
        "doctors-in-training",
    ),
    ("Core surgical trainees", Audience.LEARNERS, 11, ("panel1", "lead"), "doctors-in-training"),
    (
        "Educational and clinical supervisors",
        Audience.EDUCATORS,
        13,
        ("lead", "panel2"),
        "educators-supervisors",
    ),
    ("Walk-round: wards and learner facilities", Audience.WALK_ROUND, 14, ("lay1",), "walk-round"),
)


@dataclass(frozen=True)
class DemoCentral:
    providers: int
    intelligence_items: int
    users: int
    visit_id: str


def seed_demo(
    engine: Engine, etr_file: Path, *, seed: int = 2026, today: date | None = None
) -> DemoCentral:
    """Fill an empty central store with the demo; one transaction."""
    rng = random.Random(seed)
    clock = ServerClock()
    with etr_file.open(encoding="utf-8-sig", newline="") as handle:
        trusts = list(read_ods_lines(handle, str(etr_file), ProviderKind.TRUST))
    with Session(engine, expire_on_commit=False) as session, session.begin():
        user_ids = create_demo_users(session, clock)
        provider_ids = {trust.ods_code: new_id() for trust in trusts}
        server_create_many(
            session,
            "providers",
            (
                (provider_ids[t.ods_code], "reference", provider_fields(t, ProviderKind.TRUST))
                for t in trusts
            ),
            clock,
        )
        defaults = load_default_templates()
        for template in defaults:
            admin.publish_template(session, clock, template)
        published = {t.id: t.version for t in defaults}
        items = list(_synthetic_nts(rng, list(provider_ids.values())))
        server_create_many(session, "intelligence_items", items, clock)
        target, triggers = _most_red(items)
        visit_id = _plan_visit(
            session, clock, rng, target, triggers, user_ids, today or date.today(), published
        )
    return DemoCentral(len(trusts), len(items), len(DEMO_USERS), visit_id)


def create_demo_users(session: Session, clock: ServerClock) -> dict[str, str]:
    """The demo's users (one password, published), by user name → id."""
    user_ids = {}
    for username, name, organisation, role, _panel in DEMO_USERS:
        user = admin.create_user(
            session,
            clock,
            username,
            role,
            DEMO_PASSWORD,
            display_name=name,
            organisation=organisation,
        )
        user_ids[username] = user.id
    return user_ids


def _synthetic_nts(
    rng: random.Random, provider_ids: list[str]
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    flags = [flag for flag, _ in FLAG_WEIGHTS]
    weights = [weight for _, weight in FLAG_WEIGHTS]
    now = datetime.now(UTC).isoformat()
    for provider_id in provider_ids:
        for year in DEMO_YEARS:
            for programme, level in DEMO_PROGRAMMES:
                for indicator in NTS_INDICATORS:
                    flag = rng.choices(flags, weights)[0]
                    n = rng.randint(0, 2) if flag is NtsFlag.GREY else rng.randint(3, 60)
                    yield (
                        new_id(),
                        f"provider:{provider_id}",
                        {
                            "provider_id": provider_id,
                            "source": "nts",
                            "period": year,
                            "indicator": indicator,
                            "dimensions": {
                                "programme": programme,
                                "level": level,
                                "synthetic": True,
                            },
                            "n": n,
                            "value": round(rng.uniform(55, 95), 1),
                            "benchmark": 78.0,
                            "flag": flag.value,
                            "text": SYNTHETIC_NOTE,
                            "created_at": now,
                            "updated_at": now,
                        },
                    )


def _most_red(items: list[tuple[str, str, dict[str, Any]]]) -> tuple[str, list[str]]:
    """The provider with the most red flags in the latest year, and those red items."""
    red: dict[str, list[str]] = {}
    for item_id, _scope, fields in items:
        if fields["flag"] == NtsFlag.RED.value and fields["period"] == DEMO_YEARS[-1]:
            red.setdefault(fields["provider_id"], []).append(item_id)
    target = max(sorted(red), key=lambda pid: len(red[pid]))
    return target, red[target]


def _plan_visit(
    session: Session,
    clock: ServerClock,
    rng: random.Random,
    provider_id: str,
    triggers: list[str],
    users: dict[str, str],
    today: date,
    templates: dict[str, int],
) -> str:
    day = today + timedelta(days=14)
    visit_id = admin.create_visit(
        session,
        clock,
        provider_id,
        "Risk-based review — postgraduate medical education",
        VisitType.RISK_BASED_REVIEW,
        starts_on=day,
        reason="More red outlier flags in the National Training Survey than any other trust in "
        f"{DEMO_YEARS[-1]} (synthetic demo data).",
    )
    scope = f"visit:{visit_id}"
    server_write(
        session,
        "visits",
        visit_id,
        scope,
        {"programme_group": "Foundation and core surgical training"},
        clock,
    )
    for username, _name, _org, _role, panel_role in DEMO_USERS:
        if panel_role is not None:
            admin.assign(session, clock, username, visit_id, panel_role)
    for item_id in triggers:
        server_write(
            session,
            "visit_triggers",
            natural_id("visit_triggers", visit_id, item_id),
            scope,
            {"visit_id": visit_id, "intelligence_item_id": item_id, "note": ""},
            clock,
        )
    for title, audience, hour, interviewers, template_id in AGENDA:
        start = datetime.combine(day, time(hour, 0), UTC)
        session_id = new_id()
        server_write(
            session,
            "sessions",
            session_id,
            scope,
            {
                "visit_id": visit_id,
                "title": title,
                "audience": audience.value,
                "learner_group_id": None,
                "template_id": template_id if template_id in templates else None,
                "template_version": templates.get(template_id),
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(minutes=50)).isoformat(),
                "room": f"Education Centre, room {rng.randint(1, 9)}",
                "attendance": {},
                "completed": False,
            },
            clock,
        )
        for username in interviewers:
            server_write(
                session,
                "session_interviewers",
                natural_id("session_interviewers", session_id, users[username]),
                scope,
                {"session_id": session_id, "user_id": users[username]},
                clock,
            )
    return visit_id
