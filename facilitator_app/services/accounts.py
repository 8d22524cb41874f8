"""Local user accounts: the first administrator, signing in, and managing who may use the register.

Passwords are kept only as argon2id hashes (argon2-cffi). On an encrypted register each account
also holds a key slot (``KeySlots``): the database key wrapped with a key derived from that
user's password, so adding a user, changing a password or switching an account off updates the
slot together with the account.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from facilitator_app.domain.access import (
    AccessDenied,
    Actor,
    Permission,
    Role,
    password_problem,
    username_problem,
)
from facilitator_app.services import audit
from facilitator_app.services.access import require, signed_in
from facilitator_app.services.ports import UnitOfWork


@dataclass(frozen=True)
class PasswordCost:
    """argon2id work factors. The default is argon2-cffi's (RFC 9106's second recommendation:
    64 MiB, 3 passes, 4 lanes), about 0.2 s on a laptop; hashes carry their own parameters,
    so raising the cost later leaves old hashes readable."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4

    def hasher(self) -> PasswordHasher:
        return PasswordHasher(time_cost=self.time_cost, memory_cost=self.memory_kib,
                              parallelism=self.parallelism)


DEFAULT_COST = PasswordCost()


@dataclass(frozen=True)
class UserAccount:
    id: int
    username: str
    display_name: str
    role: Role
    practice_code: str | None
    active: bool


class AccountStore(Protocol):
    def count(self) -> int: ...

    def by_username(self, username: str) -> UserAccount | None: ...

    def password_hash(self, user_id: int) -> str | None: ...

    def all(self) -> list[UserAccount]: ...

    def practice_exists(self, code: str) -> bool: ...

    def add(self, username: str, display_name: str, role: Role, practice_code: str | None,
            password_hash: str) -> int: ...

    def set_password_hash(self, user_id: int, password_hash: str) -> None: ...

    def set_active(self, user_id: int, active: bool) -> None: ...


class KeySlots(Protocol):
    """The encrypted register's key slots; a plain register (PostgreSQL, or a test file) has
    none and these do nothing."""

    def add_slot(self, username: str, password: str) -> None: ...

    def remove_slot(self, username: str) -> None: ...

    def rekey(self) -> None:
        """A new database key sealed to every remaining slot (after the change committed)."""
        ...


class AccountProblem(ValueError):
    """A new account or password cannot be accepted; the message names the field."""


class SignInFailed(AccessDenied):
    """Wrong user name or password, or the account is switched off. One message for all, so
    the screen does not tell a stranger which user names exist."""


SIGN_IN_FAILED = "The user name or password is not right."


def has_accounts(uow: UnitOfWork) -> bool:
    """No accounts yet means a first run: the app asks for the administrator."""
    with uow:
        return uow.accounts.count() > 0


def create_first_administrator(uow: UnitOfWork, username: str, display_name: str,
                               password: str, cost: PasswordCost = DEFAULT_COST) -> Actor:
    """Only on a register with no accounts; the administrator is signed in on return."""
    check_new_account(username, display_name, password)
    with uow:
        if uow.accounts.count():
            raise AccessDenied("This register already has accounts: sign in instead.")
        user_id = uow.accounts.add(username, display_name, Role.ADMINISTRATOR, None,
                                   cost.hasher().hash(password))
        actor = Actor(user_id, username, Role.ADMINISTRATOR)
        uow.actor = actor
        audit.record(uow, "create", "user", user_id, after=_state(uow, username))
        uow.commit()  # (an encrypting first run sealed the slot before the file existed)
        return actor


def authenticate(uow: UnitOfWork, username: str, password: str) -> Actor:
    """The account's Actor, or SignInFailed. Both outcomes are audited (no password kept)."""
    with uow:
        account = uow.accounts.by_username(username)
        stored = uow.accounts.password_hash(account.id) if account else None
        if account is None or stored is None or not account.active \
                or not _matches(stored, password):
            if account is None:
                _DUMMY.verify_quietly(password)  # the same time whether or not the name exists
            uow.actor = None
            # a user name only when it is one: a password typed into the wrong box, or a
            # patient's name, must not be kept for ever in the trail
            audit.record(uow, "sign_in_failed", "user", account.id if account else None,
                         username=account.username if account else "(not an account)")
            uow.commit()
            raise SignInFailed(SIGN_IN_FAILED)
        actor = Actor(account.id, account.username, account.role, account.practice_code)
        uow.actor = actor
        audit.record(uow, "sign_in", "user", account.id)
        uow.commit()
        return actor


