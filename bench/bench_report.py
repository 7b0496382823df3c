"""A 50-page visit report beside a bare platypus document of the same content, in the same run.

The bare side lays out the very same flowables (same fonts, tables, charts) with a plain
``SimpleDocTemplate`` and its default canvas: no outline, no "Page X of Y", no watermark, no
metadata. The difference is what our page furniture costs. Both sides build their story afresh
each run (flowables are consumed by a build). Target: report ≤ 2× bare and ≤ 1 s.

    .venv/bin/python bench/bench_report.py [--pages 50] [--runs 5]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

from reportlab.platypus import SimpleDocTemplate

from eqvisit.reports.data import Provenance, ReportData
from eqvisit.reports.layout import page_geometry
from eqvisit.reports.preview import page_count
from eqvisit.reports.visit_report import render_visit_report, visit_report_story

# The sample data of the renderer's tests (repo root on the path when run as a script).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.reports.sample_data import findings, provenance, report_data

TEXT = (
    "Learners in the emergency department described gaps in senior supervision overnight, "
    "with handover at Ysbyty Gwynedd – Bangor often starting late and running past the shift."
)


def make_data(count: int) -> tuple[ReportData, Provenance]:
    data = report_data(findings(count, text_for={n: f"{TEXT} ({n})" for n in range(count)}))
    return data, provenance(data)


def findings_for(pages: int) -> int:
    """How many findings make a report of about ``pages`` pages (pages grow linearly)."""
    low = page_count(render_visit_report(*make_data(30), draft=True, invariant=True))
    high = page_count(render_visit_report(*make_data(330), draft=True, invariant=True))
    per_page = 300 / max(high - low, 1)
    return max(1, round(30 + (pages - low) * per_page))


def ours(data: ReportData, provenance: Provenance) -> bytes:
    return render_visit_report(data, provenance, draft=True, invariant=True)


def bare(data: ReportData, provenance: Provenance) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, **page_geometry(), invariant=1)
    document.build(visit_report_story(data, provenance, draft=True))
    return buffer.getvalue()


def timed(data: ReportData, provenance: Provenance, runs: int) -> dict[str, tuple[float, bytes]]:
    """Median seconds and the last PDF of each side; runs alternate so load hits both alike."""
    times: dict[str, list[float]] = {"bare": [], "ours": []}
    last: dict[str, bytes] = {}
    for _ in range(runs):
        for name, fn in (("bare", bare), ("ours", ours)):
            start = time.perf_counter()
            last[name] = fn(data, provenance)
            times[name].append(time.perf_counter() - start)
    return {name: (statistics.median(values), last[name]) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data, provenance = make_data(findings_for(args.pages))
    ours(data, provenance)  # warm up: fonts loaded and subset once
    results = timed(data, provenance, args.runs)
    (bare_s, bare_pdf), (ours_s, our_pdf) = results["bare"], results["ours"]
    count = sum(len(t.findings) for t in data.outcome_tables)
    print(f"report of {count} findings: {page_count(our_pdf)} pages (bare: {page_count(bare_pdf)})")
    print(f"bare platypus : {bare_s * 1000:7.1f} ms  (median of {args.runs})")
    print(f"eqvisit report: {ours_s * 1000:7.1f} ms  ({ours_s / bare_s:.2f}× bare)")
    verdict = "OK" if ours_s <= 2 * bare_s and ours_s <= 1.0 else "MISSED"
    print(f"target ≤ 2× bare and ≤ 1 s: {verdict}")


if __name__ == "__main__":
    main()
