"""``facilitator-app budget``: the pathway budget - providers, services, lines, commitments,
invoices, payments, the position, and the commissioner's statement."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import ParamSpec, TypeVar

from facilitator_app.bootstrap import AppContext
from facilitator_app.cli.common import Subcommands, UsageError, date_arg, exported, set_handler
from facilitator_app.domain.budget import SUPPRESS_BELOW, parse_pounds
from facilitator_app.domain.dates import QofYear, format_uk_date
from facilitator_app.domain.money import format_pounds
from facilitator_app.services.budget import (
    BudgetChanged,
    InvalidBudgetEntry,
    OverspendWarning,
    add_provider,
    add_provider_service,
    approve_invoice,
    authorise_commitment,
    budget_position,
    cancel_commitment,
    commitment_by_id,
    invoice_by_id,
    list_commitments,
    list_providers,
    record_invoice,
    record_payment,
    set_budget_line,
)
from facilitator_app.services.budget_statement import (
    UnknownProvider,
    budget_statement,
    position_cells,
    write_budget_statement,
)
from facilitator_app.services.patients import PatientNotFound, find_patient_id

P = ParamSpec("P")
T = TypeVar("T")


def _year(text: str) -> QofYear:
    try:
        return QofYear.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _money(text: str) -> int:
    try:
        return parse_pounds(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _vat(text: str) -> int:
    try:
        percent = Decimal(text.strip().removesuffix("%"))
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a VAT rate (e.g. 20)") from None
    return int(percent * 100)


def add_commands(commands: Subcommands) -> None:
    budget = commands.add_parser(
        "budget", help="the pathway budget: commitments, invoices and statements",
        description="The pathway budget for a financial year (1 April - 31 March). --year "
        "2026 or 2026/27 is the year from 1 April 2026. Amounts in pounds (1,234.56).")
    sub = budget.add_subparsers(dest="budget_command", metavar="COMMAND", required=True)

    p = sub.add_parser("statement", help="the commissioner's statement (PDF or XLSX)",
                       description="Spend, commitments and outcomes per provider for the "
                       "year; aggregate figures only, small numbers suppressed.")
    p.add_argument("--year", type=_year, required=True, metavar="YYYY")
    p.add_argument("--provider", metavar="NAME", help="one provider only")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.pdf|.xlsx")
    p.add_argument("--suppress-below", type=int, default=SUPPRESS_BELOW, dest="below",
                   metavar="N", help=f"show counts 1..N-1 as <N (default {SUPPRESS_BELOW})")
    set_handler(p, _statement)
    p = sub.add_parser("position", help="budget, committed, spent, remaining, forecast")
    p.add_argument("--year", type=_year, required=True, metavar="YYYY")
    set_handler(p, _position)
    p = sub.add_parser("providers", help="providers and their services with unit prices")
    set_handler(p, _providers)
    p = sub.add_parser("provider", help="add a provider")
    p.add_argument("name")
    p.add_argument("--contact", default="")
    set_handler(p, _provider)
    p = sub.add_parser("service", help="add a provider's service with its unit price")
    p.add_argument("--provider", required=True, metavar="NAME")
    p.add_argument("--name", required=True)
    p.add_argument("--unit", required=True, help="session, week, course, place...")
    p.add_argument("--price", type=_money, required=True, metavar="POUNDS")
    p.add_argument("--vat", type=_vat, default=0, metavar="PERCENT")
    set_handler(p, _service)
    p = sub.add_parser("line", help="set a budget line for a year")
    p.add_argument("--year", type=_year, required=True, metavar="YYYY")
    p.add_argument("--name", required=True)
    p.add_argument("--amount", type=_money, required=True, metavar="POUNDS")
    set_handler(p, _line)
    p = sub.add_parser("commit", help="buy a service for a patient")
    p.add_argument("nhs_number", metavar="NHS_NUMBER")
    p.add_argument("--service", type=int, required=True, metavar="ID")
    p.add_argument("--line", type=int, required=True, metavar="ID", help="budget line id")
    p.add_argument("--units", type=int, required=True)
    p.add_argument("--start", type=date_arg, required=True, metavar="DATE")
    p.add_argument("--end", type=date_arg, required=True, metavar="DATE")
    p.add_argument("--allow-overspend", action="store_true", dest="allow_overspend",
                   help="authorise even though the line would be overspent")
    set_handler(p, _commit)
    p = sub.add_parser("commitments", help="the year's commitments with their invoices")
    p.add_argument("--year", type=_year, required=True, metavar="YYYY")
    set_handler(p, _commitments)
    p = sub.add_parser("cancel", help="cancel a commitment (invoiced spend stays)")
    p.add_argument("commitment", type=int, metavar="ID")
    p.add_argument("--date", type=date_arg, dest="on", metavar="DATE")
    set_handler(p, _cancel)
    p = sub.add_parser("invoice", help="record a provider's invoice against a commitment")
    p.add_argument("commitment", type=int, metavar="ID")
    p.add_argument("--reference", required=True)
    p.add_argument("--date", type=date_arg, required=True, dest="on", metavar="DATE")
    p.add_argument("--units", type=int, required=True)
    p.add_argument("--net", type=_money, metavar="POUNDS",
                   help="the net amount, if not units × the agreed price")
    p.add_argument("--approve", type=date_arg, metavar="DATE", help="approve it on DATE")
    set_handler(p, _invoice)
    p = sub.add_parser("approve", help="approve an invoice (spend counts from then)")
    p.add_argument("invoice", type=int, metavar="ID")
    p.add_argument("--date", type=date_arg, dest="on", metavar="DATE")
    set_handler(p, _approve)
    p = sub.add_parser("pay", help="record a payment (part payments allowed)")
    p.add_argument("invoice", type=int, metavar="ID")
    p.add_argument("--amount", type=_money, required=True, metavar="POUNDS")
    p.add_argument("--date", type=date_arg, dest="on", metavar="DATE")
    set_handler(p, _pay)


def _problems(exc: InvalidBudgetEntry) -> UsageError:
    return UsageError("\n".join(f"{p.field}: {p.message}" for p in exc.problems))


def _call(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Runs a budget use case, turning its refusals into one-line messages."""
    try:
        return fn(*args, **kwargs)
    except InvalidBudgetEntry as exc:
        raise _problems(exc) from None
    except (BudgetChanged, OverspendWarning, UnknownProvider, PatientNotFound,
            ValueError) as exc:
        message = str(exc)
        if isinstance(exc, OverspendWarning):
            message += " Nothing was saved; add --allow-overspend to authorise it anyway."
        raise UsageError(message) from None


