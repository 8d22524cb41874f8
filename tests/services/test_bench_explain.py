"""bench/explain.py, the tool the performance notes' query plans come from, keeps working: it
signs in, and it sees the worklist's statement although that one goes straight to the driver."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from facilitator_app.services.demo import build_demo_register
from tests.conftest import ADMIN, ADMIN_PASSWORD, open_test_context

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.sqlite_only
def test_explain_prints_the_plans_of_both_statements(tmp_path: Path) -> None:
    database = tmp_path / "register.sqlite3"
    ctx = open_test_context(f"sqlite:///{database}")
    build_demo_register(ctx.new_uow(), 40, 1, date(2026, 11, 22))
    ctx.close()
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "explain.py"), "--repeat", "1", "--user", ADMIN,
         "--password", ADMIN_PASSWORD, str(database)],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    qof, worklist = done.stdout.split("== recall worklist")
    assert qof.startswith("== QOF summary: ")
    assert "MATERIALIZE qof_facts" in qof and "USE TEMP B-TREE FOR GROUP BY" in qof
    assert "MATERIALIZE facts" in worklist and "USE TEMP B-TREE FOR ORDER BY" in worklist
    assert "SCAN patient" in worklist and "SCAN observation" not in done.stdout
