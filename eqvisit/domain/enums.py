"""The vocabularies of the domain (DESIGN §1). Values are the stable strings stored and synced."""

from __future__ import annotations

from enum import StrEnum


class ProviderKind(StrEnum):
    TRUST = "trust"
    TRUST_SITE = "trust_site"
    GP_PRACTICE = "gp_practice"
    DENTAL_PRACTICE = "dental_practice"
    INDEPENDENT = "independent"
    OTHER = "other"


class OrgStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"
    DORMANT = "dormant"
    PROPOSED = "proposed"


class IntelligenceSource(StrEnum):
    NTS = "nts"
    NETS = "nets"
    CQC = "cqc"
    CONCERN = "concerns"
    OUTCOME = "outcomes"
    ATTRITION = "attrition"
    SELF_ASSESSMENT = "self_assessment"


class NtsFlag(StrEnum):
    """GMC National Training Survey outlier flags; grey means n < 3, none means n = 0."""

    RED = "red"
    PINK = "pink"
    WHITE = "white"
    LIGHT_GREEN = "light_green"
    GREEN = "green"
    GREY = "grey"
    NONE = "none"


class VisitType(StrEnum):
    URGENT_RISK_REVIEW = "urgent_risk_review"
    RISK_BASED_REVIEW = "risk_based_review"
    LEARNER_EDUCATOR_REVIEW = "learner_educator_review"
    PROGRAMME_REVIEW = "programme_review"
    SENIOR_LEADER_ENGAGEMENT = "senior_leader_engagement"
    NEW_PROGRAMME_REVIEW = "new_programme_review"
    ANNUAL_REVIEW = "annual_education_quality_review"
    DESKTOP_REVIEW = "desktop_review"


class VisitStatus(StrEnum):
    PLANNED = "planned"
    BRIEFING = "briefing"
    FIELDWORK = "fieldwork"
    FINDINGS = "findings"
    REPORT_DRAFT = "report_draft"
    REPORT_FINAL = "report_final"
    ACTION_PLAN_OPEN = "action_plan_open"
    CLOSED = "closed"


class UserRole(StrEnum):
    """A user's role across the system; what it allows is one table in the sync layer."""

    ADMIN = "admin"
    QUALITY_LEAD = "quality_lead"
    PANEL_MEMBER = "panel_member"
    LAY_REPRESENTATIVE = "lay_representative"
    OBSERVER = "observer"


class PanelRole(StrEnum):
    """The role a user holds on one visit's panel."""

    LEAD = "lead"
    SPECIALTY_SCHOOL_LEAD = "specialty_school_lead"
    UNIVERSITY_REP = "university_rep"
    EDUCATOR = "educator"
    LEARNER_REP = "learner_rep"
    LAY_REPRESENTATIVE = "lay_representative"
    REGULATOR_OBSERVER = "regulator_observer"
    OBSERVER = "observer"


class Audience(StrEnum):
    LEARNERS = "learners"
    EDUCATORS = "educators"
    SENIOR_LEADERS = "senior_leaders"
    LAY_OBSERVATION = "lay_observation"
    WALK_ROUND = "walk_round"


class Sentiment(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    CONCERN = "concern"


class FindingKind(StrEnum):
    GOOD_PRACTICE = "good_practice"
    IMMEDIATE_MANDATORY_REQUIREMENT = "immediate_mandatory_requirement"
    MANDATORY_REQUIREMENT = "mandatory_requirement"
    RECOMMENDATION = "recommendation"
    AREA_FOR_IMPROVEMENT = "area_for_improvement"


class FindingStatus(StrEnum):
    PROPOSED = "proposed"
    AGREED = "agreed"
    OPEN = "open"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class ActionStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    EVIDENCE_SUBMITTED = "evidence_submitted"
    CLOSED = "closed"
    OVERDUE = "overdue"
