"""The Findings section's reads on a laptop holding a region's intelligence, beside baselines.

A demo profile, plus ``--rows`` synthetic NTS rows spread over the demo's providers (what a lead's
laptop holds for a region), plus ``--findings`` findings with four pieces of evidence each. Timed
in the same run, alternating:

- ``board``: everything the Findings tab shows (findings, linked evidence, roll-up, rights);
- ``choices``: what the Link evidence picker offers (responses, observations, notable
  intelligence);
- baseline ``findings``: the bare list of the visit's findings (``FindingService.for_visit``);
- baseline ``notable``: the notable-intelligence query alone (triggers OR the provider's flags).

Target: board and choices ≤ 150 ms each (they run on the worker; the page waits for them).

    .venv/bin/python bench/bench_findings_board.py [--rows 300000] [--findings 60] [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench_bulk_insert import build_rows

from eqvisit.app_services import Services, open_services
from eqvisit.domain.enums import FindingKind, Sentiment
from eqvisit.paths import resolve_profile
from eqvisit.resources import resource_path
from eqvisit.services.store_keys import Unlock
from eqvisit.storage import models as m
from eqvisit.storage.repositories import evidence, intelligence


def populate(services: Services, visit_id: str, rows: int, findings: int) -> None:
    with services.context.store.unit_of_work() as uow:
        provider_ids = list(uow.session.scalars(select(m.Provider.id)))
        intelligence.bulk_insert(uow.session, build_rows(rows, provider_ids))
        uow.commit()
    session_id = services.visits.get(visit_id).sessions[0].id
    choices = services.findings_board.evidence_choices(visit_id)
    items = [c.target_id for c in choices if c.kind.value == "intelligence"]
    kinds = list(FindingKind)
    for n in range(findings):
        response = services.capture.save_response(session_id, f"q{n}", value="no", note=f"n{n}")
        observation = services.capture.add_observation(
            visit_id, f"Observation {n}", sentiment=Sentiment.CONCERN
        )
        finding = services.findings.propose(
            visit_id, kinds[n % len(kinds)], f"Finding {n}", domain_number=1 + n % 6
        )
        services.findings.rate_risk(finding.id, 1 + n % 5, 1 + (n * 3) % 5)
        services.findings.link_all(
            finding.id,
            [
                ("response", response.id),
                ("observation", observation.id),
                ("intelligence", items[n % len(items)]),
                ("intelligence", items[(n + 1) % len(items)]),
            ],
        )


def notable(services: Services, visit_id: str, provider_id: str) -> list[Any]:
    with services.context.store.unit_of_work() as uow:
        return list(evidence.notable_intelligence(uow.session, visit_id, provider_id, 300))


def timed(sides: dict[str, Callable[[], object]], runs: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(runs):
        for name, fn in sides.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--findings", type=int, default=60)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        paths = resolve_profile(Path(folder) / "lead").ensure()
        services = open_services(paths, Unlock.from_environment(demo=True))
        summary = services.demo.build(
            resource_path("data", "ods", "etr.csv"), Path(folder) / "central.sqlite3"
        )
        visit_id = summary.visit_id
        provider_id = services.visits.get(visit_id).summary.provider_id
        populate(services, visit_id, args.rows, args.findings)
        with services.context.store.unit_of_work() as uow:
            held = uow.session.scalar(select(func.count()).select_from(m.IntelligenceItem))
        sides: dict[str, Callable[[], object]] = {
            "findings": lambda: services.findings.for_visit(visit_id),
            "board": lambda: services.findings_board.board(visit_id),
            "choices": lambda: services.findings_board.evidence_choices(visit_id),
            "notable": lambda: notable(services, visit_id, provider_id),
        }
        for fn in sides.values():
            fn()  # warm up the page cache and the framework file
        result = timed(sides, args.runs)
        board = services.findings_board.board(visit_id)
        links = sum(len(d.evidence) for d in board.findings)
        print(
            f"{len(board.findings)} findings, {links} evidence links, "
            f"{held:,} intelligence rows on the laptop (median of {args.runs})"
        )
        base = result["findings"]
        print(f"baseline findings list : {base * 1000:7.1f} ms")
        print(
            f"board (Findings tab)   : {result['board'] * 1000:7.1f} ms "
            f"({result['board'] / base:.1f}× the bare list)"
        )
        print(f"baseline notable intel.: {result['notable'] * 1000:7.1f} ms (the query alone)")
        print(
            f"choices (evidence pick): {result['choices'] * 1000:7.1f} ms "
            f"({result['choices'] / result['notable']:.2f}× the query alone, responses and "
            "observations included)"
        )
        ok = result["board"] <= 0.150 and result["choices"] <= 0.150
        print(f"target board and choices ≤ 150 ms: {'OK' if ok else 'MISSED'}")
        services.close()


if __name__ == "__main__":
    main()
