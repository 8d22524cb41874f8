"""``facilitator-app backup`` and ``facilitator-app restore``."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from facilitator_app.bootstrap import AppContext
from facilitator_app.cli.common import Subcommands, UsageError, set_handler
from facilitator_app.services.audit import note_export, note_restore
from facilitator_app.services.backup import (
    SAFETY_PREFIX,
    BackupNotPossible,
    InvalidBackup,
    backup_name,
    rolling_backup,
)


def add_commands(commands: Subcommands) -> None:
    backup = commands.add_parser(
        "backup", help="back up the register (SQLite online backup, verified)",
        description="Writes a verified copy of the register. Without --out it goes to the "
        "backups folder beside the database file. --auto makes one only if the newest there "
        "is a day old, and keeps the newest --keep (for a scheduled task). --verify FILE "
        "checks a backup without restoring it. On PostgreSQL it prints the pg_dump commands.")
    which = backup.add_mutually_exclusive_group()
    which.add_argument("--out", type=Path, metavar="FILE|DIR")
    which.add_argument("--auto", action="store_true", help="rolling daily backup")
    which.add_argument("--verify", type=Path, metavar="FILE", help="check a backup file")
    backup.add_argument("--keep", type=int, default=7, metavar="N",
                        help="with --auto: how many to keep (default 7)")
    set_handler(backup, _backup)
    restore = commands.add_parser(
        "restore", help="restore the register from a backup (verified, schema upgraded)",
        description="Replaces the register with a backup after checking it. A copy of what "
        "it replaces is kept in the backups folder first. A backup from an older version is "
        "upgraded to the current schema.")
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.add_argument("--force", action="store_true",
                         help="replace a register that holds patients")
    set_handler(restore, _restore)


def _backup(ctx: AppContext, args: argparse.Namespace) -> int:
    now = datetime.now()
    try:
        backups = ctx.backups()
        if args.verify is not None:
            print(f"Backup is sound: {backups.verify(args.verify).describe()}")
            return 0
        if args.auto:
            info = rolling_backup(backups, backups.folder, now, args.keep)
            print(f"Backed up to {info.describe()}" if info else
                  "No backup needed: the newest is less than a day old.")
            return 0
        out = args.out or backups.folder
        if out.suffix != ".sqlite3":
            out = out / backup_name(now)
        info = backups.backup_to(out)
        note_export(ctx.new_uow(), "backup", info.patients, ".sqlite3", identifiable=True)
        print(f"Backed up to {info.describe()}")
        print("The backup holds identifiable patient data: keep it as safe as the register.")
    except BackupNotPossible as exc:
        print(exc)
        return 2
    except (InvalidBackup, ValueError, OSError) as exc:
        raise UsageError(str(exc)) from None
    return 0


def _restore(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        backups = ctx.backups()
        backups.verify(args.file)
        if backups.has_patients() and not args.force:
            raise UsageError("This register holds patients: restoring would replace them. "
                             "Add --force to go ahead (a copy of it is kept first).")
        safety = backups.folder / (SAFETY_PREFIX + backup_name(datetime.now()))
        info = backups.restore_from(args.file, safety if backups.has_patients() else None)
    except BackupNotPossible as exc:
        print(exc)
        return 2
    except (InvalidBackup, OSError) as exc:
        raise UsageError(str(exc)) from None
    note_restore(ctx.new_uow(), info.patients)
    print(f"Restored {info.describe()}; schema upgraded to the current version.")
    if safety.exists():
        print(f"The register it replaced was kept in {safety}.")
    return 0
