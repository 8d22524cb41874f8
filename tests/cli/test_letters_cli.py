"""``facilitator-app letters`` and ``facilitator-app practice`` end to end."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from facilitator_app.bootstrap import AppContext
from facilitator_app.cli import main
from tests.builders import RegisterBuilder
from tests.services.test_letterhead import png


def _register(ctx: AppContext) -> list[str]:
    b = RegisterBuilder(ctx)
    seen = b.patient("Seen", "Sam")
    b.full_check(seen, date(2026, 10, 5))
    due = b.patient("Due", "Dee")
    b.full_check(due, date(2025, 9, 1))
    b.patient("Other", "Olly", practice="A00002")
    numbers = [seen.nhs_number, due.nhs_number]
    b.commit()
    return numbers


def test_batch_merged_and_per_patient(sqlite_ctx: AppContext, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    seen, due = _register(sqlite_ctx)
    db = sqlite_ctx.database
    merged = tmp_path / "checked.pdf"
    assert main(["--db", db, "letters", "--practice", "A00001", "--checked-between",
                 "01/10/2026", "31/10/2026", "--out", str(merged), "--date", "22/11/2026"]) == 0
    assert f"1 review letter written to {merged}." in capsys.readouterr().out
    text = " ".join(p.extract_text() for p in PdfReader(merged).pages)
    assert f"{seen[:3]} {seen[3:6]} {seen[6:]}" in text and "Dee" not in text

    folder = tmp_path / "due"
    assert main(["--db", db, "letters", "--practice", "A00001", "--due", "--kind",
                 "invitation", "--out", str(folder), "--date", "22/11/2026"]) == 0
    assert "1 invitation letter written to 1 file in" in capsys.readouterr().out
    assert [p.name for p in folder.iterdir()] == [f"{due}-invitation-2026-11-22.pdf"]


def test_one_patient_by_nhs_number(sqlite_ctx: AppContext, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    seen, _ = _register(sqlite_ctx)
    spaced = f"{seen[:3]} {seen[3:6]} {seen[6:]}"
    assert main(["--db", sqlite_ctx.database, "letters", "--nhs-number", spaced, "--kind",
                 "record", "--signed-by", "Dr Who", "--out", str(tmp_path),
                 "--date", "22/11/2026"]) == 0
    out = capsys.readouterr().out
    (path,) = tmp_path.glob("*-record-2026-11-22.pdf")
    assert str(path) in out
    text = PdfReader(path).pages[0].extract_text()
    assert "record copy" in text and "Dr Who" in text and "Date: 22/11/2026" in text


def test_letters_input_errors(sqlite_ctx: AppContext, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    _register(sqlite_ctx)
    db = sqlite_ctx.database
    assert main(["--db", db, "letters", "--due", "--out", str(tmp_path)]) == 2
    assert "--practice CODE is needed" in capsys.readouterr().err
    assert main(["--db", db, "letters", "--practice", "Z00000", "--due", "--out",
                 str(tmp_path)]) == 2
    assert "Z00000" in capsys.readouterr().err
    assert main(["--db", db, "letters", "--practice", "A00001", "--checked-between",
                 "02/11/2026", "01/11/2026", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "before it starts" in capsys.readouterr().err
    assert main(["--db", db, "letters", "--nhs-number", "999 999 9999", "--out",
                 str(tmp_path)]) == 2
    assert "No patient with that NHS number" in capsys.readouterr().err
    assert main(["--db", db, "letters", "--practice", "A00002", "--checked-between",
                 "01/01/2026", "02/01/2026", "--out", str(tmp_path / "none.pdf")]) == 0
    assert "No patients match" in capsys.readouterr().err
    assert not (tmp_path / "none.pdf").exists()


def test_practice_letterhead_show_and_change(sqlite_ctx: AppContext, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    _register(sqlite_ctx)
    db = sqlite_ctx.database
    assert main(["--db", db, "practice", "list"]) == 0
    assert re.search(r"A00001\s+Test Surgery\s+2 patients", capsys.readouterr().out)
    logo = tmp_path / "logo.png"
    logo.write_bytes(png())
    assert main(["--db", db, "practice", "letterhead", "A00001", "--name", "Riverside",
                 "--address", "1 River Lane|Anytown", "--address", "AT1 1AA",
                 "--phone", "01632 960001", "--logo", str(logo)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1:] == ["Riverside", "1 River Lane", "Anytown", "AT1 1AA",
                                    "Telephone 01632 960001",
                                    f"Logo: PNG, {len(png()):,} bytes"]
    assert main(["--db", db, "practice", "letterhead", "A00001", "--no-logo"]) == 0
    assert "Logo: none" in capsys.readouterr().out
    bad = tmp_path / "bad.png"
    bad.write_text("not a picture")
    assert main(["--db", db, "practice", "letterhead", "A00001", "--logo", str(bad),
                 "--name", ""]) == 2
    err = capsys.readouterr().err
    assert "name: The practice name is needed." in err
    assert "logo: The logo must be a PNG or JPEG image." in err
    assert main(["--db", db, "practice", "letterhead", "A00001"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "Riverside"  # nothing was saved
