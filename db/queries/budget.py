"""Pathway budget storage and its totals. Every total is one grouped statement over the
commitments and invoices of a financial year; a commitment's share of a year is computed in
SQL by the domain's rule (domain/budget.split_by_year), so the two always agree.

Lines are matched by name across years: the part of a commitment that falls in the next
financial year counts against that year's line of the same name (a line with no budget
that year shows the overspend).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, literal, select, union
from sqlalchemy.orm import Session

from db.models import (
    BudgetLine,
    Commitment,
    Invoice,
    Patient,
    Payment,
    Provider,
    ProviderService,
)
from db.queries.outcomes_report import episode_flags
from db.queries.versioned import flush_versioned
from db.sql_functions import days_between
from facilitator_app.domain.dates import QofYear
from facilitator_app.services.budget import (
    BudgetLineRow,
    CommitmentRow,
    InvoiceRow,
    LinePosition,
    ProviderRow,
    ServiceRow,
)


def year_share(year: QofYear) -> Any:
    """The gross value of each commitment that falls in ``year``: F(through) − F(before)
    with F(d) = floor(gross × d / days), as in domain/budget.split_by_year."""
    gross = Commitment.net_pence + Commitment.vat_pence
    total = days_between(Commitment.start_on, Commitment.end_on) + 1
    before = case((Commitment.start_on < year.start,
                   days_between(Commitment.start_on, literal(year.start))), else_=0)
    last = case((Commitment.end_on < year.end, Commitment.end_on), else_=literal(year.end))
    through = days_between(Commitment.start_on, last) + 1
    share = gross * through // total - gross * before // total
    return case((_overlaps(year), share), else_=0)


def _overlaps(year: QofYear) -> Any:
    return and_(Commitment.start_on <= year.end, Commitment.end_on >= year.start)


def _approved_in(year: QofYear) -> Any:
    return Invoice.approved_on.between(year.start, year.end)


class SqlBudgetQueries:
    def __init__(self, session: Session) -> None:
        self._session = session

    def _save(self) -> bool:
        return flush_versioned(self._session)

    def patient_exists(self, patient_id: int) -> bool:
        return self._session.get(Patient, patient_id) is not None

    # -- providers and services ---------------------------------------------------------

    def add_provider(self, name: str, contact: str) -> int:
        p = Provider(name=name, contact=contact)
        self._session.add(p)
        self._session.flush()
        return p.id

    def provider_by_name(self, name: str) -> ProviderRow | None:
        p = self._session.scalars(select(Provider).where(
            func.lower(Provider.name) == name.lower())).one_or_none()
        return None if p is None else ProviderRow(p.id, p.name, p.contact, p.active)

    def providers(self) -> list[ProviderRow]:
        return [ProviderRow(p.id, p.name, p.contact, p.active)
                for p in self._session.scalars(select(Provider).order_by(Provider.name))]

    def add_service(self, provider_id: int, name: str, unit: str, unit_price_pence: int,
                    vat_basis_points: int) -> int:
        s = ProviderService(provider_id=provider_id, name=name, unit=unit,
                            unit_price_pence=unit_price_pence, vat_basis_points=vat_basis_points)
        self._session.add(s)
        self._session.flush()
        return s.id

    def _services(self, *where: Any) -> list[ServiceRow]:
        rows = self._session.execute(
            select(ProviderService.id, ProviderService.provider_id, Provider.name,
                   ProviderService.name, ProviderService.unit, ProviderService.unit_price_pence,
                   ProviderService.vat_basis_points, ProviderService.active)
            .join(Provider, Provider.id == ProviderService.provider_id)
            .where(*where).order_by(Provider.name, ProviderService.name))
        return [ServiceRow(i, pid, provider, name, unit, price, vat, active)
                for i, pid, provider, name, unit, price, vat, active in rows]

    def service(self, service_id: int) -> ServiceRow | None:
        found = self._services(ProviderService.id == service_id)
        return found[0] if found else None

    def services(self, provider_id: int | None) -> list[ServiceRow]:
        return self._services(*([] if provider_id is None
                                else [ProviderService.provider_id == provider_id]))

    # -- budget lines -----------------------------------------------------------------

    @staticmethod
    def _line(b: BudgetLine) -> BudgetLineRow:
        return BudgetLineRow(b.id, b.version, b.financial_year, b.name, b.amount_pence)

    def budget_line(self, line_id: int) -> BudgetLineRow | None:
        b = self._session.get(BudgetLine, line_id)
        return None if b is None else self._line(b)

    def budget_line_named(self, year: int, name: str) -> BudgetLineRow | None:
        b = self._session.scalars(select(BudgetLine).where(
            BudgetLine.financial_year == year, BudgetLine.name == name)).one_or_none()
        return None if b is None else self._line(b)

    def budget_lines(self, year: int) -> list[BudgetLineRow]:
        return [self._line(b) for b in self._session.scalars(
            select(BudgetLine).where(BudgetLine.financial_year == year)
            .order_by(BudgetLine.name))]

    def add_budget_line(self, year: int, name: str, amount_pence: int) -> int:
        b = BudgetLine(financial_year=year, name=name, amount_pence=amount_pence)
        self._session.add(b)
        self._session.flush()
        return b.id

    def set_budget_amount(self, line_id: int, amount_pence: int, expected_version: int) -> bool:
        b = self._session.get(BudgetLine, line_id)
        if b is None or b.version != expected_version:
            return False
        b.amount_pence = amount_pence
        return flush_versioned(self._session)

    # -- commitments and invoices -------------------------------------------------------

    @staticmethod
    def _commitment(c: Commitment) -> CommitmentRow:
        return CommitmentRow(c.id, c.version, c.patient_id, c.episode_id, c.service_id,
                             c.budget_line_id, c.units, c.unit_price_pence, c.vat_basis_points,
                             c.net_pence, c.vat_pence, c.start_on, c.end_on, c.status,
                             c.cancelled_on)

    def add_commitment(self, row: CommitmentRow, authorised_by: str) -> int:
        c = Commitment(patient_id=row.patient_id, episode_id=row.episode_id,
                       service_id=row.service_id, budget_line_id=row.budget_line_id,
                       units=row.units, unit_price_pence=row.unit_price_pence,
                       vat_basis_points=row.vat_basis_points, net_pence=row.net_pence,
                       vat_pence=row.vat_pence, start_on=row.start_on, end_on=row.end_on,
                       status=row.status, authorised_by=authorised_by)
        self._session.add(c)
        self._session.flush()
        return c.id

    def commitment(self, commitment_id: int) -> CommitmentRow | None:
        c = self._session.get(Commitment, commitment_id)
        return None if c is None else self._commitment(c)

    def commitments(self, year: int, provider_id: int | None) -> list[CommitmentRow]:
        stmt = (select(Commitment).where(_overlaps(QofYear(year)))
                .order_by(Commitment.start_on, Commitment.id))
        if provider_id is not None:
            stmt = stmt.join(ProviderService, ProviderService.id == Commitment.service_id) \
                .where(ProviderService.provider_id == provider_id)
        return [self._commitment(c) for c in self._session.scalars(stmt)]

    def cancel_commitment(self, commitment_id: int, on: date, expected_version: int) -> bool:
        c = self._session.get(Commitment, commitment_id)
        if c is None or c.version != expected_version:
            return False
        c.status, c.cancelled_on = "cancelled", on
        return flush_versioned(self._session)

    def add_invoice(self, commitment_id: int, reference: str, invoice_date: date, units: int,
                    net_pence: int, vat_pence: int) -> int:
        i = Invoice(commitment_id=commitment_id, reference=reference, invoice_date=invoice_date,
                    units=units, net_pence=net_pence, vat_pence=vat_pence)
        self._session.add(i)
        self._session.flush()
        return i.id

    def _invoices(self, *where: Any) -> list[InvoiceRow]:
        paid = (select(Payment.invoice_id, func.sum(Payment.amount_pence).label("paid"))
                .group_by(Payment.invoice_id).subquery())
        rows = self._session.execute(
            select(Invoice.id, Invoice.version, Invoice.commitment_id, Invoice.reference,
                   Invoice.invoice_date, Invoice.units, Invoice.net_pence, Invoice.vat_pence,
                   Invoice.approved_on, func.coalesce(paid.c.paid, 0))
            .outerjoin(paid, paid.c.invoice_id == Invoice.id)
            .where(*where).order_by(Invoice.invoice_date, Invoice.id))
        # SUM of a bigint is numeric on PostgreSQL: money stays int pence here
        return [InvoiceRow(i, v, c, ref, on, units, net, vat, approved, int(paid))
                for i, v, c, ref, on, units, net, vat, approved, paid in rows]

    def invoice(self, invoice_id: int) -> InvoiceRow | None:
        found = self._invoices(Invoice.id == invoice_id)
        return found[0] if found else None

    def invoices_of(self, commitment_id: int) -> list[InvoiceRow]:
        return self._invoices(Invoice.commitment_id == commitment_id)

    def approve_invoice(self, invoice_id: int, on: date, expected_version: int) -> bool:
        i = self._session.get(Invoice, invoice_id)
        if i is None or i.version != expected_version:
            return False
        i.approved_on = on
        return flush_versioned(self._session)

    def add_payment(self, invoice_id: int, paid_on: date, amount_pence: int) -> int:
        p = Payment(invoice_id=invoice_id, paid_on=paid_on, amount_pence=amount_pence)
        self._session.add(p)
        self._session.flush()
        return p.id

    # -- totals ---------------------------------------------------------------------------

    def _per_commitment(self, year: QofYear) -> Any:
        """Each commitment touching ``year``: its share, its spend (approved in the year) and
        what is still committed (share − invoiced in the year, not below 0; nothing for a
        cancelled commitment)."""
        invoiced = (select(Invoice.commitment_id,
                           func.sum(Invoice.net_pence + Invoice.vat_pence).label("amount"))
                    .where(_approved_in(year)).group_by(Invoice.commitment_id).subquery())
        spent = func.coalesce(invoiced.c.amount, 0)
        share = year_share(year)
        outstanding = case((Commitment.status == "cancelled", 0),
                           (share > spent, share - spent), else_=0)
        return (select(Commitment.id, BudgetLine.name.label("line"),
                       ProviderService.provider_id, spent.label("spent"),
                       outstanding.label("committed"))
                .join(BudgetLine, BudgetLine.id == Commitment.budget_line_id)
                .join(ProviderService, ProviderService.id == Commitment.service_id)
                .outerjoin(invoiced, invoiced.c.commitment_id == Commitment.id)
                .where(_overlaps(year) | Commitment.id.in_(select(invoiced.c.commitment_id)))
                .subquery("per_commitment"))

    def line_positions(self, year: QofYear) -> list[LinePosition]:
        per = self._per_commitment(year)
        used = (select(per.c.line, func.sum(per.c.committed).label("committed"),
                       func.sum(per.c.spent).label("spent"))
                .group_by(per.c.line).subquery())
        budget = (select(BudgetLine.name.label("line"),
                         func.sum(BudgetLine.amount_pence).label("budget"))
                  .where(BudgetLine.financial_year == year.start_year)
                  .group_by(BudgetLine.name).subquery())
        names = union(select(used.c.line), select(budget.c.line)).subquery()
        rows = self._session.execute(
            select(names.c.line, func.coalesce(budget.c.budget, 0),
                   func.coalesce(used.c.committed, 0), func.coalesce(used.c.spent, 0))
            .outerjoin(budget, budget.c.line == names.c.line)
            .outerjoin(used, used.c.line == names.c.line)
            .order_by(names.c.line))
        return [LinePosition(name, int(b), int(c), int(s)) for name, b, c, s in rows]

    def provider_positions(self, year: QofYear) -> list[LinePosition]:
        """Per provider: no budget of its own (budgets are per line), committed and spent."""
        per = self._per_commitment(year)
        rows = self._session.execute(
            select(Provider.name, func.sum(per.c.committed), func.sum(per.c.spent))
            .join(per, per.c.provider_id == Provider.id)
            .group_by(Provider.name).order_by(Provider.name))
        return [LinePosition(name, 0, int(c), int(s)) for name, c, s in rows]

    def monthly_spend(self, year: QofYear, provider: str | None) -> dict[tuple[int, int], int]:
        """Spend approved in each month of the year: {(year, month): pence}."""
        y, m = (func.extract("year", Invoice.approved_on), func.extract("month",
                                                                        Invoice.approved_on))
        stmt = (select(y, m, func.sum(Invoice.net_pence + Invoice.vat_pence))
                .where(_approved_in(year)).group_by(y, m))
        if provider is not None:
            stmt = (stmt.join(Commitment, Commitment.id == Invoice.commitment_id)
                    .join(ProviderService, ProviderService.id == Commitment.service_id)
                    .join(Provider, Provider.id == ProviderService.provider_id)
                    .where(Provider.name == provider))
        return {(int(a), int(b)): int(total) for a, b, total in self._session.execute(stmt)}

    def provider_outcomes(self, year: QofYear,
                          provider: str | None) -> list[tuple[str, tuple[int, ...]]]:
        """Per provider, the patients with a commitment starting in the year: referred,
        started (an attended session), completed (episode ended with >= 2 attended),
        recovered and reliably improved (among the completed), and the provider's spend."""
        flags = episode_flags()
        spend = (select(ProviderService.provider_id,
                        func.sum(Invoice.net_pence + Invoice.vat_pence).label("spend"))
                 .join(Commitment, Commitment.service_id == ProviderService.id)
                 .join(Invoice, Invoice.commitment_id == Commitment.id)
                 .where(_approved_in(year)).group_by(ProviderService.provider_id)
                 .subquery("spend"))

        def patients(condition: Any = None) -> Any:
            who = Commitment.patient_id if condition is None else case(
                (condition, Commitment.patient_id))
            return func.count(func.distinct(who))

        completed = and_(flags.c.ended == 1, flags.c.finished == 1)
        stmt = (
            select(Provider.name, patients(), patients(flags.c.started == 1),
                   patients(completed), patients(and_(completed, flags.c.recovered == 1)),
                   patients(and_(completed, flags.c.improved == 1)),
                   func.max(func.coalesce(spend.c.spend, 0)))
            .join(ProviderService, ProviderService.provider_id == Provider.id)
            .join(Commitment, Commitment.service_id == ProviderService.id)
            .outerjoin(flags, flags.c.episode_id == Commitment.episode_id)
            .outerjoin(spend, spend.c.provider_id == Provider.id)
            .where(Commitment.start_on.between(year.start, year.end))
            .group_by(Provider.name).order_by(Provider.name))
        if provider is not None:
            stmt = stmt.where(Provider.name == provider)
        return [(name, tuple(int(v or 0) for v in values))
                for name, *values in self._session.execute(stmt)]

