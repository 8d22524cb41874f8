"""``facilitator-app import register|results FILE`` and ``facilitator-app imports list``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from facilitator_app.bootstrap import AppContext
from facilitator_app.cli.common import Subcommands, date_arg, set_handler
from facilitator_app.domain.import_format import ImportKind
from facilitator_app.render.tabular import write_csv, write_table
from facilitator_app.services.imports import (
    ERROR_HEADERS,
    error_rows,
    import_file,
    recent_imports,
)

ERROR_WIDTHS = (6, 20, 16, 60)


def add_commands(commands: Subcommands) -> None:
    importing = commands.add_parser(
        "import", help="import a practice extract (all or nothing; see docs/import-format.md)")
    kinds = importing.add_subparsers(dest="import_kind", metavar="KIND", required=True)
    for kind, what in ((ImportKind.REGISTER, "the SMI register: patients, diagnoses, remission, "
                        "lithium"), (ImportKind.RESULTS, "check results: NHS number, code, "
                                     "value, unit, date")):
        sub = kinds.add_parser(kind.value, help=what)
        sub.add_argument("file", type=Path, metavar="FILE", help="CSV file (, or ; separated)")
        sub.add_argument("--dry-run", action="store_true",
                         help="check the file and report what would change; write nothing")
        sub.add_argument("--errors-out", type=Path, metavar="ERRORS.csv",
                         help="also write the list of problems to this CSV file")
        sub.add_argument("--as-of", type=date_arg, dest="as_of", metavar="DATE",
                         help="treat this as today (dates after it are 'in the future')")
        set_handler(sub, _import, kind=kind)

    imports = commands.add_parser("imports", help="what has been imported")
    listing = imports.add_subparsers(dest="imports_command", metavar="COMMAND", required=True)
    recent = listing.add_parser("list", help="recent imports: file, hash, counts, who, when")
    recent.add_argument("--limit", type=int, default=50, metavar="N")
    set_handler(recent, _list)


def _import(ctx: AppContext, args: argparse.Namespace) -> int:
    """Exit 0 when the file was imported (or would be, with --dry-run), 1 when it has problems
    (all listed, nothing written)."""
    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r  {100 * done // max(total, 1)}% read", end="", file=sys.stderr, flush=True)

    report = import_file(ctx.new_uow(), args.kind, args.file, args.as_of or ctx.today(),
                         dry_run=args.dry_run, progress=progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    if report.errors:
        write_table(ERROR_HEADERS, ERROR_WIDTHS, error_rows(report.errors), sys.stdout)
        if args.errors_out:
            with args.errors_out.open("w", newline="", encoding="utf-8") as out:
                write_csv(ERROR_HEADERS, error_rows(report.errors), out)
    print(report.summary())
    return 1 if report.errors else 0


def _list(ctx: AppContext, args: argparse.Namespace) -> int:
    entries = recent_imports(ctx.new_uow(), args.limit)
    write_table(
        ("When", "Who", "Kind", "File", "Rows", "Added", "Updated", "Unchanged"),
        (16, 12, 8, 30, 9, 9, 9, 9),
        ([f"{e.imported_at:%d/%m/%Y %H:%M}", e.imported_by, e.kind, e.file_name,
          f"{e.rows:,}", f"{e.added:,}", f"{e.updated:,}", f"{e.unchanged:,}"] for e in entries),
        sys.stdout,
    )
    return 0
