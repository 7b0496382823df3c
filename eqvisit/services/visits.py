"""Visit planning use cases: create and edit visits, the panel, the agenda, the lifecycle."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from eqvisit.domain.enums import Audience, PanelRole, VisitStatus, VisitType
from eqvisit.domain.ids import natural_id, utc_now
from eqvisit.domain.lifecycle import allowed_next, check_transition
from eqvisit.domain.scopes import visit_scope
from eqvisit.domain.validation import check_attendance, check_date_range, check_text
from eqvisit.errors import InvalidValue, NotFound
from eqvisit.services.context import ServiceContext
from eqvisit.services.dto import (
    LearnerGroupRow,
    PanelMemberRow,
    SessionRow,
    VisitDetail,
    VisitSummary,
)
from eqvisit.services.mapping import provider_row, session_row, user_row
from eqvisit.storage.changes import ChangeRecorder
from eqvisit.storage.models import (
    InterviewSession,
    PanelMember,
    SessionInterviewer,
    Visit,
    VisitSite,
    VisitTrigger,
)
from eqvisit.storage.repositories import (
    intelligence,
    providers,
    templates,
    users,
    visit_links,
    visits,
)
from eqvisit.storage.unit_of_work import UnitOfWork

EDITABLE_VISIT_FIELDS = frozenset(
    {
        "title",
        "visit_type",
        "programme_group",
        "starts_on",
        "ends_on",
        "reason",
        "executive_summary",
    }
)


PANEL_ORDER = tuple(PanelRole)


@dataclass(frozen=True)
class VisitDraft:
    provider_id: str
    visit_type: VisitType
    title: str
    starts_on: date | None = None
    ends_on: date | None = None
    reason: str = ""
    programme_group: str | None = None
    site_ids: Sequence[str] = ()
    trigger_ids: Sequence[str] = ()


@dataclass(frozen=True)
class SessionDraft:
    title: str
    audience: Audience
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    room: str = ""
    learner_group_id: str | None = None
    template_id: str | None = None
    template_version: int | None = None
    interviewer_ids: Sequence[str] = ()
    attendance: Mapping[str, int] = field(default_factory=dict)


class VisitService:
    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def list_visits(self, statuses: Sequence[VisitStatus] = ()) -> list[VisitSummary]:
        with self._context.store.unit_of_work() as uow:
            return [
                visit_summary(visit, name, code)
                for visit, name, code in visits.list_with_provider(uow.session, statuses)
            ]

    def get(self, visit_id: str) -> VisitDetail:
        with self._context.store.unit_of_work() as uow:
            return visit_detail(uow, visit_id)

    def create(self, draft: VisitDraft) -> VisitDetail:
        title = check_text(draft.title, "title", max_length=200, required=True)
        check_date_range(draft.starts_on, draft.ends_on, "visit dates")
        with self._context.action() as (uow, recorder):
            if providers.get(uow.session, draft.provider_id) is None:
                raise NotFound("provider", draft.provider_id)
            visit = Visit()
            recorder.create(
                visit,
                {
                    "provider_id": draft.provider_id,
                    "visit_type": VisitType(draft.visit_type),
                    "status": VisitStatus.PLANNED,
                    "title": title,
                    "programme_group": draft.programme_group,
                    "starts_on": draft.starts_on,
                    "ends_on": draft.ends_on,
                    "reason": draft.reason,
                    "executive_summary": "",
                },
                visit_scope(visit.id),
            )
            uow.session.flush()
            for site_id in draft.site_ids:
                self._add_site(uow, recorder, visit.id, site_id)
            for item_id in draft.trigger_ids:
                self._add_trigger(uow, recorder, visit.id, item_id)
            detail = visit_detail(uow, visit.id)
            uow.commit()
            return detail

    def update(
        self,
        visit_id: str,
        changes: Mapping[str, Any],
        *,
        site_ids: Sequence[str] | None = None,
        trigger_ids: Sequence[str] | None = None,
    ) -> VisitDetail:
        """Edit the visit's fields and, when given, its sites and triggers: one action."""
        unknown = set(changes) - EDITABLE_VISIT_FIELDS
        if unknown:
            raise InvalidValue(", ".join(sorted(unknown)), "cannot be edited this way")
        values = dict(changes)
        if "title" in values:
            values["title"] = check_text(values["title"], "title", max_length=200, required=True)
        if "visit_type" in values:
            values["visit_type"] = VisitType(values["visit_type"])
        with self._context.action() as (uow, recorder):
            visit = _require(uow, visit_id)
            check_date_range(
                values.get("starts_on", visit.starts_on),
                values.get("ends_on", visit.ends_on),
                "visit dates",
            )
            changed = {k: v for k, v in values.items() if getattr(visit, k) != v}
            if changed:
                recorder.write(visit, changed, visit_scope(visit_id))
            if site_ids is not None:
                self._replace_sites(uow, recorder, visit_id, site_ids)
            if trigger_ids is not None:
                self._replace_triggers(uow, recorder, visit_id, trigger_ids)
            uow.session.flush()
            detail = visit_detail(uow, visit_id)
            uow.commit()
            return detail

    def transition(self, visit_id: str, status: VisitStatus) -> VisitDetail:
        """Move the visit along its lifecycle; refused moves raise :class:`IllegalTransition`."""
        with self._context.action() as (uow, recorder):
            visit = _require(uow, visit_id)
            check_transition(visit.status, VisitStatus(status))
            recorder.write(visit, {"status": VisitStatus(status)}, visit_scope(visit_id))
            detail = visit_detail(uow, visit_id)
            uow.commit()
            return detail

    def add_panel_member(self, visit_id: str, user_id: str, panel_role: PanelRole) -> VisitDetail:
        with self._context.action() as (uow, recorder):
            _require(uow, visit_id)
            if users.get(uow.session, user_id) is None:
                raise NotFound("user", user_id)
            existing = visits.panel_member(uow.session, visit_id, user_id)
            fields = {"panel_role": PanelRole(panel_role), "deleted_at": None}
            if existing is None:
                recorder.create(
                    PanelMember(id=natural_id("panel_members", visit_id, user_id)),
                    {"visit_id": visit_id, "user_id": user_id, **fields},
                    visit_scope(visit_id),
                )
            else:
                recorder.write(existing, fields, visit_scope(visit_id))
            uow.session.flush()
            detail = visit_detail(uow, visit_id)
            uow.commit()
            return detail

    def remove_panel_member(self, visit_id: str, user_id: str) -> VisitDetail:
        with self._context.action() as (uow, recorder):
            member = visits.panel_member(uow.session, visit_id, user_id)
            if member is None or member.deleted_at is not None:
                raise NotFound("panel member", user_id)
            recorder.write(member, {"deleted_at": utc_now()}, visit_scope(visit_id))
            uow.session.flush()
            detail = visit_detail(uow, visit_id)
            uow.commit()
            return detail

    def add_session(self, visit_id: str, draft: SessionDraft) -> SessionRow:
        title = check_text(draft.title, "session title", max_length=200, required=True)
        check_date_range(draft.starts_at, draft.ends_at, "session times")
        attendance = check_attendance(draft.attendance)
        if (draft.template_id is None) != (draft.template_version is None):
            raise InvalidValue("template", "give both the template id and its version, or neither")
        with self._context.action() as (uow, recorder):
            _require(uow, visit_id)
            template_id, version = draft.template_id, draft.template_version
            if (
                template_id is not None
                and version is not None
                and templates.get(uow.session, template_id, version) is None
            ):
                raise NotFound("template", f"{template_id} version {version}")
            scope = visit_scope(visit_id)
            agenda_item = InterviewSession()
            recorder.create(
                agenda_item,
                {
                    "visit_id": visit_id,
                    "title": title,
                    "audience": Audience(draft.audience),
                    "learner_group_id": draft.learner_group_id,
                    "template_id": draft.template_id,
                    "template_version": draft.template_version,
                    "starts_at": draft.starts_at,
                    "ends_at": draft.ends_at,
                    "room": draft.room,
                    "attendance": attendance,
                    "completed": False,
                },
                scope,
            )
            uow.session.flush()
            for user_id in dict.fromkeys(draft.interviewer_ids):
                if users.get(uow.session, user_id) is None:
                    raise NotFound("user", user_id)
                recorder.create(
                    SessionInterviewer(
                        id=natural_id("session_interviewers", agenda_item.id, user_id)
                    ),
                    {"session_id": agenda_item.id, "user_id": user_id},
                    scope,
                )
            uow.session.flush()
            row = session_row(agenda_item, list(dict.fromkeys(draft.interviewer_ids)))
            uow.commit()
            return row

    def set_attendance(self, session_id: str, attendance: Mapping[str, int]) -> SessionRow:
        counts = check_attendance(attendance)
        with self._context.action() as (uow, recorder):
            agenda_item = visits.get_session(uow.session, session_id)
            if agenda_item is None:
                raise NotFound("session", session_id)
            recorder.write(agenda_item, {"attendance": counts}, visit_scope(agenda_item.visit_id))
            row = session_row(
                agenda_item, visits.interviewer_ids(uow.session, [session_id])[session_id]
            )
            uow.commit()
            return row

    def set_sites(self, visit_id: str, site_ids: Sequence[str]) -> VisitDetail:
        """Make the visit cover exactly ``site_ids`` (sites no longer wanted are soft-deleted)."""
        return self.update(visit_id, {}, site_ids=site_ids)

    def set_triggers(self, visit_id: str, item_ids: Sequence[str]) -> VisitDetail:
        """Make exactly ``item_ids`` the intelligence items that triggered the visit."""
        return self.update(visit_id, {}, trigger_ids=item_ids)

    def _replace_sites(
        self, uow: UnitOfWork, recorder: ChangeRecorder, visit_id: str, site_ids: Sequence[str]
    ) -> None:
        current = {site.id for site in visits.sites(uow.session, visit_id)}
        wanted = list(dict.fromkeys(site_ids))
        for site_id in wanted:
            if site_id not in current and providers.get(uow.session, site_id) is None:
                raise NotFound("site", site_id)
        self._set_links(uow, recorder, visit_id, VisitSite, "provider_id", current, wanted)

    def _replace_triggers(
        self, uow: UnitOfWork, recorder: ChangeRecorder, visit_id: str, item_ids: Sequence[str]
    ) -> None:
        current = {t.intelligence_item_id for t in visits.triggers(uow.session, visit_id)}
        wanted = list(dict.fromkeys(item_ids))
        known = {i.id for i in intelligence.get_many(uow.session, wanted)}
        for item_id in wanted:
            if item_id not in known:
                raise NotFound("intelligence item", item_id)
        self._set_links(
            uow, recorder, visit_id, VisitTrigger, "intelligence_item_id", current, wanted
        )

    @staticmethod
    def _set_links(
        uow: UnitOfWork,
        recorder: ChangeRecorder,
        visit_id: str,
        model: type[VisitSite] | type[VisitTrigger],
        target: str,
        current: set[str],
        wanted: Sequence[str],
    ) -> None:
        scope = visit_scope(visit_id)
        table = model.__tablename__
        for target_id in current - set(wanted):
            link = visit_links.get_any(uow.session, model, natural_id(table, visit_id, target_id))
            if link is not None:
                recorder.write(link, {"deleted_at": utc_now()}, scope)
        for target_id in dict.fromkeys(wanted):
            if target_id in current:
                continue
            link_id = natural_id(table, visit_id, target_id)
            existing = visit_links.get_any(uow.session, model, link_id)
            if existing is not None:
                recorder.write(existing, {"deleted_at": None}, scope)
            else:
                recorder.create(model(id=link_id), {"visit_id": visit_id, target: target_id}, scope)

    def remove_session(self, session_id: str) -> VisitDetail:
        """Take a session off the agenda (soft delete, so the removal syncs)."""
        with self._context.action() as (uow, recorder):
            agenda_item = visits.get_session(uow.session, session_id)
            if agenda_item is None:
                raise NotFound("session", session_id)
            visit_id = agenda_item.visit_id
            recorder.write(agenda_item, {"deleted_at": utc_now()}, visit_scope(visit_id))
            uow.session.flush()
            detail = visit_detail(uow, visit_id)
            uow.commit()
            return detail

    def learner_groups(self) -> list[LearnerGroupRow]:
        with self._context.store.unit_of_work() as uow:
            return [
                LearnerGroupRow(g.id, g.profession, g.programme, g.grade)
                for g in visit_links.learner_groups(uow.session)
            ]

    def _add_site(
        self, uow: UnitOfWork, recorder: ChangeRecorder, visit_id: str, site_id: str
    ) -> None:
        if providers.get(uow.session, site_id) is None:
            raise NotFound("site", site_id)
        recorder.create(
            VisitSite(id=natural_id("visit_sites", visit_id, site_id)),
            {"visit_id": visit_id, "provider_id": site_id},
            visit_scope(visit_id),
        )

    def _add_trigger(
        self, uow: UnitOfWork, recorder: ChangeRecorder, visit_id: str, item_id: str
    ) -> None:
        if not intelligence.get_many(uow.session, [item_id]):
            raise NotFound("intelligence item", item_id)
        recorder.create(
            VisitTrigger(id=natural_id("visit_triggers", visit_id, item_id)),
            {"visit_id": visit_id, "intelligence_item_id": item_id},
            visit_scope(visit_id),
        )


