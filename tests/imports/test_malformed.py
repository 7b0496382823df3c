"""Malformed import files: each gives a clear error naming the place, and the store is unchanged."""

from __future__ import annotations

import codecs
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eqvisit.cli import main
from eqvisit.errors import ImportFileError
from eqvisit.sync.server.importing.intelligence import import_intelligence
from eqvisit.sync.server.importing.ods import import_ods
from eqvisit.sync.server.models import ServerRecord
from tests.imports.conftest import ETR, ods_row, store_digest, write_lines
from tests.sync.conftest import Central

GOOD = [ods_row("RAA", "FIRST NHS TRUST"), ods_row("RAB", "SECOND NHS TRUST")]
Maker = Callable[[Path], Path]


def _text(name: str, lines: list[str]) -> Maker:
    return lambda folder: write_lines(folder / name, lines)


def _bytes(name: str, data: bytes) -> Maker:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    return make


def _short(row: str) -> str:
    return row.rsplit(",", 5)[0]


BAD_ODS: dict[str, tuple[Maker, int | None, str]] = {
    "short row": (
        _text("etr.csv", [*GOOD, _short(ods_row("RAC", "X"))]),
        3,
        "has 22 fields (a short row)",
    ),
    "long row": (
        _text("etr.csv", [*GOOD, ods_row("RAC", "X") + ',""']),
        3,
        "has 28 fields (a long row)",
    ),
    "bad date": (
        _text("etr.csv", [*GOOD, ods_row("RAC", "X", opened="2020-01-01")]),
        3,
        "YYYYMMDD",
    ),
    "impossible date": (
        _text("etr.csv", [*GOOD, ods_row("RAC", "X", closed="20230230")]),
        3,
        "not a real date",
    ),
    "unknown status": (
        _text("etr.csv", [*GOOD, ods_row("RAC", "X", status="OPEN")]),
        3,
        "unknown status 'OPEN'",
    ),
    "latin-1": (
        _bytes("etr.csv", "\n".join([*GOOD, ods_row("RAC", "HÔPITAL TRUST")]).encode("latin-1")),
        3,
        "is not UTF-8 text (byte 0xD4",
    ),
    "empty file": (_bytes("etr.csv", b""), None, "is empty"),
    "blank lines only": (_bytes("etr.csv", b"\r\n\n  \n"), None, "is empty"),
    "binary garbage": (
        _bytes("etr.csv", random.Random(5).randbytes(4096)),
        1,
        "binary data",
    ),
    "a header row": (
        _text("etr.csv", [",".join(["Organisation Code", "Name", *[""] * 25]), *GOOD]),
        1,
        "looks like a header row",
    ),
    "an unterminated quote": (_text("etr.csv", [*GOOD, '"RAC,"X']), 3, "short row"),
    "not an ODS code": (_text("etr.csv", [*GOOD, ods_row("R-1", "X")]), 3, "not an ODS code"),
}


def _nts(central: Central, path: Path) -> None:
    with central.session() as session, session.begin():
        import_intelligence(session, central.clock, path, "nts")


def _ods(central: Central, path: Path) -> None:
    with central.session() as session, session.begin():
        import_ods(session, central.clock, path)


@pytest.mark.parametrize("case", BAD_ODS)
def test_a_malformed_ods_file_is_refused_and_changes_nothing(
    case: str, central: Central, tmp_path: Path
) -> None:
    make, line, words = BAD_ODS[case]
    path = make(tmp_path)
    before = store_digest(central)
    with pytest.raises(ImportFileError) as raised:
        _ods(central, path)
    assert words in str(raised.value)
    assert raised.value.line == line
    assert str(raised.value).startswith(f"{path}:{line}:" if line else f"{path}:")
    assert store_digest(central) == before


@pytest.mark.parametrize(
    ("variant", "encode"),
    [
        ("utf-8 with a byte-order mark", lambda text: codecs.BOM_UTF8 + text.encode("utf-8")),
        ("CRLF line ends", lambda text: text.replace("\n", "\r\n").encode("utf-8")),
        ("non-ASCII names in UTF-8", lambda text: text.replace("FIRST", "FÍRST").encode("utf-8")),
    ],
)
def test_utf8_with_a_bom_or_crlf_imports_like_the_plain_file(
    variant: str, encode: Callable[[str], bytes], central: Central, tmp_path: Path
) -> None:
    path = tmp_path / "etr.csv"
    path.write_bytes(encode("\n".join(GOOD) + "\n"))
    with central.session() as session, session.begin():
        report = import_ods(session, central.clock, path)
    assert (report.added, report.rejected) == (2, ())
    with Session(central.engine) as session:
        names = {
            state["ods_code"]["value"]: state["name"]["value"]
            for state in session.scalars(
                select(ServerRecord.state).where(ServerRecord.record_type == "providers")
            )
        }
    assert names["RAA"].endswith("RST NHS TRUST") and names["RAB"] == "SECOND NHS TRUST"
    assert "\ufeff" not in "".join(names) and "\r" not in "".join(names.values())


