"""Interview templates on the laptop: list, read, compare versions, publish.

A published version is immutable: publishing the same id and version again with a different
body is refused (publish a new version instead), so a session pinned to a version always reads
the questions it was captured with.
"""

from __future__ import annotations

from dataclasses import dataclass

from eqvisit.domain.ids import utc_now
from eqvisit.errors import DomainError, NotFound
from eqvisit.services.context import ServiceContext
from eqvisit.storage.models import Template as TemplateRow
from eqvisit.storage.models.reference import template_record_id
from eqvisit.storage.repositories import templates
from eqvisit.templates.body import template_from_body, template_to_body
from eqvisit.templates.diff import TemplateDiff, diff_templates
from eqvisit.templates.schema import Template


@dataclass(frozen=True)
class TemplateSummary:
    template_id: str
    version: int
    title: str
    audience: str
    framework_version: str


class TemplateService:
    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def list_templates(self) -> list[TemplateSummary]:
        """The newest version of every template."""
        with self._context.store.unit_of_work() as uow:
            return [_summary(row) for row in templates.latest_versions(uow.session)]

    def get(self, template_id: str, version: int) -> Template:
        with self._context.store.unit_of_work() as uow:
            row = templates.get(uow.session, template_id, version)
            if row is None:
                raise NotFound("template", f"{template_id} version {version}")
            body = dict(row.body)
        return template_from_body(body, check_standards=False)

    def versions(self, template_id: str) -> list[int]:
        with self._context.store.unit_of_work() as uow:
            return templates.versions(uow.session, template_id)

    def diff(self, template_id: str, old_version: int, new_version: int) -> TemplateDiff:
        return diff_templates(
            self.get(template_id, old_version), self.get(template_id, new_version)
        )

    def publish(self, template: Template) -> TemplateSummary:
        """Store a validated template version; the same body again is a no-op."""
        body = template_to_body(template)
        with self._context.store.unit_of_work() as uow:
            existing = templates.get(uow.session, template.id, template.version)
            if existing is not None:
                if dict(existing.body) != body:
                    raise DomainError(
                        f"Version {template.version} of '{template.id}' is already published with "
                        f"different questions; publish it as version {template.version + 1}."
                    )
                return _summary(existing)
            row = TemplateRow(
                id=template_record_id(template.id, template.version),
                template_id=template.id,
                version=template.version,
                title=template.title,
                audience=template.audience.value,
                framework_version=template.framework,
                body=body,
                published_at=utc_now(),
            )
            templates.add(uow.session, row)
            summary = _summary(row)
            uow.commit()
            return summary


def _summary(row: TemplateRow) -> TemplateSummary:
    return TemplateSummary(
        row.template_id, row.version, row.title, row.audience, row.framework_version
    )
