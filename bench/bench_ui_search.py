"""Provider search latency at national scale: the service beside a raw FTS5 query.

Builds (once, from a fixed seed) a laptop store of 30,000 providers and 1,000,000 intelligence
rows through the storage layer's bulk inserts, then times what the Providers page runs on every
keystroke — ``ProviderService.search`` (FTS5 match, filters, ordering, first 200, red-flag counts,
DTOs) — for words typed letter by letter, ODS codes, postcodes, regions and filters. The
baseline is the bare FTS5 ``MATCH`` of the same words on a bare (keyed SQLCipher) connection in the
same run.
Target: p95 ≤ 10 ms.

    .venv/bin/python bench/bench_ui_search.py [--folder DIR] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ui_dataset import INTELLIGENCE_ROWS, PROVIDERS, build_national
from eqvisit.app_services import open_services, store_keys
from eqvisit.domain.enums import OrgStatus, ProviderKind
from eqvisit.domain.provider_filter import ProviderFilter
from eqvisit.services.store_keys import Unlock
from eqvisit.storage.cipher import connect
from eqvisit.storage.repositories.providers import fts_query

WORDS = ("manchester", "sunderland", "royal infirmary", "park road surgery", "teaching hosp")
EXACT = ("R0A", "RS01F", "G00042", "Y58", "Q07")
FILTERED = (
    ("", ProviderFilter()),
    ("", ProviderFilter(red_flags_only=True)),
    ("leeds", ProviderFilter(kinds=(ProviderKind.GP_PRACTICE,))),
    ("hospital", ProviderFilter(region_code="Y56", status=OrgStatus.ACTIVE)),
    ("", ProviderFilter(icb_code="Q11", red_flags_only=True)),
)


def typed(word: str) -> list[str]:
    """What the search box holds after each keystroke of ``word``."""
    return [word[:n] for n in range(1, len(word) + 1)]


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def time_all(run: Callable[[str, ProviderFilter], object], cases, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        for query, narrowed in cases:
            start = time.perf_counter()
            run(query, narrowed)
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(name: str, samples: list[float]) -> None:
    print(
        f"  {name:34s} p50 {statistics.median(samples):6.2f} ms   "
        f"p95 {percentile(samples, 0.95):6.2f} ms   max {max(samples):6.2f} ms   (n={len(samples)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--folder", type=Path, help="reuse a built store here (default: a temp dir)"
    )
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.folder or Path(scratch)
        started = time.perf_counter()
        paths = build_national(folder)
        print(
            f"store: {PROVIDERS:,} providers, {INTELLIGENCE_ROWS:,} intelligence rows "
            f"(ready in {time.perf_counter() - started:.0f} s)"
        )
        keystrokes = [(q, ProviderFilter()) for word in WORDS for q in typed(word)]
        keystrokes += [(code, ProviderFilter()) for code in EXACT]
        services = open_services(paths, Unlock.from_environment(demo=True))
        key = store_keys(paths).unlock(Unlock.from_environment(demo=True))
        raw = connect(paths.store_file, key)  # the same encrypted store, bare
        try:
            service_search = services.providers.search
            service_search("warm up")

            def bare(query: str, _narrowed: ProviderFilter) -> object:
                match = fts_query(query)
                if match is None:
                    return raw.execute("SELECT rowid FROM providers LIMIT 200").fetchall()
                return raw.execute(
                    "SELECT rowid FROM provider_search WHERE provider_search MATCH ? LIMIT 200",
                    (match,),
                ).fetchall()

            baseline = time_all(bare, keystrokes, args.repeat)
            typing = time_all(service_search, keystrokes, args.repeat)
            filtered = time_all(service_search, FILTERED, args.repeat)
        finally:
            raw.close()
            services.close()
    print("provider search latency (each keystroke of typed words, ODS codes, regions, ICBs)")
    report("baseline: bare FTS5 MATCH (DB-API)", baseline)
    report("ProviderService.search, typing", typing)
    report("ProviderService.search, filters", filtered)
    worst = percentile(typing + filtered, 0.95)
    print(f"  p95 over all searches: {worst:.2f} ms  (target ≤ 10 ms)")


if __name__ == "__main__":
    main()
