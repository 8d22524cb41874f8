"""Opening databases: defaults, pragmas, and clear messages for bad addresses."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from db.engine import DatabaseUrlError, make_engine, resolve_url
from facilitator_app.bootstrap import DatabaseUnavailable, build_context


def test_default_is_a_sqlite_file_in_the_user_data_folder(tmp_path: Path) -> None:
    url = resolve_url(None)
    assert url.get_backend_name() == "sqlite"
    assert url.database is not None and url.database.endswith("facilitator.sqlite3")
    assert "Facilitator" in url.database


def test_environment_variable_chooses_the_database(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    monkeypatch.setenv("FACILITATOR_DB", f"sqlite:///{tmp_path / 'team.sqlite3'}")
    assert resolve_url(None).database == str(tmp_path / "team.sqlite3")


def test_postgres_urls_use_psycopg3() -> None:
    url = resolve_url("postgresql://me@localhost/register")
    assert url.drivername == "postgresql+psycopg"


@pytest.mark.parametrize("bad", ["not a url", "postgresql//missing-colon", "://"])
def test_malformed_url_gets_a_clear_message(bad: str) -> None:
    with pytest.raises(DatabaseUrlError, match="Could not understand the database address"):
        resolve_url(bad)


def test_unsupported_backend_is_named() -> None:
    with pytest.raises(DatabaseUrlError, match="'mysql' is not supported"):
        resolve_url("mysql://me@localhost/register")


def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_unreachable_server_is_reported_without_a_traceback() -> None:
    with pytest.raises(DatabaseUnavailable, match="Could not open the database"):
        build_context("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
