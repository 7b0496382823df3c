"""One instance of every model, linked as in life, for round-trip tests on any backend."""

from __future__ import annotations

from datetime import UTC, date, datetime

from eqvisit.domain.enums import (
    ActionStatus,
    Audience,
    FindingKind,
    FindingStatus,
    IntelligenceSource,
    NtsFlag,
    OrgStatus,
    PanelRole,
    ProviderKind,
    Sentiment,
    UserRole,
    VisitStatus,
    VisitType,
)
from eqvisit.domain.ids import new_id
from eqvisit.storage import models as m

WHEN = datetime(2026, 3, 4, 9, 30, 15, 123456, tzinfo=UTC)


def build_graph() -> list[m.Base]:
    """Records in insertion order (parents first)."""
    trust = m.Provider(
        id=new_id(),
        ods_code="RW6",
        name="Pennine Acute Hospitals — Ysbyty Gwynedd ünïcode",
        kind=ProviderKind.TRUST,
        region_code="Y62",
        icb_code="QOP",
        address_lines=["Trust HQ", "Westhulme Avenue"],
        postcode="OL1 2JH",
        status=OrgStatus.CLOSED,
        opened_on=date(2002, 4, 1),
        closed_on=date(2021, 9, 30),
        parent_code=None,
    )
    site = m.Provider(
        id=new_id(),
        ods_code="RW602",
        name="Royal Oldham Hospital",
        kind=ProviderKind.TRUST_SITE,
        parent_code="RW6",
        status=OrgStatus.ACTIVE,
        address_lines=[],
    )
    group = m.LearnerGroup(id=new_id(), profession="Medicine", programme="Foundation", grade="F1")
    item = m.IntelligenceItem(
        id=new_id(),
        provider_id=trust.id,
        source=IntelligenceSource.NTS,
        period="2025",
        indicator="Clinical supervision out of hours",
        dimensions={"programme": "Foundation", "level": "F1"},
        n=23,
        value=71.4,
        benchmark=80.2,
        flag=NtsFlag.RED,
        text=None,
    )
    framework = m.FrameworkVersion(
        version="eqf-2024", title="Education Quality Framework", published_on=date(2024, 1, 1)
    )
    domain = m.FrameworkDomain(
        framework_version="eqf-2024", number=1, title="Learning environment and culture"
    )
    standard = m.Standard(
        framework_version="eqf-2024", code="1.1", domain_number=1, title="Safe care", summary="Ours"
    )
    template = m.Template(
        id="pg-doctors@2",
        template_id="pg-doctors",
        version=2,
        title="Doctors in training",
        audience="learners",
        framework_version="eqf-2024",
        body={"sections": [{"id": "s1", "questions": []}]},
        published_at=WHEN,
    )
    lead = m.User(
        id=new_id(),
        username="lead",
        display_name="Dr Lead",
        organisation="NHSE",
        role=UserRole.QUALITY_LEAD,
    )
    lay = m.User(
        id=new_id(),
        username="lay",
        display_name="Lay Rep",
        organisation=None,
        role=UserRole.LAY_REPRESENTATIVE,
    )
    visit = m.Visit(
        id=new_id(),
        provider_id=trust.id,
        visit_type=VisitType.URGENT_RISK_REVIEW,
        status=VisitStatus.FIELDWORK,
        title="Urgent review",
        programme_group="Foundation",
        starts_on=date(2026, 3, 4),
        ends_on=date(2026, 3, 5),
        reason="Red flags",
        executive_summary="Summary",
    )
    visit_site = m.VisitSite(id=new_id(), visit_id=visit.id, provider_id=site.id)
    trigger = m.VisitTrigger(
        id=new_id(), visit_id=visit.id, intelligence_item_id=item.id, note="why"
    )
    member = m.PanelMember(
        id=new_id(), visit_id=visit.id, user_id=lead.id, panel_role=PanelRole.LEAD
    )
    session = m.InterviewSession(
        id=new_id(),
        visit_id=visit.id,
        title="F1 doctors",
        audience=Audience.LEARNERS,
        learner_group_id=group.id,
        template_id="pg-doctors",
        template_version=2,
        starts_at=WHEN,
        ends_at=WHEN,
        room="Seminar 2",
        attendance={"F1": 7, "F2": 3},
        completed=True,
    )
    interviewer = m.SessionInterviewer(id=new_id(), session_id=session.id, user_id=lead.id)
    response = m.Response(
        id=new_id(),
        session_id=session.id,
        author_id=lead.id,
        question_id="induction_ok",
        value=["a", 2, None],
        note="Gwasanaeth — note 🙂",
        safety_flag=True,
    )
    observation = m.Observation(
        id=new_id(),
        visit_id=visit.id,
        session_id=session.id,
        author_id=lay.id,
        location="Ward 4",
        category="Facilities",
        text="No rest room",
        sentiment=Sentiment.CONCERN,
        standards=["1.1"],
        framework_version="eqf-2024",
    )
    finding = m.Finding(
        id=new_id(),
        visit_id=visit.id,
        kind=FindingKind.MANDATORY_REQUIREMENT,
        status=FindingStatus.AGREED,
        reference="MR1",
        framework_version="eqf-2024",
        domain_number=1,
        standards=["1.1"],
        text="Fix rota",
        required_actions="Rota review",
        likelihood=4,
        consequence=3,
        owner="Director of Education",
        due_on=date(2026, 6, 1),
        proposed_by=lead.id,
    )
    issued = m.IssuedReference(visit_id=visit.id, reference="MR1", finding_id=finding.id)
    links = [
        m.EvidenceLink(id=new_id(), finding_id=finding.id, response_id=response.id),
        m.EvidenceLink(id=new_id(), finding_id=finding.id, observation_id=observation.id),
        m.EvidenceLink(
            id=new_id(), finding_id=finding.id, intelligence_item_id=item.id, note="NTS"
        ),
    ]
    action = m.ActionItem(
        id=new_id(),
        finding_id=finding.id,
        description="Rewrite rota",
        owner="Rota lead",
        due_on=date(2026, 5, 1),
        status=ActionStatus.IN_PROGRESS,
        closure_evidence="",
    )
    change = m.ActionStatusChange(
        id=new_id(),
        action_item_id=action.id,
        status=ActionStatus.IN_PROGRESS,
        note="Started",
        changed_at=WHEN,
        changed_by=lead.id,
    )
    attachment = m.Attachment(
        id=new_id(),
        visit_id=visit.id,
        sha256="a" * 64,
        size=1234,
        media_type="application/pdf",
        filename="plan.pdf",
    )
    outbox = m.OutboxChange(
        change_id=new_id(),
        record_type="visits",
        record_id=visit.id,
        fields={"title": "Urgent review"},
        base={"title": None},
        hlc="0001772600000000-00001",
        author_id=lead.id,
        device_id=new_id(),
        scope=f"visit:{visit.id}",
        state=m.OutboxState.REJECTED,
        server_seq=None,
        reject_reason="not allowed",
    )
    version = m.FieldVersion(
        record_type="visits",
        record_id=visit.id,
        field="title",
        hlc="0001772600000000-00001",
        device_id=new_id(),
        author_id=lead.id,
    )
    cursor = m.SyncCursor(scope=f"visit:{visit.id}", cursor=2**40)
    conflict = m.Conflict(
        id=new_id(),
        record_type="findings",
        record_id=finding.id,
        field="text",
        winning_value="A",
        winning_hlc="0001772600000000-00002",
        winning_author_id=lead.id,
        losing_value={"text": "B"},
        losing_hlc="0001772600000000-00001",
        losing_author_id=lay.id,
        losing_device_id=new_id(),
        resolved_by_change=None,
        scope=f"visit:{visit.id}",
    )
    setting = m.LocalSetting(key="device_id", value=new_id())
    block = m.ReceiptBlock(
        scope=f"visit:{visit.id}",
        record_type="visits",
        record_id=visit.id,
        lines=f"visits|{visit.id}|title|0001|device\n",
    )
    stale = m.StaleReceiptBlock(
        scope=f"visit:{visit.id}", record_type="responses", record_id=response.id
    )
    blob = m.AttachmentBlob(
        sha256="a" * 64, size=1234, uploaded_bytes=512, attachment_id=attachment.id
    )
    report_version = m.ReportVersion(
        visit_id=visit.id,
        number=1,
        status="final",
        sha256="b" * 64,
        size=9,
        pdf=b"%PDF-1.4\n",
        data_digest="c" * 64,
        app_version="0.1.0",
        generated_at=WHEN,
        generated_by=lead.id,
        signed_off_by=lead.id,
        signed_off_at=WHEN,
        attachment_id=attachment.id,
    )
    return [
        trust,
        site,
        group,
        item,
        framework,
        domain,
        standard,
        template,
        lead,
        lay,
        visit,
        visit_site,
        trigger,
        member,
        session,
        interviewer,
        response,
        observation,
        finding,
        issued,
        *links,
        action,
        change,
        attachment,
        outbox,
        version,
        cursor,
        conflict,
        block,
        stale,
        setting,
        blob,
        report_version,
    ]
