"""Open follow-ups across the caseload: who needs what action, soonest due first; record one
as done with its outcome.

The list is read off the GUI thread. Saving is quick and stays on it; if someone else changed
the follow-up since the list was read, the screen says so and reloads instead of overwriting.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QModelIndex, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from facilitator_app.domain.checks import RecallStatus
from facilitator_app.domain.dates import format_uk_date
from facilitator_app.domain.nhs_number import format_nhs_number
from facilitator_app.services.caseload import list_practices
from facilitator_app.services.follow_ups import (
    FollowUpChanged,
    FollowUpFilter,
    FollowUpQuery,
    FollowUpRow,
    complete_follow_up,
    open_follow_ups,
)
from facilitator_app.services.jobs import CancelToken, Progress
from ui import status_style
from ui.context import UiContext
from ui.list_table import configure_list_table
from ui.models.text_table import Cell, TextTableModel
from ui.tasks import Task, TaskRunner

HEADERS = ("Due", "Overdue", "Practice", "NHS number", "Name", "For", "Action", "Result")
_SAMPLES = {0: "00/00/0000", 1: "999 days", 2: "Z99999", 3: "999 999 9999",
            4: "WWWWWWWWWW, Wwwwwww", 5: "Facilitator", 6: "W" * 40}


def _cells(row: FollowUpRow) -> list[Cell]:
    colour = status_style.BACKGROUND[RecallStatus.OVERDUE] if row.overdue else None
    overdue = f"{row.days_overdue} days" if row.overdue else "not yet"
    return [Cell(format_uk_date(row.due_on), colour), Cell(overdue, colour),
            Cell(row.practice_code), Cell(format_nhs_number(row.nhs_number)),
            Cell(f"{row.family_name.upper()}, {row.given_name}"), Cell(row.assigned_to),
            Cell(row.action, tooltip=row.action), Cell(row.result)]


class MarkDoneDialog(QDialog):
    """Date done (dd/mm/yyyy, not after today) and what was done."""

    def __init__(self, row: FollowUpRow, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Record follow-up as done")
        self.done_on = QDateEdit(QDate(today.year, today.month, today.day))
        self.done_on.setDisplayFormat("dd/MM/yyyy")
        self.done_on.setCalendarPopup(True)
        self.done_on.setMaximumDate(QDate(today.year, today.month, today.day))
        self.done_on.setAccessibleName("Date done")
        self.outcome = QPlainTextEdit()
        self.outcome.setAccessibleName("Outcome")
        self.outcome.setPlaceholderText("What was done, e.g. 'Seen by GP; metformin started'")
        self.outcome.setTabChangesFocus(True)
        about = QLabel(f"{row.family_name.upper()}, {row.given_name}: {row.action}")
        about.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Date done:", self.done_on)
        form.addRow("&Outcome:", self.outcome)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def values(self) -> tuple[date, str]:
        d = self.done_on.date()
        return date(d.year(), d.month(), d.day()), self.outcome.toPlainText()


class FollowUpsScreen(QWidget):
    patient_selected = Signal(int)
    loaded = Signal(int)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None, *,
                 load_now: bool = True) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._runner = TaskRunner(1, self)
        self._generation = 0
        self.rows: list[FollowUpRow] = []

        self.practice = QComboBox()
        self.practice.setAccessibleName("Practice")
        self.show_filter = QComboBox()
        self.show_filter.setAccessibleName("Which follow-ups")
        for choice in FollowUpFilter:
            self.show_filter.addItem(choice.label, choice.value)
        self.model = TextTableModel(HEADERS)
        self.table = QTableView()
        configure_list_table(
            self.table, self.model, "Open follow-ups",
            "One open follow-up action per row, soonest due first; overdue ones say how many "
            "days. Press Enter to open the patient's record.", _SAMPLES)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Number of follow-ups shown")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Follow-up status")
        self.mark_done = QPushButton("&Mark done…")
        self.mark_done.setAccessibleName("Record the selected follow-up as done")
        self.refresh = QPushButton("&Refresh")
        self.refresh.setAccessibleName("Refresh follow-ups")

        controls = QHBoxLayout()
        for text, widget in (("&Practice:", self.practice), ("&Show:", self.show_filter)):
            label = QLabel(text)
            label.setBuddy(widget)
            controls.addWidget(label)
            controls.addWidget(widget, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.mark_done)
        bottom.addWidget(self.refresh)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(bottom)

        self.practice.currentIndexChanged.connect(self.load)
        self.show_filter.currentIndexChanged.connect(self.load)
        self.refresh.clicked.connect(self.reload)
        self.mark_done.clicked.connect(self.mark_selected_done)
        self.table.activated.connect(self._activated)
        if load_now:
            self.reload()

    def _fill_practices(self) -> None:
        chosen = self.practice.currentData()
        self.practice.blockSignals(True)
        self.practice.clear()
        self.practice.addItem("All practices", None)
        for p in list_practices(self._ctx.new_uow()):
            self.practice.addItem(f"{p.name} ({p.code})", p.code)
        self.practice.setCurrentIndex(max(self.practice.findData(chosen), 0))
        self.practice.blockSignals(False)

    def query(self) -> FollowUpQuery:
        return FollowUpQuery(as_of=self._ctx.today(), practice_code=self.practice.currentData(),
                             show=FollowUpFilter(self.show_filter.currentData()))

    def reload(self) -> None:
        self._fill_practices()
        self.load()

    def load(self) -> None:
        self._generation += 1
        query, ctx = self.query(), self._ctx

        def job(_progress: Progress, cancel: CancelToken) -> list[FollowUpRow]:
            rows = []
            for row in open_follow_ups(ctx.new_uow(), query):
                rows.append(row)
                if len(rows) % 5000 == 0:
                    cancel.raise_if_cancelled()
            return rows

        task = Task(job, tag=self._generation)
        task.succeeded.connect(self._loaded)
        task.failed.connect(self._load_failed)
        self.count_label.setText("Loading follow-ups…")
        self._runner.run(task)

    def _current(self) -> bool:
        """Is the task whose outcome this is the latest load (not a superseded one)?"""
        task = self.sender()
        return isinstance(task, Task) and task.tag == self._generation

    def _load_failed(self, exc: object) -> None:
        if self._current():
            self.count_label.setText(f"Could not read the follow-ups: {exc}")

    def _loaded(self, rows: object) -> None:
        if not self._current() or not isinstance(rows, list):
            return  # a newer load has started since
        self.rows = rows
        self.model.set_rows([_cells(r) for r in rows])
        overdue = sum(1 for r in rows if r.overdue)
        self.count_label.setText(f"{len(rows):,} open follow-ups, {overdue:,} overdue.")
        self.mark_done.setEnabled(bool(rows))
        self.loaded.emit(len(rows))

    def selected(self) -> FollowUpRow | None:
        index = self.table.currentIndex()
        return self.rows[index.row()] if index.isValid() else None

    def mark_selected_done(self) -> None:
        row = self.selected()
        if row is None:
            self.message.setText("Choose a follow-up in the list first.")
            return
        dialog = MarkDoneDialog(row, self._ctx.today(), self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.save_done(row, *dialog.values())

    def save_done(self, row: FollowUpRow, done_on: date, outcome: str) -> bool:
        try:
            complete_follow_up(self._ctx.new_uow(), row.follow_up_id, done_on, outcome,
                               row.version, self._ctx.today())
        except FollowUpChanged as exc:
            self.message.setText(str(exc))
            self.load()
            return False
        except ValueError as exc:
            self.message.setText(str(exc))
            return False
        self.message.setText(f"Recorded as done: {row.family_name.upper()}, {row.given_name} "
                             f"({format_uk_date(done_on)}).")
        self.load()
        return True

    def _activated(self, index: QModelIndex) -> None:
        if 0 <= index.row() < len(self.rows):
            self.patient_selected.emit(self.rows[index.row()].patient_id)

    def shutdown(self, timeout_ms: int = -1) -> bool:
        return self._runner.shutdown(timeout_ms)
