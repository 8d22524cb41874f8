"""What every command module shares: the usage error, date arguments and output helpers."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.dates import parse_date
from facilitator_app.render.tabular import write_csv, write_table
from facilitator_app.services.audit import (
    AGGREGATE_EXPORT_WARNING,
    IDENTIFIABLE_EXPORT_WARNING,
    note_export,
    record,
)

# argparse's subparsers object has a private type, generic only to the type checker.
if TYPE_CHECKING:
    Subcommands = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    Subcommands = argparse._SubParsersAction


class UsageError(Exception):
    """Bad input on the command line; the message says what to type instead."""


class Handler(Protocol):
    def __call__(self, ctx: AppContext, args: argparse.Namespace) -> int: ...


def date_arg(text: str) -> date:
    """argparse ``type=`` for dates: dd/mm/yyyy or ISO, with the parser's own message."""
    try:
        return parse_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def set_handler(parser: argparse.ArgumentParser, handler: Handler, **extra: Any) -> None:
    """Commands that need the database name their handler; ``main`` opens the database, calls
    it and closes the database again."""
    parser.set_defaults(handler=handler, **extra)


def exported(ctx: AppContext, what: str, rows: int, path: Path, *, identifiable: bool,
             audited: bool = False) -> None:
    """Every file a command writes is audited (unless its service already did) and the user is
    told it is now outside the protected store."""
    if not audited:
        note_export(ctx.new_uow(), what, rows, path.suffix or "text", identifiable=identifiable)
    warning = IDENTIFIABLE_EXPORT_WARNING if identifiable else AGGREGATE_EXPORT_WARNING
    print(f"Warning: {warning}", file=sys.stderr)


def listed(ctx: AppContext, what: str, rows: int) -> None:
    """A list of patients printed to the terminal (where ``> file`` may catch it) is audited
    as a listing, as a file written is audited as an export."""
    with ctx.new_uow() as uow:
        record(uow, "list", what, rows=rows)
        uow.commit()


def write_rows(fmt: str, headers: Sequence[str], widths: Sequence[int],
               rows: Iterable[Sequence[str]], out: Path | None) -> int:
    """Rows as a terminal table or CSV (``fmt``), to the file ``out`` or else stdout."""
    stream = out.open("w", newline="", encoding="utf-8") if out else sys.stdout
    try:
        if fmt == "csv":
            return write_csv(headers, rows, stream)
        return write_table(headers, widths, rows, stream)
    finally:
        if out:
            stream.close()
