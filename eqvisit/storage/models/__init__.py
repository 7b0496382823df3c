"""Every ORM model, imported here so ``Base.metadata`` is complete once this package is imported."""

from eqvisit.storage.base import Base
from eqvisit.storage.models.findings import (
    ActionItem,
    ActionStatusChange,
    Attachment,
    EvidenceLink,
    Finding,
    IssuedReference,
)
from eqvisit.storage.models.reference import (
    FrameworkDomain,
    FrameworkVersion,
    IntelligenceItem,
    LearnerGroup,
    Provider,
    Standard,
    Template,
    User,
)
from eqvisit.storage.models.reports import ReportVersion
from eqvisit.storage.models.sync import (
    AttachmentBlob,
    Conflict,
    FieldVersion,
    LocalSetting,
    OutboxChange,
    OutboxState,
    ReceiptBlock,
    StaleReceiptBlock,
    SyncCursor,
)
from eqvisit.storage.models.visits import (
    InterviewSession,
    Observation,
    PanelMember,
    Response,
    SessionInterviewer,
    Visit,
    VisitSite,
    VisitTrigger,
)

__all__ = [
    "ActionItem",
    "ActionStatusChange",
    "Attachment",
    "AttachmentBlob",
    "Base",
    "Conflict",
    "EvidenceLink",
    "FieldVersion",
    "Finding",
    "FrameworkDomain",
    "FrameworkVersion",
    "IntelligenceItem",
    "InterviewSession",
    "IssuedReference",
    "LearnerGroup",
    "LocalSetting",
    "Observation",
    "OutboxChange",
    "OutboxState",
    "PanelMember",
    "Provider",
    "ReceiptBlock",
    "ReportVersion",
    "Response",
    "SessionInterviewer",
    "StaleReceiptBlock",
    "Standard",
    "SyncCursor",
    "Template",
    "User",
    "Visit",
    "VisitSite",
    "VisitTrigger",
]
