"""``facilitator-app followups list|done``: open follow-up actions across the caseload."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from facilitator_app.bootstrap import AppContext
from facilitator_app.cli.common import Subcommands, UsageError, date_arg, set_handler
from facilitator_app.domain.dates import format_uk_date
from facilitator_app.domain.nhs_number import format_nhs_number
from facilitator_app.render.tabular import write_csv, write_table
from facilitator_app.services.caseload import UnknownPractice
from facilitator_app.services.follow_ups import (
    FollowUpChanged,
    FollowUpFilter,
    FollowUpQuery,
    complete_follow_up,
    open_follow_ups,
)

HEADERS = ("Id", "Version", "Due", "Days overdue", "Practice", "NHS number", "Name",
           "Assigned to", "Action", "Result")
WIDTHS = (7, 7, 10, 12, 8, 12, 26, 11, 60, 30)


def add_commands(commands: Subcommands) -> None:
    followups = commands.add_parser("followups", help="follow-up actions from abnormal results")
    sub = followups.add_subparsers(dest="followups_command", metavar="COMMAND", required=True)
    listing = sub.add_parser("list", help="open follow-ups, soonest due first")
    listing.add_argument("--practice", metavar="CODE")
    group = listing.add_mutually_exclusive_group()
    group.add_argument("--overdue", action="store_true", help="only those past their due date")
    group.add_argument("--due-within", type=int, metavar="DAYS", dest="due_within",
                       help="only those overdue or due within DAYS days")
    listing.add_argument("--assigned-to", metavar="WHO", dest="assigned_to",
                         help="e.g. GP or Facilitator")
    listing.add_argument("--as-of", type=date_arg, dest="as_of", metavar="DATE")
    listing.add_argument("--format", choices=("table", "csv"), default="table")
    listing.add_argument("--out", type=Path, metavar="FILE")
    set_handler(listing, _list)

    done = sub.add_parser("done", help="record a follow-up as done")
    done.add_argument("follow_up_id", type=int, metavar="ID")
    done.add_argument("--outcome", required=True, help="what was done")
    done.add_argument("--on", type=date_arg, metavar="DATE", help="date done (default today)")
    done.add_argument("--version", type=int, metavar="N",
                      help="the version you read (from 'followups list'); refused if it changed")
    set_handler(done, _done)


def _list(ctx: AppContext, args: argparse.Namespace) -> int:
    show = (FollowUpFilter.OVERDUE if args.overdue else
            FollowUpFilter.DUE_SOON if args.due_within is not None else FollowUpFilter.OPEN)
    query = FollowUpQuery(as_of=args.as_of or ctx.today(), practice_code=args.practice,
                          show=show, due_within_days=args.due_within or 14,
                          assigned_to=args.assigned_to)
    try:
        rows = ([str(r.follow_up_id), str(r.version), format_uk_date(r.due_on),
                 str(r.days_overdue), r.practice_code, format_nhs_number(r.nhs_number),
                 f"{r.family_name.upper()}, {r.given_name}", r.assigned_to, r.action, r.result]
                for r in open_follow_ups(ctx.new_uow(), query))
        out = args.out.open("w", newline="", encoding="utf-8") if args.out else sys.stdout
        try:
            count = (write_csv(HEADERS, rows, out) if args.format == "csv"
                     else write_table(HEADERS, WIDTHS, rows, out))
        finally:
            if args.out:
                out.close()
    except UnknownPractice as exc:
        raise UsageError(str(exc)) from None
    print(f"{count:,} open follow-ups.", file=sys.stderr)
    return 0


def _done(ctx: AppContext, args: argparse.Namespace) -> int:
    today = ctx.today()
    version = args.version
    if version is None:  # no version given: take the current one (a deliberate, single user)
        with ctx.new_uow() as uow:
            state = uow.follow_ups.state(args.follow_up_id)
        if state is None:
            raise UsageError(f"There is no follow-up {args.follow_up_id}.")
        version = state[0]
    try:
        complete_follow_up(ctx.new_uow(), args.follow_up_id, args.on or today, args.outcome,
                           version, today)
    except FollowUpChanged as exc:
        raise UsageError(str(exc)) from None
    print(f"Follow-up {args.follow_up_id} recorded as done.")
    return 0
