"""What the screens need from the application: a unit of work, today's date, where data lives,
and who is signed in.

A Protocol rather than ``bootstrap.AppContext`` itself, because ``ui`` must not depend on the
composition root (it imports the database adapters); ``AppContext`` satisfies it, and so does
any test double.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Protocol

from facilitator_app.domain.access import Actor, Permission
from facilitator_app.services.backup import DatabaseBackups
from facilitator_app.services.ports import UnitOfWork


class UiContext(Protocol):
    @property
    def new_uow(self) -> Callable[[], UnitOfWork]: ...

    @property
    def today(self) -> Callable[[], date]: ...

    @property
    def database(self) -> str: ...

    @property
    def actor(self) -> Actor | None: ...

    @property
    def encrypted(self) -> bool: ...

    @property
    def first_account_encrypts(self) -> bool: ...

    def backups(self) -> DatabaseBackups: ...

    def rolling_backups(self) -> DatabaseBackups: ...

    def needs_first_account(self) -> bool: ...

    def create_first_administrator(self, username: str, display_name: str,
                                   password: str) -> Actor: ...

    def sign_in(self, username: str, password: str) -> Actor: ...

    def confirm_identity(self, password: str) -> bool: ...

    def sign_out(self) -> None: ...


def can(ctx: UiContext, permission: Permission) -> bool:
    """Whether to offer something on screen; the services refuse it regardless."""
    return ctx.actor is not None and ctx.actor.can(permission)
