"""``facilitator-app budget`` end to end: set up, commit, invoice, pay, statement."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from facilitator_app.bootstrap import AppContext
from facilitator_app.cli import main
from tests.builders import RegisterBuilder


def test_budget_from_the_command_line(sqlite_ctx: AppContext, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    b = RegisterBuilder(sqlite_ctx)
    nhs = b.patient("Ann", "Alice").nhs_number
    b.commit()
    db = sqlite_ctx.database

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--db", db, "budget", *args])
        out, err = capsys.readouterr()
        return code, out, err

    assert run("provider", "Peer Pals")[0] == 0
    assert run("service", "--provider", "peer pals", "--name", "Peer week", "--unit", "week",
               "--price", "100", "--vat", "20")[1] == "Service 1 added: Peer week, £100.00 " \
        "per week.\n"
    assert run("line", "--year", "2025/26", "--name", "Peer support", "--amount",
               "1,000")[0] == 0
    code, _, err = run("commit", nhs, "--service", "1", "--line", "1", "--units", "10",
                       "--start", "01/06/2025", "--end", "30/09/2025")
    assert code == 2 and "overspend the line by £200.00" in err and "--allow-overspend" in err
    code, out, _ = run("commit", nhs, "--service", "1", "--line", "1", "--units", "6",
                       "--start", "01/03/2026", "--end", "30/04/2026")
    assert code == 0 and "£720.00 (2025/26 £365.90, 2026/27 £354.10)" in out
    assert run("invoice", "1", "--reference", "PP-1", "--date", "31/03/2026", "--units", "3",
               "--approve", "01/04/2026")[0] == 0
    code, _, err = run("pay", "1", "--amount", "400", "--date", "02/04/2026")
    assert code == 2 and "more than the invoice" in err
    assert run("pay", "1", "--amount", "200", "--date", "02/04/2026")[0] == 0
    code, out, _ = run("position", "--year", "2025")
    assert "Peer support" in out and "£365.90" in out  # nothing spent until 01/04/2026
    code, out, err = run("statement", "--year", "2026", "--out", str(tmp_path / "s.pdf"))
    assert code == 0 and "written to" in out and "no patient identifiers" in err
    text = PdfReader(tmp_path / "s.pdf").pages[0].extract_text()
    assert "Pathway budget statement 2026/27" in text and "£360.00" in text
    code, _, err = run("statement", "--year", "2026", "--provider", "Nobody", "--out",
                       str(tmp_path / "x.pdf"))
    assert code == 2 and "no provider called 'Nobody'" in err
    with pytest.raises(SystemExit) as bad:  # argparse refuses it before anything runs
        run("line", "--year", "2026", "--name", "X", "--amount", "1.234")
    assert bad.value.code == 2
