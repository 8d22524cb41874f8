"""``facilitator-app services`` (the directory of local services) and ``facilitator-app
signpost`` (signposting a patient, recording the outcome, the follow-ups that are due)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from facilitator_app.bootstrap import AppContext
from facilitator_app.cli.common import (
    Subcommands,
    UsageError,
    date_arg,
    exported,
    listed,
    set_handler,
    write_rows,
)
from facilitator_app.domain.dates import format_uk_date
from facilitator_app.domain.nhs_number import format_nhs_number
from facilitator_app.domain.signposting import (
    CATEGORY_LABELS,
    OUTCOME_LABELS,
    ServiceCategory,
    SignpostOutcome,
)
from facilitator_app.services.caseload import UnknownPractice
from facilitator_app.services.patients import PatientNotFound, find_patient_id
from facilitator_app.services.signposting import (
    InvalidSignposting,
    ServiceEntry,
    SignpostingChanged,
    add_service,
    list_services,
    patient_signpostings,
    record_signpost_outcome,
    record_signposting,
    signposting_by_id,
    signpostings_due,
)

DUE_HEADERS = ("Id", "Version", "Follow up", "Practice", "NHS number", "Name", "Service",
               "Category", "Signposted", "Outcome")
DUE_WIDTHS = (6, 7, 10, 8, 12, 26, 34, 20, 10, 12)


def add_commands(commands: Subcommands) -> None:
    services = commands.add_parser(
        "services", help="the directory of local services patients are signposted to")
    sub = services.add_subparsers(dest="services_command", metavar="COMMAND", required=True)
    listing = sub.add_parser("list", help="services in the directory")
    listing.add_argument("--category", choices=[c.value for c in ServiceCategory])
    listing.add_argument("--all", action="store_true", help="include inactive services")
    set_handler(listing, _services_list)
    add = sub.add_parser("add", help="add a service to the directory")
    add.add_argument("--name", required=True)
    add.add_argument("--category", required=True, choices=[c.value for c in ServiceCategory])
    add.add_argument("--contact", default="", help="telephone, e-mail, address, web")
    add.add_argument("--eligibility", default="", help="who can use it")
    add.add_argument("--purchased", action="store_true",
                     help="bought from the pathway budget")
    set_handler(add, _services_add)

    signpost = commands.add_parser(
        "signpost", help="signpost a patient to a service and follow it up")
    sub = signpost.add_subparsers(dest="signpost_command", metavar="COMMAND", required=True)
    record = sub.add_parser("add", help="record that a patient was signposted to a service")
    record.add_argument("nhs_number", metavar="NHS_NUMBER")
    record.add_argument("--service", type=int, required=True, metavar="ID",
                        help="the service's id from 'services list'")
    record.add_argument("--reason", required=True)
    record.add_argument("--date", type=date_arg, dest="on", metavar="DATE",
                        help="when, dd/mm/yyyy (default today)")
    record.add_argument("--follow-up", type=date_arg, dest="follow_up", metavar="DATE",
                        help="when to check whether they went")
    set_handler(record, _signpost_add)
    outcome = sub.add_parser("outcome", help="record the outcome of a follow-up")
    outcome.add_argument("id", type=int, metavar="ID", help="the id 'signpost due' shows")
    outcome.add_argument("--outcome", required=True, choices=[o.value for o in SignpostOutcome])
    outcome.add_argument("--date", type=date_arg, dest="on", metavar="DATE",
                         help="when, dd/mm/yyyy (default today)")
    outcome.add_argument("--next-follow-up", type=date_arg, dest="next_follow_up",
                         metavar="DATE", help="with 'waiting': when to follow up again")
    outcome.add_argument("--version", type=int, metavar="N",
                         help="the version 'signpost due' showed (refused if it changed)")
    set_handler(outcome, _signpost_outcome)
    due = sub.add_parser("due", help="signpostings whose follow-up is due")
    due.add_argument("--practice", metavar="CODE")
    due.add_argument("--as-of", type=date_arg, dest="as_of", metavar="DATE")
    due.add_argument("--format", choices=("table", "csv"), default="table")
    due.add_argument("--out", type=Path, metavar="FILE")
    set_handler(due, _signpost_due)
    history = sub.add_parser("list", help="one patient's signpostings")
    history.add_argument("nhs_number", metavar="NHS_NUMBER")
    set_handler(history, _signpost_list)


def _problems(exc: InvalidSignposting) -> UsageError:
    return UsageError("\n".join(f"{p.field}: {p.message}" for p in exc.problems))


def _services_list(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        services = list_services(ctx.new_uow(), args.category, include_inactive=args.all)
    except InvalidSignposting as exc:
        raise _problems(exc) from None
    for s in services:
        flags = [f for f, on in (("pathway budget", s.entry.purchased),
                                 ("inactive", not s.entry.active)) if on]
        extra = f"  [{', '.join(flags)}]" if flags else ""
        print(f"{s.id:>4}  {s.category_label:<22} {s.entry.name}{extra}")
        for label, text in (("contact", s.entry.contact), ("eligibility", s.entry.eligibility)):
            if text:
                print(f"      {label}: {text}")
    print(f"{len(services):,} services", file=sys.stderr)
    return 0


def _services_add(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        service_id = add_service(ctx.new_uow(), ServiceEntry(
            args.name, args.category, args.contact, args.eligibility, args.purchased))
    except InvalidSignposting as exc:
        raise _problems(exc) from None
    print(f"Service {service_id} added: {args.name} "
          f"({CATEGORY_LABELS[ServiceCategory(args.category)]}).")
    return 0


def _patient(ctx: AppContext, nhs_number: str) -> int:
    try:
        return find_patient_id(ctx.new_uow(), nhs_number)
    except PatientNotFound as exc:
        raise UsageError(str(exc)) from None


def _signpost_add(ctx: AppContext, args: argparse.Namespace) -> int:
    patient_id = _patient(ctx, args.nhs_number)
    today = ctx.today()
    try:
        signposting_id = record_signposting(ctx.new_uow(), patient_id, args.service,
                                            args.on or today, args.reason, args.follow_up,
                                            today)
    except InvalidSignposting as exc:
        raise _problems(exc) from None
    print(f"Signposting {signposting_id} recorded.")
    return 0


def _signpost_outcome(ctx: AppContext, args: argparse.Namespace) -> int:
    today = ctx.today()
    try:
        version = (args.version if args.version is not None
                   else signposting_by_id(ctx.new_uow(), args.id).version)
        record_signpost_outcome(ctx.new_uow(), args.id, args.outcome, args.on or today, today,
                                version, args.next_follow_up)
    except InvalidSignposting as exc:
        raise _problems(exc) from None
    except (LookupError, SignpostingChanged) as exc:
        raise UsageError(str(exc)) from None
    print(f"Signposting {args.id}: {OUTCOME_LABELS[SignpostOutcome(args.outcome)]}.")
    return 0


def _signpost_due(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        rows = signpostings_due(ctx.new_uow(), args.as_of or ctx.today(), args.practice)
    except UnknownPractice as exc:
        raise UsageError(str(exc)) from None
    cells = ([str(r.id), str(r.version), format_uk_date(r.follow_up_on), r.practice_code,
              format_nhs_number(r.nhs_number), f"{r.family_name.upper()}, {r.given_name}",
              r.service_name, CATEGORY_LABELS[ServiceCategory(r.category)],
              format_uk_date(r.signposted_on),
              OUTCOME_LABELS[SignpostOutcome(r.outcome)] if r.outcome else ""] for r in rows)
    write_rows(args.format, DUE_HEADERS, DUE_WIDTHS, cells, args.out)
    print(f"{len(rows):,} signpostings to follow up", file=sys.stderr)
    if args.out:
        exported(ctx, "signposting_due", len(rows), args.out, identifiable=True)
    else:
        listed(ctx, "signposting_due", len(rows))
    return 0


def _signpost_list(ctx: AppContext, args: argparse.Namespace) -> int:
    patient_id = _patient(ctx, args.nhs_number)
    for s in patient_signpostings(ctx.new_uow(), patient_id):
        follow = f", follow up {format_uk_date(s.follow_up_on)}" if s.follow_up_on else ""
        print(f"{s.id:>5}  {format_uk_date(s.signposted_on)}  {s.summary}: {s.reason}"
              f"  [{s.outcome_label}{follow}]")
    return 0
