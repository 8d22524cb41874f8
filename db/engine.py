"""Engine factory: the one place that knows how to open a database.

The default is an embedded SQLite file in the user's data folder, so a facilitator's laptop needs
no server. A URL (``--db`` or ``FACILITATOR_DB``) points the same code at PostgreSQL for teams
that share one register.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from db.scratch import release_on_checkin

APP_NAME = "Facilitator"
DB_ENV_VAR = "FACILITATOR_DB"
SUPPORTED_BACKENDS = ("sqlite", "postgresql")


class DatabaseUrlError(ValueError):
    """A database URL the user typed cannot be used; the message says why and what works."""


def default_database_path() -> Path:
    return Path(user_data_dir(APP_NAME, appauthor=False)) / "facilitator.sqlite3"


def resolve_url(explicit: str | None = None) -> URL:
    """The database to open: an explicit URL, else ``FACILITATOR_DB``, else the default file."""
    text = explicit or os.environ.get(DB_ENV_VAR) or ""
    if not text:
        path = default_database_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return make_url(f"sqlite:///{path}")
    try:
        url = make_url(text)
    except ArgumentError:
        raise DatabaseUrlError(
            "Could not understand the database address. Use a file path form such as "
            "sqlite:////home/me/facilitator.sqlite3 or a server address such as "
            "postgresql://user@localhost/facilitator."
        ) from None
    if url.get_backend_name() not in SUPPORTED_BACKENDS:
        raise DatabaseUrlError(
            f"Database type '{url.get_backend_name()}' is not supported; "
            "use sqlite:///PATH or postgresql://USER@HOST/NAME."
        )
    if url.get_backend_name() == "postgresql" and "+" not in url.drivername:
        url = url.set(drivername="postgresql+psycopg")  # psycopg 3 is the driver we ship
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    return url


def make_engine(url: URL | str, key: bytes | None = None) -> Engine:
    """``key``: the SQLCipher key of an encrypted SQLite register (db/encryption.py)."""
    url = make_url(url) if isinstance(url, str) else url
    if key is None:
        engine = create_engine(url)
    else:
        import sqlcipher3.dbapi2 as sqlcipher

        engine = create_engine(url, module=sqlcipher)
        # first, before anything reads a page
        event.listen(engine, "connect", lambda conn, _rec: sqlcipher_key(conn, key))
        release_on_checkin(engine)  # imports stage in an encrypted scratch file (db/scratch.py)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def sqlcipher_key(dbapi_conn: Any, key: bytes) -> None:
    """Key a SQLCipher connection with the raw key (no passphrase derivation: the key slot
    already did that, with argon2id)."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is reported, not logged
    cur.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    cur.close()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Foreign keys are off in SQLite unless asked for. WAL lets the GUI read while a background
    # import writes, and survives a killed process without a corrupt file.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA cache_size=-65536")  # 64 MiB: big registers stay in memory
    cur.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: DTOs are built inside the unit of work, but a service may still
    # read attributes of objects it just committed.
    return sessionmaker(engine, expire_on_commit=False)
