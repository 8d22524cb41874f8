"""What the sign-in screen needs, and no more, is loaded at start.

The cold start (spawn to the sign-in screen's first paint) has a 2 s target on a 2-core laptop
(issue 10, bench/run.py); a third of it used to be importing libraries that only writing a file
or opening a register needs. This guards that without timing anything.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

LATER = ("openpyxl", "reportlab", "alembic", "ui.main_window")


def test_starting_the_app_leaves_file_writers_migrations_and_screens_unloaded() -> None:
    probe = ("import sys, ui.launcher, ui.app, ui.screens.sign_in\n"
             f"print(sorted(m for m in {LATER!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""},
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"
