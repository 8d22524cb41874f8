"""``facilitator-app qof summary|outstanding|why``: headless QOF for practice managers."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from facilitator_app.cli import main
from tests.conftest import new_register


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = new_register(tmp_path_factory.mktemp("qof") / "qof.sqlite3")
    assert main(["--db", url, "demo", "--patients", "300", "--as-of", "2026-11-22"]) == 0
    return url


def test_summary_as_csv_has_no_patient_identifiers(db: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "qof24.csv"
    assert main(["--db", db, "qof", "summary", "--year", "2024", "--out", str(out)]) == 0
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {r["Indicator"] for r in rows} >= {"MH001", "MH002", "MH003", "MH021"}
    assert "NHS number" not in rows[0] and not any("999" in v for r in rows for v in r.values()
                                                    if v.isdigit() and len(v) == 10)
    mh003 = next(r for r in rows if r["Indicator"] == "MH003")
    assert int(mh003["Denominator"]) == int(mh003["Eligible"]) - sum(
        int(v) for k, v in mh003.items() if k.startswith("Excepted"))
    assert "points" in capsys.readouterr().out


def test_summary_as_xlsx_and_pdf(db: str, tmp_path: Path) -> None:
    xlsx = tmp_path / "qof.xlsx"
    assert main(["--db", db, "qof", "summary", "--year", "2024", "--practice", "Z99001",
                 "--out", str(xlsx)]) == 0
    book = load_workbook(xlsx, read_only=True)
    assert book.sheetnames[0] == "Summary" and "MH003 outstanding" in book.sheetnames
    assert book.sheetnames[-1] == "Sources"
    outstanding = list(book["MH003 outstanding"].iter_rows(values_only=True))
    assert outstanding[0][1] == "NHS number" and len(outstanding) > 1
    assert all(row[0] == "Z99001" for row in outstanding[1:])
    pdf = tmp_path / "qof.pdf"
    assert main(["--db", db, "qof", "summary", "--year", "2024", "--practice", "Z99001",
                 "--out", str(pdf)]) == 0
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "QOF mental health summary 2024/25" in text
    assert "(Z99001)" in text and "MH021" in text and "page 1 of" in text
    assert "Where the numbers come from" in text
    assert "999 " not in text  # aggregate only


def test_outstanding_and_why(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db, "qof", "outstanding", "--year", "2024", "--indicator", "MH003",
                 "--format", "csv"]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert rows and all("MH003" in r["Outstanding"] for r in rows)
    nhs = rows[0]["NHS number"]
    assert main(["--db", db, "qof", "why", nhs, "--year", "2024"]) == 0
    out = capsys.readouterr().out
    assert "MH003" in out and "outstanding" in out and "not recorded" in out


def test_bad_input_is_a_plain_error(db: str, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db, "qof", "summary", "--year", "1999", "--out",
                 str(tmp_path / "x.pdf")]) == 2
    assert "No QOF rules are configured for 1999/00" in capsys.readouterr().err
    assert main(["--db", db, "qof", "summary", "--year", "2024", "--out",
                 str(tmp_path / "x.txt")]) == 2
    assert ".pdf, .xlsx or .csv" in capsys.readouterr().err
    assert main(["--db", db, "qof", "summary", "--year", "2024", "--practice", "NOPE",
                 "--out", str(tmp_path / "x.csv")]) == 2
    assert not (tmp_path / "x.csv").exists()

