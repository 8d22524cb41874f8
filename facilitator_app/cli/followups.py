"""``facilitator-app followups list|done``: open follow-up actions across the caseload.

``list`` streams (a caseload can hold 100,000+ open follow-ups) and prints the count on stderr,
so the CSV on stdout stays clean. ``done`` records one as done by the id ``list`` shows.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from facilitator_app.bootstrap import AppContext
from facilitator_app.cli.common import (
    Subcommands,
    UsageError,
    date_arg,
    exported,
    listed,
    set_handler,
)
from facilitator_app.domain.dates import format_uk_date
from facilitator_app.domain.nhs_number import format_nhs_number
from facilitator_app.render.tabular import write_csv, write_table
from facilitator_app.services.caseload import UnknownPractice
from facilitator_app.services.follow_ups import (
    DUE_SOON_DAYS,
    FollowUpChanged,
    FollowUpFilter,
    FollowUpQuery,
    FollowUpRow,
    complete_follow_up,
    follow_up_state,
    open_follow_ups,
)

HEADERS = ("Id", "Version", "Due", "State", "Practice", "NHS number", "Name", "Assigned to",
           "Action", "Result")
WIDTHS = (7, 7, 10, 19, 8, 12, 26, 11, 50, 30)


def add_commands(commands: Subcommands) -> None:
    followups = commands.add_parser(
        "followups", help="follow-up actions raised by abnormal results",
        description="Follow-up actions raised by abnormal check results. Each stays open until "
        "it is recorded as done with an outcome.")
    sub = followups.add_subparsers(dest="followups_command", metavar="COMMAND", required=True)

    listing = sub.add_parser("list", help="open follow-ups across the caseload, soonest due first",
                             description="Open follow-ups, soonest due first (the most overdue "
                             "lead). The number listed is printed on stderr.")
    listing.add_argument("--practice", metavar="CODE", help="one practice (ODS code)")
    show = listing.add_mutually_exclusive_group()
    show.add_argument("--overdue", action="store_true",
                      help="only those whose due date has passed")
    show.add_argument("--due-within", type=_days, dest="due_within", metavar="DAYS",
                      help="only those overdue or due within DAYS days")
    listing.add_argument("--assigned-to", metavar="WHO", dest="assigned_to",
                         help="only those assigned to WHO (e.g. GP)")
    listing.add_argument("--as-of", type=date_arg, dest="as_of", metavar="DATE",
                         help="date to count overdue from, dd/mm/yyyy (default today)")
    listing.add_argument("--format", choices=("table", "csv"), default="table")
    listing.add_argument("--out", type=Path, metavar="FILE", help="write to FILE, not stdout")
    set_handler(listing, _list)

    done = sub.add_parser("done", help="record a follow-up as done",
                          description="Record follow-up ID (from 'followups list') as done.")
    done.add_argument("follow_up_id", type=int, metavar="ID")
    done.add_argument("--outcome", required=True, metavar="TEXT", help="what was done")
    done.add_argument("--on", type=date_arg, metavar="DATE",
                      help="date it was done, dd/mm/yyyy (default today; not in the future)")
    done.add_argument("--version", type=int, metavar="N",
                      help="the version 'followups list' showed: refused if the follow-up has "
                      "changed since (default: whatever it is now)")
    set_handler(done, _done)


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of days") from None
    if days < 0:
        raise argparse.ArgumentTypeError("the number of days cannot be negative")
    return days


def _cells(rows: Iterator[FollowUpRow]) -> Iterator[list[str]]:
    for r in rows:
        yield [str(r.follow_up_id), str(r.version), format_uk_date(r.due_on), r.state_text,
               r.practice_code, format_nhs_number(r.nhs_number),
               f"{r.family_name.upper()}, {r.given_name}", r.assigned_to, r.action,
               r.result_text]


def _list(ctx: AppContext, args: argparse.Namespace) -> int:
    show = (FollowUpFilter.OVERDUE if args.overdue
            else FollowUpFilter.DUE_SOON if args.due_within is not None
            else FollowUpFilter.OPEN)
    days = DUE_SOON_DAYS if args.due_within is None else args.due_within
    query = FollowUpQuery(as_of=args.as_of or ctx.today(), practice_code=args.practice,
                          show=show, due_within_days=days, assigned_to=args.assigned_to)
    try:
        rows = _cells(open_follow_ups(ctx.new_uow(), query))
        if args.out:
            with args.out.open("w", newline="", encoding="utf-8") as out:
                count = (write_csv(HEADERS, rows, out) if args.format == "csv"
                         else write_table(HEADERS, WIDTHS, rows, out))
            print(f"{_open_text(count)} written to {args.out}", file=sys.stderr)
            exported(ctx, "follow_ups", count, args.out, identifiable=True)
        else:
            count = (write_csv(HEADERS, rows, sys.stdout) if args.format == "csv"
                     else write_table(HEADERS, WIDTHS, rows, sys.stdout))
            print(_open_text(count), file=sys.stderr)
            listed(ctx, "follow_ups", count)
    except UnknownPractice as exc:
        raise UsageError(str(exc)) from None
    return 0


def _open_text(count: int) -> str:
    return f"{count:,} open follow-up" + ("" if count == 1 else "s")


def _done(ctx: AppContext, args: argparse.Namespace) -> int:
    # Without --version the user means the follow-up as it is now; a change between this read
    # and the write is still caught by the version check.
    version = (args.version if args.version is not None
               else follow_up_state(ctx.new_uow(), args.follow_up_id).version)
    try:
        complete_follow_up(ctx.new_uow(), args.follow_up_id, args.on or ctx.today(),
                           args.outcome, version, today=ctx.today())
    except FollowUpChanged as exc:
        raise UsageError(str(exc)) from None
    print(f"Follow-up {args.follow_up_id} recorded as done.")
    return 0
