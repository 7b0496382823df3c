"""A national-scale laptop store for the UI benchmarks, built from a fixed seed.

30,000 providers (trusts, trust sites, GP and dental practices) and 1,000,000 NTS-like
intelligence rows, written through the storage layer's bulk inserts. Stands in for the national
demo dataset (built elsewhere); names are synthetic but shaped like real ones.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eqvisit.app_services import store_keys
from eqvisit.domain.ids import new_id
from eqvisit.paths import ProfilePaths, resolve_profile
from eqvisit.services.store_keys import Unlock
from eqvisit.storage.repositories import intelligence, providers
from eqvisit.storage.store import open_store
from eqvisit.sync.server.demo import NTS_INDICATORS

TOWNS = [
    "Manchester",
    "Leeds",
    "Sheffield",
    "Bradford",
    "Liverpool",
    "Bristol",
    "Coventry",
    "Leicester",
    "Nottingham",
    "Derby",
    "Plymouth",
    "Southampton",
    "Portsmouth",
    "Brighton",
    "Reading",
    "Oxford",
    "Cambridge",
    "Norwich",
    "Ipswich",
    "Exeter",
    "Truro",
    "Bath",
    "Gloucester",
    "Worcester",
    "Hereford",
    "Shrewsbury",
    "Stoke",
    "Stafford",
    "Wolverhampton",
    "Walsall",
    "Dudley",
    "Birmingham",
    "Solihull",
    "Warwick",
    "Northampton",
    "Bedford",
    "Luton",
    "Watford",
    "Harlow",
    "Chelmsford",
    "Colchester",
    "Southend",
    "Basildon",
    "Canterbury",
    "Maidstone",
    "Dartford",
    "Medway",
    "Guildford",
    "Woking",
    "Crawley",
    "Chichester",
    "Winchester",
    "Salisbury",
    "Swindon",
    "Cheltenham",
    "Taunton",
    "Yeovil",
    "Torquay",
    "Barnstaple",
    "Lincoln",
    "Boston",
    "Grantham",
    "Peterborough",
    "Kettering",
    "Corby",
    "Wellingborough",
    "Chesterfield",
    "Mansfield",
    "Doncaster",
    "Rotherham",
    "Barnsley",
    "Wakefield",
    "Huddersfield",
    "Halifax",
    "Harrogate",
    "York",
    "Scarborough",
    "Hull",
    "Grimsby",
    "Scunthorpe",
    "Middlesbrough",
    "Darlington",
    "Durham",
    "Sunderland",
    "Gateshead",
    "Newcastle",
    "Carlisle",
    "Kendal",
    "Lancaster",
    "Preston",
    "Blackpool",
    "Blackburn",
    "Burnley",
    "Bolton",
    "Wigan",
    "Warrington",
    "Chester",
    "Crewe",
]
SHAPES = {
    "trust": ("{town} Teaching Hospitals NHS Foundation Trust", "{town} and District NHS Trust"),
    "trust_site": (
        "{town} General Hospital",
        "{town} Royal Infirmary",
        "{town} Community Hospital",
    ),
    "gp_practice": ("{street} Surgery", "{street} Medical Centre", "The {street} Practice"),
    "dental_practice": ("{street} Dental Practice", "{town} Smile Clinic"),
}
STREETS = (
    "Park Road",
    "High Street",
    "Church Lane",
    "Station Road",
    "Victoria Street",
    "Mill Lane",
    "Green Lane",
    "Queens Road",
    "Kings Avenue",
    "London Road",
    "Manor Way",
    "Abbey Road",
    "Castle Street",
    "Bridge Street",
    "Riverside",
    "Meadow",
    "Orchard",
    "Beacon",
    "Elm Tree",
    "Oak Lodge",
    "Willow",
    "Hillside",
    "Northgate",
    "Southgate",
)
KIND_COUNTS = (
    ("trust", 220),
    ("trust_site", 1_600),
    ("gp_practice", 14_000),
    ("dental_practice", 14_180),
)
REGIONS = ("Y56", "Y58", "Y59", "Y60", "Y61", "Y62", "Y63")
ICBS = tuple(f"Q{n:02d}" for n in range(42))
INDICATORS = NTS_INDICATORS
FLAGS = ("red", "pink", "white", "light_green", "green", "grey")
FLAG_WEIGHTS = (4, 8, 70, 8, 5, 5)
YEARS = ("2021", "2022", "2023", "2024", "2025")
PROVIDERS = sum(count for _, count in KIND_COUNTS)
INTELLIGENCE_ROWS = 1_000_000


def _postcode(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNPRSTUWYZ"
    return (
        f"{rng.choice(letters)}{rng.choice(letters)}{rng.randint(1, 29)} "
        f"{rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
    )


def provider_rows(rng: random.Random) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for kind, count in KIND_COUNTS:
        for index in range(count):
            town = rng.choice(TOWNS)
            name = rng.choice(SHAPES[kind]).format(town=town, street=rng.choice(STREETS))
            code = {
                "trust": f"R{index:02X}",
                "trust_site": f"RS{index:03X}",
                "gp_practice": f"G{index:05d}",
                "dental_practice": f"V{index:05d}",
            }[kind]
            rows.append(
                {
                    "id": new_id(),
                    "ods_code": code,
                    "name": f"{name} {index}" if kind != "trust" else name,
                    "kind": kind,
                    "region_code": rng.choice(REGIONS),
                    "icb_code": rng.choice(ICBS),
                    "address_lines": [f"{rng.randint(1, 200)} {rng.choice(STREETS)}", town],
                    "postcode": _postcode(rng),
                    "status": "active" if rng.random() > 0.03 else "closed",
                    "opened_on": None,
                    "closed_on": None,
                    "parent_code": None,
                    "created_at": now,
                    "updated_at": now,
                    "deleted_at": None,
                }
            )
    return rows


def intelligence_rows(
    rng: random.Random, provider_ids: list[str], count: int
) -> Iterator[dict[str, Any]]:
    now = datetime.now(UTC)
    for i in range(count):
        flag = rng.choices(FLAGS, FLAG_WEIGHTS)[0]
        yield {
            "id": new_id(),
            "provider_id": provider_ids[i % len(provider_ids)],
            "source": "nts",
            "period": YEARS[(i // len(INDICATORS)) % len(YEARS)],
            "indicator": INDICATORS[i % len(INDICATORS)],
            "dimensions": {"programme": f"Programme {i % 23}", "level": f"L{i % 4}"},
            "n": 3 + i % 50,
            "value": round(55 + rng.random() * 40, 1),
            "benchmark": 78.0,
            "flag": flag,
            "text": None,
            "created_at": now,
            "updated_at": now,
            "deleted_at": None,
        }


def build_national(
    folder: Path, *, seed: int = 2026, rows: int = INTELLIGENCE_ROWS
) -> ProfilePaths:
    """A profile under ``folder`` holding the national-scale store (reused if already built)."""
    paths = resolve_profile(folder).ensure()
    marker = paths.data_dir / f"national-{seed}-{rows}.built"
    if marker.exists():
        return paths
    rng = random.Random(seed)
    key = store_keys(paths).unlock(Unlock.from_environment(demo=True))
    store = open_store(paths.store_file, key=key, backup_dir=paths.backup_dir)
    try:
        listed = provider_rows(rng)
        with store.unit_of_work() as uow:
            for start in range(0, len(listed), 5_000):
                providers.upsert_many(uow.session, listed[start : start + 5_000])
            uow.commit()
        # Survey results belong to trusts, their sites and a share of practices.
        surveyed = [r["id"] for r in listed if r["kind"] in ("trust", "trust_site")]
        surveyed += [r["id"] for r in listed[1_820:6_000]]
        with store.unit_of_work() as uow:
            intelligence.bulk_insert(uow.session, intelligence_rows(rng, surveyed, rows))
            uow.commit()
    finally:
        store.close()
    marker.write_text("built\n", encoding="utf-8")
    return paths
