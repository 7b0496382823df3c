from __future__ import annotations

from pathlib import Path

from eqvisit.sync.permissions import markdown_table

SYNC_DOC = Path(__file__).resolve().parents[2] / "docs" / "sync.md"


def test_the_documented_permission_table_is_the_one_in_code() -> None:
    text = SYNC_DOC.read_text(encoding="utf-8")
    start = text.index("<!-- permission-table:start -->") + len("<!-- permission-table:start -->")
    end = text.index("<!-- permission-table:end -->")
    assert text[start:end].strip() == markdown_table()