def _require(uow: UnitOfWork, visit_id: str) -> Visit:
    visit = visits.get(uow.session, visit_id)
    if visit is None:
        raise NotFound("visit", visit_id)
    return visit


def visit_summary(visit: Visit, provider_name: str, provider_code: str) -> VisitSummary:
    return VisitSummary(
        id=visit.id,
        title=visit.title,
        visit_type=visit.visit_type,
        status=visit.status,
        provider_id=visit.provider_id,
        provider_name=provider_name,
        provider_code=provider_code,
        starts_on=visit.starts_on,
        ends_on=visit.ends_on,
    )


def visit_detail(uow: UnitOfWork, visit_id: str) -> VisitDetail:
    """The visit with its sites, triggers, panel and agenda, read inside ``uow``."""
    session = uow.session
    visit = _require(uow, visit_id)
    provider = providers.get(session, visit.provider_id)
    assert provider is not None  # guaranteed by the foreign key
    agenda = visits.sessions(session, visit_id)
    interviewers = visits.interviewer_ids(session, [s.id for s in agenda])
    return VisitDetail(
        summary=visit_summary(visit, provider.name, provider.ods_code),
        programme_group=visit.programme_group,
        reason=visit.reason,
        executive_summary=visit.executive_summary,
        allowed_next=allowed_next(visit.status),
        sites=tuple(provider_row(site) for site in visits.sites(session, visit_id)),
        trigger_ids=tuple(t.intelligence_item_id for t in visits.triggers(session, visit_id)),
        panel=tuple(
            sorted(
                (
                    PanelMemberRow(id=member.id, user=user_row(user), panel_role=member.panel_role)
                    for member, user in visits.panel(session, visit_id)
                ),
                key=lambda row: (PANEL_ORDER.index(row.panel_role), row.user.display_name),
            )
        ),
        sessions=tuple(session_row(s, interviewers[s.id]) for s in agenda),
    )
