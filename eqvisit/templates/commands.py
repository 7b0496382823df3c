"""The ``eqvisit template validate`` and ``import-xlsx`` subcommands, as plain functions."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from eqvisit.errors import TemplateError
from eqvisit.templates.loader import load_template_file, load_template_text
from eqvisit.templates.problems import problems_of
from eqvisit.templates.xlsx import load_xlsx
from eqvisit.templates.yaml_dump import dump_yaml

#: Exit codes: success; a template is invalid; the command could not do its job otherwise.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2


def _report(error: TemplateError, err: TextIO) -> None:
    for problem in problems_of(error):
        err.write(f"{problem}\n")


def validate_command(paths: Sequence[Path], out: TextIO, err: TextIO) -> int:
    """Validate each YAML or XLSX template; print ``OK FILE (id vN, K questions)`` or problems.

    Returns 0 when every file is valid, 2 otherwise (also when no file is given).
    """
    if not paths:
        err.write("template validate: give at least one template file\n")
        return EXIT_INVALID
    status = EXIT_OK
    for path in paths:
        try:
            template = load_template_file(path)
        except TemplateError as exc:
            _report(exc, err)
            status = EXIT_INVALID
            continue
        count = len(template.questions)
        plural = "question" if count == 1 else "questions"
        out.write(f"OK {path} ({template.id} v{template.version}, {count} {plural})\n")
    return status


def _write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def import_xlsx_command(path: Path, out_path: Path | None, out: TextIO, err: TextIO) -> int:
    """Convert a template workbook to YAML, on ``out`` or into ``out_path``.

    An existing ``out_path`` is never overwritten unless it already holds exactly this YAML (then
    nothing is written and the command succeeds). Returns 0 on success, 2 when the workbook is
    invalid, 1 when the output file cannot be written or already holds something else.
    """
    try:
        template = load_xlsx(path)
    except TemplateError as exc:
        _report(exc, err)
        return EXIT_INVALID
    text = dump_yaml(template, header=f"Imported from {path.name} by eqvisit template import-xlsx.")
    # The YAML must read back as the very same template; anything else is a bug worth stopping on.
    if load_template_text(text, f"<YAML written for {path}>") != template:
        err.write(f"{path}: internal error: the YAML written does not read back the same\n")
        return EXIT_FAILED
    if out_path is None:
        out.write(text)
        return EXIT_OK
    try:
        if out_path.exists():
            if out_path.is_file() and out_path.read_bytes() == text.encode("utf-8"):
                out.write(f"unchanged {out_path} ({template.id} v{template.version})\n")
                return EXIT_OK
            err.write(f"{out_path}: already exists; remove it or choose another --out file\n")
            return EXIT_FAILED
        _write_atomically(out_path, text)
    except OSError as exc:
        err.write(f"{out_path}: cannot be written: {exc.strerror or exc}\n")
        return EXIT_FAILED
    count = len(template.questions)
    out.write(f"wrote {out_path} ({template.id} v{template.version}, {count} questions)\n")
    return EXIT_OK
