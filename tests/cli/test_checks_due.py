"""``facilitator-app checks due``, run in-process on a hand-built register."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from facilitator_app.cli import main
from facilitator_app.domain.checks import Element
from facilitator_app.domain.nhs_number import format_nhs_number, nhs_number_from_serial
from facilitator_app.render.xlsx import Sheet, write_xlsx
from tests.builders import CORE_CODE, RegisterBuilder
from tests.conftest import open_test_context

AS_OF = "22/11/2026"
NINA = nhs_number_from_serial(500)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[str]:
    """Three patients at A00001 (never checked, partly checked, fully checked this year) and
    one at B00002 (overdue)."""
    url = f"sqlite:///{tmp_path / 'checks.sqlite3'}"
    ctx = open_test_context(url)
    b = RegisterBuilder(ctx)
    b.practice("A00001")
    b.practice("B00002", "Other Surgery")
    b.patient("Never", "Nina", nhs_number=NINA)
    part = b.patient("Partly", "Paul")
    for element in (Element.BMI, Element.SMOKING):
        b.observation(part, CORE_CODE[element], 1.0, date(2026, 10, 1))
    b.full_check(b.patient("Done", "Dana"), date(2026, 10, 1))
    b.full_check(b.patient("Late", "Lee", practice="B00002"), date(2025, 6, 1))
    b.commit()
    ctx.close()
    yield url


def csv_rows(out: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(out)))


def test_table_to_stdout(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db, "checks", "due", "--as-of", AS_OF]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Practice  NHS number")
    assert "Needed before 31/03/2027" in lines[0] and "Glucose / HbA1c" in lines[0]
    assert set(lines[1]) == {"-", " "}
    body = lines[2:]
    assert len(body) == 3  # Done has nothing outstanding
    assert format_nhs_number(NINA) in body[0] and "NEVER, Nina" in body[0]
    assert "Never recorded" in body[0]
    assert "Overdue (due 01/06/2026)" in "".join(body)


def test_csv_is_ordered_and_formatted(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db, "checks", "due", "--format", "csv", "--as-of", AS_OF]) == 0
    rows = csv_rows(capsys.readouterr().out)
    assert [r["Name"] for r in rows] == ["NEVER, Nina", "LATE, Lee", "PARTLY, Paul"]
    assert [r["Outstanding"] for r in rows] == ["6", "6", "4"]
    never, late, partly = rows
    assert never["NHS number"] == format_nhs_number(NINA)
    assert never["Date of birth"] == "17/05/1970"
    assert never["Oldest due"] == "Never recorded"
    assert late["Practice"] == "B00002" and late["Oldest due"] == "01/06/2026"
    assert late["BMI"] == "Overdue (due 01/06/2026)"
    assert partly["BMI"] == "Done 01/10/2026"
    assert partly["Needed before 31/03/2027"] == "Blood pressure, Lipids, Glucose / HbA1c, Alcohol"


def test_practice_year_and_all(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db, "checks", "due", "--format", "csv", "--practice", "A00001",
                 "--as-of", "2026-11-22", "--all"]) == 0
    rows = csv_rows(capsys.readouterr().out)
    assert {r["Practice"] for r in rows} == {"A00001"}
    assert rows[-1]["Name"] == "DONE, Dana" and rows[-1]["Outstanding"] == "0"

    # an earlier QOF year that has ended: nothing is "needed" any more
    assert main(["--db", db, "checks", "due", "--format", "csv", "--year", "2025/26",
                 "--as-of", AS_OF]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].endswith("Needed before 31/03/2026,Oldest due,Care adjustments")
    assert {r["Needed before 31/03/2026"] for r in csv_rows(out)} == {""}


def test_xlsx_reads_back(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "recall.xlsx"
    assert main(["--db", db, "checks", "due", "--format", "xlsx", "--out", str(out),
                 "--as-of", AS_OF]) == 0
    assert "3 patients written to" in capsys.readouterr().err
    ws = load_workbook(out).active
    assert ws is not None
    assert ws.title == "Recall 2026-27"
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header[:4] == ["Practice", "NHS number", "Name", "Date of birth"]
    assert all(c.font.b for c in ws[1])
    assert ws.max_row == 4
    dob = ws.cell(row=2, column=4)
    assert dob.value == datetime(1970, 5, 17) and dob.number_format == "DD/MM/YYYY"
    assert ws.cell(row=2, column=11).value == 6  # Outstanding is a number
    oldest = ws.cell(row=3, column=13)  # LATE, Lee
    assert oldest.value == datetime(2026, 6, 1) and oldest.number_format == "DD/MM/YYYY"
    assert ws.column_dimensions["C"].width >= len("PARTLY, Paul")


def test_format_follows_the_file_name(db: str, tmp_path: Path) -> None:
    out = tmp_path / "recall.csv"
    assert main(["--db", db, "checks", "due", "--out", str(out), "--as-of", AS_OF]) == 0
    assert out.read_text(encoding="utf-8").startswith("Practice,NHS number,")


def test_xlsx_needs_a_file(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db, "checks", "due", "--format", "xlsx"]) == 2
    assert "--out" in capsys.readouterr().err


def test_unknown_practice_is_a_clear_error(db: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "none.xlsx"
    assert main(["--db", db, "checks", "due", "--practice", "Z00000", "--out", str(out)]) == 2
    assert "No practice with code 'Z00000'" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("bad", ["11/31/2026", "2026-13-01", "22-11-26"])
def test_as_of_must_be_a_uk_date(db: str, bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--db", db, "checks", "due", "--as-of", bad])
    assert exit_.value.code == 2
    assert "--as-of" in capsys.readouterr().err


def test_day_first_as_of(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    """01/06/2026 is 1 June: Late's check of 01/06/2025 falls due that very day."""
    assert main(["--db", db, "checks", "due", "--format", "csv", "--as-of", "01/06/2026",
                 "--practice", "B00002"]) == 0
    (late,) = csv_rows(capsys.readouterr().out)
    assert {late[label] for label in ("BMI", "Lipids")} == {"Due 01/06/2026"}


def test_bad_year_is_refused(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--db", db, "checks", "due", "--year", "2025/27"])
    assert "2025/26" in capsys.readouterr().err


def test_xlsx_cells_are_values_never_formulas(tmp_path: Path) -> None:
    """What was typed into the register is shown as typed, never run as a formula."""
    out = tmp_path / "typed.xlsx"
    rows = [["=HYPERLINK(\"http://example.invalid\")", date(2026, 2, 28), 3, "bell\x07"]]
    assert write_xlsx(out, [Sheet("A/B: [c]", ["Text", "Date", "Number", "Control"], rows)]) == [1]
    ws = load_workbook(out).active
    assert ws is not None and ws.title == "A-B- -c-"
    text, when, number, control = ws[2]
    assert text.data_type == "s" and text.value == rows[0][0]
    assert when.value == datetime(2026, 2, 28) and when.number_format == "DD/MM/YYYY"
    assert number.value == 3
    assert control.value == "bell"
