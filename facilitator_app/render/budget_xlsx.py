"""The pathway-budget statement as XLSX: summary, lines, providers, monthly spend and outcomes,
money as numbers in pounds (two decimal places) so it adds up in the spreadsheet; counts are
suppressed as on the PDF."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from facilitator_app.domain.budget import cost_per, suppress
from facilitator_app.render.xlsx import CellValue, Sheet, write_xlsx
from facilitator_app.services.budget import LinePosition
from facilitator_app.services.budget_statement import (
    OUTCOME_HEADERS,
    POSITION_HEADERS,
    BudgetStatement,
)

__all__ = ["write_budget_xlsx"]


def _pounds(pence: int | None) -> Decimal | None:
    return None if pence is None else Decimal(pence) / 100


def _position(row: LinePosition) -> list[CellValue]:
    return [row.label, _pounds(row.budget), _pounds(row.committed), _pounds(row.spent),
            _pounds(row.remaining), _pounds(row.forecast)]


def write_budget_xlsx(statement: BudgetStatement, path: Path) -> None:
    below = statement.suppress_below
    total = statement.total
    summary: list[list[CellValue]] = [
        ["Statement", statement.title], ["Financial year", statement.year.label],
        ["Produced", statement.produced_on],
        ["Budget (£)", _pounds(total.budget) if statement.lines else None],
        ["Committed (£)", _pounds(total.committed)], ["Spent (£)", _pounds(total.spent)],
        ["Remaining (£)", _pounds(total.remaining) if statement.lines else None],
        ["Forecast outturn (£)", _pounds(total.forecast)],
        ["Note", f"Aggregate figures only; counts 1-{below - 1} shown as <{below}."],
    ]
    outcomes: list[list[CellValue]] = [
        [o.provider, *(suppress(n, below) for n in (o.referred, o.started, o.completed,
                                                     o.recovered, o.improved)),
         _pounds(o.spend), _pounds(cost_per(o.spend, o.referred, below)),
         _pounds(cost_per(o.spend, o.completed, below)),
         _pounds(cost_per(o.spend, o.recovered, below))]
        for o in statement.outcomes]
    write_xlsx(path, [
        Sheet("Summary", ("Item", "Value"), summary),
        Sheet("Budget lines", POSITION_HEADERS,
              [*(_position(r) for r in statement.lines), _position(total)]
              if statement.lines else []),
        Sheet("Providers", ("Provider", "Committed", "Spent", "Forecast outturn"),
              [[p.label, _pounds(p.committed), _pounds(p.spent), _pounds(p.forecast)]
               for p in statement.providers]),
        Sheet("Monthly spend", ("Month", "Spend (£)"),
              [[month, _pounds(pence)] for month, pence in statement.monthly_spend]),
        Sheet("Outcomes", OUTCOME_HEADERS, outcomes),
    ])
