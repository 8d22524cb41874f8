"""The small dialogs that change the pathway budget (domain.md §7.2): a budget line, a provider,
a provider's service, buying a service for a patient (a commitment), cancelling it, an invoice
against it, approving the invoice and paying it (in part or in full).

Each dialog reads what it is about once, when it opens, and checks nothing itself beyond
reading the amounts typed: the services do (``services/budget.py``), and every problem they
report is shown beside the field it names, in that field's accessible description, and listed
under the form. Saving is one quick transaction, so it runs on the GUI thread. Cancelling a
commitment and approving an invoice carry the version read when the dialog opened: if someone
else changed the record since, nothing is saved and the dialog says so.

Buying a service shows its value and how it splits over financial years before anything is
saved. If it would overspend its line the service refuses (nothing saved); the dialog shows the
warning and asks "Authorise anyway?" (``confirm_overspend``, which tests replace), and only a
yes authorises it again with ``allow_overspend``.

Test hooks: ``set_values(...)`` fills the form, ``save() -> bool`` saves (the Save button calls
it and closes the dialog on success), ``errors[field]`` is the message shown beside a field.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from facilitator_app.domain.budget import (
    commitment_value,
    days_inclusive,
    parse_pounds,
    split_by_year,
    vat_on,
)
from facilitator_app.domain.dates import QofYear, format_uk_date
from facilitator_app.domain.money import format_pounds
from facilitator_app.domain.nhs_number import InvalidNhsNumber, format_nhs_number
from facilitator_app.services.budget import (
    BudgetChanged,
    CommitmentRow,
    CommitmentSaved,
    InvalidBudgetEntry,
    InvoiceRow,
    OverspendWarning,
    ProviderRow,
    ServiceRow,
    add_provider,
    add_provider_service,
    approve_invoice,
    authorise_commitment,
    budget_lines,
    budget_position,
    cancel_commitment,
    commitment_by_id,
    commitment_invoices,
    invoice_by_id,
    list_providers,
    record_invoice,
    record_payment,
    set_budget_line,
)
from facilitator_app.services.patients import PatientNotFound, find_patient_id, patient_record
from ui.context import UiContext
from ui.widgets.fields import Problem, bold, choose, date_edit, qdate, to_date, wrapped
from ui.widgets.form_dialog import FormDialog

__all__ = [
    "UNITS",
    "ApproveInvoiceDialog",
    "BudgetDialog",
    "BudgetLineDialog",
    "CancelCommitmentDialog",
    "CommitmentDialog",
    "InvoiceDialog",
    "PaymentDialog",
    "ProviderDialog",
    "ServiceDialog",
    "Refused",
    "commitment_summary",
    "invoice_summary",
    "service_label",
    "units_text",
    "vat_text",
    "year_choices",
]

UNITS = ("session", "week", "course", "place", "hour", "assessment")
"""Suggestions for what one unit of a service is: the box takes any text."""

OVERSPEND_QUESTION = "Authorise anyway?"
NOT_AUTHORISED = ("Not authorised: nothing was saved. Ask the budget holder, or make the "
                  "commitment smaller.")


# -- small pieces -------------------------------------------------------------------------------


def year_choices(today: date) -> list[QofYear]:
    """The financial years offered, newest first: next year, this year and three before."""
    current = QofYear.containing(today).start_year
    return [QofYear(y) for y in range(current + 1, current - 4, -1)]


def vat_text(basis_points: int) -> str:
    return "no VAT" if basis_points == 0 else f"+ VAT {basis_points / 100:g}%"


def service_label(s: ServiceRow) -> str:
    return (f"{s.provider_name}: {s.name} — {format_pounds(s.unit_price_pence)} per {s.unit}"
            f" ({vat_text(s.vat_basis_points)})")


def units_text(units: int, unit: str) -> str:
    """"1 session", "10 × session" (no guessing at plurals of any word typed)."""
    return f"1 {unit}" if units == 1 else f"{units:,} × {unit}"


def commitment_summary(c: CommitmentRow, service: ServiceRow | None) -> str:
    what = f"{service.provider_name}: {service.name}" if service else f"service {c.service_id}"
    unit = service.unit if service else "unit"
    return (f"Commitment {c.id}: {what}, {units_text(c.units, unit)} at "
            f"{format_pounds(c.unit_price_pence)} ({vat_text(c.vat_basis_points)}), "
            f"{format_pounds(c.gross_pence)} in all, {format_uk_date(c.start_on)} to "
            f"{format_uk_date(c.end_on)}.")


def _money_edit(name: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setAccessibleName(f"{name} in pounds")
    edit.setPlaceholderText("e.g. 1,234.56")
    edit.setMaximumWidth(edit.fontMetrics().horizontalAdvance("£9,999,999,999.99") + 24)
    return edit


def _pounds(text: str, field: str, problems: list[Problem]) -> int | None:
    """The pence typed, or None with the problem added (nothing is sent to the service)."""
    try:
        return parse_pounds(text)
    except ValueError as exc:
        problems.append((field, str(exc) if text.strip() else "Type an amount in pounds."))
        return None


_UNLIMITED = 16_777_215  # QWIDGETSIZE_MAX: no maximum width set


class Refused(Exception):
    """A refusal a dialog explains itself, beside ``field`` or (None) under the form."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# -- the shared dialog --------------------------------------------------------------------------


