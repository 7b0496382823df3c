"""Gather what a visit's report and action plan show, as the plain data ``eqvisit.reports`` renders.

Runs inside the caller's unit of work; everything returned is frozen data, no ORM objects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from eqvisit.domain.enums import FindingKind, FindingStatus, PanelRole
from eqvisit.domain.risk import RiskBands, RiskRating
from eqvisit.errors import NotFound, TemplateError
from eqvisit.reports.action_plan import ActionPlanLine
from eqvisit.reports.data import (
    DomainSection,
    LayObservation,
    OutcomeTable,
    PanelEntry,
    ReportData,
    ReportFinding,
    SignOff,
    TriggerEntry,
)
from eqvisit.storage.models import ActionItem, ActionStatusChange, Finding, Visit
from eqvisit.storage.repositories import findings as finding_repo
from eqvisit.storage.repositories import intelligence, providers, reports, visits
from eqvisit.storage.unit_of_work import UnitOfWork
from eqvisit.templates.framework import Framework, available_frameworks, load_framework

# NHS England's regions by the national grouping code of the ODS extracts.
REGION_NAMES = {
    "Y56": "London",
    "Y58": "South West",
    "Y59": "South East",
    "Y60": "Midlands",
    "Y61": "East of England",
    "Y62": "North West",
    "Y63": "North East and Yorkshire",
}
KIND_LABELS = {
    FindingKind.GOOD_PRACTICE: "Good practice",
    FindingKind.IMMEDIATE_MANDATORY_REQUIREMENT: "Immediate mandatory requirement",
    FindingKind.MANDATORY_REQUIREMENT: "Mandatory requirement",
    FindingKind.RECOMMENDATION: "Recommendation",
    FindingKind.AREA_FOR_IMPROVEMENT: "Area for improvement",
}
OUTCOME_TABLES = (
    (FindingKind.IMMEDIATE_MANDATORY_REQUIREMENT, "Immediate mandatory requirements"),
    (FindingKind.MANDATORY_REQUIREMENT, "Mandatory requirements"),
    (FindingKind.RECOMMENDATION, "Recommendations"),
    (FindingKind.AREA_FOR_IMPROVEMENT, "Areas for improvement"),
)


def label(value: str) -> str:
    """``risk_based_review`` → ``Risk based review``."""
    text = value.replace("_", " ")
    return text[:1].upper() + text[1:]


def require_visit(uow: UnitOfWork, visit_id: str) -> Visit:
    visit = visits.get(uow.session, visit_id)
    if visit is None:
        raise NotFound("visit", visit_id)
    return visit


def build_report_data(
    uow: UnitOfWork,
    visit_id: str,
    bands: RiskBands,
    *,
    report_date: date,
    sign_off: SignOff | None = None,
) -> ReportData:
    session = uow.session
    visit = require_visit(uow, visit_id)
    provider = providers.get(session, visit.provider_id)
    assert provider is not None  # guaranteed by the foreign key
    live = [
        f for f in finding_repo.for_visit(session, visit_id) if f.status != FindingStatus.WITHDRAWN
    ]
    rows = [_finding(f, bands) for f in sorted(live, key=_reading_order)]
    framework = _framework({f.framework_version for f in live if f.framework_version})
    panel = visits.panel(session, visit_id)
    lay_ids = {m.user_id for m, _u in panel if m.panel_role == PanelRole.LAY_REPRESENTATIVE}
    names = {u.id: u.display_name for _m, u in panel}
    agenda = visits.sessions(session, visit_id)
    trigger_ids = [t.intelligence_item_id for t in visits.triggers(session, visit_id)]
    return ReportData(
        visit_id=visit_id,
        title=visit.title,
        provider_name=provider.name,
        provider_code=provider.ods_code,
        programme_group=visit.programme_group or "",
        visit_type=label(visit.visit_type.value),
        region=REGION_NAMES.get(provider.region_code or "", provider.region_code or ""),
        visit_dates=_dates(visit.starts_on, visit.ends_on),
        report_date=report_date,
        background=visit.reason,
        triggers=tuple(
            TriggerEntry(
                source=item.source.value.upper(),
                period=item.period,
                indicator=item.indicator,
                flag=label(item.flag.value) if item.flag else "",
                text=item.text or "",
            )
            for item in sorted(
                intelligence.get_many(session, trigger_ids),
                key=lambda i: (i.source, i.period, i.indicator),
            )
        ),
        flag_counts=_flag_order(reports.flag_counts(session, visit.provider_id)),
        panel=tuple(
            PanelEntry(label(m.panel_role.value), u.display_name, u.organisation or "")
            for m, u in sorted(
                panel, key=lambda mu: (list(PanelRole).index(mu[0].panel_role), mu[1].display_name)
            )
        ),
        executive_summary=visit.executive_summary,
        domains=_domains(rows, framework),
        good_practice=tuple(r for r in rows if r.kind == KIND_LABELS[FindingKind.GOOD_PRACTICE]),
        outcome_tables=tuple(
            OutcomeTable(title, tuple(r for r in rows if r.kind == KIND_LABELS[kind]))
            for kind, title in OUTCOME_TABLES
            if kind is not FindingKind.AREA_FOR_IMPROVEMENT
            or any(r.kind == KIND_LABELS[kind] for r in rows)
        ),
        lay_observations=tuple(
            LayObservation(
                author=names.get(o.author_id, "A lay representative"),
                location=o.location,
                category=o.category,
                sentiment=label(o.sentiment.value),
                text=o.text,
            )
            for o in visits.observations(session, visit_id)
            if o.author_id in lay_ids
        ),
        risk_bands=tuple((b.name, b.low, b.high) for b in bands.bands),
        sign_off=sign_off,
        template_versions=tuple(
            sorted({f"{s.template_id} v{s.template_version}" for s in agenda if s.template_id})
        ),
        framework_version=framework.version if framework else "",
    )


def build_action_plan(uow: UnitOfWork, visit_id: str, bands: RiskBands) -> list[ActionPlanLine]:
    """One line per action of every requirement and recommendation (good practice has none)."""
    session = uow.session
    require_visit(uow, visit_id)
    live = [
        f
        for f in finding_repo.for_visit(session, visit_id)
        if f.status != FindingStatus.WITHDRAWN and f.kind != FindingKind.GOOD_PRACTICE
    ]
    actions = reports.actions_for_visit(session, visit_id)
    history = reports.history_for_visit(session, visit_id)
    lines: list[ActionPlanLine] = []
    for finding in sorted(live, key=_reading_order):
        row = _finding(finding, bands)
        base = ActionPlanLine(
            reference=row.reference,
            kind=row.kind,
            requirement=row.text,
            required_actions=row.required_actions,
            standards=row.standards,
            risk=row.risk,
            requirement_owner=row.owner,
            requirement_due=row.due_on,
        )
        items = actions.get(finding.id, [])
        if not items:
            lines.append(base)
        lines.extend(_with_action(base, item, history.get(item.id, [])) for item in items)
    return lines


def _with_action(
    base: ActionPlanLine, item: ActionItem, history: Sequence[ActionStatusChange]
) -> ActionPlanLine:
    return ActionPlanLine(
        **{
            **base.__dict__,
            "action": item.description,
            "action_owner": item.owner,
            "action_due": item.due_on,
            "action_status": label(item.status.value),
            "history": "; ".join(
                f"{c.changed_at:%Y-%m-%d} {label(c.status.value)}"
                + (f": {c.note}" if c.note else "")
                for c in history
            ),
        }
    )


def _finding(finding: Finding, bands: RiskBands) -> ReportFinding:
    risk = ""
    if finding.likelihood is not None and finding.consequence is not None:
        rating = RiskRating(finding.likelihood, finding.consequence)
        risk = f"{rating.score} – {rating.band(bands).name}"
    return ReportFinding(
        reference=finding.reference or "(not issued)",
        kind=KIND_LABELS[finding.kind],
        text=finding.text,
        required_actions=finding.required_actions,
        standards=tuple(finding.standards or ()),
        domain_number=finding.domain_number or _domain_of(finding.standards or []),
        likelihood=finding.likelihood,
        consequence=finding.consequence,
        risk=risk,
        owner=finding.owner,
        due_on=finding.due_on,
    )


def _reading_order(finding: Finding) -> tuple[int, int, str, str]:
    """Issued references in number order (IMR1, IMR2 … MR10), then unissued ones by age."""
    reference = finding.reference or ""
    digits = "".join(c for c in reference if c.isdigit())
    prefix = reference.rstrip("0123456789")
    return (0 if reference else 1, int(digits or 0), prefix, finding.created_at.isoformat())


def _domain_of(standards: Sequence[str]) -> int | None:
    for code in standards:
        head = code.split(".")[0]
        if head.isdigit():
            return int(head)
    return None


def _domains(
    rows: Sequence[ReportFinding], framework: Framework | None
) -> tuple[DomainSection, ...]:
    titles: Mapping[int, str] = {d.number: d.title for d in framework.domains} if framework else {}
    numbers = sorted({r.domain_number for r in rows if r.domain_number is not None})
    sections = [
        DomainSection(
            n, titles.get(n, f"Domain {n}"), tuple(r for r in rows if r.domain_number == n)
        )
        for n in numbers
    ]
    unlinked = tuple(r for r in rows if r.domain_number is None)
    if unlinked:
        sections.append(DomainSection(0, "Not linked to a framework domain", unlinked))
    return tuple(sections)


def _framework(versions: set[str]) -> Framework | None:
    """The framework the findings cite (the newest available if they cite none)."""
    candidates = sorted(versions) or available_frameworks()[-1:]
    for version in reversed(candidates):
        try:
            return load_framework(version)
        except TemplateError:
            continue
    return None


FLAG_ORDER = ("red", "pink", "white", "light_green", "green", "grey", "none")


def _flag_order(counts: Sequence[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    found = dict(counts)
    return tuple((flag, found[flag]) for flag in FLAG_ORDER if flag in found)


def _dates(starts_on: date | None, ends_on: date | None) -> str:
    if starts_on is None:
        return "Not yet set"
    first = f"{starts_on.day} {starts_on:%B %Y}"
    if ends_on is None or ends_on == starts_on:
        return first
    return f"{first} – {ends_on.day} {ends_on:%B %Y}"
