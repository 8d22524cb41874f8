"""Pathway budget arithmetic (domain.md §7.2, app rules): money in integer pence, VAT, how a
commitment that spans financial years is split between them, and small-number suppression on
statements that leave the practice.

Financial years run 1 April to 31 March, the same as QOF years (``QofYear``).

Rules (app rules, stated once here):
- A commitment's value is ``units × unit price`` (net) plus VAT at its rate, rounded half up
  to the penny on the commitment as a whole.
- It is spread over the financial years it touches in proportion to its days in each. Year by
  year the split is ``F(days up to the end of the year) − F(days before the year)`` with
  ``F(d) = floor(value × d / total days)``: every share is a whole number of pence and the
  shares add up to the value exactly (the SQL does the same sum).
- Spend is the gross (net + VAT) of invoices approved in the period: NHS commissioners
  cannot usually reclaim VAT on purchased care, so it is a cost.
- Committed in a year is the year's share of a live commitment less what was invoiced against
  it in that year, never below zero; a cancelled commitment keeps only what was invoiced.
- Remaining = budget − spend − committed; forecast outturn = spend + committed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from facilitator_app.domain.dates import QofYear, format_uk_date
from facilitator_app.domain.money import format_pounds

__all__ = [
    "SUPPRESS_BELOW",
    "BudgetProblem",
    "CommitmentValue",
    "commitment_value",
    "cost_per",
    "days_inclusive",
    "parse_pounds",
    "split_by_year",
    "suppress",
    "validate_commitment",
    "validate_invoice",
    "validate_payment",
    "vat_on",
]

SUPPRESS_BELOW = 5
"""Counts 1-4 are shown as "<5" on statements (configurable; unverified: check NHS Digital
statistical disclosure control rules, domain.md §7.2)."""

_POUNDS = re.compile(r"\d{1,12}(\.\d{1,2})?")
MAX_PENCE = 10**12  # £10,000,000,000: anything larger is a typing slip


@dataclass(frozen=True)
class BudgetProblem:
    field: str
    message: str


@dataclass(frozen=True)
class CommitmentValue:
    net: int
    vat: int

    @property
    def gross(self) -> int:
        return self.net + self.vat


def parse_pounds(text: str) -> int:
    """"£1,234.56", "1234.5" or "12" → pence, exactly (Decimal, never float). Raises
    ValueError naming what was typed."""
    cleaned = text.strip().replace(",", "").removeprefix("£").strip()
    if not _POUNDS.fullmatch(cleaned):
        raise ValueError(f"{text!r} is not an amount in pounds and pence (e.g. 1,234.56).")
    return int(Decimal(cleaned) * 100)


def vat_on(net_pence: int, rate_basis_points: int) -> int:
    """VAT at ``rate_basis_points`` (2000 = 20 %), rounded half up to the penny."""
    vat = Decimal(net_pence) * Decimal(rate_basis_points) / Decimal(10_000)
    return int(vat.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def commitment_value(units: int, unit_price_pence: int, vat_basis_points: int) -> CommitmentValue:
    net = units * unit_price_pence
    return CommitmentValue(net, vat_on(net, vat_basis_points))


def days_inclusive(start: date, end: date) -> int:
    return (end - start).days + 1


def split_by_year(value_pence: int, start: date, end: date) -> dict[QofYear, int]:
    """The commitment's value spread over the financial years from ``start`` to ``end``
    (both included) by days; the shares add up to ``value_pence`` exactly."""
    total = days_inclusive(start, end)
    shares: dict[QofYear, int] = {}
    year = QofYear.containing(start)
    while year.start <= end:
        before = max(0, (year.start - start).days)
        through = min(total, days_inclusive(start, min(end, year.end)))
        shares[year] = value_pence * through // total - value_pence * before // total
        year = QofYear(year.start_year + 1)
    return shares


def suppress(count: int, below: int = SUPPRESS_BELOW) -> str:
    """A count as a statement prints it: 0 and ``below`` or more as they are, 1..below-1 as
    "<below" (so no small group of patients can be picked out)."""
    return f"<{below}" if 0 < count < below else f"{count:,}"


def cost_per(spend_pence: int, count: int, below: int = SUPPRESS_BELOW) -> int | None:
    """Spend divided by a count, in pence (rounded half up); None when the count is 0 or
    suppressed (the unit cost would reveal the suppressed count)."""
    if count == 0 or count < below:
        return None
    return int((Decimal(spend_pence) / count).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def validate_commitment(units: int, unit_price_pence: int, vat_basis_points: int,
                        start: date, end: date) -> list[BudgetProblem]:
    problems: list[BudgetProblem] = []
    if units < 1:
        problems.append(BudgetProblem("units", f"Units must be 1 or more, not {units}."))
    if unit_price_pence < 0 or unit_price_pence > MAX_PENCE:
        problems.append(BudgetProblem("unit_price", "The unit price must be between £0 and "
                                      "£10,000,000,000."))
    if not 0 <= vat_basis_points <= 10_000:
        problems.append(BudgetProblem("vat_rate", "The VAT rate must be between 0 % and 100 %."))
    if end < start:
        problems.append(BudgetProblem("end", f"The end ({format_uk_date(end)}) is before the "
                                      f"start ({format_uk_date(start)})."))
    elif end - start > timedelta(days=3 * 366):
        problems.append(BudgetProblem("end", "A commitment runs at most three years."))
    return problems


def validate_invoice(units: int, net_pence: int, vat_pence: int, invoice_date: date,
                     commitment_start: date, already_invoiced_units: int,
                     committed_units: int, today: date) -> list[BudgetProblem]:
    """An invoice against one commitment: not for more units than are left on it."""
    problems: list[BudgetProblem] = []
    if units < 1:
        problems.append(BudgetProblem("units", "An invoice is for 1 unit or more."))
    elif already_invoiced_units + units > committed_units:
        left = committed_units - already_invoiced_units
        problems.append(BudgetProblem(
            "units", f"Only {left} of the {committed_units} units committed are left to "
            f"invoice; this invoice is for {units}."))
    if net_pence < 0 or vat_pence < 0:
        problems.append(BudgetProblem("amount", "Invoice amounts cannot be negative."))
    if invoice_date > today:
        problems.append(BudgetProblem("invoice_date", "The invoice date is in the future."))
    if invoice_date < commitment_start:
        problems.append(BudgetProblem("invoice_date", "The invoice is dated before the "
                                      f"commitment starts ({format_uk_date(commitment_start)})."))
    return problems


def validate_payment(amount_pence: int, paid_on: date, invoice_gross: int, already_paid: int,
                     approved_on: date | None, today: date) -> list[BudgetProblem]:
    problems: list[BudgetProblem] = []
    if approved_on is None:
        problems.append(BudgetProblem("invoice", "Approve the invoice before paying it."))
    elif paid_on < approved_on:
        problems.append(BudgetProblem("paid_on", "The payment is dated before the invoice was "
                                      f"approved ({format_uk_date(approved_on)})."))
    if paid_on > today:
        problems.append(BudgetProblem("paid_on", "The payment date is in the future."))
    if amount_pence < 1:
        problems.append(BudgetProblem("amount", "A payment is for 1p or more."))
    elif already_paid + amount_pence > invoice_gross:
        problems.append(BudgetProblem(
            "amount", f"That would pay {format_pounds(already_paid + amount_pence - invoice_gross)}"
            " more than the invoice is for."))
    return problems
