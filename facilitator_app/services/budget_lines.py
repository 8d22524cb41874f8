"""The budget lines of one financial year, with their ids: what a screen needs to let the user
choose the line a commitment is charged to (``budget_position`` gives the figures by name)."""

from __future__ import annotations

from facilitator_app.domain.dates import QofYear
from facilitator_app.services.budget import BudgetLineRow
from facilitator_app.services.ports import UnitOfWork

__all__ = ["budget_lines"]


def budget_lines(uow: UnitOfWork, year: QofYear) -> list[BudgetLineRow]:
    """The year's lines (1 April - 31 March), as stored, in the order storage keeps them."""
    with uow:
        return list(uow.budget.budget_lines(year.start_year))
