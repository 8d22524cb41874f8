"""``facilitator-app episode``, ``measure record`` and ``outcomes report`` end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from facilitator_app.bootstrap import AppContext
from facilitator_app.cli import main
from tests.builders import RegisterBuilder


def test_episode_measures_and_report(sqlite_ctx: AppContext, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    b = RegisterBuilder(sqlite_ctx)
    nhs = b.patient("Ann", "Alice").nhs_number
    b.commit()
    db = sqlite_ctx.database

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--db", db, *args])
        out, err = capsys.readouterr()
        return code, out, err

    assert run("episode", "open", nhs, "--source", "GP", "--step", "2", "--date",
               "01/06/2026")[1] == "Episode 1 opened at step 2.\n"
    assert run("episode", "intervention", "1", "--kind", "guided_self_help", "--date",
               "01/06/2026", "--delivered-by", "Mind")[1] == "Intervention 1 started.\n"
    code, _, err = run("episode", "session", "1", "--attendance", "attended", "--minutes",
                       "45", "--date", "31/05/2026")
    assert code == 2 and "before the referral date (01/06/2026)" in err
    for day in ("08/06/2026", "15/06/2026", "22/06/2026"):
        assert run("episode", "session", "1", "--attendance", "attended", "--minutes", "45",
                   "--date", day)[0] == 0
    code, _, err = run("measure", "record", nhs, "--measure", "phq9", "--answers",
                       "0,4,0,0,0,0,0,0,0", "--date", "01/06/2026")
    assert code == 2 and "item 2" in err
    code, _, err = run("measure", "record", nhs, "--measure", "phq9", "--answers",
                       "2,2,2,2,2,2,2,1,1", "--date", "01/06/2026")
    assert code == 2 and "record the risk action" in err and "116 123" in err
    code, out, _ = run("measure", "record", nhs, "--measure", "phq9", "--answers",
                       "2,2,2,2,2,2,2,1,1", "--date", "01/06/2026", "--risk-action",
                       "GP assessed same day")
    assert code == 0 and out.startswith("PHQ-9 16 (moderately severe) saved to episode 1.")
    for measure, answers, day in (("gad7", "2,2,2,1,1,1,0", "01/06/2026"),
                                  ("phq9", "1,1,1,1,1,1,1,2,0", "22/06/2026"),
                                  ("gad7", "1,1,1,1,1,1,1", "22/06/2026")):
        assert run("measure", "record", nhs, "--measure", measure, "--answers", answers,
                   "--date", day)[0] == 0
    code, _, err = run("episode", "discharge", "1", "--reason", "recovered", "--date",
                       "21/06/2026")
    assert code == 2 and "before the last thing recorded" in err
    assert run("episode", "discharge", "1", "--reason", "recovered", "--date",
               "23/06/2026")[0] == 0
    code, out, _ = run("episode", "show", nhs)
    assert "Episode 1: referred 01/06/2026 by GP; discharged 23/06/2026; 3 attended" in out
    assert "PHQ-9 16 (moderately severe) — item 9 risk flagged" in out

    csv_out = tmp_path / "outcomes.csv"
    code, out, _ = run("outcomes", "report", "--from", "01/04/2026", "--to", "31/03/2027",
                       "--by", "provider", "--out", str(csv_out))
    assert code == 0 and "Mind" in out and "recovered 100.0 %" in out
    assert csv_out.read_text(encoding="utf-8").splitlines()[1].startswith("Mind,1,1,1,1,1")
    code, _, err = run("outcomes", "report", "--from", "01/04/2027", "--to", "31/03/2026")
    assert code == 2 and "before it starts" in err
