"""A full-England central store for benchmarks: ``eqvisit demo --scale national``.

The real trusts of the ODS extract, with synthetic sites, about 14,000 synthetic GP practices,
a million or more NTS-like rows over five years, NETS and CQC rows, and a few hundred visits with
findings. Everything synthetic says so (``"synthetic": true`` in an item's dimensions, "SYNTHETIC"
in a made-up organisation's name). The content is a pure function of the seed and the extract:
ids are natural ids, figures come from one seeded generator, so two runs hold the same records
(their change-log stamps differ, being the server's clock). Rows go in by Core executemany
through :func:`server_create_many`, so the store is exactly what imports would have made.

Other benchmarks call :func:`generate_national` directly, with a smaller :class:`NationalScale`
when they need less.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from eqvisit.domain.enums import (
    FindingKind,
    FindingStatus,
    OrgStatus,
    PanelRole,
    ProviderKind,
    VisitStatus,
    VisitType,
)
from eqvisit.domain.ids import natural_id
from eqvisit.domain.numbering import PREFIXES
from eqvisit.domain.ods import OdsRecord, read_ods_lines
from eqvisit.sync.server import admin
from eqvisit.sync.server.clock import ServerClock
from eqvisit.sync.server.demo import (
    FLAG_WEIGHTS,
    NTS_INDICATORS,
    SYNTHETIC_NOTE,
    create_demo_users,
)
from eqvisit.sync.server.exchange import server_create_many
from eqvisit.sync.server.importing.formats import CQC_DOMAINS, CQC_RATINGS, NETS_THEMES
from eqvisit.sync.server.importing.ods import provider_fields
from eqvisit.sync.server.importing.textfile import text_lines

PROGRAMMES = (
    "Foundation",
    "Core Surgical Training",
    "Internal Medicine Training",
    "Anaesthetics",
    "Emergency Medicine",
    "General Practice",
    "Paediatrics",
    "Obstetrics and Gynaecology",
    "Psychiatry",
    "Radiology",
    "General Surgery",
    "Trauma and Orthopaedics",
    "Cardiology",
    "Respiratory Medicine",
    "Gastroenterology",
    "Geriatric Medicine",
    "Histopathology",
    "Ophthalmology",
    "Intensive Care Medicine",
    "Acute Care Common Stem",
)
LEVELS = ("F1/CT1", "F2/CT2", "ST3-5", "ST6+")
NETS_PROFESSIONS = ("Nursing", "Allied health professions", "Pharmacy")
PRACTICE_LETTERS = "ABCDEFGHJKLMNPY"  # the leading letters of English GP practice codes
FRAMEWORK_VERSION = "eqf-2024"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class NationalScale:
    """How much to generate; the defaults are the full-England volume of issue 5."""

    sites_per_trust: tuple[int, int] = (2, 12)
    gp_practices: int = 14_000
    nts_rows: int = 1_000_000
    nts_years: tuple[str, ...] = ("2022", "2023", "2024", "2025", "2026")
    nets_periods: tuple[str, ...] = ("2025", "2026")
    visits: int = 300
    findings_per_visit: tuple[int, int] = (4, 12)
    panel_visits: int = 3  # visits the demo users sit on (what the demo laptop syncs)

    def smaller(self, factor: int) -> NationalScale:
        """The same shape at ``1/factor`` of the volume (tests, quick benchmarks)."""
        return replace(
            self,
            gp_practices=max(1, self.gp_practices // factor),
            nts_rows=max(1, self.nts_rows // factor),
            visits=max(self.panel_visits, self.visits // factor),
        )


@dataclass(frozen=True)
class NationalSummary:
    trusts: int
    sites: int
    gp_practices: int
    nts_rows: int
    nets_rows: int
    cqc_rows: int
    visits: int
    findings: int
    users: int
    panel_visit_ids: tuple[str, ...]

    @property
    def intelligence_items(self) -> int:
        return self.nts_rows + self.nets_rows + self.cqc_rows


Row = tuple[str, str, dict[str, Any]]


def generate_national(
    engine: Engine,
    etr_file: Path,
    *,
    seed: int = 2026,
    scale: NationalScale | None = None,
    today: date | None = None,
    progress: Progress | None = None,
) -> NationalSummary:
    """Fill an empty central store with a national-scale dataset; one transaction."""
    scale = scale or NationalScale()
    say = progress or (lambda _message: None)
    rng = random.Random(seed)  # noqa: S311 - synthetic figures, not secrets
    clock = ServerClock()
    trusts = list(read_ods_lines(text_lines(etr_file), str(etr_file), ProviderKind.TRUST))
    sites = list(_sites(rng, trusts, scale))
    practices = list(_practices(rng, trusts, scale))
    with Session(engine, expire_on_commit=False) as session, session.begin():
        users = create_demo_users(session, clock)
        for kind, records in (
            (ProviderKind.TRUST, trusts),
            (ProviderKind.TRUST_SITE, sites),
            (ProviderKind.GP_PRACTICE, practices),
        ):
            server_create_many(
                session,
                "providers",
                (
                    (_provider_id(r.ods_code), "reference", provider_fields(r, kind))
                    for r in records
                ),
                clock,
            )
        say(f"{len(trusts)} trusts, {len(sites)} sites, {len(practices)} GP practices")
        nts = server_create_many(
            session, "intelligence_items", _nts(rng, [*trusts, *sites], scale), clock
        )
        say(f"{nts:,} NTS rows")
        nets = server_create_many(session, "intelligence_items", _nets(rng, trusts, scale), clock)
        cqc = server_create_many(
            session, "intelligence_items", _cqc(rng, [*trusts, *practices]), clock
        )
        say(f"{nets:,} NETS rows, {cqc:,} CQC rows")
        visits = _visits(rng, trusts, scale, today or date.today())
        server_create_many(session, "visits", visits, clock)
        findings = server_create_many(
            session, "findings", _findings(rng, visits, scale, users["lead"]), clock
        )
        panel_visits = tuple(record_id for record_id, _scope, _fields in visits)[
            : scale.panel_visits
        ]
        for visit_id in panel_visits:
            for username, panel_role in (
                ("lead", PanelRole.LEAD),
                ("panel1", PanelRole.SPECIALTY_SCHOOL_LEAD),
                ("lay1", PanelRole.LAY_REPRESENTATIVE),
            ):
                admin.assign(session, clock, username, visit_id, panel_role)
        say(f"{len(visits)} visits, {findings:,} findings")
    return NationalSummary(
        trusts=len(trusts),
        sites=len(sites),
        gp_practices=len(practices),
        nts_rows=nts,
        nets_rows=nets,
        cqc_rows=cqc,
        visits=len(visits),
        findings=findings,
        users=len(users),
        panel_visit_ids=panel_visits,
    )


def _provider_id(ods_code: str) -> str:
    return natural_id("providers", ods_code)


def _synthetic_org(
    code: str, name: str, parent: OdsRecord, rng: random.Random, parent_code: str | None
) -> OdsRecord:
    return OdsRecord(
        line=0,
        ods_code=code,
        name=name,
        kind=None,
        region_code=parent.region_code,
        icb_code=parent.icb_code,
        address_lines=(f"{rng.randint(1, 400)} HOSPITAL ROAD",),
        postcode=parent.postcode,
        opened_on=date(2000 + rng.randint(0, 20), rng.randint(1, 12), 1),
        closed_on=None,
        status=OrgStatus.ACTIVE,
        parent_code=parent_code,
    )


def _sites(
    rng: random.Random, trusts: Sequence[OdsRecord], scale: NationalScale
) -> Iterator[OdsRecord]:
    low, high = scale.sites_per_trust
    for trust in trusts:
        for number in range(1, rng.randint(low, high) + 1):
            yield _synthetic_org(
                f"{trust.ods_code}{number:02d}",
                f"{trust.name} — SITE {number} (SYNTHETIC)",
                trust,
                rng,
                trust.ods_code,
            )


def _practices(
    rng: random.Random, trusts: Sequence[OdsRecord], scale: NationalScale
) -> Iterator[OdsRecord]:
    per_letter = math.ceil(scale.gp_practices / len(PRACTICE_LETTERS))
    codes = (
        f"{letter}{number:05d}"
        for letter in PRACTICE_LETTERS
        for number in range(81001, 81001 + per_letter)
    )
    for index, code in enumerate(itertools.islice(codes, scale.gp_practices)):
        yield _synthetic_org(
            code, f"SYNTHETIC PRACTICE {index + 1:05d}", rng.choice(trusts), rng, None
        )


def _item(provider: OdsRecord, source: str, key: tuple[str, ...], **fields: Any) -> Row:
    provider_id = _provider_id(provider.ods_code)
    return (
        natural_id("intelligence_items", source, provider.ods_code, *key),
        f"provider:{provider_id}",
        {
            "provider_id": provider_id,
            "source": source,
            "n": None,
            "value": None,
            "benchmark": None,
            "flag": None,
            "text": SYNTHETIC_NOTE,
            **fields,
        },
    )


def _nts(rng: random.Random, providers: Sequence[OdsRecord], scale: NationalScale) -> Iterator[Row]:
    """Exactly ``scale.nts_rows`` rows: each provider gets as many programmes as that takes."""
    combos = [(p, level) for p in PROGRAMMES for level in LEVELS]
    per_combo = len(scale.nts_years) * len(NTS_INDICATORS)
    needed = math.ceil(scale.nts_rows / (len(providers) * per_combo))
    if needed > len(combos):
        raise ValueError(f"at most {len(providers) * per_combo * len(combos):,} NTS rows")
    flags = [flag.value for flag, _ in FLAG_WEIGHTS]
    weights = [weight for _, weight in FLAG_WEIGHTS]
    made = 0
    for provider in providers:
        for programme, level in rng.sample(combos, needed):
            for year in scale.nts_years:
                for indicator in NTS_INDICATORS:
                    if made == scale.nts_rows:
                        return
                    flag = rng.choices(flags, weights)[0]
                    n = rng.randint(1, 2) if flag == "grey" else rng.randint(3, 60)
                    mean = round(rng.uniform(55, 95), 1) if n >= 3 else None
                    made += 1
                    yield _item(
                        provider,
                        "nts",
                        (year, "trainee", programme, level, indicator),
                        period=year,
                        indicator=indicator,
                        dimensions={
                            "survey": "trainee",
                            "programme": programme,
                            "level": level,
                            "synthetic": True,
                        },
                        n=n,
                        value=mean,
                        benchmark=78.0,
                        flag=flag,
                    )


def _nets(rng: random.Random, trusts: Sequence[OdsRecord], scale: NationalScale) -> Iterator[Row]:
    for trust in trusts:
        for period in scale.nets_periods:
            for profession in NETS_PROFESSIONS:
                for theme in NETS_THEMES:
                    for question in (1, 2):
                        n = rng.randint(0, 80)
                        yield _item(
                            trust,
                            "nets",
                            (period, profession, theme, f"Q{question}"),
                            period=period,
                            indicator=theme,
                            dimensions={
                                "profession": profession,
                                "question": f"{theme}: synthetic question {question}",
                                "synthetic": True,
                            },
                            n=n,
                            value=round(rng.uniform(40, 98), 1) if n else None,
                        )


def _cqc(rng: random.Random, providers: Sequence[OdsRecord]) -> Iterator[Row]:
    for provider in providers:
        rated = date(2019, 1, 1) + timedelta(days=rng.randint(0, 7 * 365))
        for domain in CQC_DOMAINS:
            rating = rng.choices(CQC_RATINGS, (8, 60, 25, 7))[0]
            yield _item(
                provider,
                "cqc",
                (rated.isoformat(), domain),
                period=rated.isoformat(),
                indicator=domain,
                dimensions={"rating": rating, "synthetic": True},
                value=float(len(CQC_RATINGS) - CQC_RATINGS.index(rating)),
                text=f"{rating} — {SYNTHETIC_NOTE}",
            )


def _visits(
    rng: random.Random, trusts: Sequence[OdsRecord], scale: NationalScale, today: date
) -> list[Row]:
    statuses = list(VisitStatus)
    visits: list[Row] = []
    # The demo users' visits are all to one trust, so the demo laptop (a quality lead, who
    # receives the intelligence of a whole region) syncs one region, not several.
    panel_trust = rng.choice(trusts)
    for number in range(scale.visits):
        trust = panel_trust if number < scale.panel_visits else rng.choice(trusts)
        visit_id = natural_id("visits", "national", str(number))
        day = today + timedelta(days=rng.randint(-720, 120))
        visit_type = rng.choice(list(VisitType))
        visits.append(
            (
                visit_id,
                f"visit:{visit_id}",
                {
                    "provider_id": _provider_id(trust.ods_code),
                    "visit_type": visit_type.value,
                    "status": (
                        VisitStatus.PLANNED if day > today else rng.choice(statuses[3:])
                    ).value,
                    "title": f"{visit_type.value.replace('_', ' ').capitalize()} (synthetic)",
                    "programme_group": rng.choice(PROGRAMMES),
                    "starts_on": day.isoformat(),
                    "ends_on": day.isoformat(),
                    "reason": "Synthetic national-scale demo visit.",
                    "executive_summary": "",
                },
            )
        )
    return visits


def _findings(
    rng: random.Random, visits: Sequence[Row], scale: NationalScale, lead_id: str
) -> Iterator[Row]:
    kinds = [
        FindingKind.GOOD_PRACTICE,
        FindingKind.IMMEDIATE_MANDATORY_REQUIREMENT,
        FindingKind.MANDATORY_REQUIREMENT,
        FindingKind.RECOMMENDATION,
    ]
    low, high = scale.findings_per_visit
    for visit_id, scope, fields in visits:
        issued: dict[FindingKind, int] = {}
        for number in range(rng.randint(low, high)):
            kind = rng.choices(kinds, (3, 1, 4, 4))[0]
            issued[kind] = issued.get(kind, 0) + 1
            domain = rng.randint(1, 6)
            due = date.fromisoformat(fields["starts_on"]) + timedelta(days=rng.choice((5, 90)))
            yield (
                natural_id("findings", visit_id, str(number)),
                scope,
                {
                    "visit_id": visit_id,
                    "kind": kind.value,
                    "status": FindingStatus.AGREED.value,
                    "reference": f"{PREFIXES[kind]}{issued[kind]}",
                    "framework_version": FRAMEWORK_VERSION,
                    "domain_number": domain,
                    "standards": [f"{domain}.{rng.randint(1, 3)}"],
                    "text": f"Synthetic finding {number + 1} for domain {domain}.",
                    "required_actions": "",
                    "likelihood": rng.randint(1, 5),
                    "consequence": rng.randint(1, 5),
                    "owner": "Director of Medical Education",
                    "due_on": due.isoformat(),
                    "proposed_by": lead_id,
                },
            )
