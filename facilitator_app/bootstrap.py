"""The composition root: the only module that wires the database adapters to the services.

The CLI and the GUI both call ``build_context`` and then pass ``ctx.new_uow()`` to service
functions, so both faces run exactly the same use cases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from db.backup import backups_for
from db.engine import DatabaseUrlError, make_engine, make_session_factory, resolve_url
from db.migrate import upgrade_to_head
from db.unit_of_work import SqlAlchemyUnitOfWork
from facilitator_app.services.backup import DatabaseBackups
from facilitator_app.services.ports import UnitOfWork


class DatabaseUnavailable(RuntimeError):
    """The database could not be opened or upgraded; the message is safe to show a user."""


@dataclass
class AppContext:
    new_uow: Callable[[], UnitOfWork]
    database: str  # where the data lives, for display (password hidden)
    today: Callable[[], date] = date.today
    _engine: Engine | None = field(default=None, repr=False)

    def backups(self) -> DatabaseBackups:
        """Raises BackupNotPossible (with the pg_dump commands) on PostgreSQL."""
        assert self._engine is not None, "a context built by build_context has an engine"
        return backups_for(self._engine, self.database)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def build_context(db_url: str | None = None, today: Callable[[], date] = date.today) -> AppContext:
    """Open (creating if needed) and upgrade the database. Raises DatabaseUrlError or
    DatabaseUnavailable with a message a user can act on."""
    url = resolve_url(db_url)
    engine = make_engine(url)
    try:
        upgrade_to_head(engine)
    except DBAPIError as exc:
        engine.dispose()
        raise DatabaseUnavailable(
            f"Could not open the database at {url.render_as_string(hide_password=True)}: "
            f"{_first_line(exc.orig)}"
        ) from None
    factory = make_session_factory(engine)
    return AppContext(
        new_uow=lambda: SqlAlchemyUnitOfWork(factory),
        database=url.render_as_string(hide_password=True),
        today=today,
        _engine=engine,
    )


def _first_line(exc: BaseException | None) -> str:
    return (str(exc) or type(exc).__name__).strip().splitlines()[0] if exc else "unknown error"


__all__ = ["AppContext", "DatabaseUnavailable", "DatabaseUrlError", "build_context"]
