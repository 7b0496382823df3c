"""Exports of a visit's action plan (CSV, XLSX) and writing report files where the user asked.

A file is written whole or not at all: the bytes go to a temporary file beside the target, which
then replaces it, so a crash never leaves half a spreadsheet under the user's chosen name.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from eqvisit.errors import InvalidValue, StorageError
from eqvisit.reports.action_plan import action_plan_csv, action_plan_xlsx
from eqvisit.services.context import ServiceContext
from eqvisit.services.report_data import build_action_plan, require_visit

EXPORT_SUFFIXES = (".csv", ".xlsx")


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    rows: int
    size: int


class ExportService:
    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def action_plan(self, visit_id: str, target: Path) -> ExportSummary:
        """Write the visit's whole action plan to ``target`` (``.csv`` or ``.xlsx``)."""
        suffix = target.suffix.lower()
        if suffix not in EXPORT_SUFFIXES:
            raise InvalidValue(
                "output file", f"{target.name} must end in .csv or .xlsx to say which format"
            )
        with self._context.store.unit_of_work() as uow:
            title = require_visit(uow, visit_id).title
            lines = build_action_plan(uow, visit_id, self._context.risk_bands)
        data = (
            action_plan_csv(lines)
            if suffix == ".csv"
            else action_plan_xlsx(lines, f"Action plan: {title}")
        )
        write_file(target, data)
        return ExportSummary(target, len(lines), len(data))


def write_file(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data`` in one step; the folder must exist already."""
    folder = target.parent
    if not folder.is_dir():
        raise InvalidValue("output file", f"the folder {folder} does not exist")
    if target.is_dir():
        raise InvalidValue("output file", f"{target} is a folder")
    try:
        descriptor, name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise StorageError(f"Cannot write in {folder}: {exc.strerror}.") from exc
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except OSError as exc:
        raise StorageError(f"Cannot write {target}: {exc.strerror}.") from exc
    finally:
        temporary.unlink(missing_ok=True)
