"""What the screens need from the application: a unit of work, today's date, where data lives.

A Protocol rather than ``bootstrap.AppContext`` itself, because ``ui`` must not depend on the
composition root (it imports the database adapters); ``AppContext`` satisfies it, and so does
any test double.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Protocol

from facilitator_app.services.backup import DatabaseBackups
from facilitator_app.services.ports import UnitOfWork


class UiContext(Protocol):
    @property
    def new_uow(self) -> Callable[[], UnitOfWork]: ...

    @property
    def today(self) -> Callable[[], date]: ...

    @property
    def database(self) -> str: ...

    def backups(self) -> DatabaseBackups: ...
