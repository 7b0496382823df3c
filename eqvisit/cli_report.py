"""``eqvisit report``, ``export-actions`` and ``briefing``: a visit's PDFs and its action plan."""

from __future__ import annotations

import argparse
from pathlib import Path

from eqvisit.errors import InvalidValue
from eqvisit.paths import ProfilePaths


def run_report(args: argparse.Namespace, paths: ProfilePaths) -> int:
    """Write the latest final version, or issue a new draft when asked or when none is final."""
    target = Path(args.out)
    if target.suffix.lower() != ".pdf":
        raise InvalidValue("--out", f"{target.name} must end in .pdf")
    from eqvisit.app_services import open_services

    services = open_services(paths)
    try:
        reports = services.reports
        if args.sign_off:
            version = reports.sign_off(args.visit_id)
            note = f"signed off: final version {version.number}"
        else:
            final = None if args.draft else reports.latest_final(args.visit_id)
            if final is None:
                version = reports.generate(args.visit_id)
                note = f"draft version {version.number}" + (
                    "" if args.draft else " (the report is not signed off yet)"
                )
            else:
                version, note = final, f"final version {final.number}, as issued"
        reports.save_copy(version.id, target)
    finally:
        services.close()
    print(f"Wrote {target}: {note}; SHA-256 {version.sha256}")
    return 0


def run_export_actions(args: argparse.Namespace, paths: ProfilePaths) -> int:
    from eqvisit.app_services import open_services

    services = open_services(paths)
    try:
        summary = services.exports.action_plan(args.visit_id, Path(args.out))
    finally:
        services.close()
    print(f"Wrote {summary.path}: {summary.rows} action plan rows")
    return 0


def run_briefing(args: argparse.Namespace, paths: ProfilePaths) -> int:
    target = Path(args.out)
    from eqvisit.app_services import open_services

    services = open_services(paths)
    try:
        services.briefing_report.save(args.visit_id, target)
    finally:
        services.close()
    print(f"Wrote the briefing pack to {target}")
    return 0


def add_parsers(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    report = commands.add_parser(
        "report", parents=[common], help="write a visit's report as PDF (a new draft if not final)"
    )
    report.add_argument("visit_id", metavar="VISIT_ID")
    report.add_argument("--out", required=True, metavar="FILE.pdf")
    mode = report.add_mutually_exclusive_group()
    mode.add_argument("--draft", action="store_true", help="issue a new draft version")
    mode.add_argument(
        "--sign-off", action="store_true", help="sign off as the visit's lead: a new final version"
    )
    report.set_defaults(handler=run_report)
    export = commands.add_parser(
        "export-actions", parents=[common], help="write a visit's action plan as CSV or XLSX"
    )
    export.add_argument("visit_id", metavar="VISIT_ID")
    export.add_argument("--out", required=True, metavar="FILE.csv|FILE.xlsx")
    export.set_defaults(handler=run_export_actions)
    briefing = commands.add_parser(
        "briefing", parents=[common], help="write a visit's briefing pack as PDF"
    )
    briefing.add_argument("visit_id", metavar="VISIT_ID")
    briefing.add_argument("--out", required=True, metavar="FILE.pdf")
    briefing.set_defaults(handler=run_briefing)
