"""Shared fixtures. ``ctx`` is a migrated database, on SQLite and on PostgreSQL (marked
``postgres``), the way ehrQL runs every engine: the same test must pass on both. The whole suite
runs a second time with FACILITATOR_TEST_BACKEND=postgresql (tasks.py test does both)."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from facilitator_app.bootstrap import AppContext, build_context
from facilitator_app.services.accounts import PasswordCost
from tests.pg_server import ThrowawayPostgres, find_pg_bin

TODAY = date(2026, 11, 22)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Every test database is made with an administrator account; the CLI signs in as it through
# the environment, as a script would. Cheap argon2 parameters keep a thousand sign-ins fast;
# the tests of accounts and encryption use the real ones where the cost matters.
ADMIN, ADMIN_PASSWORD = "admin", "test-admin-password"
TEST_COST = PasswordCost(time_cost=1, memory_kib=8, parallelism=1)
os.environ["FACILITATOR_USER"] = ADMIN  # module-scoped fixtures run the CLI too
os.environ["FACILITATOR_PASSWORD"] = ADMIN_PASSWORD


def open_test_context(url: str, today: date = TODAY) -> AppContext:
    """A plain (unencrypted) register with the test administrator, signed in."""
    context = build_context(url, today=lambda: today, cost=TEST_COST, encrypt_new=False)
    if context.needs_first_account():
        context.create_first_administrator(ADMIN, "Test Administrator", ADMIN_PASSWORD)
    else:
        context.sign_in(ADMIN, ADMIN_PASSWORD)
    return context


# FACILITATOR_TEST_BACKEND=postgresql runs the whole suite on PostgreSQL: every register a test
# makes (new_register, ctx, sqlite_ctx) is then a database on the throwaway server, and the tests
# marked sqlite_only (encryption, file backups, killed SQLite writers) are skipped.
BACKEND = os.environ.get("FACILITATOR_TEST_BACKEND", "sqlite")
ON_POSTGRES = BACKEND == "postgresql"
_template: Path | None = None
_server: ThrowawayPostgres | None = None
_database_numbers = itertools.count()


def new_register(path: Path) -> str:
    """The URL of a new plain register holding only the test administrator: a copy of one
    migrated in this session (migrating each time costs half a second). A SQLite file at
    ``path``, or on the PostgreSQL run a new database on the throwaway server."""
    global _template
    if ON_POSTGRES:
        return _postgres_url(_postgres())
    if _template is None:
        folder = Path(tempfile.mkdtemp(prefix="facilitator-template-"))
        open_test_context(f"sqlite:///{folder / 'template.sqlite3'}").close()
        _template = folder / "template.sqlite3"
    shutil.copyfile(_template, path)
    return f"sqlite:///{path}"


def _postgres() -> ThrowawayPostgres:
    """The session's server, started on first use with one migrated template database."""
    global _server
    if _server is None:
        bin_dir = find_pg_bin()
        if bin_dir is None:
            pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found on this machine; "
                        "install Debian's postgresql package to run the PostgreSQL tests")
        server = ThrowawayPostgres(bin_dir)
        server.start()
        admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE template_facilitator"))
        admin.dispose()
        open_test_context(server.url("template_facilitator")).close()
        _server = server
    return _server


def _postgres_url(server: ThrowawayPostgres) -> str:
    name = f"test_{next(_database_numbers)}"
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE template_facilitator"))
    admin.dispose()
    return server.url(name)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _server is not None:
        _server.stop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if ON_POSTGRES:
        skip = pytest.mark.skip(reason="about the SQLite file itself (the PostgreSQL run)")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_user_folders(tmp_path_factory: pytest.TempPathFactory,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches the real user data folder or log folder."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("FACILITATOR_LOG_DIR", str(home / "logs"))
    monkeypatch.delenv("FACILITATOR_DB", raising=False)
    monkeypatch.delenv("FACILITATOR_NEW_PASSWORD", raising=False)


@pytest.fixture(scope="session")
def postgres_server() -> ThrowawayPostgres:
    return _postgres()


_BACKENDS = ([pytest.param("postgresql", marks=pytest.mark.postgres)] if ON_POSTGRES else
             ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])


@pytest.fixture(params=_BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return new_register(tmp_path / "test.sqlite3")
    return _postgres_url(request.getfixturevalue("postgres_server"))


@pytest.fixture
def ctx(db_url: str) -> Iterator[AppContext]:
    context = open_test_context(db_url)
    yield context
    context.close()


@pytest.fixture
def sqlite_ctx(tmp_path: Path) -> Iterator[AppContext]:
    """For UI and CLI tests where the backend is not the point: SQLite, or PostgreSQL on the
    PostgreSQL run."""
    context = open_test_context(new_register(tmp_path / "app.sqlite3"))
    yield context
    context.close()
