"""``facilitator-app followups list|done`` on a hand-built register."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest

from facilitator_app.bootstrap import AppContext
from facilitator_app.cli import main
from tests.services.test_follow_ups import build_follow_ups


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_list_as_csv_soonest_due_first_with_count(
        sqlite_ctx: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    ids = build_follow_ups(sqlite_ctx)
    db = sqlite_ctx.database
    assert main(["--db", db, "followups", "list", "--format", "csv",
                 "--as-of", "22/11/2026"]) == 0
    out, err = capsys.readouterr()
    rows = _csv(out)
    assert [int(r["Id"]) for r in rows] == [ids.bp, ids.hba1c, ids.later]
    first = rows[0]
    assert first["Due"] == "01/10/2026" and first["State"] == "Overdue by 52 days"
    assert first["Name"] == "ANN, Alice" and first["Assigned to"] == "GP"
    assert len(first["NHS number"]) == 12 and first["NHS number"].count(" ") == 2
    assert rows[1]["Result"] == "HbA1c 52 mmol/mol on 03/09/2026"
    assert "3 open follow-ups" in err


def test_list_filters(sqlite_ctx: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    ids = build_follow_ups(sqlite_ctx)
    db = sqlite_ctx.database

    def listed(*extra: str) -> list[int]:
        assert main(["--db", db, "followups", "list", "--format", "csv",
                     "--as-of", "2026-11-22", *extra]) == 0
        return [int(r["Id"]) for r in _csv(capsys.readouterr().out)]

    assert listed("--overdue") == [ids.bp]
    assert listed("--due-within", "8") == [ids.bp, ids.hba1c]
    assert listed("--due-within", "7") == [ids.bp]
    assert listed("--practice", "A00002") == [ids.later]
    assert listed("--assigned-to", "Facilitator") == [ids.hba1c]


def test_list_table_to_a_file(sqlite_ctx: AppContext, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    build_follow_ups(sqlite_ctx)
    out = tmp_path / "followups.txt"
    assert main(["--db", sqlite_ctx.database, "followups", "list", "--as-of", "22/11/2026",
                 "--out", str(out)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("Id") and len(lines) == 2 + 3
    assert "Overdue by 52 days" in lines[2]
    assert f"3 open follow-ups written to {out}" in capsys.readouterr().err


def test_done_closes_it_and_is_refused_twice(
        sqlite_ctx: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    ids = build_follow_ups(sqlite_ctx)
    db = sqlite_ctx.database
    assert main(["--db", db, "followups", "done", str(ids.bp), "--outcome", "Seen by GP",
                 "--on", "20/11/2026"]) == 0
    assert f"Follow-up {ids.bp} recorded as done" in capsys.readouterr().out
    assert main(["--db", db, "followups", "list", "--overdue", "--as-of", "2026-11-22"]) == 0
    assert "0 open follow-ups" in capsys.readouterr().err
    assert main(["--db", db, "followups", "done", str(ids.bp), "--outcome", "again"]) == 2
    assert "already recorded as done (on 20/11/2026)" in capsys.readouterr().err


def test_done_with_a_stale_version_and_bad_input(
        sqlite_ctx: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    ids = build_follow_ups(sqlite_ctx)
    db = sqlite_ctx.database
    assert main(["--db", db, "followups", "done", str(ids.bp), "--outcome", "Seen",
                 "--version", "1"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "followups", "done", str(ids.bp), "--outcome", "Seen too",
                 "--version", "1"]) == 2
    assert "changed by someone else" in capsys.readouterr().err
    tomorrow = date.today() + timedelta(days=1)  # the command's today is the real one
    assert main(["--db", db, "followups", "done", str(ids.later), "--outcome", "x",
                 "--on", tomorrow.isoformat()]) == 2
    assert "in the future" in capsys.readouterr().err
    assert main(["--db", db, "followups", "done", "999", "--outcome", "x"]) == 2
    assert "no follow-up 999" in capsys.readouterr().err
    assert main(["--db", db, "followups", "list", "--practice", "NOPE"]) == 2
    assert "NOPE" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--db", db, "followups", "list", "--due-within", "-3"])
    with pytest.raises(SystemExit):
        main(["--db", db, "followups", "list", "--overdue", "--due-within", "3"])
