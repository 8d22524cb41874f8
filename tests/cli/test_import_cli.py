"""``facilitator-app import register|results`` and ``imports list``: headless imports."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from facilitator_app.cli import main
from tests.conftest import new_register

EXAMPLES = Path(__file__).parents[2] / "resources" / "examples"


@pytest.fixture
def db(tmp_path: Path) -> str:
    return new_register(tmp_path / "cli.sqlite3")


def test_shipped_examples_import_then_reimport_changes_nothing(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    as_of = ["--as-of", "22/11/2026"]
    assert main(["--db", db, "import", "register", str(EXAMPLES / "register.csv"), *as_of]) == 0
    assert "Patients: 200 added, 0 updated" in capsys.readouterr().out
    assert main(["--db", db, "import", "results", str(EXAMPLES / "results.csv"), *as_of]) == 0
    out = capsys.readouterr().out
    assert "2,568 added" in out and "follow-up" in out
    for kind in ("register", "results"):
        spreadsheet = EXAMPLES / "spreadsheet" / f"{kind}.csv"
        assert main(["--db", db, "import", kind, str(spreadsheet), *as_of]) == 0
        assert "0 added, 0 updated" in capsys.readouterr().out
    assert main(["--db", db, "imports", "list"]) == 0
    listing = capsys.readouterr().out
    assert listing.count("register.csv") == 2 and listing.count("results.csv") == 2


def test_dry_run_writes_nothing(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    register = str(EXAMPLES / "register.csv")
    assert main(["--db", db, "import", "register", register, "--dry-run",
                 "--as-of", "2026-11-22"]) == 0
    assert "would be added" in capsys.readouterr().out
    assert main(["--db", db, "imports", "list"]) == 0
    assert "register.csv" not in capsys.readouterr().out


def test_problems_are_listed_with_exit_1_and_saved(db: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("nhs_number,code,value,unit,date\n"
                   "9434765919,271649006,400,mmHg,12/03/2026\n"
                   "9434765918,bmi,24,,12/03/2026\n", encoding="utf-8")
    errors = tmp_path / "errors.csv"
    code = main(["--db", db, "import", "results", str(bad), "--errors-out", str(errors),
                 "--as-of", "2026-11-22"])
    assert code == 1
    out = capsys.readouterr().out
    assert "400 mmHg" in out and "modulus 11" in out and "Nothing was imported" in out
    with errors.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["Row", "Column", "Value", "Problem"]
    assert [r[:2] for r in rows[1:]] == [["2", "value"], ["3", "nhs_number"]]


def test_missing_file_is_a_plain_error(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db, "import", "register", "/nonexistent/register.csv"]) == 2
    assert "facilitator-app: error:" in capsys.readouterr().err
