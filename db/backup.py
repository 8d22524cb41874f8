"""Backing up and restoring the database file (services/backup.DatabaseBackups).

SQLite: the online backup API copies the database page by page into a new file while other
connections keep working, so the copy is one consistent state even mid-import. The copy is
written under a temporary name and renamed once verified, so a backup file that exists is a
whole one. PostgreSQL is backed up with pg_dump; ``backups_for`` then raises with the commands.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from db.encryption import KeySlotFile, slot_file_for
from db.engine import sqlcipher_key
from db.migrate import alembic_config, upgrade_to_head
from facilitator_app.services.backup import BackupInfo, BackupNotPossible, InvalidBackup


def _connect(path: Path, key: bytes | None, read_only: bool = False) -> Any:
    """A DB-API connection to a backup file: SQLCipher with the register's key when the
    register is encrypted (backups stay encrypted), the standard library otherwise."""
    target = f"file:{path}?mode=ro" if read_only else str(path)
    if key is None:
        return sqlite3.connect(target, uri=read_only)
    import sqlcipher3.dbapi2 as sqlcipher

    conn = sqlcipher.connect(target, uri=read_only)
    sqlcipher_key(conn, key)
    return conn


def _info(path: Path, key: bytes | None) -> BackupInfo:
    """Open read-only and check: integrity, a schema revision, the tables a register has."""
    if not path.is_file():
        raise InvalidBackup(f"There is no file {path}.")
    try:
        conn = _connect(path, key, read_only=True)
    except sqlite3.Error as exc:
        raise InvalidBackup(f"{path} cannot be opened: {exc}.") from None
    try:
        (check,) = conn.execute("PRAGMA integrity_check").fetchone()
        if check != "ok":
            raise InvalidBackup(f"{path} is damaged: {check}.")
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        patients = conn.execute("SELECT count(*) FROM patient").fetchone()[0]
        observations = conn.execute("SELECT count(*) FROM observation").fetchone()[0]
    except Exception as exc:  # sqlite3 and sqlcipher3 each have their own DatabaseError
        if not type(exc).__name__.endswith("Error"):
            raise
        hint = " with this register's key" if key is not None else ""
        raise InvalidBackup(f"{path} is not a Facilitator database that opens{hint} "
                            f"({exc}).") from None
    finally:
        conn.close()
    return BackupInfo(path, path.stat().st_size, revision[0] if revision else None,
                      int(patients), int(observations))


class SqliteBackups:
    """``key``/``slots``: an encrypted register's key and key slot file. Its backups are
    encrypted with the same key and carry a copy of the slot file (``<backup>.keys``), so a
    backup restores on another laptop with the passwords it was made with."""

    def __init__(self, engine: Engine, key: bytes | None = None,
                 slots: KeySlotFile | None = None) -> None:
        self._engine, self._key, self._slots = engine, key, slots

    @property
    def folder(self) -> Path:
        database = self._engine.url.database or ""
        return Path(database).expanduser().resolve().parent / "backups"

    def has_patients(self) -> bool:
        with self._engine.connect() as conn:
            return conn.exec_driver_sql("SELECT 1 FROM patient LIMIT 1").first() is not None

    def backup_to(self, path: Path) -> BackupInfo:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        partial.unlink(missing_ok=True)
        pooled = self._engine.raw_connection()
        try:
            source: Any = pooled.driver_connection
            target = _connect(partial, self._key)
            try:
                source.backup(target, pages=4096)
                # one self-contained file: no -wal/-shm beside it to lose when it is copied
                target.execute("PRAGMA journal_mode=DELETE")
            finally:
                target.close()
        finally:
            pooled.close()
        try:
            info = _info(partial, self._key)
        except InvalidBackup:
            partial.unlink(missing_ok=True)
            raise
        if self._key is not None and self._slots is not None:
            _copy_atomically(self._slots.path, slot_file_for(path))
        os.replace(partial, path)
        return BackupInfo(path, info.size_bytes, info.schema_revision, info.patients,
                          info.observations)

    def verify(self, path: Path) -> BackupInfo:
        return _info(path, self._key)

    def restore_from(self, path: Path, safety_copy: Path | None) -> BackupInfo:
        """Verify, keep a safety copy of the current database, copy the backup over it and
        upgrade its schema. The copy is one step of SQLite's backup API into the open
        database: other readers see the old or the new register, never a mix."""
        info = _info(path, self._key)
        known = {r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
        if info.schema_revision not in known:
            raise InvalidBackup(f"{path} was made by a newer version of Facilitator (schema "
                                f"{info.schema_revision}); update the app before restoring it.")
        if safety_copy is not None:
            self.backup_to(safety_copy)
        pooled = self._engine.raw_connection()
        try:
            target = pooled.driver_connection
            source = _connect(path, self._key, read_only=True)
            try:
                source.backup(target)
            finally:
                source.close()
        finally:
            pooled.close()
        backup_slots = slot_file_for(path)
        if self._slots is not None and backup_slots.exists():
            # the accounts restored are the backup's, so are the passwords that open it
            _copy_atomically(backup_slots, self._slots.path)
        self._engine.dispose()  # pooled connections may hold pages of the old file
        upgrade_to_head(self._engine)
        return info


def postgres_guidance(url: str) -> str:
    return (
        "This register is on a PostgreSQL server: back it up with the server's own tools, "
        "for example\n"
        f"  pg_dump --format=custom --file=facilitator.dump \"{url}\"\n"
        "and restore into an empty database with\n"
        f"  pg_restore --no-owner --dbname=\"{url}\" facilitator.dump\n"
        "then start Facilitator once so it upgrades the schema. Schedule pg_dump on the "
        "server (cron or a systemd timer) and keep the dumps off the server.")


def backups_for(engine: Engine, shown_url: str, key: bytes | None = None,
                slots: KeySlotFile | None = None) -> SqliteBackups:
    if engine.dialect.name != "sqlite":
        raise BackupNotPossible(postgres_guidance(shown_url))
    return SqliteBackups(engine, key, slots)


def _copy_atomically(source: Path, destination: Path) -> None:
    partial = destination.with_name(destination.name + ".part")
    shutil.copyfile(source, partial)
    os.replace(partial, destination)
