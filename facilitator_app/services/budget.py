"""The pathway budget: providers and their services, the financial year's budget lines,
commitments (a service bought for a patient), invoices and payments; the position always on
show (budget, committed, spent, remaining, forecast outturn); a warning before a commitment
overspends its line; an audit entry for every change (before and after, no names).

Every total is set-based SQL (db/queries/budget.py); the arithmetic rules are in
domain/budget.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from facilitator_app.domain.access import Permission
from facilitator_app.domain.budget import (
    BudgetProblem,
    commitment_value,
    split_by_year,
    validate_commitment,
    validate_invoice,
    validate_payment,
    vat_on,
)
from facilitator_app.domain.dates import QofYear, format_uk_date
from facilitator_app.domain.money import format_pounds
from facilitator_app.services import audit
from facilitator_app.services.access import require
from facilitator_app.services.patients import PatientNotFound
from facilitator_app.services.ports import UnitOfWork

__all__ = [
    "BudgetChanged",
    "BudgetQueries",
    "CommitmentRow",
    "InvalidBudgetEntry",
    "InvoiceRow",
    "LinePosition",
    "OverspendWarning",
    "ProviderRow",
    "ServiceRow",
    "add_provider",
    "add_provider_service",
    "approve_invoice",
    "authorise_commitment",
    "budget_lines",
    "budget_position",
    "cancel_commitment",
    "commitment_by_id",
    "commitment_invoices",
    "invoice_by_id",
    "list_commitments",
    "list_providers",
    "record_invoice",
    "record_payment",
    "set_budget_line",
]


@dataclass(frozen=True)
class ProviderRow:
    id: int
    name: str
    contact: str
    active: bool


@dataclass(frozen=True)
class ServiceRow:
    id: int
    provider_id: int
    provider_name: str
    name: str
    unit: str
    unit_price_pence: int
    vat_basis_points: int
    active: bool


@dataclass(frozen=True)
class BudgetLineRow:
    id: int
    version: int
    financial_year: int
    name: str
    amount_pence: int


@dataclass(frozen=True)
class CommitmentRow:
    id: int
    version: int
    patient_id: int
    episode_id: int | None
    service_id: int
    budget_line_id: int
    units: int
    unit_price_pence: int
    vat_basis_points: int
    net_pence: int
    vat_pence: int
    start_on: date
    end_on: date
    status: str
    cancelled_on: date | None

    @property
    def gross_pence(self) -> int:
        return self.net_pence + self.vat_pence


@dataclass(frozen=True)
class InvoiceRow:
    id: int
    version: int
    commitment_id: int
    reference: str
    invoice_date: date
    units: int
    net_pence: int
    vat_pence: int
    approved_on: date | None
    paid_pence: int

    @property
    def gross_pence(self) -> int:
        return self.net_pence + self.vat_pence


@dataclass(frozen=True)
class LinePosition:
    """One budget line (or a provider, or the whole budget) for a financial year."""

    label: str
    budget: int
    committed: int
    spent: int

    @property
    def remaining(self) -> int:
        return self.budget - self.spent - self.committed

    @property
    def forecast(self) -> int:
        return self.spent + self.committed


class BudgetQueries(Protocol):
    def patient_exists(self, patient_id: int) -> bool: ...
    def add_provider(self, name: str, contact: str) -> int: ...
    def provider_by_name(self, name: str) -> ProviderRow | None: ...
    def providers(self) -> list[ProviderRow]: ...
    def add_service(self, provider_id: int, name: str, unit: str, unit_price_pence: int,
                    vat_basis_points: int) -> int: ...
    def service(self, service_id: int) -> ServiceRow | None: ...
    def services(self, provider_id: int | None) -> list[ServiceRow]: ...
    def budget_line(self, line_id: int) -> BudgetLineRow | None: ...
    def budget_line_named(self, year: int, name: str) -> BudgetLineRow | None: ...
    def budget_lines(self, year: int) -> list[BudgetLineRow]: ...
    def add_budget_line(self, year: int, name: str, amount_pence: int) -> int: ...
    def set_budget_amount(self, line_id: int, amount_pence: int, expected_version: int) -> bool: ...
    def add_commitment(self, row: CommitmentRow, authorised_by: str) -> int: ...
    def commitment(self, commitment_id: int) -> CommitmentRow | None: ...
    def commitments(self, year: int, provider_id: int | None) -> list[CommitmentRow]: ...
    def cancel_commitment(self, commitment_id: int, on: date, expected_version: int) -> bool: ...
    def add_invoice(self, commitment_id: int, reference: str, invoice_date: date, units: int,
                    net_pence: int, vat_pence: int) -> int: ...
    def invoice(self, invoice_id: int) -> InvoiceRow | None: ...
    def invoices_of(self, commitment_id: int) -> list[InvoiceRow]: ...
    def approve_invoice(self, invoice_id: int, on: date, expected_version: int) -> bool: ...
    def add_payment(self, invoice_id: int, paid_on: date, amount_pence: int) -> int: ...
    def line_positions(self, year: QofYear) -> list[LinePosition]: ...
    def monthly_spend(self, year: QofYear, provider: str | None) -> dict[tuple[int, int], int]: ...
    def provider_outcomes(self, year: QofYear,
                          provider: str | None) -> list[tuple[str, tuple[int, ...]]]: ...
    def provider_positions(self, year: QofYear) -> list[LinePosition]: ...


class InvalidBudgetEntry(ValueError):
    def __init__(self, problems: Sequence[BudgetProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)


class BudgetChanged(Exception):
    def __init__(self) -> None:
        super().__init__("This record was changed by someone else since you opened it; "
                         "nothing was saved. Open it again to see their change.")


class OverspendWarning(Exception):
    """The commitment would take its budget line past zero remaining. Nothing was saved; ask
    the budget holder, then authorise again with ``allow_overspend``."""

    def __init__(self, line: str, year: QofYear, remaining: int, share: int) -> None:
        self.line, self.year, self.remaining, self.share = line, year, remaining, share
        super().__init__(
            f"This commitment adds {format_pounds(share)} to '{line}' in {year.label}, which "
            f"has {format_pounds(remaining)} remaining: it would overspend the line by "
            f"{format_pounds(share - remaining)}.")


def _problem(field: str, message: str) -> InvalidBudgetEntry:
    return InvalidBudgetEntry([BudgetProblem(field, message)])


def _audit(uow: UnitOfWork, action: str, entity: str, entity_id: int, before: Any,
           after: Any) -> None:
    """Before and after as JSON; the rows carry keys and money, never a name."""
    audit.record(uow, action, entity, entity_id, before=before, after=after)


# -- providers, services and budget lines --------------------------------------------------


def add_provider(uow: UnitOfWork, name: str, contact: str = "") -> int:
    if not name.strip():
        raise _problem("name", "The provider needs a name.")
    require(uow, Permission.MANAGE_BUDGET)
    with uow:
        if uow.budget.provider_by_name(name.strip()) is not None:
            raise _problem("name", f"There is already a provider called {name.strip()!r}.")
        provider_id = uow.budget.add_provider(name.strip(), contact.strip())
        _audit(uow, "create", "provider", provider_id, None,
               ProviderRow(provider_id, name.strip(), contact.strip(), True))
        uow.commit()
    return provider_id


def list_providers(uow: UnitOfWork) -> list[tuple[ProviderRow, list[ServiceRow]]]:
    require(uow, Permission.VIEW_BUDGET)
    with uow:
        services = uow.budget.services(None)
        return [(p, [s for s in services if s.provider_id == p.id])
                for p in uow.budget.providers()]


def add_provider_service(uow: UnitOfWork, provider_id: int, name: str, unit: str,
                         unit_price_pence: int, vat_basis_points: int = 0) -> int:
    problems = []
    if not name.strip():
        problems.append(BudgetProblem("name", "The service needs a name."))
    if not unit.strip():
        problems.append(BudgetProblem("unit", "Say what one unit is (session, week, place)."))
    if unit_price_pence < 0:
        problems.append(BudgetProblem("unit_price", "The unit price cannot be negative."))
    if not 0 <= vat_basis_points <= 10_000:
        problems.append(BudgetProblem("vat_rate", "The VAT rate must be between 0 % and 100 %."))
    if problems:
        raise InvalidBudgetEntry(problems)
    require(uow, Permission.MANAGE_BUDGET)
    with uow:
        if not any(p.id == provider_id for p in uow.budget.providers()):
            raise _problem("provider", f"There is no provider {provider_id}.")
        service_id = uow.budget.add_service(provider_id, name.strip(), unit.strip(),
                                            unit_price_pence, vat_basis_points)
        _audit(uow, "create", "provider_service", service_id, None, uow.budget.service(service_id))
        uow.commit()
    return service_id


def set_budget_line(uow: UnitOfWork, year: QofYear, name: str, amount_pence: int) -> int:
    """Adds the line, or sets its amount if the year already has a line of that name."""
    if not name.strip():
        raise _problem("name", "The budget line needs a name.")
    if amount_pence < 0:
        raise _problem("amount", "A budget line cannot be negative.")
    require(uow, Permission.MANAGE_BUDGET)
    with uow:
        existing = uow.budget.budget_line_named(year.start_year, name.strip())
        if existing is None:
            line_id = uow.budget.add_budget_line(year.start_year, name.strip(), amount_pence)
        else:
            line_id = existing.id
            if not uow.budget.set_budget_amount(line_id, amount_pence, existing.version):
                raise BudgetChanged()
        _audit(uow, "create" if existing is None else "update", "budget_line", line_id,
               existing, uow.budget.budget_line(line_id))
        uow.commit()
    return line_id


# -- commitments, invoices, payments ---------------------------------------------------------


@dataclass(frozen=True)
class CommitmentSaved:
    id: int
    gross_pence: int
    shares: dict[QofYear, int]


def authorise_commitment(uow: UnitOfWork, patient_id: int, service_id: int,
                         budget_line_id: int, units: int, start: date, end: date, today: date,
                         *, authorised_by: str = "", episode_id: int | None = None,
                         allow_overspend: bool = False) -> CommitmentSaved:
    """Raises InvalidBudgetEntry, PatientNotFound or OverspendWarning (nothing saved)."""
    require(uow, Permission.MANAGE_BUDGET)
    with uow:
        if not uow.budget.patient_exists(patient_id):
            raise PatientNotFound("That patient is no longer in this register.")
        service = uow.budget.service(service_id)
        line = uow.budget.budget_line(budget_line_id)
        problems: list[BudgetProblem] = []
        if service is None or not service.active:
            problems.append(BudgetProblem("service", "Choose an active service."))
        if line is None:
            problems.append(BudgetProblem("budget_line", "Choose a budget line."))
        if service is not None:
            problems += validate_commitment(units, service.unit_price_pence,
                                            service.vat_basis_points, start, end)
        if line is not None and not (QofYear(line.financial_year).start <= start
                                     <= QofYear(line.financial_year).end):
            problems.append(BudgetProblem(
                "start", f"The commitment starts {format_uk_date(start)}, outside the "
                f"{QofYear(line.financial_year).label} budget line it is charged to."))
        if problems:
            raise InvalidBudgetEntry(problems)
        assert service is not None and line is not None
        value = commitment_value(units, service.unit_price_pence, service.vat_basis_points)
        shares = split_by_year(value.gross, start, end)
        year = QofYear(line.financial_year)
        position = next((p for p in uow.budget.line_positions(year) if p.label == line.name),
                        None)
        remaining = position.remaining if position is not None else line.amount_pence
        if shares.get(year, 0) > remaining and not allow_overspend:
            raise OverspendWarning(line.name, year, remaining, shares.get(year, 0))
        if episode_id is None:  # outcomes are counted from the care it pays for
            episode_id = uow.care.open_episode_of(patient_id)
        row = CommitmentRow(0, 1, patient_id, episode_id, service_id, budget_line_id, units,
                            service.unit_price_pence, service.vat_basis_points, value.net,
                            value.vat, start, end, "active", None)
        commitment_id = uow.budget.add_commitment(row, authorised_by)
        _audit(uow, "create", "commitment", commitment_id, None,
               uow.budget.commitment(commitment_id))
        uow.commit()
    return CommitmentSaved(commitment_id, value.gross, shares)


def cancel_commitment(uow: UnitOfWork, commitment_id: int, on: date, today: date,
                      expected_version: int) -> None:
    """What was invoiced stays spent; the rest is released back to the line."""
    require(uow, Permission.MANAGE_BUDGET)
    with uow:
        before = uow.budget.commitment(commitment_id)
        if before is None:
            raise _problem("commitment", f"There is no commitment {commitment_id}.")
        if before.status == "cancelled":
            raise _problem("commitment", "This commitment is already cancelled.")
        if on > today or on < before.start_on:
            raise _problem("cancelled_on", "The cancellation date must be between the start "
                           f"({format_uk_date(before.start_on)}) and today.")
        if not uow.budget.cancel_commitment(commitment_id, on, expected_version):
            raise BudgetChanged()
        _audit(uow, "cancel", "commitment", commitment_id, before,
               uow.budget.commitment(commitment_id))
        uow.commit()


def record_invoice(uow: UnitOfWork, commitment_id: int, reference: str, invoice_date: date,
                   units: int, today: date, *, net_pence: int | None = None,
                   approved_on: date | None = None) -> int:
    """An invoice for ``units`` of a commitment, at the agreed price unless ``net_pence``
    says otherwise; VAT at the agreed rate. ``approved_on`` approves it at once."""
    require(uow, Permission.MANAGE_BUDGET)
    with uow:
        commitment = uow.budget.commitment(commitment_id)
        if commitment is None:
            raise _problem("commitment", f"There is no commitment {commitment_id}.")
        net = units * commitment.unit_price_pence if net_pence is None else net_pence
        vat = vat_on(net, commitment.vat_basis_points)
        invoiced = sum(i.units for i in uow.budget.invoices_of(commitment_id))
        problems = validate_invoice(units, net, vat, invoice_date, commitment.start_on,
                                    invoiced, commitment.units, today)
        if not reference.strip():
            problems.append(BudgetProblem("reference", "Give the provider's invoice "
                                          "reference."))
        if commitment.status == "cancelled" and commitment.cancelled_on is not None and (
                invoice_date > commitment.cancelled_on):
            problems.append(BudgetProblem("invoice_date", "The commitment was cancelled on "
                                          f"{format_uk_date(commitment.cancelled_on)}."))
        if problems:
            raise InvalidBudgetEntry(problems)
        invoice_id = uow.budget.add_invoice(commitment_id, reference.strip(), invoice_date,
                                            units, net, vat)
        if approved_on is not None:
            _approve(uow, invoice_id, approved_on, today, 1)
        _audit(uow, "create", "invoice", invoice_id, None, uow.budget.invoice(invoice_id))
        uow.commit()
    return invoice_id


def _approve(uow: UnitOfWork, invoice_id: int, on: date, today: date, version: int) -> None:
    invoice = uow.budget.invoice(invoice_id)
    if invoice is None:
        raise _problem("invoice", f"There is no invoice {invoice_id}.")
    if invoice.approved_on is not None:
        raise _problem("invoice", f"This invoice was approved on "
                       f"{format_uk_date(invoice.approved_on)}.")
    if on > today or on < invoice.invoice_date:
        raise _problem("approved_on", "The approval date must be between the invoice date "
                       f"({format_uk_date(invoice.invoice_date)}) and today.")
    if not uow.budget.approve_invoice(invoice_id, on, version):
        raise BudgetChanged()


def approve_invoice(uow: UnitOfWork, invoice_id: int, on: date, today: date,
                    expected_version: int) -> None:
    """Spend counts from the approval date."""
    require(uow, Permission.MANAGE_BUDGET)
    with uow:
        before = uow.budget.invoice(invoice_id)
        _approve(uow, invoice_id, on, today, expected_version)
        _audit(uow, "approve", "invoice", invoice_id, before, uow.budget.invoice(invoice_id))
        uow.commit()


def record_payment(uow: UnitOfWork, invoice_id: int, paid_on: date, amount_pence: int,
                   today: date) -> int:
    """Part payments are allowed; never more than the invoice in all."""
    require(uow, Permission.MANAGE_BUDGET)
    with uow:
        invoice = uow.budget.invoice(invoice_id)
        if invoice is None:
            raise _problem("invoice", f"There is no invoice {invoice_id}.")
        problems = validate_payment(amount_pence, paid_on, invoice.gross_pence,
                                    invoice.paid_pence, invoice.approved_on, today)
        if problems:
            raise InvalidBudgetEntry(problems)
        payment_id = uow.budget.add_payment(invoice_id, paid_on, amount_pence)
        _audit(uow, "pay", "invoice", invoice_id, invoice, uow.budget.invoice(invoice_id))
        uow.commit()
    return payment_id


# -- the position ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetPosition:
    year: QofYear
    lines: tuple[LinePosition, ...]
    providers: tuple[LinePosition, ...]

    @property
    def total(self) -> LinePosition:
        return LinePosition("Total", sum(x.budget for x in self.lines),
                            sum(x.committed for x in self.lines),
                            sum(x.spent for x in self.lines))


def budget_position(uow: UnitOfWork, year: QofYear) -> BudgetPosition:
    require(uow, Permission.VIEW_BUDGET)
    with uow:
        return BudgetPosition(year, tuple(uow.budget.line_positions(year)),
                              tuple(uow.budget.provider_positions(year)))


def commitment_by_id(uow: UnitOfWork, commitment_id: int) -> CommitmentRow:
    require(uow, Permission.MANAGE_BUDGET)
    with uow:
        row = uow.budget.commitment(commitment_id)
    if row is None:
        raise _problem("commitment", f"There is no commitment {commitment_id}.")
    return row


def invoice_by_id(uow: UnitOfWork, invoice_id: int) -> InvoiceRow:
    require(uow, Permission.MANAGE_BUDGET)
    with uow:
        row = uow.budget.invoice(invoice_id)
    if row is None:
        raise _problem("invoice", f"There is no invoice {invoice_id}.")
    return row


def budget_lines(uow: UnitOfWork, year: QofYear) -> list[BudgetLineRow]:
    """The year's lines with their ids (to choose the line a commitment is charged to;
    ``budget_position`` gives the figures by name)."""
    require(uow, Permission.VIEW_BUDGET)
    with uow:
        return list(uow.budget.budget_lines(year.start_year))


def commitment_invoices(uow: UnitOfWork, commitment_id: int) -> list[InvoiceRow]:
    """The invoices recorded against one commitment, with what has been paid on each."""
    require(uow, Permission.MANAGE_BUDGET)
    with uow:
        return list(uow.budget.invoices_of(commitment_id))


def list_commitments(uow: UnitOfWork, year: QofYear,
                     provider_id: int | None = None) -> list[tuple[CommitmentRow,
                                                                   list[InvoiceRow]]]:
    require(uow, Permission.MANAGE_BUDGET)
    with uow:
        return [(c, uow.budget.invoices_of(c.id))
                for c in uow.budget.commitments(year.start_year, provider_id)]
