"""Backing up and restoring the database file (services/backup.DatabaseBackups).

SQLite: the online backup API copies the database page by page into a new file while other
connections keep working, so the copy is one consistent state even mid-import. The copy is
written under a temporary name and renamed once verified, so a backup file that exists is a
whole one. PostgreSQL is backed up with pg_dump; ``backups_for`` then raises with the commands.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from db.migrate import alembic_config, upgrade_to_head
from facilitator_app.services.backup import BackupInfo, BackupNotPossible, InvalidBackup


def _info(path: Path) -> BackupInfo:
    """Open read-only and check: integrity, a schema revision, the tables a register has."""
    if not path.is_file():
        raise InvalidBackup(f"There is no file {path}.")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise InvalidBackup(f"{path} cannot be opened: {exc}.") from None
    try:
        (check,) = conn.execute("PRAGMA integrity_check").fetchone()
        if check != "ok":
            raise InvalidBackup(f"{path} is damaged: {check}.")
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        patients = conn.execute("SELECT count(*) FROM patient").fetchone()[0]
        observations = conn.execute("SELECT count(*) FROM observation").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise InvalidBackup(f"{path} is not a Facilitator database ({exc}).") from None
    finally:
        conn.close()
    return BackupInfo(path, path.stat().st_size, revision[0] if revision else None,
                      int(patients), int(observations))


class SqliteBackups:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

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
            source = pooled.driver_connection
            assert isinstance(source, sqlite3.Connection)
            target = sqlite3.connect(partial)
            try:
                source.backup(target, pages=4096)
                # one self-contained file: no -wal/-shm beside it to lose when it is copied
                target.execute("PRAGMA journal_mode=DELETE")
            finally:
                target.close()
        finally:
            pooled.close()
        try:
            info = _info(partial)
        except InvalidBackup:
            partial.unlink(missing_ok=True)
            raise
        os.replace(partial, path)
        return BackupInfo(path, info.size_bytes, info.schema_revision, info.patients,
                          info.observations)

    def verify(self, path: Path) -> BackupInfo:
        return _info(path)

    def restore_from(self, path: Path, safety_copy: Path | None) -> BackupInfo:
        """Verify, keep a safety copy of the current database, copy the backup over it and
        upgrade its schema. The copy is one step of SQLite's backup API into the open
        database: other readers see the old or the new register, never a mix."""
        info = _info(path)
        known = {r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
        if info.schema_revision not in known:
            raise InvalidBackup(f"{path} was made by a newer version of Facilitator (schema "
                                f"{info.schema_revision}); update the app before restoring it.")
        if safety_copy is not None:
            self.backup_to(safety_copy)
        pooled = self._engine.raw_connection()
        try:
            target = pooled.driver_connection
            assert isinstance(target, sqlite3.Connection)
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                source.backup(target)
            finally:
                source.close()
        finally:
            pooled.close()
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


def backups_for(engine: Engine, shown_url: str) -> SqliteBackups:
    if engine.dialect.name != "sqlite":
        raise BackupNotPossible(postgres_guidance(shown_url))
    return SqliteBackups(engine)
