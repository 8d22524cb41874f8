"""Open follow-ups across the caseload: which action is due for whom, soonest due first, and
recording one as done with its outcome.

Counting and paging are indexed queries, read a page at a time as rows are shown, so they run
on the GUI thread as the caseload's do: with 150,000 open follow-ups on SQLite a count takes
4-80 ms and a page 2-60 ms. Saving is a single-row update. If someone else changed the
follow-up since the list was read, the screen says so and reloads instead of overwriting.
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
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from facilitator_app.domain.dates import format_uk_date
from facilitator_app.services.caseload import list_practices
from facilitator_app.services.follow_ups import (
    FollowUpChanged,
    FollowUpFilter,
    FollowUpQuery,
    FollowUpRow,
    complete_follow_up,
    count_open_follow_ups,
    count_overdue_follow_ups,
    follow_up_page,
)
from ui.context import UiContext
from ui.list_table import configure_list_table
from ui.models.follow_up_model import Column, FollowUpModel
from ui.practice_choice import fill_practices

# Widest text each column usually holds: widths follow the user's font and scale, not pixels.
_COLUMN_SAMPLES = {
    Column.DUE: "00/00/0000",
    Column.STATE: "Overdue by 999 days",
    Column.PRACTICE: "Z99999",
    Column.NHS_NUMBER: "000 000 0000",
    Column.NAME: "MCLAUGHLIN, Christopher",
    Column.ASSIGNED_TO: "Facilitator",
    Column.ACTION: "GP review: confirm with ambulatory or home BP",
    Column.RESULT: "HbA1c 52 mmol/mol on 00/00/0000",
}


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


class MarkDoneDialog(QDialog):
    """Date done (dd/mm/yyyy; not after today, nor before the result that raised it) and what
    was done. Save stays disabled until an outcome is typed."""

    def __init__(self, row: FollowUpRow, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Record follow-up as done")
        about = QLabel(f"{row.family_name.upper()}, {row.given_name} ({row.practice_code}): "
                       f"{row.action}, due {format_uk_date(row.due_on)}.")
        about.setWordWrap(True)
        self.done_on = QDateEdit(_qdate(today))
        self.done_on.setDisplayFormat("dd/MM/yyyy")
        self.done_on.setCalendarPopup(True)
        self.done_on.setMaximumDate(_qdate(today))
        if row.result_on is not None and row.result_on <= today:
            self.done_on.setMinimumDate(_qdate(row.result_on))
        self.done_on.setAccessibleName("Date done")
        self.done_on.setAccessibleDescription("dd/mm/yyyy, today or earlier")
        self.outcome = QPlainTextEdit()
        self.outcome.setAccessibleName("Outcome")
        self.outcome.setPlaceholderText("What was done, e.g. seen by GP, metformin started")
        self.outcome.setTabChangesFocus(True)
        form = QFormLayout()
        done_label = QLabel("&Date done:")
        done_label.setBuddy(self.done_on)
        outcome_label = QLabel("&Outcome:")
        outcome_label.setBuddy(self.outcome)
        form.addRow(done_label, self.done_on)
        form.addRow(outcome_label, self.outcome)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(False)
        self.outcome.textChanged.connect(
            lambda: save.setEnabled(bool(self.outcome.toPlainText().strip())))
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.outcome.setFocus()

    def values(self) -> tuple[date, str]:
        d = self.done_on.date()
        return date(d.year(), d.month(), d.day()), self.outcome.toPlainText().strip()


def ask_done(parent: QWidget, row: FollowUpRow, today: date) -> tuple[date, str] | None:
    """Ask when it was done and what was done; None if the user cancels."""
    dialog = MarkDoneDialog(row, today, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.values()


class FollowUpsScreen(QWidget):
    """Emits ``patient_selected(patient_id)`` when a row is activated (Enter or double-click),
    so the main window can open that patient's record, and ``follow_up_done(patient_id)`` after
    one is recorded as done, so other views of that patient (open follow-ups, "+ follow-up" in
    the caseload) can refresh."""

    patient_selected = Signal(int)
    follow_up_done = Signal(int)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None, *,
                 load_now: bool = True) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.model = FollowUpModel(self._count, self._page)

        self.practice = QComboBox()
        self.practice.setAccessibleName("Practice")
        self.practice.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.practice.setMinimumContentsLength(24)
        self.show_filter = QComboBox()
        self.show_filter.setAccessibleName("Which follow-ups")
        for choice in FollowUpFilter:
            self.show_filter.addItem(choice.label, choice.value)

        self.table = QTableView()
        configure_list_table(
            self.table, self.model, "Open follow-ups",
            "One open follow-up action per row, soonest due first, with its state in words. "
            "Press Enter to open the patient's record, or Mark done to record it as done.",
            _COLUMN_SAMPLES)
        # the action is what people read; it takes the spare width (and has a tooltip)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(Column.ACTION, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)

        self.count_label = QLabel()
        self.count_label.setAccessibleName("Number of follow-ups shown")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Last action")
        self.mark_done = QPushButton("&Mark done…")
        self.mark_done.setAccessibleName("Mark the selected follow-up done")
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setAccessibleName("Refresh the follow-ups")

        self._lay_out()
        self.practice.currentIndexChanged.connect(self._apply_filters)
        self.show_filter.currentIndexChanged.connect(self._apply_filters)
        self.refresh_button.clicked.connect(self.reload)
        self.mark_done.clicked.connect(self.mark_selected_done)
        self.table.activated.connect(self._activated)
        self.table.selectionModel().currentRowChanged.connect(self._update_buttons)
        self.model.modelReset.connect(self._update_count)
        if load_now:  # the main window loads it when its tab is first shown
            self.reload()

    def _lay_out(self) -> None:
        controls = QHBoxLayout()
        for text, widget in (("&Practice:", self.practice), ("&Show:", self.show_filter)):
            label = QLabel(text)
            label.setBuddy(widget)
            controls.addWidget(label)
            controls.addWidget(widget, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.mark_done)
        bottom.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(bottom)
        QWidget.setTabOrder(self.practice, self.show_filter)
        QWidget.setTabOrder(self.show_filter, self.table)
        QWidget.setTabOrder(self.table, self.mark_done)
        QWidget.setTabOrder(self.mark_done, self.refresh_button)

    # -- data ----------------------------------------------------------------------------------

    def _count(self, query: FollowUpQuery) -> int:
        return count_open_follow_ups(self._ctx.new_uow(), query)

    def _page(self, query: FollowUpQuery, offset: int, limit: int,
              total: int) -> list[FollowUpRow]:
        return follow_up_page(self._ctx.new_uow(), query, offset, limit, total)

    def _fill_practices(self) -> None:
        fill_practices(self.practice, list_practices(self._ctx.new_uow()))

    def query(self) -> FollowUpQuery:
        """Today's date is read each time, so a screen left open overnight counts correctly."""
        return FollowUpQuery(as_of=self._ctx.today(),
                             practice_code=self.practice.currentData() or None,
                             show=FollowUpFilter(self.show_filter.currentData()))

    def reload(self) -> None:
        """Read practices and follow-ups again, e.g. after a check was recorded."""
        self._fill_practices()
        self._apply_filters()

    def _apply_filters(self) -> None:
        self.model.set_query(self.query())
        self._update_buttons()

    def _update_count(self) -> None:
        shown = self.model.rowCount()
        query = self.model.query
        overdue = (count_overdue_follow_ups(self._ctx.new_uow(), query)
                   if query is not None and shown else 0)
        text = f"{shown:,} open follow-up" + ("" if shown == 1 else "s")
        if query is not None and query.show is not FollowUpFilter.OVERDUE:
            text += f", {overdue:,} overdue"
        self.count_label.setText(text + ".")

    def _update_buttons(self) -> None:
        self.mark_done.setEnabled(self.selected() is not None)

    # -- selection and marking done ------------------------------------------------------------

    def selected(self) -> FollowUpRow | None:
        index = self.table.currentIndex()
        return self.model.row(index.row()) if index.isValid() else None

    def mark_selected_done(self) -> None:
        row = self.selected()
        if row is None:
            self.message.setText("Choose a follow-up in the list first.")
            return
        answer = ask_done(self, row, self._ctx.today())
        if answer is not None:
            self.save_done(row, *answer)

    def save_done(self, row: FollowUpRow, done_on: date, outcome: str) -> bool:
        """Record ``row`` as done at the version it was read; reload whatever happens, so the
        list shows what is really open now."""
        at = self.table.currentIndex().row()
        try:
            complete_follow_up(self._ctx.new_uow(), row.follow_up_id, done_on, outcome,
                               row.version, today=self._ctx.today())
        except FollowUpChanged as exc:
            self.message.setText(f"Not saved. {exc}")
            self._reload_at(at)
            return False
        except ValueError as exc:
            self.message.setText(f"Not saved. {exc}")
            return False
        self.message.setText(f"Recorded as done on {format_uk_date(done_on)}: "
                             f"{row.family_name.upper()}, {row.given_name}, {row.action}.")
        self._reload_at(at)
        self.follow_up_done.emit(row.patient_id)
        return True

    def _reload_at(self, at: int) -> None:
        """Reload and keep the cursor on the same line, which now holds the next follow-up."""
        self.model.refresh()
        if self.model.rowCount():
            self.table.selectRow(min(max(at, 0), self.model.rowCount() - 1))
        self._update_buttons()

    def _activated(self, index: QModelIndex) -> None:
        row = self.model.row(index.row())
        if row is not None:
            self.patient_selected.emit(row.patient_id)

    def shutdown(self, timeout_ms: int = -1) -> bool:
        """Nothing runs in the background here (every read is a quick indexed query); kept so
        the main window can close every screen alike."""
        del timeout_ms
        return True
