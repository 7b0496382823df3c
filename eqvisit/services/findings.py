"""Findings: propose, rate the risk, issue stable reference numbers, link evidence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from eqvisit.domain.enums import FindingKind, FindingStatus
from eqvisit.domain.ids import utc_now
from eqvisit.domain.numbering import next_reference
from eqvisit.domain.risk import RiskRating
from eqvisit.domain.scopes import visit_scope
from eqvisit.domain.validation import check_text
from eqvisit.errors import DomainError, InvalidValue, NotFound
from eqvisit.services.context import ServiceContext
from eqvisit.services.dto import FindingRow
from eqvisit.services.mapping import finding_row
from eqvisit.storage.models import EvidenceLink, Finding
from eqvisit.storage.repositories import findings, visits
from eqvisit.storage.unit_of_work import UnitOfWork

MAX_TEXT = 20_000
EDITABLE_FINDING_FIELDS = frozenset(
    {
        "kind",
        "status",
        "domain_number",
        "standards",
        "framework_version",
        "text",
        "required_actions",
        "owner",
        "due_on",
    }
)


class FindingService:
    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def propose(
        self,
        visit_id: str,
        kind: FindingKind,
        text: str,
        *,
        domain_number: int | None = None,
        standards: Sequence[str] = (),
        framework_version: str | None = None,
        required_actions: str = "",
        owner: str = "",
        due_on: date | None = None,
    ) -> FindingRow:
        author_id = self._context.require_user()
        body = check_text(text, "finding text", max_length=MAX_TEXT, required=True)
        with self._context.action() as (uow, recorder):
            if visits.get(uow.session, visit_id) is None:
                raise NotFound("visit", visit_id)
            finding = recorder.create(
                Finding(),
                {
                    "visit_id": visit_id,
                    "kind": FindingKind(kind),
                    "status": FindingStatus.PROPOSED,
                    "text": body,
                    "domain_number": domain_number,
                    "standards": list(standards),
                    "framework_version": framework_version,
                    "required_actions": required_actions,
                    "owner": owner,
                    "due_on": due_on,
                    "proposed_by": author_id,
                },
                visit_scope(visit_id),
            )
            uow.session.flush()
            row = finding_row(finding, self._context.risk_bands)
            uow.commit()
            return row

    def update(self, finding_id: str, changes: Mapping[str, Any]) -> FindingRow:
        unknown = set(changes) - EDITABLE_FINDING_FIELDS
        if unknown:
            raise InvalidValue(", ".join(sorted(unknown)), "cannot be edited this way")
        with self._context.action() as (uow, recorder):
            finding = self._require(uow, finding_id)
            values = dict(changes)
            if "text" in values:
                values["text"] = check_text(
                    values["text"], "finding text", max_length=MAX_TEXT, required=True
                )
            if (
                "kind" in values
                and finding.reference is not None
                and values["kind"] != finding.kind
            ):
                raise DomainError(
                    f"{finding.reference} has been issued; withdraw it and propose a new finding "
                    "rather than changing its kind."
                )
            changed = {k: v for k, v in values.items() if getattr(finding, k) != v}
            if changed:
                recorder.write(finding, changed, visit_scope(finding.visit_id))
            row = finding_row(finding, self._context.risk_bands)
            uow.commit()
            return row

    def rate_risk(self, finding_id: str, likelihood: int, consequence: int) -> FindingRow:
        rating = RiskRating(likelihood, consequence)
        with self._context.action() as (uow, recorder):
            finding = self._require(uow, finding_id)
            recorder.write(
                finding,
                {"likelihood": rating.likelihood, "consequence": rating.consequence},
                visit_scope(finding.visit_id),
            )
            row = finding_row(finding, self._context.risk_bands)
            uow.commit()
            return row

    def issue_reference(self, finding_id: str) -> FindingRow:
        """Give the finding its reference (IMR1, MR2 …); a finding keeps the one it has."""
        with self._context.action() as (uow, recorder):
            finding = self._require(uow, finding_id)
            if finding.reference is None:
                issued = findings.issued_references(uow.session, finding.visit_id)
                reference = next_reference(finding.kind, issued)
                recorder.write(finding, {"reference": reference}, visit_scope(finding.visit_id))
                findings.record_issued(uow.session, finding.visit_id, reference, finding.id)
            row = finding_row(finding, self._context.risk_bands)
            uow.commit()
            return row

    def delete(self, finding_id: str) -> None:
        """Soft-delete a finding; its reference number stays issued and is never reused."""
        with self._context.action() as (uow, recorder):
            finding = self._require(uow, finding_id)
            recorder.write(finding, {"deleted_at": utc_now()}, visit_scope(finding.visit_id))
            uow.commit()

    def link_evidence(
        self,
        finding_id: str,
        *,
        response_id: str | None = None,
        observation_id: str | None = None,
        intelligence_item_id: str | None = None,
        note: str = "",
    ) -> str:
        targets = [t for t in (response_id, observation_id, intelligence_item_id) if t is not None]
        if len(targets) != 1:
            raise InvalidValue(
                "evidence", "link exactly one response, observation or intelligence item"
            )
        with self._context.action() as (uow, recorder):
            finding = self._require(uow, finding_id)
            link = recorder.create(
                EvidenceLink(),
                {
                    "finding_id": finding_id,
                    "response_id": response_id,
                    "observation_id": observation_id,
                    "intelligence_item_id": intelligence_item_id,
                    "note": note,
                },
                visit_scope(finding.visit_id),
            )
            uow.session.flush()
            uow.commit()
            return link.id

    def link_all(self, finding_id: str, targets: Sequence[tuple[str, str]]) -> int:
        """Link several pieces of evidence in one action: ``(kind, id)`` pairs where kind is
        ``response``, ``observation`` or ``intelligence``. Returns how many were linked."""
        columns = {
            "response": "response_id",
            "observation": "observation_id",
            "intelligence": "intelligence_item_id",
        }
        with self._context.action() as (uow, recorder):
            finding = self._require(uow, finding_id)
            for kind, target_id in targets:
                if kind not in columns:
                    raise InvalidValue("evidence", f"'{kind}' is not a kind of evidence")
                values: dict[str, Any] = dict.fromkeys(columns.values())
                values.update({"finding_id": finding_id, "note": "", columns[kind]: target_id})
                recorder.create(EvidenceLink(), values, visit_scope(finding.visit_id))
            uow.commit()
            return len(targets)

    def unlink_evidence(self, link_id: str) -> None:
        """Take a piece of evidence off a finding (a soft delete; the evidence itself stays)."""
        with self._context.action() as (uow, recorder):
            link = uow.session.get(EvidenceLink, link_id)
            if link is None or link.deleted_at is not None:
                raise NotFound("evidence link", link_id)
            finding = self._require(uow, link.finding_id)
            recorder.write(link, {"deleted_at": utc_now()}, visit_scope(finding.visit_id))
            uow.commit()

    def for_visit(self, visit_id: str) -> list[FindingRow]:
        with self._context.store.unit_of_work() as uow:
            return [
                finding_row(f, self._context.risk_bands)
                for f in findings.for_visit(uow.session, visit_id)
            ]

    @staticmethod
    def _require(uow: UnitOfWork, finding_id: str) -> Finding:
        finding = findings.get(uow.session, finding_id)
        if finding is None:
            raise NotFound("finding", finding_id)
        return finding
