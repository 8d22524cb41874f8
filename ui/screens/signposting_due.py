"""Signpostings to follow up: every patient signposted to a local service whose follow-up date
has come (on or before the "as of" date) and who has no final outcome yet, longest overdue
first; recording the outcome of one (the same form as the patient's signposting dialog).

The list reads across the whole register, so it is read off the GUI thread; saving an outcome
is a single-row update and stays on it. If someone else changed the signposting since the
list was read, the outcome form says so and nothing is saved.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from facilitator_app.domain.dates import format_uk_date
from facilitator_app.domain.nhs_number import format_nhs_number
from facilitator_app.domain.signposting import (
    CATEGORY_LABELS,
    OUTCOME_LABELS,
    ServiceCategory,
    SignpostOutcome,
)
from facilitator_app.services.caseload import list_practices
from facilitator_app.services.jobs import CancelToken, Progress
from facilitator_app.services.signposting import SignpostingDue, signpostings_due
from ui.context import UiContext
from ui.list_table import configure_list_table
from ui.models.text_table import Cell, TextTableModel
from ui.practice_choice import fill_practices
from ui.screens.signpost_dialog import OutcomeDialog, OutcomeTarget
from ui.tasks import Task, TaskRunner
from ui.widgets.fields import date_edit, date_typing_timer, to_date, wrapped

HEADERS = ("Follow-up date", "Practice", "NHS number", "Name", "Service", "Category",
           "Signposted", "Outcome")
_SAMPLES = {0: "00/00/0000", 1: "Z99999", 2: "000 000 0000", 3: "MCLAUGHLIN, Christopher",
            4: "Anytown Stop Smoking Service", 5: "NHS Talking Therapies", 6: "00/00/0000",
            7: "No outcome yet"}
NAME_COLUMN = 3


def _cells(row: SignpostingDue, as_of: date) -> list[Cell]:
    late = (as_of - row.follow_up_on).days
    when = ("Due on the as-of date" if late == 0 else
            f"{late} day{'' if late == 1 else 's'} before the as-of date")
    outcome = OUTCOME_LABELS[SignpostOutcome(row.outcome)] if row.outcome else "No outcome yet"
    return [Cell(format_uk_date(row.follow_up_on), tooltip=when), Cell(row.practice_code),
            Cell(format_nhs_number(row.nhs_number)),
            Cell(f"{row.family_name.upper()}, {row.given_name}"), Cell(row.service_name),
            Cell(CATEGORY_LABELS[ServiceCategory(row.category)]),
            Cell(format_uk_date(row.signposted_on)), Cell(outcome)]


class SignpostingDueScreen(QWidget):
    """A tab. ``patient_selected(patient_id)`` when a row is activated (Enter or double-click);
    ``signposting_changed(patient_id)`` after an outcome is saved, so that patient's record can
    refresh; ``loaded`` after every list read (for tests). ``record_outcome()`` opens the
    outcome form for the selected row as ``outcome_dialog``."""

    patient_selected = Signal(int)
    signposting_changed = Signal(int)
    loaded = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None, *,
                 load_now: bool = True) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._runner = TaskRunner(1, self)
        self._generation = 0
        self.rows: list[SignpostingDue] = []
        self.shown_as_of: date | None = None
        self.outcome_dialog: OutcomeDialog | None = None
        self._keep_selection: int | None = None

        self.practice = QComboBox()
        self.practice.setAccessibleName("Practice")
        self.practice.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.practice.setMinimumContentsLength(24)
        self.as_of = date_edit(ctx.today(), "Follow-ups due by",
                               "dd/mm/yyyy: lists follow-ups dated on or before this day")
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setAccessibleName("Refresh the signpostings to follow up")
        self.model = TextTableModel(HEADERS)
        self.table = QTableView()
        configure_list_table(
            self.table, self.model, "Signpostings to follow up",
            "One signposting per row, longest overdue first: patients signposted to a local "
            "service whose follow-up date has come and who have no final outcome. Press Enter "
            "to open the patient's record, or Record outcome.", _SAMPLES)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.count_label = QLabel("Not read yet.")
        self.count_label.setAccessibleName("Number of signpostings shown")
        self.count_label.setWordWrap(True)
        self.message = wrapped(name="Last action")
        self.record_button = QPushButton("Record &outcome…")
        self.record_button.setAccessibleName("Record the outcome of the selected signposting")
        self.open_button = QPushButton("Op&en record")
        self.open_button.setAccessibleName("Open the selected patient's record")

        self._date_timer = date_typing_timer(self)

        self._lay_out()
        self.practice.currentIndexChanged.connect(self.load)
        self.as_of.dateChanged.connect(self._date_timer.start)
        self._date_timer.timeout.connect(self.load)
        self.refresh_button.clicked.connect(self.reload)
        self.record_button.clicked.connect(self.record_outcome)
        self.open_button.clicked.connect(self._open_selected)
        self.table.activated.connect(self._activated)
        self.table.selectionModel().currentRowChanged.connect(self._update_buttons)
        self._update_buttons()
        if load_now:  # the main window loads it when its tab is first shown
            self.reload()

    def _lay_out(self) -> None:
        controls = QHBoxLayout()
        for text, widget in (("&Practice:", self.practice), ("Follow-ups due &by:", self.as_of)):
            label = QLabel(text)
            label.setBuddy(widget)
            controls.addWidget(label)
            controls.addWidget(widget, 1 if widget is self.practice else 0)
        controls.addWidget(self.refresh_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.open_button)
        bottom.addWidget(self.record_button)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(bottom)
        for first, second in ((self.practice, self.as_of), (self.as_of, self.refresh_button),
                              (self.refresh_button, self.table), (self.table, self.open_button),
                              (self.open_button, self.record_button)):
            QWidget.setTabOrder(first, second)

    # -- reading (off the GUI thread) ------------------------------------------------------------

    def chosen_as_of(self) -> date:
        return to_date(self.as_of)

    def reload(self) -> None:
        """Read the practices again, then the list."""
        fill_practices(self.practice, list_practices(self._ctx.new_uow()))
        self.load()

    def load(self) -> None:
        self._date_timer.stop()
        self._generation += 1
        as_of, practice, ctx = self.chosen_as_of(), self.practice.currentData(), self._ctx

        def job(_progress: Progress, _cancel: CancelToken) -> list[SignpostingDue]:
            return signpostings_due(ctx.new_uow(), as_of, practice)

        task = Task(job, tag=(self._generation, as_of))
        task.succeeded.connect(self._loaded)
        task.failed.connect(self._failed)
        self.count_label.setText("Reading the signpostings to follow up…")
        self._runner.run(task)

    def _current_as_of(self) -> date | None:
        """The as-of date of the load this outcome is from, if it is still the latest."""
        task = self.sender()
        if not isinstance(task, Task) or not isinstance(task.tag, tuple):
            return None
        generation, as_of = task.tag
        return as_of if generation == self._generation and isinstance(as_of, date) else None

    def _failed(self, exc: object) -> None:
        if self._current_as_of() is not None:
            self.count_label.setText(f"Could not read the list: {exc}")
            self.loaded.emit()

    def _loaded(self, rows: object) -> None:
        as_of = self._current_as_of()
        if as_of is None or not isinstance(rows, list):
            return
        keep = self._keep_selection
        self._keep_selection = None
        self.rows = rows
        self.shown_as_of = as_of
        self.model.set_rows([_cells(r, as_of) for r in rows])
        count = len(rows)
        overdue = sum(1 for r in rows if r.follow_up_on < as_of)
        where = self.practice.currentText() if self.practice.currentData() else "all practices"
        self.count_label.setText(
            f"{count:,} signposting{'' if count == 1 else 's'} to follow up by "
            f"{format_uk_date(as_of)} ({where}); {overdue:,} of them were due before that day.")
        if rows and keep is not None:
            self.table.selectRow(min(keep, len(rows) - 1))
        self._update_buttons()
        self.loaded.emit()

    # -- selection -------------------------------------------------------------------------------

    def selected(self) -> SignpostingDue | None:
        index = self.table.currentIndex()
        return self.rows[index.row()] if index.isValid() and index.row() < len(self.rows) \
            else None

    def _update_buttons(self, *_args: QModelIndex) -> None:
        chosen = self.selected() is not None
        self.record_button.setEnabled(chosen)
        self.open_button.setEnabled(chosen)

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid() and index.row() < len(self.rows):
            self.patient_selected.emit(self.rows[index.row()].patient_id)

    def _open_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self.patient_selected.emit(row.patient_id)

    # -- recording an outcome --------------------------------------------------------------------

    def record_outcome(self) -> OutcomeDialog | None:
        """Open the outcome form for the selected row (window-modal), at the version read."""
        row = self.selected()
        if row is None:
            self.message.setText("Choose a signposting in the list first.")
            return None
        dialog = OutcomeDialog(self._ctx, OutcomeTarget.from_due(row), self)
        dialog.editor.saved.connect(self._outcome_saved)
        dialog.finished.connect(self._outcome_closed)
        self.outcome_dialog = dialog
        dialog.open()
        return dialog

    def _outcome_saved(self, patient_id: int) -> None:
        dialog = self.outcome_dialog
        if dialog is not None:
            self.message.setText(f"{dialog.editor.message.text()} "
                                 f"({dialog.editor.target.about})")
        self._keep_selection = self.table.currentIndex().row()  # the next one, after reload
        self.load()
        self.signposting_changed.emit(patient_id)

    def _outcome_closed(self) -> None:
        self.outcome_dialog = None

    def shutdown(self, timeout_ms: int = -1) -> bool:
        self._date_timer.stop()
        return self._runner.shutdown(timeout_ms)
