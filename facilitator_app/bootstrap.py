"""The composition root: the only module that wires the database adapters to the services.

The CLI and the GUI both call ``build_context``, sign in (or, on a first run, create the
administrator) and then pass ``ctx.new_uow()`` to service functions, so both faces run exactly
the same use cases under the same signed-in user.

An encrypted register (db/encryption.py) cannot even be opened before sign-in: its key comes out
of the signing-in user's key slot. A plain one (PostgreSQL) opens at once, and sign-in checks the
password against the account table.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from db.encryption import (
    EncryptionProblem,
    KeySlotFile,
    NoKeySlots,
    SqlCipherSlots,
    WrongCredentials,
    encrypt_backups,
    encrypt_in_place,
    is_blank,
    is_plain_sqlite,
    new_database_key,
    rekey_database,
    slot_file_for,
)
from db.engine import DatabaseUrlError, make_engine, make_session_factory, resolve_url
from db.unit_of_work import SqlAlchemyUnitOfWork
from facilitator_app.domain.access import Actor, Permission
from facilitator_app.domain.qof.rules import rules_fingerprint
from facilitator_app.services.accounts import (
    DEFAULT_COST,
    SIGN_IN_FAILED,
    KeySlots,
    PasswordCost,
    SignInFailed,
    authenticate,
    check_new_account,
    create_first_administrator,
    has_accounts,
)
from facilitator_app.services.backup import DatabaseBackups
from facilitator_app.services.ports import UnitOfWork
from facilitator_app.services.settings import note_rules_fingerprint

log = logging.getLogger(__name__)


class DatabaseUnavailable(RuntimeError):
    """The database could not be opened or upgraded; the message is safe to show a user."""


class NotOpen(DatabaseUnavailable):
    """An encrypted register stays closed until someone signs in."""


@dataclass
class AppContext:
    database: str  # where the data lives, for display (password hidden)
    today: Callable[[], date] = date.today
    cost: PasswordCost = DEFAULT_COST  # for new password hashes and key slots
    encrypt_new: bool = True  # encrypt a new or account-less SQLite register on first run
    actor: Actor | None = None
    _url: URL | None = field(default=None, repr=False)
    _engine: Engine | None = field(default=None, repr=False)
    _factory: sessionmaker[Session] | None = field(default=None, repr=False)
    _slots: KeySlotFile | None = field(default=None, repr=False)  # SQLite files only
    _keys: KeySlots = field(default_factory=NoKeySlots, repr=False)
    _key: bytes | None = field(default=None, repr=False)  # in memory while signed in

    # -- state ---------------------------------------------------------------------------

    @property
    def encrypted(self) -> bool:
        return self._slots is not None and self._slots.exists()

    @property
    def first_account_encrypts(self) -> bool:
        """Whether creating the first administrator encrypts the register (the sign-in
        screen says so only then)."""
        return self._slots_to_seal() is not None

    def _slots_to_seal(self) -> KeySlotFile | None:
        """The key file the first account's slot goes into when creating it encrypts the
        register: a SQLite file not yet encrypted, unless encryption was turned off
        (PostgreSQL has no key file, so never)."""
        if self.encrypt_new and self._slots is not None and not self.encrypted:
            return self._slots
        return None

    @property
    def is_open(self) -> bool:
        return self._factory is not None

    def needs_first_account(self) -> bool:
        """A first run: no accounts yet, so the administrator must be created."""
        if not self.is_open:
            return not self.encrypted
        return not has_accounts(self.new_uow())

    def new_uow(self) -> UnitOfWork:
        if self._factory is None:
            raise NotOpen("The register is locked: sign in first.")
        return SqlAlchemyUnitOfWork(self._factory, self.actor, self._keys)

    # -- signing in ----------------------------------------------------------------------

    def create_first_administrator(self, username: str, display_name: str,
                                   password: str) -> Actor:
        """On an encrypting first run the register is created (or an old plain one converted)
        encrypted, with the administrator's key slot, before the account is written."""
        if not self.needs_first_account():
            raise SignInFailed("This register already has accounts: sign in instead.")
        check_new_account(username, display_name, password)  # before anything is written
        if (slots := self._slots_to_seal()) is not None:
            key = new_database_key()
            blank = not self.is_open
            # The slot first: from the moment the file is encrypted, something opens it.
            slots.seal(username, password, key, self.cost)
            if blank:
                try:
                    self._open(key)
                except BaseException:  # nothing was ever written: leave no half register
                    self._dispose()
                    slots.path.unlink(missing_ok=True)
                    self._database_path().unlink(missing_ok=True)
                    raise
            else:  # a plain register from before accounts existed, and its backups
                self._dispose()
                try:
                    encrypt_in_place(self._database_path(), key)
                except BaseException:
                    if is_plain_sqlite(self._database_path()):  # still the plain register
                        slots.path.unlink(missing_ok=True)
                    raise
                self._open(key)
                encrypt_backups(self._database_path().parent / "backups", key, slots)
            self._keys = self._slot_keeper(key)
        elif not self.is_open:
            self._open(None)
        self.actor = create_first_administrator(self.new_uow(), username, display_name,
                                                password, self.cost)
        return self.actor

    def sign_in(self, username: str, password: str) -> Actor:
        """Raises SignInFailed (one message whatever was wrong) or DatabaseUnavailable."""
        opened_here = False
        if not self.is_open:
            assert self._slots is not None
            try:
                key = self._slots.open_slot(username, password)
            except WrongCredentials:
                log.info("sign-in refused: no key slot opened")
                raise SignInFailed(SIGN_IN_FAILED) from None
            try:
                self._open(key)
            except DatabaseUnavailable:
                if not self._slots.pending.exists():
                    raise
                # a re-key was cut off after the database took the new key: finish it
                key = self._slots.open_slot(username, password, pending=True)
                self._open(key)
                self._slots.finish_rekey()
            self._keys = self._slot_keeper(key)
            opened_here = True
        self.actor = None
        try:
            self.actor = authenticate(self.new_uow(), username, password)
        except SignInFailed:
            if opened_here:
                self._dispose()
            raise
        note_rules_fingerprint(self.new_uow(), rules_fingerprint())
        return self.actor

    def confirm_identity(self, password: str) -> bool:
        """The idle lock asks the signed-in user for their password again. A wrong one is
        audited and refused, but does not sign them out: their background work carries on."""
        if self.actor is None:
            raise NotOpen("No one is signed in.")
        try:
            authenticate(self.new_uow(), self.actor.username, password)
        except SignInFailed:
            return False
        return True

    def sign_out(self) -> None:
        """Forget the user; an encrypted register is closed and its key dropped."""
        self.actor = None
        if self.encrypted:
            self._dispose()

    def _slot_keeper(self, key: bytes) -> SqlCipherSlots:
        assert self._slots is not None
        return SqlCipherSlots(self._slots, key, self.cost, self._rekey)

    def _rekey(self) -> bytes:
        """A new database key, after an account was switched off or a password changed: the
        old key (in any copy of the slot file, or a leaver's memory) no longer opens the
        register. Backups made before keep the key and slots they were made with."""
        assert self._engine is not None and self._slots is not None
        self._engine.dispose()  # no pooled connection may hold the old key
        pooled = self._engine.raw_connection()
        try:
            key = rekey_database(pooled.driver_connection, self._slots)
        finally:
            pooled.close()
        self._dispose()
        self._open(key)
        self._keys = self._slot_keeper(key)
        return key

    def backups(self) -> DatabaseBackups:
        """Making and restoring backups by hand is the administrator's. Raises AccessDenied,
        or BackupNotPossible (with the pg_dump commands) on PostgreSQL."""
        if self.actor is None:
            raise NotOpen("The register is locked: sign in first.")
        self.actor.require(Permission.MANAGE_BACKUPS)
        return self.rolling_backups()

    def rolling_backups(self) -> DatabaseBackups:
        """For the automatic daily backup at start, whoever signed in (it only ever adds an
        encrypted copy to the backups folder beside the register)."""
        if self._engine is None:
            raise NotOpen("The register is locked: sign in first.")
        from db.backup import backups_for  # with alembic: not needed before a register is open

        return backups_for(self._engine, self.database, self._key,
                           self._slots if self.encrypted else None)

    def close(self) -> None:
        self._dispose()

    # -- internals -----------------------------------------------------------------------

    def _database_path(self) -> Path:
        assert self._url is not None and self._url.database
        return Path(self._url.database).expanduser()

    def _open(self, key: bytes | None) -> None:
        # alembic takes a fifth of the start-up's imports: load it when a register is opened,
        # after the sign-in screen is up
        from db.migrate import upgrade_to_head

        assert self._url is not None
        engine = make_engine(self._url, key)
        try:
            if key is not None:
                with engine.connect() as conn:  # a wrong key fails here, not mid-migration
                    conn.execute(text("SELECT count(*) FROM sqlite_master"))
            upgrade_to_head(engine)
        except DBAPIError as exc:
            engine.dispose()
            raise DatabaseUnavailable(
                f"Could not open the database at {self.database}: {_first_line(exc.orig)}"
            ) from None
        self._engine, self._factory, self._key = engine, make_session_factory(engine), key

    def _dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        self._engine = self._factory = None
        self._keys, self._key = NoKeySlots(), None


