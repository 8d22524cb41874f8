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
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

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
    """``<database>.keys`` (format 2): JSON, written atomically (temporary file, fsync, rename).

    Each account's slot holds an X25519 key pair: the private key sealed with a key derived from
    the password (argon2id, AES-256-GCM), and the database key sealed to the public key
    (ephemeral X25519, HKDF-SHA256, AES-256-GCM; the user name is bound in as associated data
    both times). So whoever holds the database key can seal a new one to every account without
    knowing anyone's password: that is what makes re-keying possible when an account is
    switched off or a password changes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def pending(self) -> Path:
        """Slots sealed to a new key, written before the database is re-keyed and renamed over
        the slot file after: if the process dies in between, one of the two opens it."""
        return self.path.with_name(self.path.name + ".next")

    def exists(self) -> bool:
        return self.path.exists()

    def _read(self, path: Path | None = None) -> dict[str, Any]:
        path = path or self.path
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise EncryptionProblem(f"The key file {path.name} is missing beside the "
                                    "register: restore it from the backup folder.") from None
        except (ValueError, UnicodeDecodeError):
            raise EncryptionProblem(f"The key file {path.name} is damaged: restore it "
                                    "from the backup folder.") from None
        if data.get("format") != 2 or not isinstance(data.get("slots"), dict):
            raise EncryptionProblem(f"The key file {path.name} is not one this version "
                                    "of Facilitator can read.")
        return data

    def _write(self, data: dict[str, Any], path: Path | None = None) -> None:
        path = path or self.path
        partial = path.with_name(path.name + ".partial")
        with partial.open("w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, path)
        _sync_folder(path.parent)

    def usernames(self) -> list[str]:
        return sorted(self._read()["slots"])

    def open_slot(self, username: str, password: str, *, pending: bool = False) -> bytes:
        """The database key, or WrongCredentials. ``pending``: from the slots of an
        interrupted re-key instead."""
        slot = self._read(self.pending if pending else None)["slots"].get(username)
        if slot is None:
            _derive(password, secrets.token_bytes(16), PasswordCost())  # same time either way
            raise WrongCredentials("The user name or password is not right.")
        kek = _derive(password, _b64(slot["salt"]), PasswordCost(slot["t"], slot["m"], slot["p"]))
        aad = username.encode()
        try:
            private = AESGCM(kek).decrypt(_b64(slot["nonce"]), _b64(slot["sealed_private"]), aad)
            return _unseal_to(X25519PrivateKey.from_private_bytes(private), slot, aad)
        except (InvalidTag, ValueError):
            raise WrongCredentials("The user name or password is not right.") from None

    def seal(self, username: str, password: str, key: bytes, cost: PasswordCost) -> None:
        """Add this user's slot, or replace it with a fresh key pair (a new password)."""
        data: dict[str, Any] = self._read() if self.exists() else {"format": 2, "slots": {}}
        private = X25519PrivateKey.generate()
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        aad = username.encode()
        raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        public = _text(private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
        slot: dict[str, Any] = {
                "t": cost.time_cost, "m": cost.memory_kib, "p": cost.parallelism,
                "salt": _text(salt), "nonce": _text(nonce), "public": public,
                "sealed_private": _text(AESGCM(_derive(password, salt, cost))
                                        .encrypt(nonce, raw, aad))}
        data["slots"][username] = slot | _seal_to(public, key, aad)
        self._write(data)

    def remove(self, username: str) -> None:
        data = self._read()
        if data["slots"].pop(username, None) is not None:
            self._write(data)

    def prepare_rekey(self, new_key: bytes) -> None:
        """Every slot's database key sealed again, to ``new_key``, in the pending file."""
        data = self._read()
        for username, slot in data["slots"].items():
            slot.update(_seal_to(slot["public"], new_key, username.encode()))
        self._write(data, self.pending)

    def finish_rekey(self) -> None:
        os.replace(self.pending, self.path)
        _sync_folder(self.path.parent)


def _seal_to(public: str, key: bytes, aad: bytes) -> dict[str, str]:
    ephemeral = X25519PrivateKey.generate()
    nonce = secrets.token_bytes(12)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(_b64(public)))
    sealed = AESGCM(_hkdf(shared, aad)).encrypt(nonce, key, aad)
    return {"ephemeral": _text(ephemeral.public_key().public_bytes(Encoding.Raw,
                                                                   PublicFormat.Raw)),
            "key_nonce": _text(nonce), "sealed_key": _text(sealed)}


