"""Reports through the services: the visit's own texts, versions, sign-off and their hashes."""

from __future__ import annotations

import hashlib
import io

import pypdf
import pytest
from sqlalchemy import text

from eqvisit.app_services import Services
from eqvisit.domain.enums import Sentiment, VisitStatus
from eqvisit.errors import DomainError
from tests.reports.conftest import WELSH, fill_visit, pdf_text, to_findings
from tests.reports.test_visit_report import squeezed


def test_the_report_holds_the_visits_own_texts(demo: Services) -> None:
    filled = fill_visit(demo, findings=8)
    demo.users.sign_in_locally("panel1")
    demo.capture.add_observation(filled.visit_id, "A panel member's note, not a lay one")
    demo.users.sign_in_locally("lead")
    version = demo.reports.generate(filled.visit_id)
    text = pdf_text(demo.reports.pdf(version.id))
    flat = squeezed(text)
    detail = demo.visits.get(filled.visit_id)
    for member in detail.panel:
        assert member.user.display_name in text
    for reference, finding in filled.finding_texts.items():
        assert squeezed(reference + finding) in flat or squeezed(finding) in flat, reference
    for observation in filled.observation_texts:
        assert squeezed(observation) in flat
    assert "A panel member's note" not in text
    assert "Observed by Mrs Jean Hughes (lay representative)" in text
    assert squeezed(WELSH) in flat
    assert "The panel met 42 learners." in text
    assert detail.summary.provider_name in text
    assert "Domain 1: Learning environment and culture" in text
    assert version.status == "draft" and version.number == 1
    assert "DRAFT" in text


def test_sign_off_issues_a_final_version_and_keeps_every_earlier_one(demo: Services) -> None:
    filled = fill_visit(demo, findings=4)
    to_findings(demo, filled.visit_id)
    first = demo.reports.generate(filled.visit_id)
    second = demo.reports.generate(filled.visit_id)
    final = demo.reports.sign_off(filled.visit_id)
    assert [v.number for v in demo.reports.versions(filled.visit_id)] == [3, 2, 1]
    assert (first.status, second.status, final.status) == ("draft", "draft", "final")
    assert final.signed_off_by == demo.users.current_user().id  # type: ignore[union-attr]
    assert demo.visits.get(filled.visit_id).summary.status is VisitStatus.REPORT_FINAL
    final_text = pdf_text(demo.reports.pdf(final.id))
    assert "DRAFT" not in final_text
    assert "Signed off by Dr Asha Patel, Visit lead" in final_text
    # each version is kept byte for byte, its hash recorded, and the same data gives the same digest
    for version in (first, second, final):
        data = demo.reports.pdf(version.id)
        assert hashlib.sha256(data).hexdigest() == version.sha256 and len(data) == version.size
    assert len({first.sha256, second.sha256, final.sha256}) == 3
    assert first.data_digest == second.data_digest == final.data_digest
    # a change to the visit shows in the next version's digest; the final one stays as issued
    demo.capture.add_observation(
        filled.visit_id, "Added after sign-off", sentiment=Sentiment.NEUTRAL
    )
    demo.visits.update(filled.visit_id, {"executive_summary": "Revised summary"})
    fourth = demo.reports.generate(filled.visit_id)
    assert fourth.number == 4 and fourth.data_digest != final.data_digest
    assert demo.reports.latest_final(filled.visit_id) == final
    assert "Revised summary" not in pdf_text(demo.reports.pdf(final.id))


def test_each_version_reaches_the_visit_as_an_attachment(demo: Services) -> None:
    filled = fill_visit(demo, findings=2)
    version = demo.reports.generate(filled.visit_id)
    (attachment,) = [
        a for a in demo.attachments.for_visit(filled.visit_id) if a.id == version.attachment_id
    ]
    assert attachment.sha256 == version.sha256
    assert attachment.media_type == "application/pdf"
    assert attachment.filename.endswith("report v1 draft.pdf")
    assert demo.attachments.open_local(attachment.id).read_bytes() == demo.reports.pdf(version.id)


def test_only_the_lead_signs_off_and_only_from_findings_on(demo: Services) -> None:
    filled = fill_visit(demo, findings=1)
    with pytest.raises(DomainError, match="once the visit reaches findings"):
        demo.reports.sign_off(filled.visit_id)
    to_findings(demo, filled.visit_id)
    demo.users.sign_in_locally("panel1")
    with pytest.raises(DomainError, match="Only the visit's lead"):
        demo.reports.sign_off(filled.visit_id)
    assert demo.reports.versions(filled.visit_id) == []


def test_an_issued_version_can_be_neither_changed_nor_deleted(demo: Services) -> None:
    filled = fill_visit(demo, findings=1)
    version = demo.reports.generate(filled.visit_id)
    engine = demo.context.store.engine
    for statement in (
        "UPDATE report_versions SET pdf = x'00' WHERE id = :id",
        "DELETE FROM report_versions WHERE id = :id",
    ):
        with pytest.raises(Exception, match="never"), engine.begin() as connection:
            connection.execute(text(statement), {"id": version.id})
    assert hashlib.sha256(demo.reports.pdf(version.id)).hexdigest() == version.sha256


def test_previews_are_png_pages(demo: Services) -> None:
    filled = fill_visit(demo, findings=2)
    version = demo.reports.generate(filled.visit_id)
    preview = demo.reports.preview(version.id, first=1, count=2, dpi=40)
    assert (preview.first, len(preview.images)) == (1, 2)
    assert preview.total == len(pypdf.PdfReader(io.BytesIO(demo.reports.pdf(version.id))).pages)
    assert all(image.startswith(b"\x89PNG\r\n\x1a\n") for image in preview.images)
    tail = demo.reports.preview(version.id, first=preview.total - 1, count=5)
    assert len(tail.images) == 1
