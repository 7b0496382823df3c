"""The default template library: every file validates and holds content a panel can use."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from eqvisit.domain.enums import Audience
from eqvisit.templates.commands import validate_command
from eqvisit.templates.framework import load_framework
from eqvisit.templates.loader import default_template_paths, load_default_templates, load_template
from eqvisit.templates.schema import Template


@pytest.fixture(scope="module")
def templates() -> list[Template]:
    return load_default_templates()


def test_there_are_six_default_templates_one_file_each() -> None:
    paths = default_template_paths()
    assert [p.name for p in paths] == [
        "doctors-in-training.yaml",
        "educators-supervisors.yaml",
        "lay-observation.yaml",
        "pre-registration-students.yaml",
        "senior-leaders.yaml",
        "walk-round.yaml",
    ]


@pytest.mark.parametrize("path", default_template_paths(), ids=lambda p: p.stem)
def test_each_default_template_validates(path: Path) -> None:
    template = load_template(path)
    assert template.id == path.stem
    assert template.version >= 1
    assert len(template.questions) >= 15


def test_validate_command_accepts_the_whole_library() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert validate_command(default_template_paths(), out, err) == 0
    assert err.getvalue() == ""
    lines = out.getvalue().splitlines()
    assert len(lines) == 6
    assert all(re.fullmatch(r"OK .+\.yaml \([a-z-]+ v\d+, \d+ questions\)", line) for line in lines)


def test_every_audience_is_served(templates: list[Template]) -> None:
    assert {t.audience for t in templates} == set(Audience)


def test_every_question_cites_existing_standards(templates: list[Template]) -> None:
    for template in templates:
        framework = load_framework(template.framework)
        for question in template.questions:
            assert question.standards, f"{template.id}:{question.id} cites no standard"
            assert set(question.standards) <= framework.codes()


def test_every_domain_of_the_framework_is_probed(templates: list[Template]) -> None:
    cited = {code for t in templates for q in t.questions for code in q.standards}
    framework = load_framework("eqf-2024")
    for domain in framework.domains:
        assert any(s.code in cited for s in domain.standards), domain.title


def test_every_template_uses_show_if_follow_ups(templates: list[Template]) -> None:
    for template in templates:
        assert any(q.show_if is not None for q in template.questions), template.id


def test_no_question_asks_for_a_name(templates: list[Template]) -> None:
    for template in templates:
        for question in template.questions:
            for match in re.finditer(r"\bnames?\b", question.prompt, flags=re.IGNORECASE):
                before = question.prompt[: match.start()].lower()
                assert before.endswith(("no ", "not ")), f"{template.id}:{question.id}"


THEMES = {
    "induction": r"induction",
    "supervision in hours": r"during the day|senior",
    "supervision out of hours": r"out of hours|overnight|nights",
    "workload and rotas": r"workload|rota",
    "handover": r"handover",
    "teaching and protected time": r"teaching|protected learning",
    "feedback": r"feedback",
    "patient safety and escalation": r"escalat|patient safety|at risk",
    "raising concerns": r"raise[ds]? a concern|speak up|concern was raised",
    "bullying and undermining": r"bullying|undermining",
    "discrimination": r"discrimination|unfair treatment",
    "sexual safety": r"sexual",
    "wellbeing": r"wellbeing|struggling",
    "facilities": r"rest|study space|lockers|changing",
    "IT access": r"logins|computers|wi-fi",
    "educator time": r"job plan|workload allocation",
    "educator training": r"training for the role",
    "equality, diversity and inclusion": r"inclusi|ethnicity|reasonable adjustments",
    "survey outliers": r"outlier",
    "earlier requirements": r"earlier reviews|action plan",
    "investment in education": r"invest|funding",
    "attrition": r"leaving programmes|attrition",
    "supernumerary status": r"supernumerary",
    "practice supervisors and assessors": r"practice assessor",
}


@pytest.mark.parametrize(("theme", "pattern"), THEMES.items())
def test_library_covers_theme(templates: list[Template], theme: str, pattern: str) -> None:
    text = " ".join(f"{q.prompt} {q.guidance}" for t in templates for q in t.questions).lower()
    assert re.search(pattern, text), theme


def test_defaults_have_unique_ids(templates: list[Template]) -> None:
    ids = [t.id for t in templates]
    assert len(ids) == len(set(ids))
