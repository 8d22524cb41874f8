"""What every command module shares: the usage error, date arguments and output helpers."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.dates import parse_date

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
