"""``facilitator-app qof summary|outstanding|why``: QOF for practice managers, headless."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from facilitator_app.bootstrap import AppContext
from facilitator_app.cli.checks import qof_year_arg
from facilitator_app.cli.common import (
    Subcommands,
    UsageError,
    date_arg,
    exported,
    listed,
    set_handler,
    write_rows,
)
from facilitator_app.domain.access import Permission
from facilitator_app.domain.dates import format_uk_date
from facilitator_app.domain.money import format_pounds
from facilitator_app.domain.nhs_number import format_nhs_number
from facilitator_app.domain.qof.rules import NoRulesForYear
from facilitator_app.render.tabular import write_table
from facilitator_app.services.caseload import UnknownPractice
from facilitator_app.services.patients import PatientNotFound, find_patient_id
from facilitator_app.services.qof import outstanding_patients, patient_qof
from facilitator_app.services.qof_export import export_qof


def add_commands(commands: Subcommands) -> None:
    qof = commands.add_parser("qof", help="QOF mental health indicators")
    sub = qof.add_subparsers(dest="qof_command", metavar="COMMAND", required=True)

    summary = sub.add_parser(
        "summary", help="indicator summary: denominators, exceptions, points, money",
        description="Writes the QOF mental health summary for a year: A4 PDF, XLSX (summary "
        "sheet plus one outstanding-patient sheet per indicator, for the practice only) or CSV "
        "(summary only, no patient identifiers), chosen by the extension of --out.")
    _common(summary)
    summary.add_argument("--out", type=Path, required=True, metavar="FILE.pdf|.xlsx|.csv")
    set_handler(summary, _summary)

    outstanding = sub.add_parser("outstanding",
                                 help="who still needs what before 31 March (identifiable)")
    _common(outstanding)
    outstanding.add_argument("--indicator", metavar="ID", help="one indicator, e.g. MH003")
    outstanding.add_argument("--format", choices=("table", "csv"), default="table")
    outstanding.add_argument("--out", type=Path, metavar="FILE")
    set_handler(outstanding, _outstanding)

    why = sub.add_parser("why", help="why a patient is in or out of each indicator")
    why.add_argument("nhs_number", metavar="NHS_NUMBER")
    why.add_argument("--year", type=qof_year_arg, required=True, metavar="YYYY")
    why.add_argument("--as-of", type=date_arg, dest="as_of", metavar="DATE")
    set_handler(why, _why)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--year", type=qof_year_arg, required=True, metavar="YYYY",
                        help="QOF year, e.g. 2024 or 2024/25 (1 April 2024 to 31 March 2025)")
    parser.add_argument("--practice", metavar="CODE", help="one practice (default: all, "
                        "side by side)")
    parser.add_argument("--as-of", type=date_arg, dest="as_of", metavar="DATE",
                        help="records known up to this date (default: today, or 31 March "
                        "for a finished year)")


def _summary(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        summary = export_qof(ctx.new_uow, args.year, ctx.today(), args.out,
                             practice_code=args.practice, as_of=args.as_of)
    except (UnknownPractice, NoRulesForYear) as exc:
        raise UsageError(str(exc)) from None
    for p in summary.practices:
        print(f"{p.code} {p.name}: register {p.register:,}, points {p.points:.2f} of "
              f"{p.max_points:g} ({format_pounds(summary.pence(p.points))}), "
              f"{p.patients_outstanding:,} patients still need something.")
    print(f"QOF {summary.year.label} summary written to {args.out}.", file=sys.stderr)
    exported(ctx, "qof_summary", len(summary.practices), args.out, audited=True,
             identifiable=args.out.suffix.lower() == ".xlsx"
             and ctx.actor is not None and ctx.actor.can(Permission.VIEW_REGISTER))
    return 0


def _outstanding(ctx: AppContext, args: argparse.Namespace) -> int:
    headers = ("Practice", "NHS number", "Name", "Date of birth", "Outstanding", "Still needs")
    try:
        rows = ([p.practice_code, format_nhs_number(p.nhs_number),
                 f"{p.family_name.upper()}, {p.given_name}", format_uk_date(p.date_of_birth),
                 " ".join(p.outstanding), ", ".join(p.needs)]
                for p in outstanding_patients(ctx.new_uow(), args.year, ctx.today(),
                                              practice_code=args.practice,
                                              indicator_id=args.indicator, as_of=args.as_of))
        count = write_rows(args.format, headers, (8, 12, 28, 13, 30, 40), rows, args.out)
    except (UnknownPractice, NoRulesForYear) as exc:
        raise UsageError(str(exc)) from None
    except KeyError:
        raise UsageError(f"No indicator {args.indicator} in QOF {args.year.label}") from None
    print(f"{count:,} patients outstanding.", file=sys.stderr)
    if not args.out:
        listed(ctx, "qof_outstanding", count)
    if args.out:
        exported(ctx, "qof_outstanding", count, args.out, identifiable=True)
    return 0


def _why(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        patient_id = find_patient_id(ctx.new_uow(), args.nhs_number)
        result = patient_qof(ctx.new_uow(), patient_id, args.year, ctx.today(), as_of=args.as_of)
    except (NoRulesForYear, PatientNotFound) as exc:
        raise UsageError(str(exc)) from None
    print(f"QOF {args.year.label}, achievement date {format_uk_date(result.ref)}, records up to "
          f"{format_uk_date(result.as_of)}:")
    write_table(("Indicator", "Outcome", "Why"), (9, 18, 70),
                ([o.indicator, o.state.value, o.reason] for o in result.outcomes), sys.stdout)
    return 0
