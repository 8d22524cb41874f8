"""``facilitator-app users`` and ``settings`` from the command line."""

from __future__ import annotations

import pytest

from facilitator_app.cli import main
from facilitator_app.domain.access import password_problem, username_problem


def test_the_administrator_manages_accounts_from_the_command_line(
        sqlite_ctx: object, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    db = sqlite_ctx.database  # type: ignore[attr-defined]
    monkeypatch.setenv("FACILITATOR_NEW_PASSWORD", "a-new-users-password")
    assert main(["--db", db, "demo", "--patients", "40"]) == 0
    assert main(["--db", db, "users", "add", "pat", "--role", "gp", "--practice", "Z99001",
                 "--name", "Dr Pat"]) == 0
    assert "Added pat (GP, practice Z99001)" in capsys.readouterr().out
    assert main(["--db", db, "users", "add", "sam", "--role", "gp"]) == 2
    assert "needs the practice it works for" in capsys.readouterr().err
    assert main(["--db", db, "users", "list"]) == 0
    listing = capsys.readouterr().out
    assert "pat" in listing and "Dr Pat" in listing and "Z99001" in listing
    monkeypatch.setenv("FACILITATOR_PASSWORD", "a-new-users-password")
    assert main(["--db", db, "--user", "pat", "settings", "idle-lock", "5"]) == 3
    assert main(["--db", db, "--user", "pat", "settings", "idle-lock"]) == 0
    assert "locks after 10 minutes" in capsys.readouterr().out
    monkeypatch.setenv("FACILITATOR_NEW_PASSWORD", "pats-second-password")
    assert main(["--db", db, "--user", "pat", "users", "password", "pat"]) == 0
    monkeypatch.setenv("FACILITATOR_PASSWORD", "pats-second-password")
    assert main(["--db", db, "--user", "pat", "register", "list"]) == 0
    monkeypatch.setenv("FACILITATOR_PASSWORD", "test-admin-password")
    assert main(["--db", db, "users", "deactivate", "pat"]) == 0
    assert main(["--db", db, "settings", "idle-lock", "500"]) == 2
    assert "1 to 120 minutes" in capsys.readouterr().err
    monkeypatch.setenv("FACILITATOR_PASSWORD", "pats-second-password")
    assert main(["--db", db, "--user", "pat", "register", "list"]) == 3  # switched off


def test_no_password_and_no_terminal_is_explained(sqlite_ctx: object,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("FACILITATOR_PASSWORD")
    assert main(["--db", sqlite_ctx.database, "register", "list"]) == 2  # type: ignore[attr-defined]
    assert "set $FACILITATOR_PASSWORD" in capsys.readouterr().err


@pytest.mark.parametrize(("password", "problem"), [
    ("123456789", "at least 10"), ("ann.admin1", None), ("Ann.Admin1", None),
    (" leading space x", "start or end with a space"), ("ann.admin", "at least 10"),
])
def test_password_rules(password: str, problem: str | None) -> None:
    found = password_problem(password, "someone")
    assert (found is None) if problem is None else (problem in (found or ""))
    assert password_problem("samename12", "SameName12") == "The password must not be the user name."


def test_user_name_rules() -> None:
    assert username_problem("ann.admin") is None
    assert "lower-case" in (username_problem("Ann Admin") or "")
    assert "2 to 60" in (username_problem("a") or "")
