#!/usr/bin/env python3
"""Set everything up and run: the commands in README.md.

    python3 tasks.py app    # virtual environment + install + start the app (demo if empty)
    python3 tasks.py test   # virtual environment + install + ruff, mypy and the whole test suite,
                            # on SQLite and then on PostgreSQL (when initdb is installed)
    python3 tasks.py installer [--dist dist]   # PyInstaller build, proven by .ci/check_installer

Needs only Python 3.11+. The virtual environment lives in .venv next to this file and is
reinstalled only when pyproject.toml changes or another extra is wanted. "installer" builds
in a temporary folder and deletes it after the checks, unless --dist DIR says where to keep it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed-from"
# Packages an older pyproject.toml installed that now clash with a dependency (both provide the
# module sqlcipher3): removed before reinstalling, so one package owns the module's files.
SUPERSEDED = ("sqlcipher3-binary",)


def ensure_environment(extras: set[str]) -> None:
    """.venv with Facilitator and the optional dependencies in ``extras`` (pyproject.toml);
    the stamp records the pyproject.toml it was installed from and the extras installed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - the point is to say so on old Pythons
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        print("Creating the virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp = STAMP.read_text().split() if STAMP.exists() else []
    have = (set(stamp[1:]) or {"dev"}) if stamp[:1] == [wanted] else set()
    if extras <= have:
        return
    extras |= have
    print("Installing Facilitator and its dependencies ...", flush=True)
    subprocess.run([PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([PYTHON, "-m", "pip", "uninstall", "--quiet", "--yes", *SUPERSEDED],
                   check=True, stderr=subprocess.DEVNULL)  # "not installed" is not an error
    subprocess.run([PYTHON, "-m", "pip", "install", "--quiet", "-e",
                    f"{ROOT}[{','.join(sorted(extras))}]"], check=True)
    STAMP.write_text(" ".join([wanted, *sorted(extras)]))


def run(*args: str | Path) -> int:
    return subprocess.run([str(a) for a in args], cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("app", "test", "installer"):
        print(__doc__)
        return 2
    if argv[0] == "installer":
        ensure_environment({"installer"})
        return run(PYTHON, ROOT / ".ci" / "check_installer", *argv[1:])
    ensure_environment({"dev"})
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
    # The whole suite again with every register on a throwaway PostgreSQL server.
    if not postgres_installed():
        print("PostgreSQL (initdb, pg_ctl) is not installed: skipped the PostgreSQL run.")
        return 0
    print("$ FACILITATOR_TEST_BACKEND=postgresql pytest -q", *argv[1:], flush=True)
    os.environ["FACILITATOR_TEST_BACKEND"] = "postgresql"
    try:
        return run(PYTHON, "-m", "pytest", "-q", *argv[1:])
    finally:
        del os.environ["FACILITATOR_TEST_BACKEND"]


def postgres_installed() -> bool:
    """As tests/pg_server.find_pg_bin looks: on PATH or in Debian's versioned folders."""
    return bool(shutil.which("initdb")) or any(Path("/usr/lib/postgresql").glob("*/bin/initdb"))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