def test_a_100_mb_file_with_one_bad_row_at_the_end_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through the command line, as an administrator would meet it: one line, exit code 2."""
    db = tmp_path / "central.sqlite3"
    assert (
        main(["admin", "--profile", str(tmp_path / "p"), "--db", str(db), "import-ods", str(ETR)])
        == 0
    )
    path = tmp_path / "ets.csv"
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        while handle.tell() < 100 * 1024 * 1024:
            block = "".join(
                ods_row(
                    f"R{(rows + i) // 100 % 100:02d}{(rows + i) % 100:02d}", "A SITE", parent="R0A"
                )
                + "\n"
                for i in range(10_000)
            )
            handle.write(block)
            rows += 10_000
        handle.write(ods_row("RZZ99", "LAST SITE", opened="99999999") + "\n")
    assert path.stat().st_size >= 100 * 1024 * 1024
    engine_url = str(db)
    from eqvisit.sync.server.database import open_central_store

    engine = open_central_store(engine_url)
    with Session(engine) as session:
        before = session.scalar(select(func.count()).select_from(ServerRecord))
    engine.dispose()
    code = main(
        ["admin", "--profile", str(tmp_path / "p"), "--db", engine_url, "import-ods", str(path)]
    )
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        f"eqvisit: {path}:{rows + 1}: open date: '99999999' is not a real date"
    )
    engine = open_central_store(engine_url)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(ServerRecord)) == before
    engine.dispose()


HEADER = (
    "year,ods_code,survey,programme,level,indicator,n,mean,ci_lower,ci_upper,"
    "benchmark_q1,benchmark_median,benchmark_q3,flag"
)
GOOD_NTS = "2025,RXX,trainee,Foundation,F1,Handover,24,61.5,55.2,67.8,70.1,74.3,78.0,red"

BAD_NTS: dict[str, tuple[list[str], int, str]] = {
    "no header": ([GOOD_NTS], 1, "the first row must be the header"),
    "unknown column": ([HEADER + ",colour", GOOD_NTS + ",blue"], 1, "unknown columns colour"),
    "missing column": (
        [HEADER.replace(",flag", ""), GOOD_NTS.rsplit(",", 1)[0]],
        1,
        "missing columns flag",
    ),
    "short row": (
        [HEADER, GOOD_NTS, GOOD_NTS.rsplit(",", 2)[0]],
        3,
        "has 12 fields; the header has 14",
    ),
    "not a number": (
        [HEADER, GOOD_NTS.replace(",24,", ",many,")],
        2,
        "n: 'many' is not a whole number",
    ),
    "out of range": (
        [HEADER, GOOD_NTS.replace("61.5", "161.5")],
        2,
        "mean: 161.5 is outside 0–100",
    ),
    "unknown flag": (
        [HEADER, GOOD_NTS.replace(",red", ",amber")],
        2,
        "flag: 'amber' is not one of",
    ),
    "grey with n of 24": (
        [HEADER, GOOD_NTS.replace(",red", ",grey")],
        2,
        "'grey' is only for n below 3",
    ),
    "bad year": ([HEADER, GOOD_NTS.replace("2025,", "25,", 1)], 2, "year: '25' is not a year"),
    "unknown indicator": (
        [HEADER, GOOD_NTS.replace("Handover", "Vibes")],
        2,
        "not a trainee indicator",
    ),
    "repeated row": ([HEADER, GOOD_NTS, GOOD_NTS], 3, "repeats the row of line 12"),
    "required value missing": (
        [HEADER, GOOD_NTS.replace("Foundation", "")],
        2,
        "programme: is required",
    ),
}


@pytest.mark.parametrize("case", BAD_NTS)
def test_a_malformed_intelligence_file_is_refused_and_changes_nothing(
    case: str, central: Central, tmp_path: Path
) -> None:
    lines, line, words = BAD_NTS[case]
    # Good rows first, so the importer has already written a batch when it meets the bad one.
    valid = [GOOD_NTS.replace("2025", str(year)) for year in range(2000, 2010)]
    path = write_lines(tmp_path / "nts.csv", [lines[0], *valid, *lines[1:]] if line > 1 else lines)
    shift = len(valid) if line > 1 else 0
    before = store_digest(central)
    with pytest.raises(ImportFileError) as raised:
        _nts(central, path)
    assert words in str(raised.value)
    assert raised.value.line == line + shift
    assert store_digest(central) == before


def test_every_problem_is_listed_with_its_line_up_to_twenty(
    central: Central, tmp_path: Path
) -> None:
    bad = [GOOD_NTS.replace(",24,", f",x{i},") for i in range(30)]
    path = write_lines(tmp_path / "nts.csv", [HEADER, GOOD_NTS.replace("2025", "2024"), *bad])
    with pytest.raises(ImportFileError) as raised:
        _nts(central, path)
    message = str(raised.value)
    assert "more than 20 problems; nothing was imported. The first 20:" in message
    assert f"{path}:3: n: 'x0' is not a whole number" in message
    assert f"{path}:22: n: 'x19' is not a whole number" in message
    assert "x20" not in message


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        (
            "latin-1",
            (HEADER + "\n" + GOOD_NTS.replace("Foundation", "Fondation générale")).encode(
                "latin-1"
            ),
            "is not UTF-8",
        ),
        ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
        ("empty", b"", "is empty"),
    ],
)
def test_intelligence_files_that_are_not_utf8_text_are_refused(
    name: str, data: bytes, words: str, central: Central, tmp_path: Path
) -> None:
    path = tmp_path / f"{name}.csv"
    path.write_bytes(data)
    with pytest.raises(ImportFileError, match=words):
        _nts(central, path)


def test_a_missing_file_is_a_clear_error(central: Central, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="no such file"):
        _ods(central, tmp_path / "nope.csv")
    with pytest.raises(ImportFileError, match="is not a regular file"):
        _ods(central, tmp_path)
