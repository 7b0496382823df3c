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
import time
from datetime import UTC, date, datetime

from reportlab.lib.pagesizes import A4
from reportlab.platypus import SimpleDocTemplate

from eqvisit.reports.data import (
    DomainSection,
    OutcomeTable,
    PanelEntry,
    Provenance,
    ReportData,
    ReportFinding,
    TriggerEntry,
    report_digest,
)
from eqvisit.reports.layout import MARGIN
from eqvisit.reports.preview import page_count
from eqvisit.reports.visit_report import render_visit_report, visit_report_story

TABLES = (
    ("IMR", "Immediate mandatory requirement", "Immediate mandatory requirements"),
    ("MR", "Mandatory requirement", "Mandatory requirements"),
    ("R", "Recommendation", "Recommendations"),
)
TEXT = (
    "Learners in the emergency department described gaps in senior supervision overnight, "
    "with handover at Ysbyty Gwynedd – Bangor often starting late and running past the shift."
)


def make_data(findings: int) -> tuple[ReportData, Provenance]:
    rows = [
        ReportFinding(
            reference=f"{TABLES[i % 3][0]}{i // 3 + 1}",
            kind=TABLES[i % 3][1],
            text=f"{TEXT} ({i})",
            required_actions="Submit the revised rota and a month of handover audits.",
            standards=(f"{i % 6 + 1}.{i % 4 + 1}",),
            domain_number=i % 6 + 1,
            likelihood=i % 5 + 1,
            consequence=(i * 2) % 5 + 1,
            risk="12 – high",
            owner="Director of Medical Education",
            due_on=date(2027, 3, 1),
        )
        for i in range(findings)
    ]
    data = ReportData(
        visit_id="bench",
        title="Risk-based review",
        provider_name="Betsi Cadwaladr University Health Board",
        provider_code="7A1",
        programme_group="Foundation",
        visit_type="Risk based review",
        region="North West",
        visit_dates="7 December 2026",
        report_date=date(2026, 12, 20),
        background=TEXT * 3,
        triggers=tuple(
            TriggerEntry("NTS", "2026", f"Indicator {n}", "Red", TEXT) for n in range(6)
        ),
        flag_counts=(("red", 9), ("pink", 8), ("white", 70), ("green", 5)),
        panel=tuple(PanelEntry("Panel member", f"Member {n}", "NHS England") for n in range(6)),
        executive_summary="\n\n".join([TEXT] * 6),
        domains=tuple(
            DomainSection(n, f"Domain {n}", tuple(r for r in rows if r.domain_number == n))
            for n in range(1, 7)
        ),
        good_practice=(),
        outcome_tables=tuple(
            OutcomeTable(title, tuple(r for r in rows if r.kind == kind))
            for _p, kind, title in TABLES
        ),
        lay_observations=(),
        risk_bands=(("low", 1, 3), ("moderate", 4, 6), ("high", 8, 12), ("extreme", 15, 25)),
    )
    provenance = Provenance(
        1, "Draft", "bench", datetime(2026, 12, 20, tzinfo=UTC), "eqf-2024", (), report_digest(data)
    )
    return data, provenance


def findings_for(pages: int) -> int:
    """How many findings make a report of about ``pages`` pages (pages grow linearly)."""
    low = page_count(render_visit_report(*make_data(10), draft=True, invariant=True))
    high = page_count(render_visit_report(*make_data(110), draft=True, invariant=True))
    per_page = 100 / max(high - low, 1)
    return max(1, round(10 + (pages - low) * per_page))


def ours(data: ReportData, provenance: Provenance) -> bytes:
    return render_visit_report(data, provenance, draft=True, invariant=True)


def bare(data: ReportData, provenance: Provenance) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        invariant=1,
    )
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
