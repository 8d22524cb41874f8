"""The caseload: find a patient by practice, name or NHS number and recall status.

Counting and paging are indexed queries that answer in milliseconds even on a large register,
so they run on the GUI thread; only the search box is debounced, so typing a name does not run
a query per keystroke.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from facilitator_app.domain.access import Permission
from facilitator_app.services.caseload import caseload_page, count_caseload, list_practices
from facilitator_app.services.ports import CaseloadFilter, CaseloadQuery, CaseloadRow
from ui.context import UiContext, can
from ui.list_table import configure_list_table
from ui.models.caseload_model import CaseloadModel, Column
from ui.practice_choice import fill_practices

SEARCH_DELAY_MS = 250

# Widest text each column usually holds: widths follow the user's font and scale, not pixels.
_COLUMN_SAMPLES = {
    Column.NHS_NUMBER: "000 000 0000",
    Column.NAME: "MCLAUGHLIN, Christopher",
    Column.DATE_OF_BIRTH: "Date of birth",
    Column.PRACTICE: "Z99999",
    Column.STATUS: "Up to date + follow-up",
    Column.NEXT_DUE: "never done",
}


def patients_text(count: int) -> str:
    return f"{count:,} patient" + ("" if count == 1 else "s")


class CaseloadScreen(QWidget):
    """Emits ``patient_selected(patient_id)`` whenever the current row changes, by mouse or
    keyboard, so the patient panel follows the cursor."""

    patient_selected = Signal(int)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.model = CaseloadModel(self._count, self._page)

        self.practice = QComboBox()
        self.practice.setAccessibleName("Practice")
        self.practice.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.practice.setMinimumContentsLength(24)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search family name or NHS number")
        self.search.setAccessibleName("Search")
        self.search.setAccessibleDescription(
            "Type the start of a family name, or the first digits of an NHS number."
        )
        self.search.setClearButtonEnabled(True)

        self.status = QComboBox()
        self.status.setAccessibleName("Status")
        for choice in CaseloadFilter:
            self.status.addItem(choice.label, choice)

        self.table = QTableView()
        self._setup_table()

        self.count_label = QLabel()
        self.count_label.setAccessibleName("Number of patients shown")

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)

        self._lay_out()
        self._connect()
        self._fill_practices()
        self._update_count()

    # -- building ------------------------------------------------------------------------------

    def _setup_table(self) -> None:
        table = self.table
        configure_list_table(
            table, self.model, "Caseload",
            "Patients on the SMI register, one per row, with their health check status. "
            "Arrow keys, Page Up, Page Down, Home and End move through the list; the selected "
            "patient's record is shown beside it.",
            _COLUMN_SAMPLES,
        )
        header = table.horizontalHeader()
        header.setSortIndicator(Column.NAME, Qt.SortOrder.AscendingOrder)
        table.setSortingEnabled(True)
        # Names keep their width (they are what people scan for); Status takes what is left.
        header.setSectionResizeMode(Column.STATUS, QHeaderView.ResizeMode.Stretch)
        metrics = table.fontMetrics()
        header.setMinimumSectionSize(metrics.horizontalAdvance("NameMM"))

    def _lay_out(self) -> None:
        practice_label = QLabel("&Practice:")
        practice_label.setBuddy(self.practice)
        search_label = QLabel("&Search:")
        search_label.setBuddy(self.search)
        status_label = QLabel("S&tatus:")
        status_label.setBuddy(self.status)

        filters = QGridLayout()
        filters.addWidget(practice_label, 0, 0)
        filters.addWidget(self.practice, 0, 1, 1, 3)
        filters.addWidget(search_label, 1, 0)
        filters.addWidget(self.search, 1, 1)
        filters.addWidget(status_label, 1, 2)
        filters.addWidget(self.status, 1, 3)
        filters.setColumnStretch(1, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)

        QWidget.setTabOrder(self.practice, self.search)
        QWidget.setTabOrder(self.search, self.status)
        QWidget.setTabOrder(self.status, self.table)

    def _connect(self) -> None:
        self.practice.currentIndexChanged.connect(self._apply_filters)
        self.status.currentIndexChanged.connect(self._apply_filters)
        self.search.textChanged.connect(self._search_timer.start)
        self._search_timer.timeout.connect(self._apply_filters)
        self.model.modelReset.connect(self._update_count)
        self.table.selectionModel().currentRowChanged.connect(self._current_row_changed)
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.activated.connect(self.focus_search)

    # -- data ----------------------------------------------------------------------------------

    def _count(self, query: CaseloadQuery) -> int:
        if not can(self._ctx, Permission.VIEW_REGISTER):
            return 0  # a commissioner's window has no caseload tab to fill
        return count_caseload(self._ctx.new_uow(), query, self._ctx.today())

    def _page(self, query: CaseloadQuery, offset: int, limit: int, total: int) -> list[CaseloadRow]:
        if not can(self._ctx, Permission.VIEW_REGISTER):
            return []
        return caseload_page(self._ctx.new_uow(), query, self._ctx.today(), offset, limit, total)

    def _fill_practices(self) -> None:
        fill_practices(self.practice, list_practices(self._ctx.new_uow()),
                       lambda p: f"{p.name} ({p.code}) — {patients_text(p.patient_count)}")

    def reload(self) -> None:
        """Read practices and patients again, e.g. after the demo register was built."""
        self._fill_practices()
        self._search_timer.stop()
        self.model.set_query(self._query_from_controls())

    def _query_from_controls(self) -> CaseloadQuery:
        return replace(
            self.model.query,
            practice_code=self.practice.currentData() or None,
            text=self.search.text().strip(),
            status=CaseloadFilter(self.status.currentData() or CaseloadFilter.ALL),
        )

    def _apply_filters(self) -> None:
        self._search_timer.stop()
        query = self._query_from_controls()
        if query != self.model.query:
            self.model.set_query(query)

    def _update_count(self) -> None:
        self.count_label.setText(patients_text(self.model.rowCount()))

    # -- selection and keyboard ----------------------------------------------------------------

    def _current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        patient_id = self.model.patient_id(current.row())
        if patient_id is not None:
            self.patient_selected.emit(patient_id)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()
