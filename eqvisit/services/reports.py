"""Visit reports: generate a draft, sign off a final version, keep every issued version.

Every generation issues a new numbered version; its PDF bytes and SHA-256 are stored once and
never changed (``storage/models/reports.py``). The same bytes are attached to the visit, so they
reach the central store with the next sync like any attachment.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from eqvisit import __version__
from eqvisit.domain.enums import PanelRole, VisitStatus
from eqvisit.domain.ids import new_id, utc_now
from eqvisit.domain.lifecycle import check_transition
from eqvisit.domain.scopes import visit_scope
from eqvisit.errors import DomainError, NotFound, StorageError
from eqvisit.reports.data import Provenance, SignOff, report_digest
from eqvisit.services.attachments import AttachmentService
from eqvisit.services.context import ServiceContext
from eqvisit.services.exports import write_file
from eqvisit.services.report_data import build_report_data, label, require_visit
from eqvisit.storage.models import ReportVersion
from eqvisit.storage.repositories import reports, users, visits

DRAFT = "draft"
FINAL = "final"
# Statuses from which the lead may sign the report off (and so move the visit to report final).
SIGN_OFF_FROM = (VisitStatus.FINDINGS, VisitStatus.REPORT_DRAFT)
REISSUE_FROM = (VisitStatus.REPORT_FINAL, VisitStatus.ACTION_PLAN_OPEN)


@dataclass(frozen=True)
class ReportVersionRow:
    """One issued version of a visit's report (without its bytes)."""

    id: str
    visit_id: str
    number: int
    status: str
    sha256: str
    size: int
    data_digest: str
    app_version: str
    generated_at: datetime
    generated_by: str | None
    signed_off_by: str | None
    signed_off_at: datetime | None
    attachment_id: str | None

    @property
    def final(self) -> bool:
        return self.status == FINAL


@dataclass(frozen=True)
class PreviewPages:
    """Some pages of a version as PNG images; ``total`` is how many pages the version has."""

    version_id: str
    first: int
    images: tuple[bytes, ...]
    total: int


