"""``facilitator-app checks ...``: physical health check commands.

``checks due`` prints or exports the recall worklist: for a date and QOF year, who is due,
overdue or still needs an element before 31 March, element by element, most outstanding first.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from facilitator_app.bootstrap import AppContext
from facilitator_app.cli.common import (
    Subcommands,
    UsageError,
    date_arg,
    exported,
    listed,
    set_handler,
)
from facilitator_app.domain.dates import QofYear
from facilitator_app.render.tabular import write_csv, write_table
from facilitator_app.services.worklist import (
    TABLE_WIDTHS,
    ExportFormat,
    UnknownPractice,
    WorklistQuery,
    WorklistRow,
    export_worklist,
    recall_worklist,
    text_cells,
    worklist_cells,
    worklist_headers,
)

FORMATS = ("table", "csv", "xlsx")


def qof_year_arg(text: str) -> QofYear:
    try:
        return QofYear.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_commands(commands: Subcommands) -> None:
    checks = commands.add_parser("checks", help="SMI physical health checks")
    checks_commands = checks.add_subparsers(dest="checks_command", metavar="COMMAND",
                                            required=True)
    due = checks_commands.add_parser(
        "due",
        help="recall worklist: who is due, overdue or needed before 31 March",
        description="Everyone on the SMI register (not in remission) with a core check element "
        "due within 30 days, overdue, never recorded, or not yet recorded in the QOF year, one "
        "row per patient, most elements outstanding first, then the longest overdue.",
    )
    due.add_argument("--practice", metavar="CODE", help="one practice (ODS code)")
    due.add_argument("--as-of", type=date_arg, dest="as_of", metavar="DATE",
                     help="date to work out recall on, dd/mm/yyyy (default today)")
    due.add_argument("--year", type=qof_year_arg, metavar="YYYY/YY",
                     help="QOF year, e.g. 2025/26 (default: the year containing --as-of)")
    due.add_argument("--format", choices=FORMATS, default=None,
                     help="table (default), csv or xlsx (xlsx needs --out); with --out FILE "
                     "ending .csv or .xlsx the format follows the file name")
    due.add_argument("--out", type=Path, metavar="FILE", help="write to FILE, not stdout")
    due.add_argument("--all", action="store_true", dest="include_done",
                     help="also list patients with nothing outstanding")
    set_handler(due, _checks_due)


def _format(args: argparse.Namespace) -> str:
    if args.format:
        fmt: str = args.format
    elif args.out is not None and args.out.suffix.lower() in (".csv", ".xlsx"):
        fmt = args.out.suffix.lower().lstrip(".")
    else:
        fmt = "table"
    if fmt == "xlsx" and args.out is None:
        raise UsageError("--format xlsx writes a file: add --out FILE.xlsx")
    return fmt


def _checks_due(ctx: AppContext, args: argparse.Namespace) -> int:
    fmt = _format(args)
    query = WorklistQuery(
        as_of=args.as_of or ctx.today(),
        year=args.year,
        practice_code=args.practice,
        outstanding_only=not args.include_done,
    )
    try:
        if args.out is not None and fmt in ("csv", "xlsx"):
            count = export_worklist(ctx.new_uow(), query, args.out, ExportFormat(fmt))
        else:
            rows = recall_worklist(ctx.new_uow(), query)
            if args.out is not None:
                with args.out.open("w", encoding="utf-8") as out:
                    count = _write_text(fmt, query, rows, out)
            else:
                listed(ctx, "worklist", _write_text(fmt, query, rows, sys.stdout))
                return 0
    except UnknownPractice as exc:
        raise UsageError(str(exc)) from None
    print(f"{count:,} patients written to {args.out}", file=sys.stderr)
    exported(ctx, "worklist", count, args.out, identifiable=True,
             audited=fmt in ("csv", "xlsx"))  # export_worklist audits its own
    return 0


def _write_text(fmt: str, query: WorklistQuery, rows: Iterator[WorklistRow],
                out: TextIO) -> int:
    headers = worklist_headers(query.qof_year)
    cells = (text_cells(worklist_cells(row)) for row in rows)
    if fmt == "csv":
        return write_csv(headers, cells, out)
    return write_table(headers, TABLE_WIDTHS, cells, out)
