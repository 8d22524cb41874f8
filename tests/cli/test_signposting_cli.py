"""``facilitator-app services`` and ``facilitator-app signpost`` end to end."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from facilitator_app.bootstrap import AppContext
from facilitator_app.cli import main
from tests.builders import RegisterBuilder


def test_directory_signpost_due_and_outcome(sqlite_ctx: AppContext, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    b = RegisterBuilder(sqlite_ctx)
    nhs = b.patient("Ann", "Alice").nhs_number
    b.commit()
    db = sqlite_ctx.database
    assert main(["--db", db, "services", "add", "--name", "Stop Smoking Service",
                 "--category", "smoking_cessation", "--contact", "0300 000 0000",
                 "--purchased"]) == 0
    assert "Service 1 added: Stop Smoking Service (Smoking cessation)." in \
        capsys.readouterr().out
    assert main(["--db", db, "services", "list"]) == 0
    out = capsys.readouterr().out
    assert "Stop Smoking Service  [pathway budget]" in out and "contact: 0300 000 0000" in out

    assert main(["--db", db, "signpost", "add", nhs, "--service", "1", "--reason",
                 "Smokes 20 a day", "--date", "01/11/2026", "--follow-up", "15/11/2026"]) == 0
    assert "Signposting 1 recorded." in capsys.readouterr().out
    assert main(["--db", db, "signpost", "due", "--as-of", "22/11/2026", "--format",
                 "csv"]) == 0
    captured = capsys.readouterr()
    (row,) = csv.DictReader(io.StringIO(captured.out))
    assert (row["Id"], row["Follow up"], row["Name"], row["Category"]) == (
        "1", "15/11/2026", "ANN, Alice", "Smoking cessation")
    assert row["NHS number"] == f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"
    assert "1 signpostings to follow up" in captured.err

    assert main(["--db", db, "signpost", "outcome", "1", "--outcome", "waiting",
                 "--date", "16/11/2026"]) == 2
    assert "follow_up_on: Still waiting" in capsys.readouterr().err
    assert main(["--db", db, "signpost", "outcome", "1", "--outcome", "attended",
                 "--date", "16/11/2026", "--version", "7"]) == 2
    assert "changed by someone else" in capsys.readouterr().err
    assert main(["--db", db, "signpost", "outcome", "1", "--outcome", "attended",
                 "--date", "16/11/2026"]) == 0
    assert "Signposting 1: Attended." in capsys.readouterr().out
    assert main(["--db", db, "signpost", "list", nhs]) == 0
    assert "01/11/2026  Stop Smoking Service (Smoking cessation): Smokes 20 a day  " \
        "[Attended]" in capsys.readouterr().out
    assert main(["--db", db, "signpost", "add", nhs, "--service", "9", "--reason", ""]) == 2
    err = capsys.readouterr().err
    assert "reason: Say why" in err and "service: There is no service 9" in err