class ReportService:
    """Issues report versions. Runs on the worker thread like every service."""

    def __init__(
        self,
        context: ServiceContext,
        attachments: AttachmentService | None = None,
        *,
        invariant: bool = False,
    ) -> None:
        self._context = context
        self._attachments = attachments
        self._invariant = invariant

    def generate(self, visit_id: str) -> ReportVersionRow:
        """Issue a new draft version (DRAFT watermark) from the visit as it is now."""
        self._context.require_user()
        return self._issue(visit_id, sign_off=None)

    def sign_off(self, visit_id: str) -> ReportVersionRow:
        """The visit's lead signs the report off: a new final version, and the visit moves on.

        Allowed from findings or report draft (the visit becomes report final), and again later to
        reissue a corrected final version; every earlier version is kept.
        """
        user_id = self._context.require_user()
        with self._context.store.unit_of_work() as uow:
            visit = require_visit(uow, visit_id)
            member = visits.panel_member(uow.session, visit_id, user_id)
            if (
                member is None
                or member.deleted_at is not None
                or member.panel_role != PanelRole.LEAD
            ):
                raise DomainError("Only the visit's lead can sign off its report.")
            if visit.status not in SIGN_OFF_FROM + REISSUE_FROM:
                raise DomainError(
                    f"The report can be signed off once the visit reaches findings; "
                    f"it is {label(visit.status.value).lower()}."
                )
            user = users.get(uow.session, user_id)
            name = user.display_name if user else user_id
        signed = SignOff(name=name, role="Visit lead", signed_at=self._now())
        row = self._issue(visit_id, sign_off=signed)
        self._move_to_final(visit_id)
        return row

    def versions(self, visit_id: str) -> list[ReportVersionRow]:
        with self._context.store.unit_of_work() as uow:
            return [_row(v) for v in reports.versions(uow.session, visit_id)]

    def latest_final(self, visit_id: str) -> ReportVersionRow | None:
        return next((v for v in self.versions(visit_id) if v.final), None)

    def pdf(self, version_id: str) -> bytes:
        """The version's bytes exactly as issued, checked against the SHA-256 recorded then."""
        with self._context.store.unit_of_work() as uow:
            version = reports.get(uow.session, version_id)
            if version is None:
                raise NotFound("report version", version_id)
            data, sha256, number = bytes(version.pdf), version.sha256, version.number
        if hashlib.sha256(data).hexdigest() != sha256:
            raise StorageError(
                f"Report version {number} on this laptop does not match its recorded SHA-256; "
                "it has been damaged. Restore the profile from a backup."
            )
        return data

    def save_copy(self, version_id: str, target: Path) -> None:
        """Write the version, exactly as issued, to ``target`` (replaced in one step)."""
        write_file(target, self.pdf(version_id))

    def preview(
        self, version_id: str, *, first: int = 0, count: int = 3, dpi: int = 80
    ) -> PreviewPages:
        """PNG images of pages ``first`` … ``first + count - 1`` of a version, and its length."""
        pdf = self.pdf(version_id)
        from eqvisit.reports.preview import page_count, render_pages  # PDFium on first use

        images = render_pages(pdf, first=first, count=count, dpi=dpi)
        return PreviewPages(version_id, first, tuple(images), page_count(pdf))

    def _issue(self, visit_id: str, sign_off: SignOff | None) -> ReportVersionRow:
        now = self._now()
        with self._context.store.unit_of_work() as uow:
            data = build_report_data(
                uow, visit_id, self._context.risk_bands, report_date=now.date(), sign_off=sign_off
            )
            number = reports.next_number(uow.session, visit_id)
        status = FINAL if sign_off is not None else DRAFT
        provenance = Provenance(
            version=number,
            status=label(status),
            app_version=__version__,
            generated_at=now,
            framework_version=data.framework_version,
            template_versions=data.template_versions,
            data_digest=report_digest(data),
        )
        from eqvisit.reports.visit_report import render_visit_report  # ReportLab on first use

        pdf = render_visit_report(
            data, provenance, draft=sign_off is None, invariant=self._invariant
        )
        attachment_id = self._attach(
            visit_id, f"{_slug(data.provider_name)} report v{number} {status}.pdf", pdf
        )
        version_id = new_id()
        values = {
            "id": version_id,
            "visit_id": visit_id,
            "number": number,
            "status": status,
            "sha256": hashlib.sha256(pdf).hexdigest(),
            "size": len(pdf),
            "pdf": pdf,
            "data_digest": provenance.data_digest,
            "app_version": __version__,
            "generated_at": now,
            "generated_by": self._context.identity.user_id,
            "signed_off_by": self._context.identity.user_id if sign_off else None,
            "signed_off_at": sign_off.signed_at if sign_off else None,
            "attachment_id": attachment_id,
        }
        with self._context.store.unit_of_work() as uow:
            if reports.next_number(uow.session, visit_id) != number:
                raise DomainError("Another report version was issued meanwhile; generate again.")
            reports.add(uow.session, values)
            uow.commit()
        return self.version(version_id)

    def version(self, version_id: str) -> ReportVersionRow:
        with self._context.store.unit_of_work() as uow:
            version = reports.get(uow.session, version_id)
            if version is None:
                raise NotFound("report version", version_id)
            return _row(version)

    def _attach(self, visit_id: str, filename: str, pdf: bytes) -> str | None:
        """Attach the PDF to the visit so it syncs; ``None`` when no attachment service is wired."""
        if self._attachments is None:
            return None
        with tempfile.TemporaryDirectory(prefix="eqvisit-report-") as folder:
            path = Path(folder) / filename
            path.write_bytes(pdf)
            return self._attachments.attach(visit_id, path).id

    def _move_to_final(self, visit_id: str) -> None:
        with self._context.action() as (uow, recorder):
            visit = require_visit(uow, visit_id)
            for before, after in (
                (VisitStatus.FINDINGS, VisitStatus.REPORT_DRAFT),
                (VisitStatus.REPORT_DRAFT, VisitStatus.REPORT_FINAL),
            ):
                if visit.status == before:
                    recorder.write(
                        visit, {"status": check_transition(before, after)}, visit_scope(visit_id)
                    )
            uow.commit()

    def _now(self) -> datetime:
        if self._invariant:
            return datetime(2000, 1, 1, tzinfo=UTC)
        return utc_now().replace(microsecond=0)


def _slug(name: str) -> str:
    """A file name made of the provider's name: letters, digits, spaces and hyphens only."""
    cleaned = re.sub(r"[^\w\- ]+", "", name, flags=re.UNICODE).strip()
    return cleaned[:80] or "visit"


def _row(version: ReportVersion) -> ReportVersionRow:
    return ReportVersionRow(
        id=version.id,
        visit_id=version.visit_id,
        number=version.number,
        status=version.status,
        sha256=version.sha256,
        size=version.size,
        data_digest=version.data_digest,
        app_version=version.app_version,
        generated_at=version.generated_at,
        generated_by=version.generated_by,
        signed_off_by=version.signed_off_by,
        signed_off_at=version.signed_off_at,
        attachment_id=version.attachment_id,
    )