def add_user(uow: UnitOfWork, username: str, display_name: str, role: Role,
             practice_code: str | None, password: str,
             cost: PasswordCost = DEFAULT_COST) -> int:
    require(uow, Permission.MANAGE_USERS)
    check_new_account(username, display_name, password)
    if role.practice_bound and not practice_code:
        raise AccountProblem(f"practice: a {role.label} account needs the practice it works for.")
    if not role.practice_bound:
        practice_code = None
    with uow:
        if uow.accounts.by_username(username) is not None:
            raise AccountProblem(f"user name: '{username}' is taken.")
        if practice_code and not uow.accounts.practice_exists(practice_code):
            raise AccountProblem(f"practice: no practice {practice_code} in this register.")
        user_id = uow.accounts.add(username, display_name, role, practice_code,
                                   cost.hasher().hash(password))
        audit.record(uow, "create", "user", user_id, after=_state(uow, username))
        uow.commit()
    uow.keys.add_slot(username, password)  # once the account exists
    return user_id


def change_password(uow: UnitOfWork, username: str, new_password: str,
                    current_password: str | None = None,
                    cost: PasswordCost = DEFAULT_COST) -> None:
    """Users change their own (giving the current one); an administrator may reset anyone's."""
    actor = signed_in(uow)
    own = actor.username == username
    if not own:
        actor.require(Permission.MANAGE_USERS)
    problem = password_problem(new_password, username)
    if problem:
        raise AccountProblem(f"new password: {problem}")
    with uow:
        account = uow.accounts.by_username(username)
        if account is None:
            raise AccountProblem(f"user name: no account '{username}'.")
        if not account.active:
            raise AccountProblem(f"user name: '{username}' is switched off; switch the "
                                 "account on first.")
        stored = uow.accounts.password_hash(account.id)
        if own and not actor.can(Permission.MANAGE_USERS) and (
                current_password is None or stored is None
                or not _matches(stored, current_password)):
            raise AccountProblem("current password: that is not your current password.")
        uow.accounts.set_password_hash(account.id, cost.hasher().hash(new_password))
        audit.record(uow, "change_password" if own else "reset_password", "user", account.id)
        uow.commit()
    # A fresh key pair sealed with the new password, then a new database key: the old
    # password no longer opens the register, even from a copy of the old slot file.
    uow.keys.add_slot(username, new_password)
    uow.keys.rekey()


def set_user_active(uow: UnitOfWork, username: str, active: bool) -> None:
    """Switching an account off keeps its audit history; its key slot is removed and the
    register re-keyed at once, so the old password opens nothing. Switched on again, the
    account needs a new password (``change_password``) before it can sign in to an encrypted
    register."""
    actor = require(uow, Permission.MANAGE_USERS)
    if username == actor.username and not active:
        raise AccountProblem("user name: you cannot switch off your own account.")
    with uow:
        account = uow.accounts.by_username(username)
        if account is None:
            raise AccountProblem(f"user name: no account '{username}'.")
        before = _state(uow, username)
        uow.accounts.set_active(account.id, active)
        audit.record(uow, "update", "user", account.id, before=before,
                     after=_state(uow, username))
        uow.commit()
    if not active:
        uow.keys.remove_slot(username)
        uow.keys.rekey()


def list_users(uow: UnitOfWork) -> list[UserAccount]:
    require(uow, Permission.MANAGE_USERS)
    with uow:
        return uow.accounts.all()


def _state(uow: UnitOfWork, username: str) -> dict[str, object] | None:
    account = uow.accounts.by_username(username)
    if account is None:
        return None
    return {"username": account.username, "role": account.role.value,
            "practice": account.practice_code, "active": account.active}


def check_new_account(username: str, display_name: str, password: str) -> None:
    """AccountProblem (naming the field) unless these make an acceptable account."""
    problem = username_problem(username)
    if problem:
        raise AccountProblem(f"user name: {problem}")
    if not display_name.strip():
        raise AccountProblem("name: give the person's name, as it should appear in the audit.")
    problem = password_problem(password, username)
    if problem:
        raise AccountProblem(f"password: {problem}")


def _matches(stored: str, password: str) -> bool:
    try:
        return PasswordHasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


class _DummyHash:
    """Verifying against a throwaway hash costs what a real check costs."""

    def __init__(self) -> None:
        self._hash: str | None = None

    def verify_quietly(self, password: str) -> None:
        if self._hash is None:
            self._hash = DEFAULT_COST.hasher().hash("not a real password")
        _matches(self._hash, password)


_DUMMY = _DummyHash()