class BudgetDialog(FormDialog):
    """A form of labelled fields, each with its problem message underneath, everything wrong
    listed under the form, and Save / Cancel. ``saved`` carries the saved record's id."""

    saved = Signal(object)

    def __init__(self, ctx: UiContext, title: str, parent: QWidget | None = None) -> None:
        super().__init__(ctx, title, parent, about_name="About this change",
                         mnemonics={"s"},  # Save; Cancel is the standard button
                         width_em=96)
        self.saved_id: int | None = None
        self.about.setVisible(False)

    def _field_row(self, widget: QWidget, beside: QWidget | None) -> QHBoxLayout:
        """A label beside takes the room left; a date, a number or an amount keeps its own
        width."""
        row = QHBoxLayout()
        row.addWidget(widget)
        grows = (widget.sizePolicy().horizontalPolicy() == QSizePolicy.Policy.Expanding
                 and widget.maximumWidth() >= _UNLIMITED)
        if isinstance(beside, QLabel):
            row.addWidget(beside, 1)
        elif beside is not None:
            row.addWidget(beside)
        if not grows and not isinstance(beside, QLabel):
            row.addStretch(1)  # a date, a number or an amount keeps its own width
        return row

    def _explain(self, exc: Exception) -> bool:
        if isinstance(exc, InvalidBudgetEntry):
            self.show_problems([(p.field, p.message) for p in exc.problems])
        elif isinstance(exc, BudgetChanged):
            self.refuse(str(exc))  # the version is stale: saving again cannot work
        elif isinstance(exc, Refused):
            if exc.field is None:
                self.show_problems([], str(exc))
            else:
                self.show_problems([(exc.field, str(exc))])
        else:
            return False
        return True

    def _saved(self, result: object) -> None:
        self.saved_id = result if isinstance(result, int) else None
        self.saved.emit(result)


# -- budget lines, providers, services ----------------------------------------------------------


