"""Templates on the laptop: publish, list, read back, compare; pinned sessions keep theirs."""

from __future__ import annotations

import pytest

from eqvisit.app_services import Services
from eqvisit.domain.enums import Audience
from eqvisit.errors import DomainError, NotFound
from eqvisit.services.visits import SessionDraft
from eqvisit.templates.loader import load_default_templates
from eqvisit.templates.schema import Template


def new_version(template: Template, prompt: str) -> Template:
    first = template.sections[0]
    changed = first.model_copy(
        update={
            "questions": (
                first.questions[0].model_copy(update={"prompt": prompt}),
                *first.questions[1:],
            )
        }
    )
    return template.model_copy(
        update={"version": template.version + 1, "sections": (changed, *template.sections[1:])}
    )


def test_the_demo_holds_every_default_template(demo: Services) -> None:
    ids = {t.template_id for t in demo.templates.list_templates()}
    assert ids == {t.id for t in load_default_templates()}


def test_a_published_version_reads_back_identically(services: Services) -> None:
    template = load_default_templates()[0]
    services.templates.publish(template)
    assert services.templates.get(template.id, template.version) == template


def test_a_published_version_is_immutable_and_republishing_it_unchanged_is_a_no_op(
    services: Services,
) -> None:
    template = load_default_templates()[0]
    services.templates.publish(template)
    services.templates.publish(template)
    altered = new_version(template, "Something else entirely?").model_copy(
        update={"version": template.version}
    )
    with pytest.raises(DomainError, match="already published with different questions"):
        services.templates.publish(altered)
    assert services.templates.get(template.id, template.version) == template


def test_a_new_version_never_changes_a_session_pinned_to_the_old_one(demo: Services) -> None:
    (visit,) = demo.visits.list_visits()
    pinned = next(
        s for s in demo.visits.get(visit.id).sessions if s.template_id == "doctors-in-training"
    )
    old = demo.templates.get("doctors-in-training", pinned.template_version or 0)
    demo.templates.publish(new_version(old, "How was your first week?"))
    assert demo.templates.versions("doctors-in-training") == [1, 2]
    again = next(s for s in demo.visits.get(visit.id).sessions if s.id == pinned.id)
    assert (again.template_id, again.template_version) == ("doctors-in-training", 1)
    assert demo.templates.get("doctors-in-training", 1) == old
    diff = demo.templates.diff("doctors-in-training", 1, 2)
    assert [c.question_id for c in diff.changed_questions] == [old.sections[0].questions[0].id]
    assert [
        t.version for t in demo.templates.list_templates() if t.template_id == "doctors-in-training"
    ] == [2]


def test_a_session_cannot_pin_a_template_this_laptop_does_not_have(demo: Services) -> None:
    (visit,) = demo.visits.list_visits()
    draft = SessionDraft(
        title="x", audience=Audience.LEARNERS, template_id="nope", template_version=1
    )
    with pytest.raises(NotFound, match="nope version 1"):
        demo.visits.add_session(visit.id, draft)
