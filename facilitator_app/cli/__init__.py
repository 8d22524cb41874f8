"""``facilitator-app``: the command line, and the entry point that starts the GUI.

Both faces build the same AppContext and call the same service functions. Qt is imported only
by the ``gui`` command, so headless commands start fast and run on servers without a display.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TextIO

from facilitator_app import __version__
from facilitator_app.bootstrap import (
    AppContext,
    DatabaseUnavailable,
    EncryptionProblem,
    build_context,
)
from facilitator_app.cli import (
    accounts,
    backup,
    budget,
    care,
    checks,
    followups,
    imports,
    letters,
    practice,
    qof,
    signposting,
)
from facilitator_app.cli.common import (
    Handler,
    Subcommands,
    UsageError,
    date_arg,
    exported,
    listed,
    set_handler,
)
from facilitator_app.domain.access import AccessDenied
from facilitator_app.domain.checks import recall_status
from facilitator_app.domain.dates import format_uk_date
from facilitator_app.domain.nhs_number import format_nhs_number
from facilitator_app.domain.qrisk3 import DISCLAIMER
from facilitator_app.logs import configure_logging
from facilitator_app.render.tabular import write_csv, write_table
from facilitator_app.services.caseload import UnknownPractice, register_entries
from facilitator_app.services.demo import RegisterNotEmpty, build_demo_register
from facilitator_app.services.demo_extracts import write_demo_extracts
from facilitator_app.services.ports import RegisterEntry
from facilitator_app.services.qrisk_batch import score_csv

log = logging.getLogger(__name__)

DEFAULT_DEMO_PATIENTS = 2000

# Each feature's commands live in their own module, which adds its subcommands and handlers.
COMMAND_MODULES: tuple[Callable[[Subcommands], None], ...] = (
    imports.add_commands,
    checks.add_commands,
    qof.add_commands,
    followups.add_commands,
    letters.add_commands,
    practice.add_commands,
    signposting.add_commands,
    care.add_commands,
    budget.add_commands,
    backup.add_commands,
    accounts.add_commands,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="facilitator-app",
        description="Facilitator: SMI register, physical health checks and QOF for primary-care "
        "mental health facilitators. With no command, starts the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database to use: sqlite:///PATH or postgresql://USER@HOST/NAME "
        "(default: $FACILITATOR_DB, else a file in your user data folder)",
    )
    parser.add_argument(
        "--user", metavar="NAME",
        help=f"sign in as NAME (default: ${accounts.USER_ENV_VAR}); the password comes from "
        f"${accounts.PASSWORD_ENV_VAR} or a prompt")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    gui = commands.add_parser("gui", help="start the desktop app (the default)")
    gui.add_argument("--demo-patients", type=int, default=DEFAULT_DEMO_PATIENTS,
                     help="size of the demo register built when the database is empty")

    demo = commands.add_parser("demo", help="build a synthetic demo register (test NHS numbers)")
    demo.add_argument("--patients", type=int, default=DEFAULT_DEMO_PATIENTS, metavar="N")
    demo.add_argument("--seed", type=int, default=1, metavar="S")
    demo.add_argument("--as-of", type=date_arg, dest="as_of", metavar="DATE",
                      help="date the register is built as of (default today)")
    demo.add_argument("--extracts", type=Path, metavar="DIR",
                      help="write the demo register as practice extracts (register.csv, "
                      "results.csv) in DIR instead of building a database")
    demo.add_argument("--style", choices=("standard", "spreadsheet"), default="standard",
                      help="extract spelling: standard (ISO dates, ',') or spreadsheet "
                      "(dd/mm/yyyy, ';', BOM, clinical-system headers)")

    register = commands.add_parser("register", help="the SMI register")
    register_commands = register.add_subparsers(dest="register_command", metavar="COMMAND",
                                                required=True)
    listing = register_commands.add_parser("list", help="list everyone on the register")
    listing.add_argument("--practice", metavar="CODE", help="one practice (ODS code)")
    listing.add_argument("--format", choices=("table", "csv"), default="table")
    listing.add_argument("--as-of", type=date_arg, dest="as_of", metavar="DATE",
                         help="register and recall status as of this date (default today)")
    listing.add_argument("--out", type=Path, metavar="FILE", help="write to FILE, not stdout")
    set_handler(listing, _register_list)
    for add_commands in COMMAND_MODULES:
        add_commands(commands)

    qrisk = commands.add_parser(
        "qrisk3",
        help="score a CSV of QRISK3 inputs (validation against the reference calculator)",
        description="Reads one person per row (sex, age, ethnicity, smoke_cat, bmi, "
        "chol_hdl_ratio, sbp, sbp_sd, townsend and the 0/1 condition columns) and writes the "
        "same rows with qrisk3 (10-year risk, %, unrounded), corrected and error columns.",
    )
    qrisk.add_argument("--in", dest="src", type=Path, required=True, metavar="INPUTS.csv")
    qrisk.add_argument("--out", dest="dst", type=Path, required=True, metavar="SCORES.csv")
    return parser


GuiLauncher = Callable[[AppContext, int], int]
"""Shows the desktop app on a context, building a demo of N patients into an empty one. The
desktop build's entry point (ui/launcher.py) passes it in: the domain and services below
never import Qt, so the commands run on a machine without it."""


def main(argv: Sequence[str] | None = None, *, gui: GuiLauncher | None = None) -> int:
    # Letter batches render on spawned worker processes; in a PyInstaller bundle each one
    # re-runs this entry point, and freeze_support turns it into the worker.
    multiprocessing.freeze_support()
    configure_logging()
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "gui"
    try:
        if command == "qrisk3":  # needs no database
            return _qrisk3(args.src, args.dst)
        if command == "demo" and args.extracts:  # files only, no database
            return _demo_extracts(args)
        if command == "gui" and not _display_available():
            raise UsageError(
                "No display to show the desktop app on. Start it from a desktop session, or "
                "use the command-line commands (facilitator-app --help)."
            )
        if command == "gui" and gui is None:
            raise UsageError("This way of starting Facilitator has no desktop app: start it "
                             "with facilitator-app (or python -m ui), or use the commands "
                             "(--help).")
        ctx = build_context(args.db)
        try:
            if command == "gui":
                assert gui is not None
                return gui(ctx, getattr(args, "demo_patients", DEFAULT_DEMO_PATIENTS))
            if getattr(args, "first_run", False):
                return accounts.create_admin(ctx, args)
            accounts.sign_in(ctx, args.user)
            if command == "demo":
                return _demo(ctx, args)
            handler: Handler = args.handler
            return handler(ctx, args)
        finally:
            ctx.close()
    except BrokenPipeError:  # output piped into `head` or similar, which stopped reading
        sys.stderr.close()
        return 0
    except AccessDenied as exc:  # wrong password, or a role that may not do this
        print(f"facilitator-app: refused: {exc}", file=sys.stderr)
        return 3
    except (UsageError, ValueError, DatabaseUnavailable, RegisterNotEmpty, EncryptionProblem,
            OSError) as exc:
        print(f"facilitator-app: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("facilitator-app: interrupted; nothing was saved.", file=sys.stderr)
        return 130
    except Exception:
        log.exception("unexpected error in command %s", command)
        print("facilitator-app: unexpected error; details are in the log file "
              f"({configure_logging()}).", file=sys.stderr)
        return 1


def _qrisk3(src: Path, dst: Path) -> int:
    """Exit 0 when every row scored, 1 when some rows carry an error (all rows are written
    either way), 2 when the file itself cannot be read."""
    with src.open(newline="", encoding="utf-8-sig") as inputs, \
            dst.open("w", newline="", encoding="utf-8") as scores:
        summary = score_csv(inputs, scores)
    print(f"{summary.rows:,} rows: {summary.scored:,} scored, {summary.errors:,} with an error "
          f"(see the error column of {dst}).", file=sys.stderr)
    print(DISCLAIMER, file=sys.stderr)
    return 1 if summary.errors else 0


def _demo_extracts(args: argparse.Namespace) -> int:
    args.extracts.mkdir(parents=True, exist_ok=True)
    register, results = args.extracts / "register.csv", args.extracts / "results.csv"
    rows = write_demo_extracts(args.patients, args.seed, args.as_of or date.today(), register,
                               results, style=args.style)
    print(f"Wrote {rows[0]:,} register rows to {register} and {rows[1]:,} results to {results} "
          "(synthetic patients, test NHS numbers).")
    return 0


def _display_available() -> bool:
    """Qt aborts the process when it finds no display; say so plainly first (Linux only:
    Windows and macOS always have one)."""
    if not sys.platform.startswith("linux"):
        return True
    return any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def _demo(ctx: AppContext, args: argparse.Namespace) -> int:
    today = args.as_of or ctx.today()

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r  {done:,} of {total:,} patients", end="", file=sys.stderr, flush=True)

    summary = build_demo_register(ctx.new_uow(), args.patients, args.seed, today,
                                  progress=progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(f"Demo register built in {ctx.database}: {summary.patients:,} patients in "
          f"{summary.practices} practices, {summary.observations:,} observations, "
          f"{summary.seconds:.1f} s.")
    return 0


REGISTER_HEADERS = ("NHS number", "Name", "Date of birth", "Sex", "Practice", "Register",
                    "Remission", "Checks")
REGISTER_WIDTHS = (12, 30, 13, 3, 8, 8, 9, 10)


def _register_rows(entries: Iterator[RegisterEntry], today: date) -> Iterator[list[str]]:
    for e in entries:
        routes = "+".join(r for r, on in (("MH1", e.on_mh1), ("MH2", e.on_mh2)) if on)
        yield [
            format_nhs_number(e.nhs_number),
            f"{e.family_name.upper()}, {e.given_name}",
            format_uk_date(e.date_of_birth),
            e.sex,
            e.practice_code,
            routes,
            "yes" if e.in_remission else "no",
            recall_status(e.core_check_oldest_on, today).label,
        ]


def _register_list(ctx: AppContext, args: argparse.Namespace) -> int:
    today = args.as_of or ctx.today()
    try:
        entries = register_entries(ctx.new_uow(), args.practice, today)
        rows = _register_rows(entries, today)
        if args.out:
            with args.out.open("w", newline="", encoding="utf-8") as out:
                count = _write(args.format, rows, out)
            print(f"{count:,} patients written to {args.out}", file=sys.stderr)
            exported(ctx, "register", count, args.out, identifiable=True)
        else:
            listed(ctx, "register", _write(args.format, rows, sys.stdout))
    except UnknownPractice as exc:
        raise UsageError(str(exc)) from None
    return 0


def _write(fmt: str, rows: Iterator[list[str]], out: TextIO) -> int:
    if fmt == "csv":
        return write_csv(REGISTER_HEADERS, rows, out)
    return write_table(REGISTER_HEADERS, REGISTER_WIDTHS, rows, out)


if __name__ == "__main__":
    raise SystemExit(main())