class BudgetLineDialog(BudgetDialog):
    """Adds a line to a financial year, or sets the amount of the line of that name."""

    def __init__(self, ctx: UiContext, year: QofYear, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Set budget line", parent)
        self.set_about("A budget line is money allocated to the pathway for one financial "
                       "year (1 April to 31 March). Choose an existing line to change its "
                       "amount, or type a new name to add one.")
        self.year = QComboBox()
        self.year.setAccessibleName("Financial year")
        for y in year_choices(ctx.today()):
            self.year.addItem(f"{y.label} ({format_uk_date(y.start)} to "
                              f"{format_uk_date(y.end)})", y.start_year)
        if self.year.findData(year.start_year) < 0:
            self.year.addItem(year.label, year.start_year)
        self.name = QComboBox()
        self.name.setEditable(True)
        self.name.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.name.setAccessibleName("Budget line name")
        line_edit = self.name.lineEdit()
        if line_edit is not None:
            line_edit.setPlaceholderText("choose a line, or type a new name")
        self.current = wrapped()
        self.current.setAccessibleName("The line's amount now")
        self.amount = _money_edit("Amount")
        self.add_field("Financial &year:", "year", self.year)
        self.add_field("Line &name:", "name", self.name, beside=self.current,
                       description="e.g. Talking therapies, Peer support")
        self.add_field("&Amount (£):", "amount", self.amount,
                       description="The whole year's allocation for the line, in pounds")
        self._amounts: dict[str, int] = {}
        self.year.currentIndexChanged.connect(self._read_lines)
        self.name.currentTextChanged.connect(self._name_changed)
        choose(self.year, year.start_year)
        self._read_lines()

    def chosen_year(self) -> QofYear:
        return QofYear(int(self.year.currentData()))

    def _read_lines(self) -> None:
        typed = self.name.currentText()
        lines = budget_lines(self._ctx.new_uow(), self.chosen_year())
        self._amounts = {line.name: line.amount_pence for line in lines}
        self.name.blockSignals(True)
        self.name.clear()
        self.name.addItems(list(self._amounts))
        self.name.setEditText(typed)
        self.name.blockSignals(False)
        self._name_changed(typed)

    def _name_changed(self, text: str) -> None:
        amount = self._amounts.get(text.strip())
        self.current.setText("A new line." if amount is None or not text.strip() else
                             f"Now {format_pounds(amount)}: saving replaces it.")
        if not text.strip():
            self.current.setText("")

    def set_values(self, name: str, amount: str, year: QofYear | None = None) -> None:
        if year is not None:
            choose(self.year, year.start_year)
        self.name.setEditText(name)
        self.amount.setText(amount)

    def save(self) -> bool:
        problems: list[Problem] = []
        amount = _pounds(self.amount.text(), "amount", problems)
        if problems or amount is None:
            self.show_problems(problems)
            return False
        year, name = self.chosen_year(), self.name.currentText()
        return self._attempt(lambda: set_budget_line(self._ctx.new_uow(), year, name, amount))


class ProviderDialog(BudgetDialog):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Add provider", parent)
        self.set_about("A provider is an organisation the pathway buys services from. Add "
                       "its services (with their unit prices) next.")
        self.name = QLineEdit()
        self.name.setAccessibleName("Provider name")
        self.contact = QLineEdit()
        self.contact.setAccessibleName("Contact")
        self.contact.setPlaceholderText("telephone or email for invoices (optional)")
        for edit in (self.name, self.contact):
            edit.setMinimumWidth(edit.fontMetrics().horizontalAdvance("x") * 40)
        self.add_field("&Name:", "name", self.name)
        self.add_field("C&ontact:", "contact", self.contact)

    def set_values(self, name: str, contact: str = "") -> None:
        self.name.setText(name)
        self.contact.setText(contact)

    def save(self) -> bool:
        name, contact = self.name.text(), self.contact.text()
        return self._attempt(lambda: add_provider(self._ctx.new_uow(), name, contact))


class ServiceDialog(BudgetDialog):
    """A service a provider sells, at a price per unit (session, week…), with its VAT rate."""

    def __init__(self, ctx: UiContext, provider_id: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Add service", parent)
        self._providers: list[tuple[ProviderRow, list[ServiceRow]]] = list_providers(
            ctx.new_uow())
        self.provider = QComboBox()
        self.provider.setAccessibleName("Provider")
        for p, _ in self._providers:
            self.provider.addItem(p.name, p.id)
        self.offers = wrapped()
        self.offers.setAccessibleName("The provider's services already")
        self.name = QLineEdit()
        self.name.setAccessibleName("Service name")
        self.name.setMinimumWidth(self.name.fontMetrics().horizontalAdvance("x") * 40)
        self.unit = QComboBox()
        self.unit.setEditable(True)
        self.unit.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.unit.addItems(UNITS)
        self.unit.setAccessibleName("Unit")
        self.price = _money_edit("Price per unit")
        self.vat = QDoubleSpinBox()
        self.vat.setRange(0, 100)
        self.vat.setDecimals(2)
        self.vat.setSuffix(" %")
        self.vat.setAccessibleName("VAT rate")
        self.vat_note = wrapped("The rate the provider charges: 0 % if none, 20 % is the "
                                 "standard rate.")
        self.add_field("&Provider:", "provider", self.provider, beside=self.offers)
        self.add_field("Service &name:", "name", self.name,
                       description="e.g. CBT session, Peer support week")
        self.add_field("&Unit:", "unit", self.unit,
                       description="What one unit is: session, week, course, place")
        self.add_field("P&rice per unit (£):", "unit_price", self.price,
                       description="Before VAT, in pounds")
        self.add_field("&VAT rate:", "vat_rate", self.vat, beside=self.vat_note)
        self.provider.currentIndexChanged.connect(self._provider_changed)
        if provider_id is not None and self.provider.findData(provider_id) >= 0:
            choose(self.provider, provider_id)
        self._provider_changed()
        if not self._providers:
            self.refuse("There are no providers yet: add a provider first.")

    def _provider_changed(self) -> None:
        chosen = self.provider.currentData()
        services = next((s for p, s in self._providers if p.id == chosen), [])
        self.offers.setText("No services yet." if not services else "Offers already: " + "; ".join(
            f"{s.name} ({format_pounds(s.unit_price_pence)} per {s.unit})" for s in services))

    def set_values(self, provider_id: int, name: str, unit: str, price: str,
                   vat_percent: float = 0) -> None:
        choose(self.provider, provider_id)
        self.name.setText(name)
        self.unit.setEditText(unit)
        self.price.setText(price)
        self.vat.setValue(vat_percent)

    def save(self) -> bool:
        problems: list[Problem] = []
        price = _pounds(self.price.text(), "unit_price", problems)
        if self.provider.currentData() is None:
            problems.append(("provider", "Choose the provider."))
        if problems or price is None:
            self.show_problems(problems)
            return False
        provider_id = int(self.provider.currentData())
        name, unit = self.name.text(), self.unit.currentText()
        vat = int((Decimal(str(self.vat.value())) * 100).to_integral_value())
        return self._attempt(lambda: add_provider_service(
            self._ctx.new_uow(), provider_id, name, unit, price, vat))


# -- buying a service for a patient -------------------------------------------------------------


class CommitmentDialog(BudgetDialog):
    """Buy a service for a patient: its value and how it splits over financial years are shown
    before saving; an overspend is authorised only after the warning is confirmed."""

    def __init__(self, ctx: UiContext, year: QofYear, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Buy a service for a patient", parent)
        self.saved_commitment: CommitmentSaved | None = None
        self.patient_id: int | None = None
        self._lines: dict[QofYear, list[tuple[int, str, int]]] = {}  # id, name, remaining
        self._services = [s for _, services in list_providers(ctx.new_uow())
                          for s in services if s.active]
        today = ctx.today()
        start = today if year.start <= today <= year.end else year.start

        self.nhs_number = QLineEdit()
        self.nhs_number.setAccessibleName("NHS number")
        self.nhs_number.setPlaceholderText("999 000 0018")
        self.nhs_number.setMaximumWidth(
            self.nhs_number.fontMetrics().horizontalAdvance("999 999 9999 ") * 2)
        self.patient = wrapped()
        self.patient.setAccessibleName("Patient")
        self.service = QComboBox()
        self.service.setAccessibleName("Service")
        for s in self._services:
            self.service.addItem(service_label(s), s.id)
        self.service.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.service.setMinimumContentsLength(60)
        self.line = QComboBox()
        self.line.setAccessibleName("Budget line")
        self.line.setMinimumContentsLength(30)
        self.line_note = wrapped()
        self.line_note.setAccessibleName("The line's money")
        self.units = QSpinBox()
        self.units.setRange(1, 10_000)
        self.units.setValue(1)
        self.units.setAccessibleName("Units")
        self.unit_note = wrapped()
        self.start = date_edit(start, "Start")
        self.end = date_edit(start + timedelta(days=89), "End")
        self.days = wrapped()
        self.days.setAccessibleName("Length")
        self.value = bold(wrapped())
        self.value.setAccessibleName("Value of the commitment")
        self.split = wrapped()
        self.split.setAccessibleName("Split by financial year")
        self.after = wrapped()
        self.after.setAccessibleName("The line after this commitment")

        self.add_field("&NHS number:", "nhs_number", self.nhs_number, beside=self.patient,
                       description="The patient the service is bought for")
        self.add_field("Se&rvice:", "service", self.service,
                       aliases=("unit_price", "vat_rate"))
        self.add_field("Budget &line:", "budget_line", self.line, beside=self.line_note,
                       description="The line of the start date's financial year it is "
                       "charged to")
        self.add_field("&Units:", "units", self.units, beside=self.unit_note)
        self.add_field("S&tart:", "start", self.start)
        self.add_field("&End:", "end", self.end, beside=self.days)
        preview = QWidget()
        preview_layout = QVBoxLayout(preview)
        preview_layout.setContentsMargins(0, 0, 0, 0)
        for label in (self.value, self.split, self.after):
            preview_layout.addWidget(label)
        value_label = QLabel("Value:")
        value_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.fields.addRow(value_label, preview)
        self.save_button.setText("&Save (authorise)")
        self.save_button.setAccessibleName("Save: authorise the commitment")

        self.nhs_number.editingFinished.connect(self._find_patient)
        self.nhs_number.textEdited.connect(self._patient_typed)
        self.start.dateChanged.connect(self._start_changed)
        for signal in (self.service.currentIndexChanged, self.line.currentIndexChanged,
                       self.units.valueChanged, self.end.dateChanged):
            signal.connect(self.refresh_preview)
        self._start_changed()
        if not self._services:
            self.refuse("There are no services to buy yet: add a provider and its services "
                        "first.")

    # -- reading ----------------------------------------------------------------------------

    def chosen_service(self) -> ServiceRow | None:
        chosen = self.service.currentData()
        return next((s for s in self._services if s.id == chosen), None)

    def _lines_of(self, year: QofYear) -> list[tuple[int, str, int]]:
        if year not in self._lines:
            rows = budget_lines(self._ctx.new_uow(), year)
            remaining = {p.label: p.remaining
                         for p in budget_position(self._ctx.new_uow(), year).lines}
            self._lines[year] = [(r.id, r.name, remaining.get(r.name, r.amount_pence))
                                 for r in rows]
        return self._lines[year]

    def _start_changed(self) -> None:
        """The lines offered are the start date's financial year's; the same-named line stays
        chosen when the start moves into another year."""
        year = QofYear.containing(to_date(self.start))
        chosen = self.line.currentData()
        chosen_name = next((n for lines in self._lines.values() for i, n, _ in lines
                            if i == chosen), None)
        self.line.blockSignals(True)
        self.line.clear()
        for line_id, name, _ in self._lines_of(year):
            self.line.addItem(f"{name} ({year.label})", line_id)
        match = next((k for k, (_, n, _) in enumerate(self._lines_of(year))
                      if n == chosen_name), 0)
        self.line.setCurrentIndex(match if self.line.count() else -1)
        self.line.blockSignals(False)
        self.refresh_preview()

    def _patient_typed(self) -> None:
        self.patient_id = None
        self.patient.setText("")
        self.show_field_problem("nhs_number", "")

    def _find_patient(self) -> None:
        text = self.nhs_number.text()
        if not text.strip():
            self._patient_typed()
            return
        try:
            self.patient_id = find_patient_id(self._ctx.new_uow(), text)
            record = patient_record(self._ctx.new_uow(), self.patient_id, self.today)
        except (InvalidNhsNumber, PatientNotFound) as exc:
            self.patient_id = None
            self.show_field_problem("nhs_number", str(exc))
            return
        self.show_field_problem("nhs_number", "")
        self.nhs_number.setText(format_nhs_number(record.nhs_number))
        self.patient.setText(f"{record.family_name.upper()}, {record.given_name}, born "
                             f"{format_uk_date(record.date_of_birth)} "
                             f"({record.practice_name})")

    # -- the preview ------------------------------------------------------------------------

    def refresh_preview(self) -> None:
        """The value, the split over financial years and what the line has left after it."""
        start, end = to_date(self.start), to_date(self.end)
        service = self.chosen_service()
        units = self.units.value()
        self.unit_note.setText(f"a unit is one {service.unit}, "
                               f"{format_pounds(service.unit_price_pence)} before VAT"
                               if service else "")
        self.days.setText(f"{days_inclusive(start, end):,} days, both dates included"
                          if end >= start else "The end is before the start.")
        year = QofYear.containing(start)
        line = self.line.currentData()
        if line is None:
            self.line_note.setText(f"{year.label} has no budget lines yet: set one first.")
        else:
            remaining = next(r for i, _, r in self._lines_of(year) if i == line)
            self.line_note.setText(self._remaining_words(remaining, "has", "is overspent by"))
        if service is None or end < start:
            self.value.setText("Choose a service and dates to see the value.")
            self.split.setText("")
            self.after.setText("")
            return
        value = commitment_value(units, service.unit_price_pence, service.vat_basis_points)
        vat = (f" + VAT {format_pounds(value.vat)} at {service.vat_basis_points / 100:g}%"
               if service.vat_basis_points else " (no VAT)")
        self.value.setText(f"{units_text(units, service.unit)} at "
                           f"{format_pounds(service.unit_price_pence)} = "
                           f"{format_pounds(value.net)}{vat} = {format_pounds(value.gross)}")
        shares = split_by_year(value.gross, start, end)
        parts = []
        for y, share in shares.items():
            days = days_inclusive(max(start, y.start), min(end, y.end))
            parts.append(f"{y.label}: {format_pounds(share)} ({days:,} days)")
        if len(shares) == 1:
            self.split.setText(f"All in financial year {parts[0]}.")
        else:
            self.split.setText(f"Spans {len(shares)} financial years, shared by days: "
                               + "; ".join(parts) + ". Each later year's share counts against "
                               "that year's line of the same name.")
        if line is None:
            self.after.setText("")
            return
        name, remaining = next((n, r) for i, n, r in self._lines_of(year) if i == line)
        left = remaining - shares.get(year, 0)
        self.after.setText(f"After this, '{name}' {year.label} "
                           + self._remaining_words(left, "would have", "would be overspent by")
                           + (" You will be asked to confirm the overspend." if left < 0
                              else ""))

    @staticmethod
    def _remaining_words(pence: int, has: str, over: str) -> str:
        return (f"{has} {format_pounds(pence)} remaining." if pence >= 0
                else f"{over} {format_pounds(-pence)}.")

    @property
    def preview_text(self) -> str:
        return "\n".join(t for t in (self.value.text(), self.split.text(), self.after.text())
                         if t)

    # -- saving -----------------------------------------------------------------------------

    def set_values(self, nhs_number: str, service_id: int, line_id: int, units: int,
                   start: date, end: date) -> None:
        self.nhs_number.setText(nhs_number)
        self._find_patient()
        choose(self.service, service_id)
        self.units.setValue(units)
        self.start.setDate(qdate(start))
        self.end.setDate(qdate(end))
        choose(self.line, line_id)

    def confirm_overspend(self, warning: str) -> bool:
        """Asked when the service warns of an overspend (tests replace it)."""
        box = QMessageBox(QMessageBox.Icon.Warning, "This would overspend the line",
                          f"{warning}\n\n{OVERSPEND_QUESTION}", parent=self)
        yes = box.addButton("&Authorise anyway", QMessageBox.ButtonRole.YesRole)
        no = box.addButton("&Don't authorise", QMessageBox.ButtonRole.NoRole)
        box.setDefaultButton(no)
        box.setEscapeButton(no)
        box.exec()
        return box.clickedButton() is yes

    def save(self) -> bool:
        problems: list[Problem] = []
        patient_id: int | None = None
        try:
            patient_id = find_patient_id(self._ctx.new_uow(), self.nhs_number.text())
        except (InvalidNhsNumber, PatientNotFound) as exc:
            problems.append(("nhs_number", str(exc)))
        service, line = self.service.currentData(), self.line.currentData()
        if service is None:
            problems.append(("service", "Choose the service to buy."))
        if line is None:
            problems.append(("budget_line", "Choose the budget line to charge it to (set a "
                             "line for the start date's financial year first)."))
        if problems or patient_id is None:
            self.show_problems(problems)
            return False
        start, end, units = to_date(self.start), to_date(self.end), self.units.value()

        def authorise(allow: bool) -> CommitmentSaved:
            assert patient_id is not None
            return authorise_commitment(self._ctx.new_uow(), patient_id, int(service),
                                        int(line), units, start, end, self.today,
                                        allow_overspend=allow)

        def attempt() -> int:
            try:
                try:
                    saved = authorise(False)
                except OverspendWarning as warning:
                    if not self.confirm_overspend(str(warning)):
                        raise Refused(f"{NOT_AUTHORISED}\n{warning}") from None
                    saved = authorise(True)
            except PatientNotFound as exc:  # removed from the register since it was typed
                raise Refused(str(exc), "nhs_number") from None
            self.saved_commitment = saved
            return saved.id

        try:
            return self._attempt(attempt)
        finally:
            self._lines.clear()  # what the lines have left has changed (or may have)



# -- on one commitment or invoice ---------------------------------------------------------------


def _service_of(ctx: UiContext, service_id: int) -> ServiceRow | None:
    return next((s for _, services in list_providers(ctx.new_uow()) for s in services
                 if s.id == service_id), None)


class _DatedChange(BudgetDialog):
    """A change to one record made on the date in ``on`` (which the subclass adds), at the
    version read when the dialog opened."""

    on: QDateEdit

    def set_values(self, on: date) -> None:
        self.on.setDate(qdate(on))

    def save(self) -> bool:
        on = to_date(self.on)
        return self._attempt(lambda: self._change(on))

    def _change(self, on: date) -> int:
        """Make the change; the record's id."""
        raise NotImplementedError


class CancelCommitmentDialog(_DatedChange):
    """What was invoiced stays spent; the rest goes back to the line."""

    def __init__(self, ctx: UiContext, commitment_id: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Cancel commitment", parent)
        self.commitment = commitment_by_id(ctx.new_uow(), commitment_id)
        invoices = commitment_invoices(ctx.new_uow(), commitment_id)
        c = self.commitment
        invoiced = sum(i.gross_pence for i in invoices)
        units = sum(i.units for i in invoices)
        self.set_about(
            commitment_summary(c, _service_of(ctx, c.service_id)) + f"\nInvoiced so far: "
            f"{units:,} of {c.units:,} units, {format_pounds(invoiced)}. Cancelling keeps what "
            f"was invoiced as spent and releases the rest "
            f"({format_pounds(max(0, c.gross_pence - invoiced))}) back to the line.")
        self.on = date_edit(ctx.today(), "Cancelled on")
        self.add_field("Cancelled &on:", "cancelled_on", self.on,
                       description="Between the start and today", aliases=("commitment",))
        self.save_button.setText("&Save (cancel the commitment)")
        self.save_button.setAccessibleName("Save: cancel the commitment")
        if c.status == "cancelled":
            self.refuse(f"This commitment was cancelled on {format_uk_date(c.cancelled_on)}.")

    def _change(self, on: date) -> int:
        c = self.commitment
        cancel_commitment(self._ctx.new_uow(), c.id, on, self.today, c.version)
        return c.id


class InvoiceDialog(BudgetDialog):
    """A provider's invoice for some of a commitment's units; approving it at once is optional
    (spend counts from the approval date)."""

    def __init__(self, ctx: UiContext, commitment_id: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Record invoice", parent)
        self.commitment = c = commitment_by_id(ctx.new_uow(), commitment_id)
        service = _service_of(ctx, c.service_id)
        self._unit = service.unit if service else "unit"
        invoiced = sum(i.units for i in commitment_invoices(ctx.new_uow(), commitment_id))
        self.left = max(0, c.units - invoiced)
        self.set_about(commitment_summary(c, service) + f"\n{invoiced:,} of {c.units:,} "
                       f"units invoiced so far; {self.left:,} left to invoice.")
        today = ctx.today()
        self.reference = QLineEdit()
        self.reference.setAccessibleName("Invoice reference")
        self.reference.setPlaceholderText("the provider's invoice number")
        self.reference.setMinimumWidth(self.reference.fontMetrics().horizontalAdvance("x") * 30)
        self.invoice_date = date_edit(today, "Invoice date")
        self.units = QSpinBox()
        self.units.setRange(0, max(1, c.units))
        self.units.setValue(max(1, self.left))
        self.units.setAccessibleName("Units invoiced")
        self.net = _money_edit("Net amount")
        self.net.setPlaceholderText("blank: units × the agreed price")
        self.net.setMaximumWidth(self.net.fontMetrics().horizontalAdvance(
            self.net.placeholderText()) + 32)
        self.net.setMinimumWidth(self.net.maximumWidth())
        self.approve = QCheckBox("Approve it now, on")
        self.approve.setAccessibleName("Approve the invoice now")
        self.approved_on = date_edit(today, "Approved on")
        self.approved_on.setEnabled(False)
        self.approve.toggled.connect(self.approved_on.setEnabled)
        self.total = bold(wrapped())
        self.total.setAccessibleName("Invoice total")
        self.add_field("&Reference:", "reference", self.reference)
        self.add_field("Invoice &date:", "invoice_date", self.invoice_date)
        self.add_field("&Units:", "units", self.units,
                       beside=wrapped(f"{self.left:,} left to invoice (a unit is one "
                                       f"{self._unit})"))
        self.add_field("&Net amount (£):", "amount", self.net, beside=self.total,
                       description="Leave blank to charge units × the agreed price")
        self.add_field("&Approval:", "approved_on", self.approve, beside=self.approved_on,
                       aliases=("invoice", "commitment"))
        self.units.valueChanged.connect(self.refresh_total)
        self.net.textChanged.connect(self.refresh_total)
        self.refresh_total()
        if self.left == 0:
            self.refuse("Every unit of this commitment has been invoiced.")

    def refresh_total(self) -> None:
        c = self.commitment
        try:
            net = (self.units.value() * c.unit_price_pence if not self.net.text().strip()
                   else parse_pounds(self.net.text()))
        except ValueError:
            self.total.setText("")
            return
        vat = vat_on(net, c.vat_basis_points)
        self.total.setText(f"{format_pounds(net)} + VAT {format_pounds(vat)} = "
                           f"{format_pounds(net + vat)}")

    def set_values(self, reference: str, invoice_date: date, units: int, net: str = "",
                   approved_on: date | None = None) -> None:
        self.reference.setText(reference)
        self.invoice_date.setDate(qdate(invoice_date))
        self.units.setValue(units)
        self.net.setText(net)
        self.approve.setChecked(approved_on is not None)
        if approved_on is not None:
            self.approved_on.setDate(qdate(approved_on))

    def save(self) -> bool:
        problems: list[Problem] = []
        net = (_pounds(self.net.text(), "amount", problems) if self.net.text().strip()
               else None)
        if problems:
            self.show_problems(problems)
            return False
        reference, on, units = (self.reference.text(), to_date(self.invoice_date),
                                self.units.value())
        approved = to_date(self.approved_on) if self.approve.isChecked() else None
        return self._attempt(lambda: record_invoice(
            self._ctx.new_uow(), self.commitment.id, reference, on, units, self.today,
            net_pence=net, approved_on=approved))


def invoice_summary(i: InvoiceRow) -> str:
    approved = (f"approved {format_uk_date(i.approved_on)}" if i.approved_on
                else "not yet approved")
    return (f"Invoice {i.reference} of {format_uk_date(i.invoice_date)} against commitment "
            f"{i.commitment_id}: {i.units:,} units, {format_pounds(i.net_pence)} + VAT "
            f"{format_pounds(i.vat_pence)} = {format_pounds(i.gross_pence)}, {approved}; "
            f"paid {format_pounds(i.paid_pence)}.")


class ApproveInvoiceDialog(_DatedChange):
    """Approving an invoice makes it spend, from the approval date."""

    def __init__(self, ctx: UiContext, invoice_id: int, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Approve invoice", parent)
        self.invoice = i = invoice_by_id(ctx.new_uow(), invoice_id)
        self.set_about(invoice_summary(i) + " Once approved it counts as spend from the "
                       "approval date, and it can be paid.")
        self.on = date_edit(ctx.today(), "Approved on")
        self.add_field("Approved &on:", "approved_on", self.on,
                       description="Between the invoice date and today", aliases=("invoice",))
        self.save_button.setText("&Save (approve)")
        self.save_button.setAccessibleName("Save: approve the invoice")
        if i.approved_on is not None:
            self.refuse(f"This invoice was approved on {format_uk_date(i.approved_on)}.")

    def _change(self, on: date) -> int:
        i = self.invoice
        approve_invoice(self._ctx.new_uow(), i.id, on, self.today, i.version)
        return i.id


class PaymentDialog(BudgetDialog):
    """A payment against an approved invoice: part payments are allowed, never more than the
    invoice in all."""

    def __init__(self, ctx: UiContext, invoice_id: int, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Record payment", parent)
        self.invoice = i = invoice_by_id(ctx.new_uow(), invoice_id)
        self.outstanding = i.gross_pence - i.paid_pence
        self.set_about(invoice_summary(i) + f"\n{format_pounds(self.outstanding)} is still to "
                       "pay. Part payments are allowed.")
        self.amount = _money_edit("Amount paid")
        self.amount.setText(f"{self.outstanding / 100:.2f}" if self.outstanding > 0 else "")
        self.paid_on = date_edit(ctx.today(), "Paid on")
        self.add_field("&Amount (£):", "amount", self.amount,
                       beside=wrapped(f"of {format_pounds(self.outstanding)} outstanding"))
        self.add_field("&Paid on:", "paid_on", self.paid_on, aliases=("invoice",))
        if i.approved_on is None:
            self.refuse("Approve the invoice before paying it.")
        elif self.outstanding <= 0:
            self.refuse("This invoice has been paid in full.")

    def set_values(self, amount: str, paid_on: date) -> None:
        self.amount.setText(amount)
        self.paid_on.setDate(qdate(paid_on))

    def save(self) -> bool:
        problems: list[Problem] = []
        amount = _pounds(self.amount.text(), "amount", problems)
        if problems or amount is None:
            self.show_problems(problems)
            return False
        on = to_date(self.paid_on)
        return self._attempt(lambda: record_payment(self._ctx.new_uow(), self.invoice.id, on,
                                                    amount, self.today))
