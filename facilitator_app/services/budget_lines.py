"""Two small reads the budget screen needs besides ``services/budget.py``: the budget lines of
one financial year with their ids (to choose the line a commitment is charged to;
``budget_position`` gives the figures by name only) and the invoices of one commitment."""

from __future__ import annotations

from facilitator_app.domain.dates import QofYear
from facilitator_app.services.budget import BudgetLineRow, InvoiceRow
from facilitator_app.services.ports import UnitOfWork

__all__ = ["budget_lines", "commitment_invoices"]


def budget_lines(uow: UnitOfWork, year: QofYear) -> list[BudgetLineRow]:
    """The year's lines (1 April - 31 March), by name."""
    with uow:
        return list(uow.budget.budget_lines(year.start_year))


def commitment_invoices(uow: UnitOfWork, commitment_id: int) -> list[InvoiceRow]:
    """The invoices recorded against one commitment, with what has been paid on each."""
    with uow:
        return list(uow.budget.invoices_of(commitment_id))