def build_context(db_url: str | None = None, today: Callable[[], date] = date.today, *,
                  cost: PasswordCost = DEFAULT_COST, encrypt_new: bool = True) -> AppContext:
    """Find the register and open it if it is not encrypted. Raises DatabaseUrlError or
    DatabaseUnavailable with a message a user can act on; nothing is readable until
    ``sign_in`` or ``create_first_administrator``."""
    url = resolve_url(db_url)
    ctx = AppContext(database=url.render_as_string(hide_password=True), today=today,
                     cost=cost, encrypt_new=encrypt_new, _url=url)
    file = url.database if url.get_backend_name() == "sqlite" else None
    if file and file != ":memory:":
        path = Path(file).expanduser()
        ctx._slots = KeySlotFile(slot_file_for(path))
        if ctx._slots.exists():
            return ctx  # encrypted: opened at sign-in
        if not is_blank(path) and not is_plain_sqlite(path):
            raise DatabaseUnavailable(str(EncryptionProblem(
                f"{path.name} is encrypted, but its key file {ctx._slots.path.name} is "
                "missing: put it back beside the register (backups keep a copy).")))
        if is_blank(path) and encrypt_new:
            return ctx  # created encrypted with the first account
    ctx._open(None)
    return ctx


def _first_line(exc: BaseException | None) -> str:
    return (str(exc) or type(exc).__name__).strip().splitlines()[0] if exc else "unknown error"


__all__ = ["AppContext", "DatabaseUnavailable", "DatabaseUrlError", "EncryptionProblem", "NotOpen",
           "build_context"]
