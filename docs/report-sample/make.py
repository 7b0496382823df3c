"""Render the sample report in docs/ from a fresh demo profile.

Creates a demo profile in a temporary folder, writes findings, actions and a lay observation on
the demo visit through the services (as a lead and a lay representative would in the app), signs
the report off, and saves the first pages as PNG images beside this script, with the whole PDF.

    .venv/bin/python docs/report-sample/make.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from eqvisit.app_services import Services, open_services
from eqvisit.domain.enums import ActionStatus, FindingKind, Sentiment, VisitStatus
from eqvisit.paths import resolve_profile
from eqvisit.reports.preview import render_pages

HERE = Path(__file__).resolve().parent
PAGES = 4

FINDINGS = (
    (
        FindingKind.IMMEDIATE_MANDATORY_REQUIREMENT,
        "Foundation doctors on the acute medical unit described nights with no registrar on site "
        "for several hours and no clear route to escalate deteriorating patients.",
        "Put a registrar-level rota in place for every night shift on the acute medical unit and "
        "send the panel the rota for the next four weeks.",
        1,
        ("1.1", "1.2"),
        (4, 5),
    ),
    (
        FindingKind.MANDATORY_REQUIREMENT,
        "Handover between day and night teams in general surgery is unstructured and often starts "
        "late, so learners leave late and miss teaching.",
        "Introduce a structured, timetabled handover (e.g. SBAR) and audit attendance monthly for "
        "three months.",
        1,
        ("1.3",),
        (3, 3),
    ),
    (
        FindingKind.MANDATORY_REQUIREMENT,
        "Educational supervisors do not have time for supervision in their job plans.",
        "Show that every educational supervisor has 0.25 PA per learner in their job plan.",
        4,
        ("4.1",),
        (3, 4),
    ),
    (
        FindingKind.RECOMMENDATION,
        "Local teaching is well planned but often bleeped out; consider bleep-free teaching time.",
        "Pilot bleep-free teaching on two wards and report attendance.",
        5,
        ("5.2",),
        (2, 2),
    ),
    (
        FindingKind.GOOD_PRACTICE,
        "The induction programme for new starters — including a shadowing day at Ysbyty "
        "Gwynedd’s sister site — was praised by every learner group.",
        "",
        3,
        ("3.1",),
        None,
    ),
)


def populate(services: Services) -> str:
    (visit,) = services.visits.list_visits()
    services.visits.update(
        visit.id,
        {
            "executive_summary": (
                "The panel met 38 learners across foundation and core surgical training, their "
                "educational supervisors and the senior leadership team.\n\nLearners value the "
                "induction and the teaching programme. Supervision out of hours on the acute "
                "medical unit is not safe: the panel set an immediate mandatory requirement, "
                "shared at the verbal feedback on the day."
            ),
            "programme_group": "Foundation and core surgical training",
        },
    )
    for status in (VisitStatus.FIELDWORK, VisitStatus.FINDINGS):
        services.visits.transition(visit.id, status)
    for kind, text, actions, domain, standards, risk in FINDINGS:
        row = services.findings.propose(
            visit.id,
            kind,
            text,
            domain_number=domain,
            standards=standards,
            framework_version="eqf-2024",
            required_actions=actions,
            owner="Director of Medical Education" if actions else "",
            due_on=date(2027, 1, 15) if actions else None,
        )
        if risk is not None:
            services.findings.rate_risk(row.id, *risk)
        issued = services.findings.issue_reference(row.id)
        if actions:
            action = services.action_plan.add_action(
                issued.id, actions, owner="Director of Medical Education", due_on=date(2027, 1, 15)
            )
            services.action_plan.set_status(action.id, ActionStatus.IN_PROGRESS, "Plan agreed")
    services.users.sign_in_locally("lay1")
    services.capture.add_observation(
        visit.id,
        "The doctors' mess was tidy but the only kettle was broken, and signs to it from the main "
        "entrance were hard to follow.",
        location="Doctors' mess",
        sentiment=Sentiment.CONCERN,
    )
    services.users.sign_in_locally("lead")
    return visit.id


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="eqvisit-sample-") as folder:
        profile = Path(folder) / "profile"
        subprocess.run(
            [sys.executable, "-m", "eqvisit", "demo", "--profile", str(profile)], check=True
        )
        services = open_services(resolve_profile(profile))
        try:
            visit_id = populate(services)
            services.reports.generate(visit_id)
            final = services.reports.sign_off(visit_id)
            pdf = services.reports.pdf(final.id)
        finally:
            services.close()
    (HERE / "sample-report.pdf").write_bytes(pdf)
    for number, image in enumerate(render_pages(pdf, count=PAGES, dpi=60), start=1):
        (HERE / f"page-{number}.png").write_bytes(image)
    print(f"wrote sample-report.pdf and {PAGES} pages as PNG in {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
