"""Encryption at rest for the SQLite register: SQLCipher, keyed from the users' passwords.

The database is encrypted (AES-256, SQLCipher 4 defaults) with one random 256-bit key. That key
is never stored in the clear: beside the database, ``<database>.keys`` holds one *key slot* per
account, the database key sealed with AES-256-GCM under a key derived from that user's password
with argon2id. Signing in derives the slot key, opens the slot, and only then can the database be
read. Adding a user adds a slot; changing a password re-seals it; switching an account off
removes it. The slot file holds no patient data; without it (and a password) the database is
unreadable, so backups copy it beside the backup (see db/backup.py).

PostgreSQL registers are not encrypted by the app: encrypt the server's disk and use TLS.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from facilitator_app.services.accounts import PasswordCost

SLOT_FILE_SUFFIX = ".keys"
SQLITE_HEADER = b"SQLite format 3\x00"
KEY_BYTES = 32


class EncryptionProblem(RuntimeError):
    """The register cannot be opened or encrypted; the message says what to do."""


class WrongCredentials(EncryptionProblem):
    """No slot for this user name, or the password does not open it."""


def slot_file_for(database: Path) -> Path:
    return database.with_name(database.name + SLOT_FILE_SUFFIX)


def is_plain_sqlite(database: Path) -> bool:
    """An existing, unencrypted SQLite file (an empty or missing file is neither)."""
    try:
        with database.open("rb") as f:
            return f.read(16) == SQLITE_HEADER
    except FileNotFoundError:
        return False


def is_blank(database: Path) -> bool:
    return not database.exists() or database.stat().st_size == 0


def new_database_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


class KeySlotFile:
    """``<database>.keys``: JSON, written atomically (temporary file, fsync, rename)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def exists(self) -> bool:
        return self.path.exists()

    def _read(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise EncryptionProblem(f"The key file {self.path.name} is missing beside the "
                                    "register: restore it from the backup folder.") from None
        except (ValueError, UnicodeDecodeError):
            raise EncryptionProblem(f"The key file {self.path.name} is damaged: restore it "
                                    "from the backup folder.") from None
        if data.get("format") != 1 or not isinstance(data.get("slots"), dict):
            raise EncryptionProblem(f"The key file {self.path.name} is not one this version "
                                    "of Facilitator can read.")
        return data

    def _write(self, data: dict[str, Any]) -> None:
        partial = self.path.with_name(self.path.name + ".partial")
        with partial.open("w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, self.path)

    def usernames(self) -> list[str]:
        return sorted(self._read()["slots"])

    def open_slot(self, username: str, password: str) -> bytes:
        slot = self._read()["slots"].get(username)
        if slot is None:
            _derive(password, secrets.token_bytes(16), PasswordCost())  # same time either way
            raise WrongCredentials("The user name or password is not right.")
        cost = PasswordCost(slot["t"], slot["m"], slot["p"])
        kek = _derive(password, _b64(slot["salt"]), cost)
        try:
            return AESGCM(kek).decrypt(_b64(slot["nonce"]), _b64(slot["sealed"]),
                                       username.encode())
        except InvalidTag:
            raise WrongCredentials("The user name or password is not right.") from None

    def seal(self, username: str, password: str, key: bytes, cost: PasswordCost) -> None:
        """Add or replace this user's slot."""
        data: dict[str, Any] = self._read() if self.exists() else {"format": 1, "slots": {}}
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        sealed = AESGCM(_derive(password, salt, cost)).encrypt(nonce, key, username.encode())
        data["slots"][username] = {"t": cost.time_cost, "m": cost.memory_kib,
                                   "p": cost.parallelism, "salt": _text(salt),
                                   "nonce": _text(nonce), "sealed": _text(sealed)}
        self._write(data)

    def remove(self, username: str) -> None:
        data = self._read()
        if data["slots"].pop(username, None) is not None:
            self._write(data)


class SqlCipherSlots:
    """KeySlots (services/accounts.py) for an encrypted register: the key is held in memory
    for the signed-in session only."""

    def __init__(self, slots: KeySlotFile, key: bytes, cost: PasswordCost) -> None:
        self._slots, self._key, self._cost = slots, key, cost

    def add_slot(self, username: str, password: str) -> None:
        self._slots.seal(username, password, self._key, self._cost)

    def remove_slot(self, username: str) -> None:
        self._slots.remove(username)


class NoKeySlots:
    """KeySlots for a register the app does not encrypt (PostgreSQL, or a plain test file)."""

    def add_slot(self, username: str, password: str) -> None:
        pass

    def remove_slot(self, username: str) -> None:
        pass


def encrypt_in_place(database: Path, key: bytes) -> None:
    """Turn an existing plain SQLite register into an encrypted one (sqlcipher_export), then
    overwrite and remove the plain copy. On SSDs an overwrite may not reach every old block:
    the closing note and README say to encrypt the disk too."""
    import sqlcipher3.dbapi2 as sqlcipher

    encrypted = database.with_name(database.name + ".encrypting")
    encrypted.unlink(missing_ok=True)
    conn = sqlcipher.connect(str(database))
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{key.hex()}'\"", (str(encrypted),))
        conn.execute("SELECT sqlcipher_export('encrypted')")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        conn.execute("DETACH DATABASE encrypted")
    finally:
        conn.close()
    _overwrite(database)
    for suffix in ("-wal", "-shm"):
        side = database.with_name(database.name + suffix)
        if side.exists():
            _overwrite(side)
            side.unlink()
    os.replace(encrypted, database)


def _overwrite(path: Path) -> None:
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.write(b"\0" * size)
        f.flush()
        os.fsync(f.fileno())


def _derive(password: str, salt: bytes, cost: PasswordCost) -> bytes:
    return hash_secret_raw(password.encode(), salt, time_cost=cost.time_cost,
                           memory_cost=cost.memory_kib, parallelism=cost.parallelism,
                           hash_len=KEY_BYTES, type=Type.ID)


def _text(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _b64(text: str) -> bytes:
    return base64.b64decode(text)
