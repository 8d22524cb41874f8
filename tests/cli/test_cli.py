"""The command line, run in-process: the same services as the GUI, errors as plain messages."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from facilitator_app.cli import main
from facilitator_app.domain.nhs_number import is_valid_nhs_number
from tests.conftest import new_register


@pytest.fixture
def db(tmp_path: Path) -> str:
    return new_register(tmp_path / "cli.sqlite3")


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for command in ("demo", "register", "gui", "--db"):
        assert command in out


def test_demo_then_register_list(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db, "demo", "--patients", "120", "--seed", "5",
                 "--as-of", "22/11/2026"]) == 0
    assert "120 patients" in capsys.readouterr().out

    assert main(["--db", db, "register", "list", "--format", "csv",
                 "--as-of", "2026-11-22"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert 90 < len(rows) <= 120  # lithium patients whose issues lapsed are off the register
    first = rows[0]
    assert set(first) >= {"NHS number", "Name", "Date of birth", "Practice", "Register"}
    assert len(first["NHS number"]) == 12 and first["NHS number"][3] == " "
    assert is_valid_nhs_number(first["NHS number"])
    day, month, year = first["Date of birth"].split("/")
    assert len(day) == 2 and len(month) == 2 and len(year) == 4

    practice = first["Practice"]
    assert main(["--db", db, "register", "list", "--practice", practice]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith("NHS number")
    assert all(practice in line for line in table[2:])


def test_register_list_to_a_file(db: str, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    main(["--db", db, "demo", "--patients", "40"])
    out = tmp_path / "register.csv"
    assert main(["--db", db, "register", "list", "--format", "csv", "--out", str(out)]) == 0
    assert "patients written to" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8").startswith("NHS number,")


def test_unknown_practice_is_a_clear_error(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    main(["--db", db, "demo", "--patients", "20"])
    capsys.readouterr()
    assert main(["--db", db, "register", "list", "--practice", "X12345"]) == 2
    captured = capsys.readouterr()
    assert "No practice with code 'X12345'" in captured.err
    assert captured.out == ""


@pytest.mark.parametrize("url", ["nonsense", "mysql://x@y/z", "sqlite//nope"])
def test_bad_database_url_is_a_message_not_a_traceback(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", url, "register", "list"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("facilitator-app: error:")
    assert "Traceback" not in err


def test_bad_date_is_named(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--db", db, "register", "list", "--as-of", "12/31/2026"])
    assert exit_.value.code == 2
    assert "12/31/2026" in capsys.readouterr().err


def test_demo_refuses_a_database_with_patients(db: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db, "demo", "--patients", "10"]) == 0
    assert main(["--db", db, "demo", "--patients", "10"]) == 2
    assert "already holds patients" in capsys.readouterr().err


def test_demo_size_is_checked(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db, "demo", "--patients", "0"]) == 2
    assert "--patients must be between" in capsys.readouterr().err


def test_gui_without_a_display_says_so(db: str, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    for variable in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    assert main(["--db", db, "gui"]) == 2
    assert "No display" in capsys.readouterr().err


QRISK_HEADER = ("sex,age,ethnicity,smoke_cat,bmi,chol_hdl_ratio,sbp,sbp_sd,townsend,af,"
                "atypical_antipsychotic,corticosteroids,erectile_dysfunction,migraine,ra,ckd345,"
                "smi,sle,treated_hypertension,type1,type2,fh_cvd")


def test_qrisk3_scores_a_csv_with_per_row_errors(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    flags = ",0" * 13
    bmi = 70 / 1.7**2
    src.write_text(f"{QRISK_HEADER}\nF,75,1,0,{bmi},4.0,120,10,0{flags}\n"
                   f"M,90,1,0,{bmi},4.0,120,10,0{flags}\n", encoding="utf-8")
    assert main(["qrisk3", "--in", str(src), "--out", str(dst)]) == 1
    rows = list(csv.DictReader(dst.open(newline="", encoding="utf-8")))
    assert round(float(rows[0]["qrisk3"]), 1) == 18.1  # domain.md vector A
    assert rows[0]["error"] == ""
    assert rows[1]["qrisk3"] == "" and "row 3, column age" in rows[1]["error"]
    err = capsys.readouterr().err
    assert "2 rows: 1 scored, 1 with an error" in err
    assert "ClinRisk" in err  # the disclaimer goes wherever a score is produced


def test_qrisk3_missing_input_file_is_a_message(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["qrisk3", "--in", str(tmp_path / "nope.csv"), "--out",
                 str(tmp_path / "o.csv")]) == 2
    assert "nope.csv" in capsys.readouterr().err


def test_the_commands_need_no_desktop_app(db: str, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """facilitator_app alone has no GUI to start; the facilitator-app entry point plugs
    ui's in (and imports Qt only when a window is shown)."""
    import facilitator_app.cli as cli_module
    import ui.launcher

    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert main(["--db", db, "gui"]) == 2
    assert "no desktop app" in capsys.readouterr().err
    shown: list[int] = []
    monkeypatch.setattr(ui.launcher, "_run_gui", lambda _ctx, n: shown.append(n) or 0)
    assert ui.launcher.main(["--db", db, "gui", "--demo-patients", "7"]) == 0
    assert shown == [7]
    package = Path(cli_module.__file__).parents[1]
    importing_ui = [str(f.relative_to(package)) for f in package.rglob("*.py")
                    if re.search(r"^\s*(from ui[ .]|import ui\b)", f.read_text(), re.M)]
    assert importing_ui == []
