"""The template validate and import-xlsx commands."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from eqvisit.templates.commands import import_xlsx_command, validate_command
from eqvisit.templates.loader import default_template_paths, load_template
from eqvisit.templates.xlsx_export import write_xlsx
from tests.templates.conftest import MINIMAL_YAML

Write = Callable[[str, str | bytes], Path]


def run_validate(paths: list[Path]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = validate_command(paths, out, err)
    return code, out.getvalue(), err.getvalue()


def test_validate_good_yaml_and_xlsx(tmp_path: Path, write: Write) -> None:
    good = write("demo.yaml", MINIMAL_YAML)
    workbook = tmp_path / "walk.xlsx"
    write_xlsx(load_template(default_template_paths()[-1]), workbook)
    code, out, err = run_validate([good, workbook])
    assert code == 0
    assert err == ""
    assert out == f"OK {good} (demo v1, 2 questions)\nOK {workbook} (walk-round v1, 22 questions)\n"


def test_validate_reports_every_problem_and_keeps_going(write: Write) -> None:
    bad = write(
        "bad.yaml",
        MINIMAL_YAML.replace("version: 1", "version: 0").replace("type: text", "type: essay"),
    )
    good = write("good.yaml", MINIMAL_YAML)
    code, out, err = run_validate([bad, good, Path("missing.yaml"), write("x.txt", "")])
    assert code == 2
    assert out == f"OK {good} (demo v1, 2 questions)\n"
    lines = err.splitlines()
    assert lines[0] == f"{bad}:2: version: must be at least 1, got 0"
    assert lines[1].startswith(f"{bad}:15: sections[0].questions[1].type: 'essay' is not allowed")
    assert lines[2] == "missing.yaml: no such file"
    assert lines[3].endswith("x.txt: unsupported file type '.txt'; use .yaml, .yml or .xlsx")
    assert len(lines) == 4


def test_validate_with_no_files() -> None:
    code, _, err = run_validate([])
    assert code == 2
    assert "give at least one template file" in err


def test_validate_binary_garbage(write: Write) -> None:
    code, _, err = run_validate([write("g.yaml", bytes(range(256)) * 10), write("g.xlsx", b"PK")])
    assert code == 2
    assert len(err.splitlines()) == 2


def _workbook(tmp_path: Path) -> Path:
    path = tmp_path / "lay.xlsx"
    write_xlsx(load_template(default_template_paths()[2]), path)
    return path


def test_import_xlsx_to_stdout(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert import_xlsx_command(_workbook(tmp_path), None, out, err) == 0
    assert err.getvalue() == ""
    text = out.getvalue()
    assert text.startswith("# Imported from lay.xlsx by eqvisit template import-xlsx.\n")
    reloaded = tmp_path / "reloaded.yaml"
    reloaded.write_text(text, encoding="utf-8")
    assert load_template(reloaded) == load_template(default_template_paths()[2])


def test_import_xlsx_to_file_never_overwrites_other_content(tmp_path: Path) -> None:
    workbook = _workbook(tmp_path)
    target = tmp_path / "lay.yaml"
    out, err = io.StringIO(), io.StringIO()
    assert import_xlsx_command(workbook, target, out, err) == 0
    assert out.getvalue() == f"wrote {target} (lay-observation v1, 17 questions)\n"
    written = target.read_bytes()

    # Running it again finds the same content and leaves the file alone.
    out = io.StringIO()
    assert import_xlsx_command(workbook, target, out, err) == 0
    assert out.getvalue() == f"unchanged {target} (lay-observation v1)\n"
    assert target.read_bytes() == written

    # A file with other content is refused, untouched.
    target.write_text("# my notes\n", encoding="utf-8")
    err = io.StringIO()
    assert import_xlsx_command(workbook, target, io.StringIO(), err) == 1
    assert err.getvalue() == f"{target}: already exists; remove it or choose another --out file\n"
    assert target.read_text(encoding="utf-8") == "# my notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lay.xlsx", "lay.yaml"]


def test_import_xlsx_into_missing_folder(tmp_path: Path) -> None:
    err = io.StringIO()
    code = import_xlsx_command(_workbook(tmp_path), tmp_path / "no" / "t.yaml", io.StringIO(), err)
    assert code == 1
    assert "cannot be written" in err.getvalue()


def test_import_invalid_workbook(write: Write) -> None:
    err = io.StringIO()
    assert import_xlsx_command(write("bad.xlsx", b"not a zip"), None, io.StringIO(), err) == 2
    assert err.getvalue().endswith("is not an .xlsx workbook (it is not a zip archive)\n")
