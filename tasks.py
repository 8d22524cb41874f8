#!/usr/bin/env python3
"""Set everything up and run: the two commands in README.md.

    python3 tasks.py app    # virtual environment + install + start the app (demo if empty)
    python3 tasks.py test   # virtual environment + install + ruff, mypy and the whole test suite

Needs only Python 3.11+. The virtual environment lives in .venv next to this file and is
reinstalled only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed-from"


def ensure_environment() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - the point is to say so on old Pythons
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        print("Creating the virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    print("Installing Facilitator and its dependencies ...", flush=True)
    subprocess.run([PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([PYTHON, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted)


def run(*args: str | Path) -> int:
    return subprocess.run([str(a) for a in args], cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("app", "test"):
        print(__doc__)
        return 2
    ensure_environment()
    if argv[0] == "app":
        return run(PYTHON, "-m", "ui", *argv[1:])
    env_note = {"QT_QPA_PLATFORM": "offscreen"}
    os.environ.update({k: v for k, v in env_note.items() if k not in os.environ})
    for step in (
        (PYTHON, "-m", "ruff", "check", "."),
        (PYTHON, "-m", "mypy"),
        (PYTHON, "-m", "pytest", "-q", *argv[1:]),
    ):
        print("$", " ".join(str(s) for s in step[1:]), flush=True)
        if code := run(*step):
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
