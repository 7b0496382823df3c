"""A demo visit filled through the services: findings of every kind, actions, lay observations."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date

import pypdf

from eqvisit.app_services import Services
from eqvisit.domain.enums import ActionStatus, FindingKind, Sentiment, VisitStatus

WELSH = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch – Ysbyty Gwynedd, Bangor"
ACCENTS = "Café naïve résumé — Zoë’s “crèche” in Dún Laoghaire; Pen-y-ffordd ŵyr ŷd"
EMOJI_NOTE = "The team were lovely 😀 and the kettle now works ☕"


@dataclass(frozen=True)
class FilledVisit:
    visit_id: str
    finding_texts: dict[str, str]  # reference → text
    action_texts: list[str]
    observation_texts: list[str]


def to_findings(demo: Services, visit_id: str) -> None:
    """Walk the visit along its lifecycle to findings, where it can be reported."""
    for status in (VisitStatus.FIELDWORK, VisitStatus.FINDINGS):
        demo.visits.transition(visit_id, status)


def fill_visit(demo: Services, *, findings: int = 6, long_text: int = 0) -> FilledVisit:
    """Give the demo visit a summary, ``findings`` issued findings cycling through the kinds,
    an action or two on each requirement and lay observations (signed in as lay1, then back)."""
    (visit,) = demo.visits.list_visits()
    demo.visits.update(
        visit.id,
        {
            "reason": f"Red flags in the National Training Survey at {WELSH}.\n\n{ACCENTS}",
            "executive_summary": "The panel met 42 learners.\n\nSupervision out of hours is a "
            "concern; induction is good practice.",
            "programme_group": "Foundation and core surgical training",
        },
    )
    kinds = [
        FindingKind.IMMEDIATE_MANDATORY_REQUIREMENT,
        FindingKind.MANDATORY_REQUIREMENT,
        FindingKind.RECOMMENDATION,
        FindingKind.GOOD_PRACTICE,
    ]
    texts: dict[str, str] = {}
    actions: list[str] = []
    filler = ("Learners reported rota gaps on ward 7 at night. " * (long_text // 48 + 1))[
        :long_text
    ]
    for index in range(findings):
        kind = kinds[index % len(kinds)]
        text = f"Finding {index + 1}: supervision at {WELSH} — {ACCENTS}. {filler}".strip()
        row = demo.findings.propose(
            visit.id,
            kind,
            text,
            domain_number=index % 6 + 1,
            standards=[f"{index % 6 + 1}.{index % 3 + 1}"],
            framework_version="eqf-2024",
            required_actions=f"Provide evidence of action {index + 1}: rota – revised",
            owner="Director of Medical Education",
            due_on=date(2027, 1, 1 + index % 28),
        )
        demo.findings.rate_risk(row.id, index % 5 + 1, (index * 3) % 5 + 1)
        issued = demo.findings.issue_reference(row.id)
        assert issued.reference is not None
        texts[issued.reference] = text
        if kind is not FindingKind.GOOD_PRACTICE and index < 40:
            action = demo.action_plan.add_action(
                row.id, f"Action for {issued.reference}: fix the rota — {ACCENTS}", owner="DME"
            )
            demo.action_plan.set_status(action.id, ActionStatus.IN_PROGRESS, "Started")
            actions.append(f"Action for {issued.reference}: fix the rota — {ACCENTS}")
    demo.users.sign_in_locally("lay1")
    observations = [EMOJI_NOTE, f"Signage to the mess at {WELSH} was hard to follow."]
    for text in observations:
        demo.capture.add_observation(visit.id, text, location="Ward 7", sentiment=Sentiment.CONCERN)
    demo.users.sign_in_locally("lead")
    return FilledVisit(visit.id, texts, actions, observations)


def pdf_text(pdf: bytes) -> str:
    """All the text of the PDF, pages joined, whitespace runs folded to single spaces."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def folded(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
