"""The plain data a visit report is drawn from: built by a service, rendered without the database.

Everything here is already in words (labels, names, formatted risk), so the renderer only lays it
out. ``report_digest`` hashes the content (not the provenance), which the provenance page prints
so two versions can be told apart or shown to hold the same data.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class ReportFinding:
    """One finding as the report prints it; ``risk`` is e.g. ``"12 – high"`` or ``""``."""

    reference: str
    kind: str
    text: str
    required_actions: str = ""
    standards: tuple[str, ...] = ()
    domain_number: int | None = None
    likelihood: int | None = None
    consequence: int | None = None
    risk: str = ""
    owner: str = ""
    due_on: date | None = None


@dataclass(frozen=True)
class DomainSection:
    """The findings under one framework domain (``number`` 0: not linked to a domain)."""

    number: int
    title: str
    findings: tuple[ReportFinding, ...]


@dataclass(frozen=True)
class OutcomeTable:
    """One outcome table (IMRs, mandatory requirements, recommendations …) and its findings."""

    title: str
    findings: tuple[ReportFinding, ...]


@dataclass(frozen=True)
class PanelEntry:
    role: str
    name: str
    organisation: str


@dataclass(frozen=True)
class TriggerEntry:
    """An intelligence item that triggered the visit."""

    source: str
    period: str
    indicator: str
    flag: str
    text: str


@dataclass(frozen=True)
class LayObservation:
    """An observation of a lay representative, printed as theirs, in their words."""

    author: str
    location: str
    category: str
    sentiment: str
    text: str


@dataclass(frozen=True)
class SignOff:
    name: str
    role: str
    signed_at: datetime


@dataclass(frozen=True)
class Provenance:
    """Where this version came from; not part of the data digest."""

    version: int
    status: str
    app_version: str
    generated_at: datetime
    framework_version: str
    template_versions: tuple[str, ...]
    data_digest: str


@dataclass(frozen=True)
class ReportData:
    """Everything one visit report shows, in reading order."""

    visit_id: str
    title: str
    provider_name: str
    provider_code: str
    programme_group: str
    visit_type: str
    region: str
    visit_dates: str
    report_date: date
    background: str
    triggers: tuple[TriggerEntry, ...]
    flag_counts: tuple[tuple[str, int], ...]
    panel: tuple[PanelEntry, ...]
    executive_summary: str
    domains: tuple[DomainSection, ...]
    good_practice: tuple[ReportFinding, ...]
    outcome_tables: tuple[OutcomeTable, ...]
    lay_observations: tuple[LayObservation, ...]
    risk_bands: tuple[tuple[str, int, int], ...]
    sign_off: SignOff | None = None
    template_versions: tuple[str, ...] = field(default=())
    framework_version: str = ""


def report_digest(data: ReportData) -> str:
    """SHA-256 of the report's content (canonical JSON), whenever and by whoever it was issued."""
    content = asdict(data)
    for when in ("sign_off", "report_date"):
        content.pop(when, None)
    encoded = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class BriefingTable:
    """One section of the pack as a table; ``empty`` is what to say when it has no rows."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]  # relative; scaled to the page
    empty: str = "None."
    note: str = ""


@dataclass(frozen=True)
class BriefingDocument:
    title: str
    provider: str
    facts: tuple[tuple[str, str], ...]
    reason: str
    flag_period: str
    flag_counts: tuple[tuple[str, int], ...]
    sections: tuple[BriefingTable, ...]
    app_version: str
