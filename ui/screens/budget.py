"""The pathway budget for one financial year (domain.md §7.2): the position always on show
(budget, committed, spent, remaining, forecast outturn), the budget lines and providers with
their figures, the year's commitments with their invoices, the dialogs that change them
(``budget_dialogs.py``), and the commissioner's statement (PDF or XLSX).

The year's figures are set-based sums, but they are read with the providers and every
commitment of the year, so the read runs off the GUI thread like the other screens' (``loaded``
says it has arrived); after any save the screen reads again. The statement leaves the protected
register: before it is written the screen says so (aggregate figures only, small numbers
suppressed) and asks to go on (``confirm_export``, which tests replace).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from facilitator_app.domain.budget import SUPPRESS_BELOW
from facilitator_app.domain.checks import RecallStatus
from facilitator_app.domain.dates import QofYear, format_uk_date
from facilitator_app.domain.money import format_pounds
from facilitator_app.services.audit import note_export
from facilitator_app.services.budget import (
    BudgetPosition,
    CommitmentRow,
    InvoiceRow,
    LinePosition,
    ProviderRow,
    ServiceRow,
    budget_position,
    list_commitments,
    list_providers,
)
from facilitator_app.services.budget_statement import budget_statement, write_budget_statement
from facilitator_app.services.jobs import CancelToken, Progress
from ui import status_style
from ui.context import UiContext
from ui.list_table import configure_list_table
from ui.models.text_table import Cell, TextTableModel
from ui.screens.budget_dialogs import (
    ApproveInvoiceDialog,
    BudgetDialog,
    BudgetLineDialog,
    CancelCommitmentDialog,
    CommitmentDialog,
    InvoiceDialog,
    PaymentDialog,
    ProviderDialog,
    ServiceDialog,
    units_text,
    year_choices,
)
from ui.tasks import Task, TaskRunner
from ui.widgets.exports import ExportStatus, export_path
from ui.widgets.fields import wrapped

__all__ = ["BudgetBar", "BudgetScreen", "BudgetView", "PositionStrip", "position_words"]

LINE_HEADERS = ("Line", "Budget", "Committed", "Spent", "Remaining", "Forecast outturn")
PROVIDER_HEADERS = ("Provider", "Services", "Committed", "Spent", "Forecast outturn")
COMMITMENT_HEADERS = ("No.", "Start – end", "Service", "Units", "Gross", "Invoiced", "Status")
INVOICE_HEADERS = ("Reference", "Date", "Units", "Gross", "Approved", "Paid")
_OVER = status_style.BACKGROUND[RecallStatus.OVERDUE]
_DONE = status_style.BACKGROUND[RecallStatus.DONE]
_MONEY = "£999,999.99"

LEAVING_TITLE = "The statement leaves the protected register"
LEAVING_TEXT = (
    "The budget statement is for the commissioner: it leaves the protected register. It holds "
    "aggregate figures only (no names, NHS numbers or dates of birth), and counts from 1 to "
    f"{SUPPRESS_BELOW - 1} print as \"<{SUPPRESS_BELOW}\" (with no unit cost), so no small "
    "group of patients can be picked out. Send it only to the people it is meant for.")


def remaining_words(pence: int) -> tuple[str, str]:
    """("Remaining", "£1.00") or, below zero, ("Overspent by", "£1.00"): never a bare minus."""
    return ("Remaining", format_pounds(pence)) if pence >= 0 else (
        "Overspent by", format_pounds(-pence))


def _remaining_cell(pence: int, bold: bool = False) -> Cell:
    _, amount = remaining_words(pence)
    if pence >= 0:
        return Cell(amount, bold=bold)
    return Cell(f"Overspent by {amount}", _OVER, tooltip="Spent and committed come to more "
                "than the budget", bold=bold)


def position_words(year: QofYear, total: LinePosition) -> str:
    """The position in one sentence, as a screen reader says it and the strip shows it."""
    if total.budget == 0 and total.forecast == 0:
        return (f"No budget set for {year.label} yet, and nothing committed or spent: set a "
                "budget line to start.")
    _, amount = remaining_words(total.remaining)
    left = (f"{amount} remains" if total.remaining >= 0
            else f"the budget is overspent by {amount}")
    under = total.budget - total.forecast
    outturn = (f"{format_pounds(under)} under budget" if under > 0 else "on budget"
               if under == 0 else f"{format_pounds(-under)} over budget")
    return (f"{year.label}: of a budget of {format_pounds(total.budget)}, "
            f"{format_pounds(total.spent)} is spent and {format_pounds(total.committed)} "
            f"committed, so {left}. Forecast outturn {format_pounds(total.forecast)}, "
            f"{outturn}.")


# -- the position strip -----------------------------------------------------------------------


_SPENT = QColor("#1f5fa8")
_COMMITTED = QColor("#8fb8e8")
_TRACK = QColor("#e6e6e6")
_OVERSPENT = QColor("#c62828")


class BudgetBar(QWidget):
    """Spent, then committed, then what remains, against the budget (the black mark): plain
    QPainter sized from the font, with a legend; colour is a second cue only."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._total = LinePosition("Total", 0, 0, 0)
        self.setAccessibleName("Budget used")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_total(self, total: LinePosition) -> None:
        self._total = total
        self.update()

    _LEGEND = ("Spent", "Committed", "Remaining", "Over budget", "Budget")

    def _row(self) -> int:
        return self.fontMetrics().height() + 6

    def _legend_width(self) -> int:
        metrics = self.fontMetrics()
        gap = metrics.horizontalAdvance("M") * 2
        box = metrics.height() - 4
        return sum(box + 4 + metrics.horizontalAdvance(label) + gap for label in self._LEGEND)

    def sizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance("M") * 30 + self._legend_width(),
                     self._row() + 4)

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance("M") * 10 + self._legend_width(),
                     self._row() + 4)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        t = self._total
        metrics = self.fontMetrics()
        row = self._row()
        width = max(10, self.width() - self._legend_width() - metrics.horizontalAdvance("M"))
        scale = max(t.budget, t.forecast, 1)
        bar = QRectF(1, 4, width, row - 4)
        painter.fillRect(bar, _TRACK)
        x = bar.left()
        for amount, colour in ((t.spent, _SPENT), (t.committed, _COMMITTED)):
            w = width * amount / scale
            painter.fillRect(QRectF(x, bar.top(), w, bar.height()), colour)
            x += w
        if t.forecast > t.budget:  # the part past the budget, over what it is made of
            over = QRectF(bar.left() + width * t.budget / scale, bar.top(),
                          width * (t.forecast - t.budget) / scale, bar.height())
            painter.fillRect(over, QColor(_OVERSPENT.red(), _OVERSPENT.green(),
                                          _OVERSPENT.blue(), 170))
        text = self.palette().color(QPalette.ColorRole.WindowText)
        if t.budget:
            mark = bar.left() + width * t.budget / scale
            painter.setPen(QPen(text, 3))
            painter.drawLine(int(mark), int(bar.top()) - 3, int(mark), int(bar.bottom()) + 3)
        x = bar.right() + metrics.horizontalAdvance("M")
        y, box = 4.0, float(metrics.height() - 4)
        colours = {"Spent": _SPENT, "Committed": _COMMITTED, "Remaining": _TRACK,
                   "Over budget": _OVERSPENT}
        for label in self._LEGEND:
            if label == "Over budget" and t.forecast <= t.budget:
                continue
            if label == "Budget":
                painter.setPen(QPen(text, 3))
                painter.drawLine(int(x + box / 2), int(y), int(x + box / 2), int(y + box) + 4)
            else:
                painter.fillRect(QRectF(x, y + 2, box, box), colours[label])
                painter.setPen(text)
                painter.drawRect(QRectF(x, y + 2, box, box))
            x += box + 4
            painter.setPen(text)
            painter.drawText(QRectF(x, y, metrics.horizontalAdvance(label) + 2, row - 4),
                             Qt.AlignmentFlag.AlignVCenter, label)
            x += metrics.horizontalAdvance(label) + metrics.horizontalAdvance("M") * 2