def _statement(ctx: AppContext, args: argparse.Namespace) -> int:
    statement = _call(budget_statement, ctx.new_uow(), args.year, ctx.today(),
                      provider=args.provider, suppress_below=args.below)
    _call(write_budget_statement, statement, args.out)
    print(f"{statement.title} written to {args.out}.")
    exported(ctx, "budget_statement", len(statement.providers), args.out, identifiable=False)
    return 0


def _position(ctx: AppContext, args: argparse.Namespace) -> int:
    position = budget_position(ctx.new_uow(), args.year)
    print(f"Pathway budget {args.year.label}")
    print(f"  {'Line':<30} {'Budget':>13} {'Committed':>13} {'Spent':>13} {'Remaining':>13} "
          f"{'Forecast':>13}")
    for row in (*position.lines, position.total):
        cells = position_cells(row)
        print(f"  {cells[0]:<30} " + " ".join(f"{c:>13}" for c in cells[1:]))
    return 0


def _providers(ctx: AppContext, args: argparse.Namespace) -> int:
    for provider, services in list_providers(ctx.new_uow()):
        print(f"{provider.name}" + (f"  ({provider.contact})" if provider.contact else ""))
        for s in services:
            vat = f" + VAT {s.vat_basis_points / 100:g}%" if s.vat_basis_points else ""
            print(f"  {s.id:>4}  {s.name}: {format_pounds(s.unit_price_pence)} per {s.unit}"
                  f"{vat}")
    return 0


