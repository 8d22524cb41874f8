"""The commissioner's pathway-budget statement for a financial year, overall or for one
provider: the position by line and provider, spend by month against the budget, and what the
money achieved per provider (patients referred, started, completed, recovered, reliably
improved; cost per patient, per completion, per recovery).

It leaves the practice, so it is aggregate only - no names or NHS numbers - and counts from
1 to ``suppress_below - 1`` print as "<5"; a unit cost whose count is suppressed is not
printed either (it would give the count away).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from facilitator_app.domain.access import Permission
from facilitator_app.domain.budget import SUPPRESS_BELOW, cost_per, suppress
from facilitator_app.domain.dates import QofYear
from facilitator_app.domain.money import format_pounds
from facilitator_app.services.access import require
from facilitator_app.services.budget import LinePosition
from facilitator_app.services.ports import UnitOfWork

__all__ = ["BudgetStatement", "ProviderOutcome", "budget_statement", "write_budget_statement"]


class UnknownProvider(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"There is no provider called {name!r} in the pathway budget.")


@dataclass(frozen=True)
class ProviderOutcome:
    provider: str
    referred: int
    started: int
    completed: int
    recovered: int
    improved: int
    spend: int  # pence, approved in the year

    def cells(self, below: int) -> list[str]:
        """As printed: counts suppressed, unit costs only where their count is shown."""
        def cost(count: int) -> str:
            pence = cost_per(self.spend, count, below)
            return "n/a" if pence is None else format_pounds(pence)
        return [self.provider, *(suppress(n, below) for n in (
            self.referred, self.started, self.completed, self.recovered, self.improved)),
            format_pounds(self.spend), cost(self.referred), cost(self.completed),
            cost(self.recovered)]


OUTCOME_HEADERS = ("Provider", "Referred", "Started", "Completed", "Recovered",
                   "Reliably improved", "Spend", "Cost per patient", "Cost per completed course",
                   "Cost per recovery")
POSITION_HEADERS = ("Line", "Budget", "Committed", "Spent", "Remaining", "Forecast outturn")


@dataclass(frozen=True)
class BudgetStatement:
    year: QofYear
    provider: str | None
    produced_on: date
    lines: tuple[LinePosition, ...]  # empty for a one-provider statement
    providers: tuple[LinePosition, ...]
    monthly_spend: tuple[tuple[date, int], ...]  # first of each month of the year, pence
    outcomes: tuple[ProviderOutcome, ...]
    suppress_below: int

    @property
    def title(self) -> str:
        who = f": {self.provider}" if self.provider else ""
        return f"Pathway budget statement {self.year.label}{who}"

    @property
    def total(self) -> LinePosition:
        rows = self.lines or self.providers
        return LinePosition("Total", sum(r.budget for r in rows),
                            sum(r.committed for r in rows), sum(r.spent for r in rows))


def position_cells(row: LinePosition, with_budget: bool = True) -> list[str]:
    money = [row.budget, row.committed, row.spent, row.remaining, row.forecast] if with_budget \
        else [None, row.committed, row.spent, None, row.forecast]
    return [row.label, *("—" if m is None else format_pounds(m) for m in money)]


def _months(year: QofYear) -> list[date]:
    return [date(year.start_year + (m < 4), m, 1) for m in (*range(4, 13), 1, 2, 3)]


def budget_statement(uow: UnitOfWork, year: QofYear, today: date, *,
                     provider: str | None = None,
                     suppress_below: int = SUPPRESS_BELOW) -> BudgetStatement:
    if suppress_below < 1:
        raise ValueError("Small-number suppression needs a threshold of 1 or more.")
    require(uow, Permission.VIEW_BUDGET)
    with uow:
        if provider is not None:
            match = uow.budget.provider_by_name(provider)
            if match is None:
                raise UnknownProvider(provider)
            provider = match.name
        lines = () if provider else tuple(uow.budget.line_positions(year))
        providers = tuple(p for p in uow.budget.provider_positions(year)
                          if provider is None or p.label == provider)
        monthly = uow.budget.monthly_spend(year, provider)
        outcomes = tuple(ProviderOutcome(name, *counts)
                         for name, counts in uow.budget.provider_outcomes(year, provider))
    return BudgetStatement(year, provider, today, lines, providers,
                           tuple((m, monthly.get((m.year, m.month), 0)) for m in _months(year)),
                           outcomes, suppress_below)


def write_budget_statement(statement: BudgetStatement, out: Path) -> None:
    suffix = out.suffix.lower()
    if suffix == ".pdf":
        from facilitator_app.render.budget_pdf import write_budget_pdf

        write_budget_pdf(statement, out)
    elif suffix == ".xlsx":
        from facilitator_app.render.budget_xlsx import write_budget_xlsx

        write_budget_xlsx(statement, out)
    else:
        raise ValueError(f"Write the statement to a .pdf or .xlsx file, not {out.name}.")