class _Tile(QFrame):
    """One figure: a caption in words, the amount large, a note underneath."""

    def __init__(self, caption: str) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.caption = QLabel(caption)
        self.amount = QLabel("£0.00")
        big = QFont(self.amount.font())
        if big.pointSizeF() > 0:
            big.setPointSizeF(big.pointSizeF() * 1.7)
        else:
            big.setPixelSize(round(big.pixelSize() * 1.7))
        big.setBold(True)
        self.amount.setFont(big)
        self.note = QLabel()
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(self.amount)
        layout.addWidget(self.note)
        layout.addStretch(1)
        self._normal = self.palette()

    def show_figure(self, caption: str, amount: str, note: str, warn: bool = False) -> None:
        self.caption.setText(caption)
        self.amount.setText(amount)
        self.note.setText(note)
        palette = QPalette(self._normal)
        if warn:
            palette.setColor(QPalette.ColorRole.Window, _OVER)
            palette.setColor(QPalette.ColorRole.WindowText, status_style.TEXT)
        self.setPalette(palette)
        self.setAccessibleName(f"{caption} {amount}")
        self.setAccessibleDescription(note)


class PositionStrip(QFrame):
    """Budget, Committed, Spent, Remaining (or Overspent by) and Forecast outturn, large, with
    the bar and the position in a sentence."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Budget position")
        self.tiles = {key: _Tile(caption) for key, caption in (
            ("budget", "Budget"), ("committed", "Committed"), ("spent", "Spent"),
            ("remaining", "Remaining"), ("forecast", "Forecast outturn"))}
        self.bar = BudgetBar()
        self.words = QLabel()
        self.words.setWordWrap(True)
        self.words.setAccessibleName("Budget position in words")
        self.words.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        for column, tile in enumerate(self.tiles.values()):
            grid.addWidget(tile, 0, column)
            grid.setColumnStretch(column, 1)
        grid.addWidget(self.bar, 1, 0, 1, len(self.tiles))
        grid.addWidget(self.words, 2, 0, 1, len(self.tiles))
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def set_position(self, year: QofYear, total: LinePosition, lines: int) -> None:
        t = self.tiles
        t["budget"].show_figure("Budget", format_pounds(total.budget),
                                f"{year.label}: " + ("no budget lines yet" if lines == 0 else
                                                     f"{lines} budget line"
                                                     f"{'' if lines == 1 else 's'}"))
        t["committed"].show_figure("Committed", format_pounds(total.committed),
                                   "authorised, not yet invoiced")
        t["spent"].show_figure("Spent", format_pounds(total.spent), "invoices approved")
        caption, amount = remaining_words(total.remaining)
        left = ("" if total.budget == 0 else
                f"{100 * total.remaining / total.budget:.0f}% of the budget left"
                if total.remaining >= 0 else "spent and committed exceed the budget")
        t["remaining"].show_figure(caption, amount, left or "budget − spent − committed",
                                   warn=total.remaining < 0)
        under = total.budget - total.forecast
        t["forecast"].show_figure(
            "Forecast outturn", format_pounds(total.forecast),
            "spent + committed" + ("" if total.budget == 0 and under == 0 else
                                   f": {format_pounds(under)} under budget" if under > 0 else
                                   ": on budget" if under == 0 else
                                   f": {format_pounds(-under)} over budget"),
            warn=under < 0)
        self.bar.set_total(total)
        self.words.setText(position_words(year, total))
        self.bar.setAccessibleDescription(self.words.text())
        self.setAccessibleDescription(self.words.text())


# -- tables -----------------------------------------------------------------------------------


class _FigureTable(TextTableModel):
    """Text rows whose money and count columns are right-aligned, so figures line up."""

    def __init__(self, headers: tuple[str, ...], right: set[int]) -> None:
        super().__init__(headers)
        self._right = right

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.TextAlignmentRole and index.isValid()
                and index.column() in self._right):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return super().data(index, role)


@dataclass(frozen=True)
class BudgetView:
    """Everything the screen shows for one year, read in one go off the GUI thread."""

    year: QofYear
    position: BudgetPosition
    providers: list[tuple[ProviderRow, list[ServiceRow]]]
    commitments: list[tuple[CommitmentRow, list[InvoiceRow]]]

    def service(self, service_id: int) -> ServiceRow | None:
        return next((s for _, services in self.providers for s in services
                     if s.id == service_id), None)


def _line_cells(row: LinePosition, total: bool = False) -> list[Cell]:
    return [Cell(row.label, tooltip=row.label, bold=total),
            Cell(format_pounds(row.budget), bold=total),
            Cell(format_pounds(row.committed), bold=total),
            Cell(format_pounds(row.spent), bold=total), _remaining_cell(row.remaining, total),
            Cell(format_pounds(row.forecast), bold=total)]


def _status(c: CommitmentRow, invoices: list[InvoiceRow]) -> Cell:
    if c.status == "cancelled":
        return Cell(f"Cancelled {format_uk_date(c.cancelled_on)}",
                    tooltip="What was invoiced stays spent; the rest went back to the line")
    invoiced = sum(i.units for i in invoices)
    if invoiced >= c.units:
        return Cell("Fully invoiced", _DONE)
    return Cell("Active" if invoiced == 0 else f"Active, {invoiced:,} of {c.units:,} invoiced")


def _paid(i: InvoiceRow) -> Cell:
    if i.paid_pence == 0:
        return Cell("Not paid")
    if i.paid_pence >= i.gross_pence:
        return Cell(f"{format_pounds(i.paid_pence)} in full", _DONE)
    return Cell(f"{format_pounds(i.paid_pence)} (part)",
                tooltip=f"{format_pounds(i.gross_pence - i.paid_pence)} still to pay")


# -- the screen -------------------------------------------------------------------------------


class BudgetScreen(QWidget):
    loaded = Signal()
    budget_changed = Signal()  # after any save, for other screens that show spend

    def __init__(self, ctx: UiContext, parent: QWidget | None = None, *,
                 load_now: bool = True) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._runner = TaskRunner(1, self)
        self._generation = 0
        self.view: BudgetView | None = None
        self._commitments: list[tuple[CommitmentRow, list[InvoiceRow]]] = []
        self._invoices: list[InvoiceRow] = []
        self._keep_commitment: int | None = None
        self._keep_invoice: int | None = None
        self._keep_message = ""

        self.year = QComboBox()
        self.year.setAccessibleName("Financial year")
        self.year.setToolTip("Financial years run 1 April to 31 March, as QOF years do.")
        for y in year_choices(ctx.today()):
            self.year.addItem(y.label, y.start_year)
        self.year.setCurrentIndex(max(0, self.year.findData(
            QofYear.containing(ctx.today()).start_year)))
        self.refresh = QPushButton("Read a&gain")
        self.refresh.setAccessibleName("Read the budget again")
        self.refresh.setToolTip("Read the budget again, to see changes others have saved.")
        self.message = wrapped(name="Budget status")
        self.strip = PositionStrip()

        self.lines_model = _FigureTable(LINE_HEADERS, {1, 2, 3, 4, 5})
        self.lines_table = QTableView()
        configure_list_table(
            self.lines_table, self.lines_model, "Budget lines",
            "One row per budget line of the year, then the total: budget, committed, spent, "
            "remaining and forecast outturn.",
            {0: "Talking therapies and guided self", 1: _MONEY, 2: _MONEY, 3: _MONEY,
             4: "Overspent by £99,999.99", 5: _MONEY})
        self.providers_model = _FigureTable(PROVIDER_HEADERS, {2, 3, 4})
        self.providers_table = QTableView()
        configure_list_table(
            self.providers_table, self.providers_model, "Providers",
            "One row per provider: its services with unit prices, committed, spent and "
            "forecast outturn in the year.",
            {0: "Riverside IPS Employment Service", 1: "Guided self-help session £45.00 per "
             "session; Group workshop £20.00 per place", 2: _MONEY, 3: _MONEY, 4: _MONEY})
        self.commitments_model = _FigureTable(COMMITMENT_HEADERS, {0, 4, 5})
        self.commitments_table = QTableView()
        configure_list_table(
            self.commitments_table, self.commitments_model, "Commitments",
            "Services bought for patients that run in the year: number, dates, service, "
            "units, value, invoiced so far and status. Select one to see its invoices.",
            {0: "9999", 1: "00/00/0000 – 00/00/0000",
             2: "Riverside IPS Employment Service: Employment support",
             3: "99 × session", 4: _MONEY, 5: _MONEY, 6: "Active, 99 of 99 invoiced"})
        self.commitments_table.horizontalHeader().setStretchLastSection(True)
        self.invoices_model = _FigureTable(INVOICE_HEADERS, {2, 3})
        self.invoices_table = QTableView()
        configure_list_table(
            self.invoices_table, self.invoices_model, "Invoices",
            "The selected commitment's invoices: reference, date, units, gross, when "
            "approved and what has been paid.",
            {0: "INV-000000", 1: "00/00/0000", 2: "999", 3: _MONEY, 4: "Not approved",
             5: "£99,999.99 (part)"})
        self.invoices_table.horizontalHeader().setStretchLastSection(True)
        for table in (self.lines_table, self.providers_table, self.commitments_table,
                      self.invoices_table):
            table.verticalHeader().setDefaultSectionSize(table.fontMetrics().lineSpacing()
                                                         + 10)
        self.lines_table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Stretch)
        self.providers_table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.Stretch)

        self.set_line = QPushButton("&Set budget line…")
        self.add_provider = QPushButton("Add &provider…")
        self.add_service = QPushButton("Add a ser&vice…")
        self.buy = QPushButton("&Buy a service for a patient…")
        self.cancel = QPushButton("Ca&ncel commitment…")
        self.invoice = QPushButton("Record &invoice…")
        self.approve = QPushButton("&Approve invoice…")
        self.pay = QPushButton("Record pay&ment…")
        for button, name in (
                (self.set_line, "Set a budget line"), (self.add_provider, "Add a provider"),
                (self.add_service, "Add a service to a provider"),
                (self.buy, "Buy a service for a patient"),
                (self.cancel, "Cancel the selected commitment"),
                (self.invoice, "Record an invoice against the selected commitment"),
                (self.approve, "Approve the selected invoice"),
                (self.pay, "Record a payment of the selected invoice")):
            button.setAccessibleName(name)
        self.invoice_hint = QLabel()
        self.invoice_hint.setWordWrap(True)
        self.invoice_hint.setAccessibleName("About the invoice buttons")
        self.commitment_hint = QLabel()
        self.commitment_hint.setWordWrap(True)
        self.commitment_hint.setAccessibleName("About the commitment buttons")

        self.statement_for = QComboBox()
        self.statement_for.setAccessibleName("Statement for")
        self.statement_for.addItem("All providers", None)
        self.export_pdf = QPushButton("Statement P&DF…")
        self.export_xlsx = QPushButton("Statement &XLSX…")
        for button, kind in ((self.export_pdf, "PDF"), (self.export_xlsx, "XLSX")):
            button.setAccessibleName(f"Write the commissioner's statement as {kind}")
            button.setToolTip("Aggregate figures only, small numbers suppressed: it leaves "
                              "the protected register.")
        self.commitments_label = QLabel("Commitments r&unning in the year:")
        self.invoices_label = QLabel()
        self.export_message = wrapped(name="Statement status", selectable=False)
        self._exports = ExportStatus(
            self._runner, self.export_message,
            "Statement written to {path} (aggregate figures only).",
            "Could not write the statement: {exc}", self)

        self._lay_out()
        self.year.currentIndexChanged.connect(self.reload)
        self.refresh.clicked.connect(self.reload)
        self.commitments_table.selectionModel().currentRowChanged.connect(
            self._commitment_chosen)
        self.invoices_table.selectionModel().currentRowChanged.connect(self._invoice_chosen)
        self.set_line.clicked.connect(lambda: self._open(self.line_dialog()))
        self.add_provider.clicked.connect(lambda: self._open(self.provider_dialog()))
        self.add_service.clicked.connect(lambda: self._open(self.service_dialog()))
        self.buy.clicked.connect(lambda: self._open(self.commitment_dialog()))
        self.cancel.clicked.connect(lambda: self._open(self.cancel_dialog()))
        self.invoice.clicked.connect(lambda: self._open(self.invoice_dialog()))
        self.approve.clicked.connect(lambda: self._open(self.approve_dialog()))
        self.pay.clicked.connect(lambda: self._open(self.payment_dialog()))
        self.export_pdf.clicked.connect(
            lambda: self.export("pdf", provider=self.statement_for.currentData()))
        self.export_xlsx.clicked.connect(
            lambda: self.export("xlsx", provider=self.statement_for.currentData()))
        self._update_buttons()
        if load_now:
            self.reload()

    def _lay_out(self) -> None:
        def titled(label: QLabel, table: QTableView, buttons: list[QWidget]) -> QWidget:
            label.setBuddy(table)
            box = QWidget()
            grid = QGridLayout(box)
            grid.setContentsMargins(0, 0, 0, 0)
            grid.addWidget(label, 0, 0, 1, 2)
            grid.addWidget(table, 1, 0)
            side = QVBoxLayout()
            for button in buttons:
                side.addWidget(button)
            side.addStretch(1)
            grid.addLayout(side, 1, 1)
            grid.setColumnStretch(0, 1)
            return box

        top = QHBoxLayout()
        label = QLabel("Financial &year:")
        label.setBuddy(self.year)
        top.addWidget(label)
        top.addWidget(self.year)
        top.addWidget(self.refresh)
        top.addWidget(self.message, 1)

        self.figures = QTabWidget()
        self.figures.setAccessibleName("Budget lines and providers")
        self.figures.addTab(titled(QLabel("The year's budget lines, then the total:"),
                                   self.lines_table, [self.set_line]), "Budget &lines")
        self.figures.addTab(titled(QLabel("Providers, their services and unit prices, and "
                                          "what each has committed and spent in the year:"),
                                   self.providers_table, [self.add_provider, self.add_service]),
                            "Pr&oviders")
        self.figures.tabBar().setAccessibleName("Show budget lines or providers")
        commitments = titled(self.commitments_label, self.commitments_table,
                             [self.buy, self.cancel, self.invoice, self.commitment_hint])
        invoices = titled(self.invoices_label, self.invoices_table,
                          [self.approve, self.pay, self.invoice_hint])
        sides = (self.buy, self.cancel, self.invoice, self.approve, self.pay, self.set_line,
                 self.add_provider, self.add_service)
        side_width = max(b.sizeHint().width() for b in sides)
        for side in (*sides, self.commitment_hint, self.invoice_hint):
            side.setFixedWidth(side_width)

        split = QSplitter(Qt.Orientation.Vertical)
        for widget in (self.figures, commitments, invoices):
            split.addWidget(widget)
        split.setChildrenCollapsible(False)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 4)
        split.setStretchFactor(2, 2)
        split.setSizes([300, 400, 200])  # scaled to the real height

        bottom = QHBoxLayout()
        bottom.addWidget(self.export_message, 1)
        label = QLabel("Statemen&t for:")
        label.setBuddy(self.statement_for)
        bottom.addWidget(label)
        bottom.addWidget(self.statement_for)
        bottom.addWidget(self.export_pdf)
        bottom.addWidget(self.export_xlsx)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.strip)
        layout.addWidget(split, 1)
        layout.addLayout(bottom)

    # -- reading ---------------------------------------------------------------------------

    def chosen_year(self) -> QofYear:
        return QofYear(int(self.year.currentData()))

    def set_year(self, year: QofYear) -> None:
        index = self.year.findData(year.start_year)
        if index < 0:
            self.year.addItem(year.label, year.start_year)
            index = self.year.count() - 1
        self.year.setCurrentIndex(index)

    def reload(self) -> None:
        self._generation += 1
        year, ctx = self.chosen_year(), self._ctx
        if self.view is not None and self.view.year != year:
            self._keep_commitment = self._keep_invoice = None

        def job(_progress: Progress, _cancel: CancelToken) -> BudgetView:
            return BudgetView(year, budget_position(ctx.new_uow(), year),
                              list_providers(ctx.new_uow()),
                              list_commitments(ctx.new_uow(), year))

        task = Task(job, tag=self._generation)
        task.succeeded.connect(self._loaded)
        task.failed.connect(self._failed)
        self.message.setText(f"Reading the {year.label} budget…")
        self._runner.run(task)

    def _current(self) -> bool:
        task = self.sender()
        return isinstance(task, Task) and task.tag == self._generation

    def _failed(self, exc: object) -> None:
        if self._current():
            self.message.setText(f"Could not read the budget: {exc}")

    def _loaded(self, view: object) -> None:
        if not self._current() or not isinstance(view, BudgetView):
            return
        self.view = view
        year, position = view.year, view.position
        self.strip.set_position(year, position.total, len(position.lines))
        self.lines_model.set_rows([_line_cells(r) for r in position.lines]
                                  + ([_line_cells(position.total, total=True)]
                                     if position.lines else []))
        figures = {p.label: p for p in position.providers}
        rows = []
        for provider, services in view.providers:
            p = figures.get(provider.name, LinePosition(provider.name, 0, 0, 0))
            offer = "; ".join(f"{s.name} {format_pounds(s.unit_price_pence)} per {s.unit}"
                              for s in services) or "No services yet"
            rows.append([Cell(provider.name, tooltip=provider.contact), Cell(offer,
                         tooltip=offer.replace("; ", "\n")), Cell(format_pounds(p.committed)),
                         Cell(format_pounds(p.spent)), Cell(format_pounds(p.forecast))])
        self.providers_model.set_rows(rows)
        self._commitments = view.commitments
        self.commitments_model.set_rows([self._commitment_cells(c, i)
                                         for c, i in view.commitments])
        self.commitments_label.setText(f"Commitments r&unning in {year.label} "
                                       f"({len(view.commitments):,}):")
        self.message.setText(self._headline(view) if not self._keep_message else
                             self._keep_message)
        self._keep_message = ""
        self.statement_for.blockSignals(True)
        chosen = self.statement_for.currentData()
        self.statement_for.clear()
        self.statement_for.addItem("All providers", None)
        for provider, _ in view.providers:
            self.statement_for.addItem(provider.name, provider.name)
        self.statement_for.setCurrentIndex(max(0, self.statement_for.findData(chosen)))
        self.statement_for.blockSignals(False)
        self._restore_selection()
        self.loaded.emit()

    def _headline(self, view: BudgetView) -> str:
        if not view.position.lines:
            return (f"No budget lines for {view.year.label} yet: Set budget line… adds one.")
        return f"The {view.year.label} pathway budget, as it stands today."

    def _commitment_cells(self, c: CommitmentRow, invoices: list[InvoiceRow]) -> list[Cell]:
        assert self.view is not None
        service = self.view.service(c.service_id)
        name = f"{service.provider_name}: {service.name}" if service else f"#{c.service_id}"
        invoiced = sum(i.gross_pence for i in invoices)
        return [Cell(str(c.id)), Cell(f"{format_uk_date(c.start_on)} – "
                                      f"{format_uk_date(c.end_on)}"),
                Cell(name, tooltip=name),
                Cell(units_text(c.units, service.unit if service else "unit")),
                Cell(format_pounds(c.gross_pence)), Cell(format_pounds(invoiced)),
                _status(c, invoices)]

    # -- selection -------------------------------------------------------------------------

    @property
    def selected_commitment(self) -> CommitmentRow | None:
        index = self.commitments_table.currentIndex()
        if not index.isValid() or index.row() >= len(self._commitments):
            return None
        return self._commitments[index.row()][0]

    @property
    def selected_invoice(self) -> InvoiceRow | None:
        index = self.invoices_table.currentIndex()
        if not index.isValid() or index.row() >= len(self._invoices):
            return None
        return self._invoices[index.row()]

    def select_commitment(self, commitment_id: int) -> bool:
        row = next((r for r, (c, _) in enumerate(self._commitments) if c.id == commitment_id),
                   None)
        if row is None:
            return False
        self.commitments_table.selectRow(row)
        self._show_invoices()
        return True

    def select_invoice(self, invoice_id: int) -> bool:
        row = next((r for r, i in enumerate(self._invoices) if i.id == invoice_id), None)
        if row is None:
            return False
        self.invoices_table.selectRow(row)
        self._update_buttons()
        return True

    def _restore_selection(self) -> None:
        commitment, invoice = self._keep_commitment, self._keep_invoice
        if commitment is None or not self.select_commitment(commitment):
            self.commitments_table.clearSelection()
            self.commitments_table.setCurrentIndex(QModelIndex())
            self._show_invoices()
        if invoice is not None:
            self.select_invoice(invoice)
        self._update_buttons()

    def _commitment_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_invoices()

    def _invoice_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        invoice = self.selected_invoice
        self._keep_invoice = invoice.id if invoice else None
        self._update_buttons()

    def _show_invoices(self) -> None:
        c = self.selected_commitment
        self._keep_commitment = c.id if c else None
        self._invoices = next((i for x, i in self._commitments if c and x.id == c.id), [])
        self.invoices_model.set_rows([
            [Cell(i.reference), Cell(format_uk_date(i.invoice_date)), Cell(f"{i.units:,}"),
             Cell(format_pounds(i.gross_pence)),
             Cell(format_uk_date(i.approved_on)) if i.approved_on else Cell("Not approved"),
             _paid(i)] for i in self._invoices])
        self.invoices_label.setText(
            "&What was invoiced: select a commitment to see its invoices." if c is None else
            f"&What was invoiced against commitment {c.id} ({len(self._invoices):,} "
            f"invoice{'' if len(self._invoices) == 1 else 's'}):")
        self._update_buttons()

    def _update_buttons(self) -> None:
        c, i = self.selected_commitment, self.selected_invoice
        left = c.units - sum(x.units for x in self._invoices) if c else 0
        self.cancel.setEnabled(c is not None and c.status != "cancelled")
        self.invoice.setEnabled(c is not None and left > 0)
        self.commitment_hint.setText(
            "Select a commitment to cancel it or record an invoice." if c is None else
            "Cancelled: invoices dated up to the cancellation can still be recorded."
            if c.status == "cancelled" and left > 0 else
            "Every unit has been invoiced." if left <= 0 else "")
        self.approve.setEnabled(i is not None and i.approved_on is None)
        self.pay.setEnabled(i is not None and i.approved_on is not None
                            and i.paid_pence < i.gross_pence)
        self.invoice_hint.setText(
            "" if c is None else
            "Select an invoice to approve or pay it." if i is None else
            "Approve the invoice before recording a payment." if i.approved_on is None else
            "Paid in full." if i.paid_pence >= i.gross_pence else
            f"{format_pounds(i.gross_pence - i.paid_pence)} still to pay.")

    # -- dialogs ---------------------------------------------------------------------------

    def _prepared(self, dialog: BudgetDialog) -> BudgetDialog:
        dialog.saved.connect(self._after_save)
        return dialog

    def line_dialog(self) -> BudgetLineDialog:
        dialog = BudgetLineDialog(self._ctx, self.chosen_year(), self)
        self._prepared(dialog)
        return dialog

    def provider_dialog(self) -> ProviderDialog:
        dialog = ProviderDialog(self._ctx, self)
        self._prepared(dialog)
        return dialog

    def service_dialog(self) -> ServiceDialog:
        index = self.providers_table.currentIndex()
        provider = (self.view.providers[index.row()][0].id
                    if self.view and index.isValid() and index.row() < len(self.view.providers)
                    else None)
        dialog = ServiceDialog(self._ctx, provider, self)
        self._prepared(dialog)
        return dialog

    def commitment_dialog(self) -> CommitmentDialog:
        dialog = CommitmentDialog(self._ctx, self.chosen_year(), self)
        self._prepared(dialog)
        return dialog

    def cancel_dialog(self) -> CancelCommitmentDialog | None:
        c = self.selected_commitment
        if c is None:
            return None
        dialog = CancelCommitmentDialog(self._ctx, c.id, self)
        self._prepared(dialog)
        return dialog

    def invoice_dialog(self) -> InvoiceDialog | None:
        c = self.selected_commitment
        if c is None:
            return None
        dialog = InvoiceDialog(self._ctx, c.id, self)
        self._prepared(dialog)
        return dialog

    def approve_dialog(self) -> ApproveInvoiceDialog | None:
        i = self.selected_invoice
        if i is None:
            return None
        dialog = ApproveInvoiceDialog(self._ctx, i.id, self)
        self._prepared(dialog)
        return dialog

    def payment_dialog(self) -> PaymentDialog | None:
        i = self.selected_invoice
        if i is None:
            return None
        dialog = PaymentDialog(self._ctx, i.id, self)
        self._prepared(dialog)
        return dialog

    def _open(self, dialog: QDialog | None) -> None:
        if dialog is None:
            return
        try:
            dialog.exec()
        finally:
            dialog.deleteLater()

    def _after_save(self, saved_id: object) -> None:
        dialog = self.sender()
        if isinstance(dialog, CommitmentDialog) and dialog.saved_commitment is not None:
            saved = dialog.saved_commitment
            self._keep_commitment, self._keep_invoice = saved.id, None
            shares = "; ".join(f"{y.label} {format_pounds(p)}" for y, p in saved.shares.items())
            text = (f"Commitment {saved.id} authorised: {format_pounds(saved.gross_pence)} "
                    f"({shares}).")
            start = dialog.start.date()
            started = QofYear.containing(date(start.year(), start.month(), start.day()))
            if started != self.chosen_year():
                text += f" It starts in {started.label}: choose that year to see it."
        elif isinstance(dialog, InvoiceDialog):
            self._keep_invoice = int(str(saved_id))
            text = f"Invoice {dialog.reference.text().strip()} recorded."
        elif isinstance(dialog, ApproveInvoiceDialog):
            text = f"Invoice {dialog.invoice.reference} approved: it now counts as spend."
        elif isinstance(dialog, PaymentDialog):
            text = f"Payment recorded against invoice {dialog.invoice.reference}."
        elif isinstance(dialog, CancelCommitmentDialog):
            text = f"Commitment {dialog.commitment.id} cancelled: the rest is released."
        elif isinstance(dialog, BudgetLineDialog):
            text = (f"Budget line '{dialog.name.currentText().strip()}' "
                    f"{dialog.chosen_year().label} saved.")
        elif isinstance(dialog, ProviderDialog):
            text = f"Provider {dialog.name.text().strip()} added."
        elif isinstance(dialog, ServiceDialog):
            text = f"Service {dialog.name.text().strip()} added."
        else:
            text = "Saved."
        self._keep_message = text
        self.budget_changed.emit()
        self.reload()

    # -- the statement ---------------------------------------------------------------------

    def confirm_export(self, fmt: str, provider: str | None) -> bool:
        """Said before every statement is written (tests replace it)."""
        box = QMessageBox(QMessageBox.Icon.Warning, LEAVING_TITLE, LEAVING_TEXT, parent=self)
        go = box.addButton(f"&Write the {fmt.upper()}", QMessageBox.ButtonRole.AcceptRole)
        stop = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(stop)
        box.exec()
        return box.clickedButton() is go

    def export(self, fmt: str, path: Path | None = None,
               provider: str | None = None) -> Task | None:
        """Write the year's statement (overall, or ``provider``'s) off the GUI thread, after
        the warning that it leaves the protected register."""
        year = self.chosen_year()
        if not self.confirm_export(fmt, provider):
            self.export_message.setText("Statement not written.")
            return None
        who = f"-{provider.lower().replace(' ', '-')}" if provider else ""
        out = export_path(self, f"Write the budget statement as {fmt.upper()}",
                          f"budget-statement-{year.start_year}{who}.{fmt}", fmt, path)
        if out is None:
            return None
        ctx = self._ctx

        def job(_progress: Progress, _cancel: CancelToken) -> Path:
            statement = budget_statement(ctx.new_uow(), year, ctx.today(), provider=provider)
            write_budget_statement(statement, out)
            note_export(ctx.new_uow(), "budget_statement", len(statement.providers),
                        out.suffix, identifiable=False)
            return out

        return self._exports.run(job, f"Writing {out.name}…")

    def shutdown(self, timeout_ms: int = -1) -> bool:
        return self._runner.shutdown(timeout_ms)