def _provider(ctx: AppContext, args: argparse.Namespace) -> int:
    provider_id = _call(add_provider, ctx.new_uow(), args.name, args.contact)
    print(f"Provider {provider_id} added: {args.name}.")
    return 0


def _service(ctx: AppContext, args: argparse.Namespace) -> int:
    match = next((p for p, _ in list_providers(ctx.new_uow())
                  if p.name.lower() == args.provider.lower()), None)
    if match is None:
        raise UsageError(str(UnknownProvider(args.provider)))
    service_id = _call(add_provider_service, ctx.new_uow(), match.id, args.name, args.unit,
                       args.price, args.vat)
    print(f"Service {service_id} added: {args.name}, {format_pounds(args.price)} per "
          f"{args.unit}.")
    return 0


def _line(ctx: AppContext, args: argparse.Namespace) -> int:
    line_id = _call(set_budget_line, ctx.new_uow(), args.year, args.name, args.amount)
    print(f"Budget line {line_id}: {args.name} {args.year.label} = "
          f"{format_pounds(args.amount)}.")
    return 0


def _commit(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        patient_id = find_patient_id(ctx.new_uow(), args.nhs_number)
    except PatientNotFound as exc:
        raise UsageError(str(exc)) from None
    saved = _call(authorise_commitment, ctx.new_uow(), patient_id, args.service, args.line,
                  args.units, args.start, args.end, ctx.today(),
                  allow_overspend=args.allow_overspend)
    shares = ", ".join(f"{year.label} {format_pounds(pence)}"
                       for year, pence in saved.shares.items())
    print(f"Commitment {saved.id} authorised: "
          f"{format_pounds(saved.gross_pence)} ({shares}).")
    return 0


def _commitments(ctx: AppContext, args: argparse.Namespace) -> int:
    for c, invoices in list_commitments(ctx.new_uow(), args.year):
        invoiced = sum(i.gross_pence for i in invoices)
        print(f"{c.id:>5}  v{c.version}  {format_uk_date(c.start_on)}-"
              f"{format_uk_date(c.end_on)}  {c.units} units  {format_pounds(c.gross_pence)}  "
              f"invoiced {format_pounds(invoiced)}  {c.status}")
        for i in invoices:
            approved = (f"approved {format_uk_date(i.approved_on)}" if i.approved_on
                        else "not approved")
            print(f"       invoice {i.id} {i.reference} {format_uk_date(i.invoice_date)} "
                  f"{format_pounds(i.gross_pence)} {approved}, paid "
                  f"{format_pounds(i.paid_pence)}")
    return 0


def _cancel(ctx: AppContext, args: argparse.Namespace) -> int:
    today = ctx.today()
    version = _call(commitment_by_id, ctx.new_uow(), args.commitment).version
    _call(cancel_commitment, ctx.new_uow(), args.commitment, args.on or today, today, version)
    print(f"Commitment {args.commitment} cancelled.")
    return 0


def _invoice(ctx: AppContext, args: argparse.Namespace) -> int:
    invoice_id = _call(record_invoice, ctx.new_uow(), args.commitment, args.reference, args.on,
                       args.units, ctx.today(), net_pence=args.net, approved_on=args.approve)
    print(f"Invoice {invoice_id} recorded" + (" and approved." if args.approve else "."))
    return 0


def _approve(ctx: AppContext, args: argparse.Namespace) -> int:
    today = ctx.today()
    version = _call(invoice_by_id, ctx.new_uow(), args.invoice).version
    _call(approve_invoice, ctx.new_uow(), args.invoice, args.on or today, today, version)
    print(f"Invoice {args.invoice} approved.")
    return 0


def _pay(ctx: AppContext, args: argparse.Namespace) -> int:
    today = ctx.today()
    _call(record_payment, ctx.new_uow(), args.invoice, args.on or today, args.amount, today)
    print(f"Payment of {format_pounds(args.amount)} recorded against invoice {args.invoice}.")
    return 0
