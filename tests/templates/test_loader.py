"""Loading YAML templates: every malformed input gives a located TemplateError, nothing else."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from eqvisit.errors import TemplateError
from eqvisit.templates.limits import MAX_YAML_BYTES
from eqvisit.templates.loader import load_template, load_template_file, load_template_text
from eqvisit.templates.problems import TemplateValidationError, problems_of
from eqvisit.templates.schema import QuestionType
from eqvisit.templates.yaml_reader import read_bytes
from tests.templates.conftest import MINIMAL_YAML

Write = Callable[[str, str | bytes], Path]


def problems(path: Path) -> list[TemplateError]:
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    return problems_of(caught.value)


def one_problem(path: Path) -> TemplateError:
    found = problems(path)
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


def test_minimal_template_loads(write: Write) -> None:
    template = load_template(write("t.yaml", MINIMAL_YAML))
    assert template.id == "demo"
    assert template.version == 1
    assert template.question_ids == ("q1", "q2")
    assert template.question("q1").type is QuestionType.YES_NO_UNSURE
    assert template.question("q1").standards == ("3.1",)


def test_error_string_names_file_line_and_field(write: Write) -> None:
    path = write("t.yaml", MINIMAL_YAML.replace("        prompt: What was missing?\n", ""))
    problem = one_problem(path)
    assert str(problem) == (
        f"{path}:14: sections[0].questions[1].prompt: required field 'prompt' is missing"
    )
    assert problem.source == str(path)
    assert problem.line == 14
    assert problem.field == "sections[0].questions[1].prompt"


def test_unknown_key_is_located_at_its_line_with_a_suggestion(write: Write) -> None:
    text = MINIMAL_YAML.replace(
        "        prompt: What was missing?", "        promt: What was missing?"
    )
    problems_found = problems(write("t.yaml", text))
    unknown = [p for p in problems_found if "unknown field" in str(p)]
    assert len(unknown) == 1
    assert unknown[0].line == 16
    assert "did you mean 'prompt'?" in str(unknown[0])


def test_comma_in_flow_mapping_hints_at_quoting(write: Write) -> None:
    text = MINIMAL_YAML + (
        "      - id: q3\n"
        "        type: single_choice\n"
        "        prompt: Grade?\n"
        "        options:\n"
        "          - {value: a, label: Yes, sometimes}\n"
        "          - {value: b, label: No}\n"
    )
    problem = one_problem(write("t.yaml", text))
    assert problem.line == 22
    assert "must be put in quotes" in str(problem)


def test_all_problems_are_collected_in_line_order(write: Write) -> None:
    text = (
        MINIMAL_YAML.replace("version: 1", 'version: "one"')
        .replace("audience: learners", "audience: students")
        .replace("type: text", "type: essay")
    )
    path = write("t.yaml", text)
    with pytest.raises(TemplateValidationError) as caught:
        load_template(path)
    lines = str(caught.value).splitlines()
    assert [p.line for p in caught.value.problems] == [2, 4, 15]
    assert lines[0] == f"{path}:2: version: expected a whole number, got text"
    assert lines[1].startswith(f"{path}:4: audience: 'students' is not allowed; use one of")
    assert lines[2].startswith(f"{path}:15: sections[0].questions[1].type: 'essay' is not allowed")
    # The first problem is also what the error itself reports.
    assert caught.value.line == 2
    assert caught.value.field == "version"


@pytest.mark.parametrize(
    ("replace", "by", "line", "field", "message"),
    [
        ("version: 1", "version: 0", 2, "version", "must be at least 1"),
        ("version: 1", "version: 1.5", 2, "version", "expected a whole number"),
        ("version: 1", "version: true", 2, "version", "expected a whole number"),
        ("id: demo", "id: Demo Template", 1, "id", "is not a valid id"),
        ("title: Demo template", "title: ''", 3, "title", "must not be empty"),
        ("title: Demo template", "title: [a, b]", 3, "title", "expected text, got a list"),
        (
            'standards: ["3.1"]',
            "standards: [3.1]",
            13,
            "sections[0].questions[0].standards[0]",
            "must be quoted text",
        ),
        (
            'standards: ["3.1"]',
            'standards: ["3.x"]',
            13,
            "sections[0].questions[0].standards[0]",
            "is not a standard code",
        ),
        (
            'standards: ["3.1"]',
            "standards: 3.1",
            13,
            "sections[0].questions[0].standards",
            "expected a list",
        ),
        (
            "        prompt: Did you receive an induction?\n",
            "        prompt: Did you receive an induction?\n        required: 'yes'\n",
            13,
            "sections[0].questions[0].required",
            "expected true or false",
        ),
        (
            "framework: eqf-2024",
            "framework: eqf-1999",
            5,
            "framework",
            "unknown framework version 'eqf-1999'",
        ),
        (
            'standards: ["3.1"]',
            'standards: ["3.9"]',
            13,
            "sections[0].questions[0].standards[0]",
            "standard 3.9 does not exist in framework eqf-2024",
        ),
        (
            'standards: ["3.1"]',
            'standards: ["3.1", "3.1"]',
            13,
            "sections[0].questions[0].standards[1]",
            "listed twice",
        ),
        (
            "    questions:\n",
            "    questions: []\n    unused:\n",
            9,
            "sections[0].questions",
            "needs at least 1 item",
        ),
    ],
)
def test_field_problems(
    write: Write, replace: str, by: str, line: int, field: str, message: str
) -> None:
    assert replace in MINIMAL_YAML
    found = problems(write("t.yaml", MINIMAL_YAML.replace(replace, by, 1)))
    matching = [p for p in found if p.field == field]
    assert matching, [str(p) for p in found]
    assert matching[0].line == line, str(matching[0])
    assert message in str(matching[0])


SHOW_IF_CASES = [
    ("{equals: {question: q9, value: 'no'}}", "there is no such question"),
    ("{equals: {question: q2, value: 'no'}}", "cannot depend on its own answer"),
    ("{equals: {question: q1, value: maybe}}", "'maybe' is not an option of 'q1'"),
    ("{in: {question: q1, values: []}}", "needs at least 1 item"),
    ("{equals: {question: q1}}", "required field 'value' is missing"),
    ("{equals: {question: q1, value: 'no'}, answered: q1}", "exactly one key"),
    ("{equal: {question: q1, value: 'no'}}", "unknown condition 'equal'"),
    ("{}", "this one is empty"),
    ("'q1 = no'", "expected a condition"),
    ("{all: []}", "needs at least 1 item"),
    ("{not: {equals: {question: q1, value: [1]}}}", "expected text or a number"),
]


@pytest.mark.parametrize(("condition", "message"), SHOW_IF_CASES)
def test_show_if_problems_are_located_on_the_condition(
    write: Write, condition: str, message: str
) -> None:
    text = MINIMAL_YAML.replace(
        'show_if: {equals: {question: q1, value: "no"}}', f"show_if: {condition}"
    )
    found = problems(write("t.yaml", text))
    assert any(message in str(p) for p in found), [str(p) for p in found]
    assert all(p.line == 17 for p in found), [str(p) for p in found]
    assert all((p.field or "").startswith("sections[0].questions[1].show_if") for p in found)


def test_forward_show_if_is_refused(write: Write) -> None:
    text = MINIMAL_YAML.replace(
        '        standards: ["3.1"]\n',
        '        standards: ["3.1"]\n        show_if: {answered: q2}\n',
    )
    problem = one_problem(write("t.yaml", text))
    assert problem.line == 14
    assert problem.field == "sections[0].questions[0].show_if.answered"
    assert "it comes later; show_if may only use answers to earlier questions" in str(problem)


def test_show_if_nested_too_deep(write: Write) -> None:
    condition = "{equals: {question: q1, value: 'no'}}"
    for _ in range(9):
        condition = "{not: " + condition + "}"
    text = MINIMAL_YAML.replace(
        'show_if: {equals: {question: q1, value: "no"}}', f"show_if: {condition}"
    )
    problem = one_problem(write("t.yaml", text))
    assert "nested at most 8 levels" in str(problem)


def test_show_if_value_must_suit_number_date_and_text_questions(write: Write) -> None:
    text = MINIMAL_YAML + (
        "      - id: n\n        type: number\n        prompt: How many?\n"
        "      - id: d\n        type: date\n        prompt: When?\n"
        "      - id: t1\n        type: text\n        prompt: Why?\n"
        "        show_if: {all: [{equals: {question: n, value: many}},"
        " {equals: {question: d, value: '31/12/2024'}}, {equals: {question: q2, value: 3}}]}\n"
        "      - id: t2\n        type: text\n        prompt: Fine\n"
        "        show_if: {all: [{in: {question: n, values: [1, 2.5]}},"
        " {equals: {question: d, value: '2024-12-31'}}, {equals: {question: q2, value: x}}]}\n"
    )
    found = problems(write("t.yaml", text))
    messages = sorted(str(p).split(": ", 2)[2] for p in found)
    assert messages == [
        "'d' is a date question; write the date as YYYY-MM-DD",
        "'n' is a number question; compare it with a number",
        "'q2' has text answers; compare text",
    ]
    assert {p.line for p in found} == {27}


def test_duplicate_ids_and_option_rules(write: Write) -> None:
    text = MINIMAL_YAML + (
        "  - id: intro\n"
        "    title: Again\n"
        "    questions:\n"
        "      - id: q1\n"
        "        type: rag\n"
        "        prompt: Rating\n"
        "        options: [{value: red, label: Red}, {value: green, label: Green}]\n"
        "      - id: grade\n"
        "        type: single_choice\n"
        "        prompt: Grade\n"
        "        options: [{value: a, label: A}, {value: a, label: B}]\n"
        "        min: 1\n"
        "      - id: agree\n"
        "        type: scale\n"
        "        prompt: Agree?\n"
        "        options: [{value: low, label: Low}, {value: 2, label: High}]\n"
        "      - id: pick\n"
        "        type: multiple_choice\n"
        "        prompt: Pick\n"
        "      - id: count\n"
        "        type: number\n"
        "        prompt: How many?\n"
        "        min: 10\n"
        "        max: 2\n"
    )
    found = {(p.line, p.field): p.detail for p in problems(write("t.yaml", text))}
    assert found == {
        (18, "sections[1].id"): "duplicate section id 'intro' (also sections[0])",
        (21, "sections[1].questions[0].id"): (
            "duplicate question id 'q1' (also sections[0].questions[0])"
        ),
        (24, "sections[1].questions[0].options"): (
            "options are not used by type rag: its answers are always red, amber, green"
        ),
        (
            28,
            "sections[1].questions[1].options[1].value",
        ): "duplicate option value 'a' (also option 1)",
        (29, "sections[1].questions[1].min"): "min is only used by number questions",
        (33, "sections[1].questions[2].options[0].value"): (
            "scale points must be whole numbers (e.g. 1 to 5)"
        ),
        (
            34,
            "sections[1].questions[3].options",
        ): "a multiple_choice question needs at least 2 options",
        (41, "sections[1].questions[4].max"): "max (2) is below min (10)",
    }


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ("", 1, "this document is empty"),
        ("- a\n- b\n", 1, "this document is a list"),
        ("just text\n", 1, "this document is text"),
        ("42\n", 1, "this document is a whole number"),
        ("id: demo\nid: again\n", 2, "invalid YAML: found duplicate key"),
        ("id: demo\ntitle: [unclosed\n", 3, "invalid YAML"),
        ("a: b: c\n", 1, "invalid YAML: mapping values are not allowed here"),
        ("id: demo\n---\nid: other\n", 2, "invalid YAML: but found another document"),
        ("id: !!python/object:os.system x\n", 1, "unsupported YAML value"),
        ("id: !custom x\n", 1, "unsupported YAML value (tag !custom)"),
        ("? [a, b]\n: 1\n", 1, "keys must be text"),
        ("1: one\n", 1, "keys must be text"),
        ("id: demo\n\ttitle: tab\n", 2, "invalid YAML"),
    ],
)
def test_malformed_documents(write: Write, content: str, line: int, message: str) -> None:
    path = write("t.yaml", content)
    problem = one_problem(path)
    assert problem.source == str(path)
    assert problem.line == line, str(problem)
    assert message in str(problem)
    assert re.match(rf"^{re.escape(str(path))}:{line}: ", str(problem))


def test_file_over_the_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB of NUL bytes without writing them
    problem = one_problem(path)
    assert "larger than the limit of 2.0 MB" in str(problem)
    assert problem.line is None


def test_size_limit_boundary(write: Write) -> None:
    path = write("t.yaml", b"x" * 100)
    assert read_bytes(path, "t.yaml", 100) == b"x" * 100
    with pytest.raises(TemplateError, match="larger than the limit of 99 bytes"):
        read_bytes(path, "t.yaml", 99)
    assert MAX_YAML_BYTES == 2 * 1024 * 1024


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (b"id: demo\ntitle: caf\xe9\n", 2, "is not UTF-8 text (byte 0xe9 at offset 19)"),
        (b"\xff\xfe\x00i\x00d", 1, "is not UTF-8 text"),
        (b"id: demo\n\x00\x01\x02binary", 2, "contains NUL bytes"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 1, "is not UTF-8 text"),
        (b"id: demo\x07\n", None, "invalid YAML"),
    ],
)
def test_binary_and_badly_encoded_files(
    write: Write, content: bytes, line: int | None, message: str
) -> None:
    problem = one_problem(write("t.yaml", content))
    assert message in str(problem)
    if line is not None:
        assert problem.line == line


def test_utf8_bom_and_crlf_are_accepted(write: Write) -> None:
    content = b"\xef\xbb\xbf" + MINIMAL_YAML.replace("\n", "\r\n").encode("utf-8")
    assert load_template(write("t.yaml", content)).id == "demo"


def test_deeply_nested_flow_collections(write: Write) -> None:
    problem = one_problem(write("t.yaml", "id: " + "[" * 100_000 + "]" * 100_000 + "\n"))
    assert "nest" in str(problem)


def test_deep_but_parseable_nesting_is_bounded(write: Write) -> None:
    problem = one_problem(write("t.yaml", "id: " + "[" * 60 + "]" * 60 + "\n"))
    assert "nesting is deeper than 48 levels" in str(problem)
    assert problem.line == 1


def test_alias_bomb_is_refused(write: Write) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        prior = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([prior] * 10)}]")
    problem = one_problem(write("t.yaml", "\n".join(lines) + "\n"))
    assert "more than 20000 values" in str(problem)


def test_anchors_and_aliases_are_allowed_for_sharing_options(write: Write) -> None:
    text = MINIMAL_YAML + (
        "      - id: a\n        type: single_choice\n        prompt: A?\n"
        "        options: &opts [{value: x, label: X}, {value: y, label: Y}]\n"
        "      - id: b\n        type: single_choice\n        prompt: B?\n        options: *opts\n"
    )
    template = load_template(write("t.yaml", text))
    assert template.question("a").options == template.question("b").options


@pytest.mark.parametrize(
    ("name", "message"),
    [("missing.yaml", "no such file"), ("folder.yaml", "is a folder, not a file")],
)
def test_unreadable_paths(tmp_path: Path, name: str, message: str) -> None:
    (tmp_path / "folder.yaml").mkdir()
    problem = one_problem(tmp_path / name)
    assert message in str(problem)


def test_load_template_file_dispatches_on_suffix(write: Write) -> None:
    assert load_template_file(write("t.YML", MINIMAL_YAML)).id == "demo"
    with pytest.raises(TemplateError, match=r"unsupported file type '.txt'"):
        load_template_file(write("t.txt", MINIMAL_YAML))


def test_load_template_text_names_its_source() -> None:
    with pytest.raises(TemplateError) as caught:
        load_template_text("- 1\n", "<pasted>")
    assert str(caught.value).startswith("<pasted>:1: ")