def _unseal_to(private: X25519PrivateKey, slot: dict[str, str], aad: bytes) -> bytes:
    shared = private.exchange(X25519PublicKey.from_public_bytes(_b64(slot["ephemeral"])))
    return AESGCM(_hkdf(shared, aad)).decrypt(_b64(slot["key_nonce"]), _b64(slot["sealed_key"]),
                                              aad)


def _hkdf(shared: bytes, aad: bytes) -> bytes:
    return HKDF(algorithm=SHA256(), length=KEY_BYTES, salt=None,
                info=b"facilitator database key\0" + aad).derive(shared)


class SqlCipherSlots:
    """KeySlots (services/accounts.py) for an encrypted register: the key is held in memory
    for the signed-in session only. ``rekey`` is the register's own re-keying (the context
    owns the engine), run after the account change has committed."""

    def __init__(self, slots: KeySlotFile, key: bytes, cost: PasswordCost,
                 rekey: Callable[[], bytes]) -> None:
        self._slots, self._key, self._cost, self._rekey = slots, key, cost, rekey

    def add_slot(self, username: str, password: str) -> None:
        self._slots.seal(username, password, self._key, self._cost)

    def remove_slot(self, username: str) -> None:
        self._slots.remove(username)

    def rekey(self) -> None:
        self._key = self._rekey()


def rekey_database(conn: Any, slots: KeySlotFile) -> bytes:
    """A new database key: the slots sealed to it are written aside first, then SQLCipher
    re-encrypts every page (``PRAGMA rekey``, one transaction), then the slots are swapped in.
    A key file or backup copied before this no longer opens the register."""
    new_key = new_database_key()
    slots.prepare_rekey(new_key)
    conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
    slots.finish_rekey()
    return new_key


class NoKeySlots:
    """KeySlots for a register the app does not encrypt (PostgreSQL, or a plain test file)."""

    def add_slot(self, username: str, password: str) -> None:
        pass

    def remove_slot(self, username: str) -> None:
        pass

    def rekey(self) -> None:
        pass


def encrypt_in_place(database: Path, key: bytes) -> None:
    """Turn an existing plain SQLite register into an encrypted one (sqlcipher_export). The
    key slot must already be sealed. Every step leaves a register that opens: the encrypted
    copy is checked before it takes the register's name, and the plain one is overwritten and
    removed only after that. On SSDs an overwrite may not reach every old block: the README
    says to encrypt the disk too."""
    import sqlcipher3.dbapi2 as sqlcipher

    encrypted = database.with_name(database.name + ".encrypting")
    old = database.with_name(database.name + ".plain-old")
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
    check = sqlcipher.connect(str(encrypted))
    try:
        check.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise EncryptionProblem("The encrypted copy did not check out; the register was "
                                    "left as it was.")
    finally:
        check.close()
    with encrypted.open("rb+") as f:
        os.fsync(f.fileno())
    sides = [(database.with_name(database.name + x), old.with_name(old.name + x))
             for x in ("-wal", "-shm")]
    os.replace(database, old)
    for side, moved in sides:  # a plain -wal must never be read as the encrypted file's
        if side.exists():
            os.replace(side, moved)
    os.replace(encrypted, database)
    _sync_folder(database.parent)
    for leftover in (old, *(moved for _, moved in sides)):
        if leftover.exists():
            _overwrite(leftover)
            leftover.unlink()


def encrypt_backups(folder: Path, key: bytes, slots: KeySlotFile) -> int:
    """Plain backups left from before the register was encrypted are encrypted too (and their
    plain copies overwritten), with the register's key slots beside each: they hold the same
    patients, so they need the same protection. Returns how many were converted."""
    converted = 0
    for backup in sorted(folder.glob("*.sqlite3")) if folder.is_dir() else []:
        if is_plain_sqlite(backup):
            encrypt_in_place(backup, key)
            shutil.copyfile(slots.path, slot_file_for(backup))
            converted += 1
    return converted


def _sync_folder(folder: Path) -> None:
    """Make a rename durable (POSIX); Windows has no directory handles to sync."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
