"""Who may read and write what: one table of role × record type × action (DESIGN §4).

A user's role *in a visit* comes from their panel role there (``panel_role_to_role``); admins
hold their role everywhere. ``OWN`` means records the user owns: the author fields listed in
``OWNER_FIELDS`` (a response's author, a finding's proposer, either side of a conflict), else the
user who created the record. The server checks every pushed change and filters every pulled one
with this table; nothing else decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from eqvisit.domain.enums import PanelRole, UserRole


class Action(StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"


class Grant(StrEnum):
    NONE = "none"
    OWN = "own"
    ALL = "all"


VISIT_RECORDS = (
    "visits",
    "visit_sites",
    "visit_triggers",
    "panel_members",
    "sessions",
    "session_interviewers",
    "responses",
    "observations",
    "findings",
    "evidence_links",
    "action_items",
    "action_status_changes",
    "attachments",
    "conflicts",
)
REFERENCE_RECORDS = ("users", "providers", "learner_groups", "templates")
PROVIDER_RECORDS = ("intelligence_items",)
SYNCED_RECORDS = VISIT_RECORDS + REFERENCE_RECORDS + PROVIDER_RECORDS

OWNER_FIELDS: Mapping[str, tuple[str, ...]] = {
    "responses": ("author_id",),
    "observations": ("author_id",),
    "findings": ("proposed_by",),
    "conflicts": ("winning_author_id", "losing_author_id"),
}

# The field naming a record's parent, and the parent's record type; fixed once created.
PARENTS: Mapping[str, tuple[str, str]] = {
    "visit_sites": ("visit_id", "visits"),
    "visit_triggers": ("visit_id", "visits"),
    "panel_members": ("visit_id", "visits"),
    "sessions": ("visit_id", "visits"),
    "observations": ("visit_id", "visits"),
    "findings": ("visit_id", "visits"),
    "attachments": ("visit_id", "visits"),
    "session_interviewers": ("session_id", "sessions"),
    "responses": ("session_id", "sessions"),
    "evidence_links": ("finding_id", "findings"),
    "action_items": ("finding_id", "findings"),
    "action_status_changes": ("action_item_id", "action_items"),
}

# Fields fixed once a record exists (besides its parent): who a panel seat belongs to.
FIXED_FIELDS: Mapping[str, tuple[str, ...]] = {"panel_members": ("user_id",)}

# Values a role may not go beyond when it writes these fields (a proposal stays a proposal).
FIELD_LIMITS: Mapping[tuple[UserRole, str], Mapping[str, frozenset[object]]] = {
    (UserRole.PANEL_MEMBER, "findings"): {
        "status": frozenset({"proposed", "withdrawn"}),
        "reference": frozenset({None}),
    },
}

_ALL = {Action.READ: Grant.ALL, Action.CREATE: Grant.ALL, Action.UPDATE: Grant.ALL}
_OWN = {Action.READ: Grant.OWN, Action.CREATE: Grant.OWN, Action.UPDATE: Grant.OWN}
_READ = {Action.READ: Grant.ALL}
_READ_ALL_WRITE_OWN = {Action.READ: Grant.ALL, Action.CREATE: Grant.OWN, Action.UPDATE: Grant.OWN}
# Conflicts are decided and created by the server; people only resolve them (an update).
_RESOLVE_ALL = {Action.READ: Grant.ALL, Action.UPDATE: Grant.ALL}
_RESOLVE_OWN_READ_ALL = {Action.READ: Grant.ALL, Action.UPDATE: Grant.OWN}
_RESOLVE_OWN = {Action.READ: Grant.OWN, Action.UPDATE: Grant.OWN}


def _visit_table() -> dict[UserRole, dict[str, dict[Action, Grant]]]:
    lead = {**dict.fromkeys(VISIT_RECORDS, _ALL), "conflicts": _RESOLVE_ALL}
    panel = {
        **dict.fromkeys(VISIT_RECORDS, _READ),
        "responses": _READ_ALL_WRITE_OWN,
        "observations": _READ_ALL_WRITE_OWN,
        "findings": _READ_ALL_WRITE_OWN,
        "evidence_links": _READ_ALL_WRITE_OWN,
        "attachments": _READ_ALL_WRITE_OWN,
        "conflicts": _RESOLVE_OWN_READ_ALL,
    }
    lay = {
        "visits": _READ,
        "visit_sites": _READ,
        "panel_members": _READ,
        "sessions": _READ,
        "session_interviewers": _READ,
        "observations": _OWN,
        "attachments": _OWN,
        "conflicts": _RESOLVE_OWN,
    }
    observer = dict.fromkeys(VISIT_RECORDS, _READ)
    admin = {
        "visits": _ALL,
        "visit_sites": _ALL,
        "panel_members": _ALL,
    }
    return {
        UserRole.QUALITY_LEAD: lead,
        UserRole.PANEL_MEMBER: panel,
        UserRole.LAY_REPRESENTATIVE: lay,
        UserRole.OBSERVER: observer,
        UserRole.ADMIN: admin,
    }


def _reference_table() -> dict[UserRole, dict[str, dict[Action, Grant]]]:
    readable = dict.fromkeys(REFERENCE_RECORDS + PROVIDER_RECORDS, _READ)
    return {
        UserRole.ADMIN: dict.fromkeys(REFERENCE_RECORDS + PROVIDER_RECORDS, _ALL),
        UserRole.QUALITY_LEAD: readable,
        UserRole.PANEL_MEMBER: readable,
        UserRole.LAY_REPRESENTATIVE: dict.fromkeys(REFERENCE_RECORDS, _READ),
        UserRole.OBSERVER: readable,
    }


TABLE: Mapping[UserRole, Mapping[str, Mapping[Action, Grant]]] = {
    role: {**_reference_table()[role], **_visit_table()[role]} for role in UserRole
}


def grant(role: UserRole, record_type: str, action: Action) -> Grant:
    return TABLE[role].get(record_type, {}).get(action, Grant.NONE)


PANEL_TO_ROLE: Mapping[PanelRole, UserRole] = {
    PanelRole.LEAD: UserRole.QUALITY_LEAD,
    PanelRole.SPECIALTY_SCHOOL_LEAD: UserRole.PANEL_MEMBER,
    PanelRole.UNIVERSITY_REP: UserRole.PANEL_MEMBER,
    PanelRole.EDUCATOR: UserRole.PANEL_MEMBER,
    PanelRole.LEARNER_REP: UserRole.PANEL_MEMBER,
    PanelRole.LAY_REPRESENTATIVE: UserRole.LAY_REPRESENTATIVE,
    PanelRole.REGULATOR_OBSERVER: UserRole.OBSERVER,
    PanelRole.OBSERVER: UserRole.OBSERVER,
}


def panel_role_to_role(panel_role: PanelRole) -> UserRole:
    return PANEL_TO_ROLE[panel_role]


def markdown_table() -> str:
    """The table as Markdown (read / create / update per role), for docs/sync.md."""
    roles = list(UserRole)
    short = {Grant.NONE: "–", Grant.OWN: "own", Grant.ALL: "all"}
    lines = [
        "| record type | " + " | ".join(r.value.replace("_", " ") for r in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for record_type in SYNCED_RECORDS:
        cells = [
            " / ".join(short[grant(role, record_type, action)] for action in Action)
            for role in roles
        ]
        lines.append(f"| `{record_type}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)
