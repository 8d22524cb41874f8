"""Backups of the register: made, verified and restored.

The database adapter (db/backup.py) does the copying; this module says what a backup is and
what the use cases promise:

- A backup is a consistent copy taken while the app may be writing (SQLite's online backup
  API), verified after it is written: integrity check, schema revision and row counts.
- Rolling backups: at most one a day, the newest ``keep`` kept, older ones removed.
- A restore verifies the file first, keeps a safety copy of what it replaces, and upgrades a
  backup from an older schema to the current one.
- On PostgreSQL the server's own tools do this job; the app prints the pg_dump and pg_restore
  commands for the URL instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

__all__ = [
    "BACKUP_GLOB",
    "SAFETY_PREFIX",
    "BackupInfo",
    "BackupNotPossible",
    "DatabaseBackups",
    "InvalidBackup",
    "backup_name",
    "rolling_backup",
]

BACKUP_GLOB = "facilitator-*.sqlite3"
SAFETY_PREFIX = "before-restore-"  # the register a restore replaced; rotated like the rest
KEY_FILE_SUFFIX = ".keys"  # an encrypted backup's key slots, beside it (db/encryption.py)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size_bytes: int
    schema_revision: str | None
    patients: int
    observations: int

    def describe(self) -> str:
        return (f"{self.path} ({self.size_bytes / 1e6:.1f} MB, schema {self.schema_revision}, "
                f"{self.patients:,} patients, {self.observations:,} observations)")


class InvalidBackup(ValueError):
    """The file is not a usable Facilitator backup; the message says why."""


class BackupNotPossible(RuntimeError):
    """This database is backed up another way (PostgreSQL); the message says how."""


class DatabaseBackups(Protocol):
    @property
    def folder(self) -> Path:
        """Where backups go by default: a ``backups`` folder beside the database file."""
        ...

    def backup_to(self, path: Path) -> BackupInfo: ...
    def verify(self, path: Path) -> BackupInfo: ...
    def restore_from(self, path: Path, safety_copy: Path | None) -> BackupInfo: ...
    def has_patients(self) -> bool: ...


def backup_name(now: datetime) -> str:
    """Sortable, and no patient data in the name: facilitator-20261201-193012.sqlite3."""
    return f"facilitator-{now:%Y%m%d-%H%M%S}.sqlite3"


def rolling_backup(backups: DatabaseBackups, folder: Path, now: datetime,
                   keep: int = 7) -> BackupInfo | None:
    """A backup into ``folder`` unless the newest there is less than a day old; then only
    the newest ``keep`` are kept. Returns the new backup, or None when none was due."""
    if keep < 1:
        raise ValueError("Keep at least one backup.")
    folder.mkdir(parents=True, exist_ok=True)
    existing = sorted(folder.glob(BACKUP_GLOB))
    if existing and now - datetime.fromtimestamp(existing[-1].stat().st_mtime) < DAY:
        return None
    info = backups.backup_to(folder / backup_name(now))
    for pattern in (BACKUP_GLOB, SAFETY_PREFIX + BACKUP_GLOB):
        for old in sorted(folder.glob(pattern))[:-keep]:
            old.unlink()
            old.with_name(old.name + KEY_FILE_SUFFIX).unlink(missing_ok=True)
    return info
