"""The recall worklist screen: who needs which check element, now or before 31 March.

The worklist is one set-based query over the whole register (a second or so on 100,000
patients), so it runs off the GUI thread: the screen stays responsive, and a change of practice,
date or year while a load is running cancels it and starts again. Exports write the rows on
screen (what you see is what you get) on the same background pool.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import cast

from PySide6.QtCore import QDate, QModelIndex, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from facilitator_app.domain.checks import CORE_ELEMENTS, ELEMENT_LABELS
from facilitator_app.domain.dates import QofYear
from facilitator_app.services.audit import IDENTIFIABLE_EXPORT_WARNING, note_export
from facilitator_app.services.caseload import list_practices
from facilitator_app.services.jobs import CancelToken, Progress
from facilitator_app.services.worklist import (
    ExportFormat,
    WorklistQuery,
    WorklistRow,
    WorklistSummary,
    recall_worklist,
    worklist_summary,
    write_worklist,
)
from ui.context import UiContext
from ui.list_table import configure_list_table
from ui.models import worklist_model as columns
from ui.models.worklist_model import WorklistModel
from ui.practice_choice import fill_practices
from ui.tasks import Task, TaskRunner

RELOAD_DELAY_MS = 300  # typing a date fires a change per keystroke; wait for a pause
CANCEL_EVERY = 1000  # rows between cancel checks while loading
YEARS_BACK = 3

# Widest text each column usually holds: widths follow the user's font and scale, not pixels.
_SAMPLES = {
    columns.PRACTICE: "Z99999",
    columns.NHS_NUMBER: "000 000 0000",
    columns.NAME: "MCLAUGHLIN, Christopher",
    columns.DATE_OF_BIRTH: "Date of birth",
    **{columns.FIRST_ELEMENT + i: "Overdue (due 00/00/0000)" for i in range(len(CORE_ELEMENTS))},
    columns.OUTSTANDING: "Outstanding",
    columns.NEEDED: "Blood pressure, Lipids, Glucose",
    columns.OLDEST_DUE: "Never recorded",
}


Loaded = tuple[list[WorklistRow], WorklistSummary]


def _to_date(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def _to_qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def count_text(shown: int, summary: WorklistSummary | None, outstanding_only: bool) -> str:
    patients = f"{shown:,} patient" + ("" if shown == 1 else "s")
    if summary is None:
        return patients
    if outstanding_only:
        text = (f"{patients} with checks outstanding, of {summary.cohort:,} who should have "
                "SMI physical health checks")
    else:
        text = f"{patients} who should have SMI physical health checks"
    needed = [f"{ELEMENT_LABELS[e]} {n:,}" for e, n in summary.needed_by_element.items() if n]
    if needed:
        text += ". Not yet recorded this QOF year: " + ", ".join(needed)
    return text + "."


class WorklistScreen(QWidget):
    """Emits ``patient_selected(patient_id)`` when a row is activated (double-click or Enter),
    and ``loaded(row_count)`` each time a load finishes."""

    patient_selected = Signal(int)
    loaded = Signal(int)
    exported = Signal(str)  # the file written

    def __init__(self, ctx: UiContext, parent: QWidget | None = None, *,
                 load_now: bool = True) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._runner = TaskRunner(1, self)  # one load or export at a time, in order
        self._loading: Task | None = None
        self._generation = 0
        self._summary: WorklistSummary | None = None
        self._shown_query: WorklistQuery | None = None
        today = ctx.today()
        self.model = WorklistModel(QofYear.containing(today))

        self.practice = QComboBox()
        self.practice.setAccessibleName("Practice")
        self.practice.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.practice.setMinimumContentsLength(24)

        self.as_of = QDateEdit(_to_qdate(today))
        self.as_of.setDisplayFormat("dd/MM/yyyy")
        self.as_of.setCalendarPopup(True)
        self.as_of.setAccessibleName("As of date")
        self.as_of.setAccessibleDescription("Recall is worked out as on this date.")

        self.year = QComboBox()
        self.year.setAccessibleName("QOF year")
        self.year.addItem("Year containing the as-of date", None)
        current = QofYear.containing(today).start_year
        for start in range(current + 1, current - YEARS_BACK - 1, -1):
            self.year.addItem(QofYear(start).label, start)

        self.include_done = QCheckBox("&Include patients with nothing outstanding")

        self.table = QTableView()
        self._setup_table()

        self.count_label = QLabel()
        self.count_label.setAccessibleName("Number of patients shown")
        self.count_label.setWordWrap(True)
        self.message = QLabel()
        self.message.setAccessibleName("Export status")
        self.message.setWordWrap(True)

        self.export_csv = QPushButton("Export &CSV…")
        self.export_csv.setAccessibleName("Export CSV")
        self.export_xlsx = QPushButton("Export &XLSX…")
        self.export_xlsx.setAccessibleName("Export XLSX")
        self.refresh = QPushButton("&Refresh")
        self.refresh.setAccessibleName("Refresh worklist")

        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)

        self._lay_out()
        self._connect()
        if load_now:  # the main window waits until the tab is first shown
            self.reload()

    # -- building ------------------------------------------------------------------------------

    def _setup_table(self) -> None:
        configure_list_table(
            self.table, self.model, "Recall worklist",
            "One patient per row, most check elements outstanding first, then the longest "
            "overdue. Each element column says its state in words. Press Enter to open the "
            "patient's record.",
            _SAMPLES,
        )
        self.table.horizontalHeader().setStretchLastSection(True)  # care adjustments

    def _lay_out(self) -> None:
        practice_label = QLabel("&Practice:")
        practice_label.setBuddy(self.practice)
        as_of_label = QLabel("&As of:")
        as_of_label.setBuddy(self.as_of)
        year_label = QLabel("QOF &year:")
        year_label.setBuddy(self.year)

        filters = QGridLayout()
        filters.addWidget(practice_label, 0, 0)
        filters.addWidget(self.practice, 0, 1, 1, 3)
        filters.addWidget(as_of_label, 1, 0)
        filters.addWidget(self.as_of, 1, 1)
        filters.addWidget(year_label, 1, 2)
        filters.addWidget(self.year, 1, 3)
        filters.addWidget(self.include_done, 2, 1, 1, 3)
        filters.setColumnStretch(1, 1)
        filters.setColumnStretch(3, 1)

        buttons = QHBoxLayout()
        buttons.addWidget(self.count_label, 1)
        buttons.addWidget(self.refresh)
        buttons.addWidget(self.export_csv)
        buttons.addWidget(self.export_xlsx)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)

        order = [self.practice, self.as_of, self.year, self.include_done, self.table,
                 self.refresh, self.export_csv, self.export_xlsx]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def _connect(self) -> None:
        self.practice.currentIndexChanged.connect(self.load)
        self.year.currentIndexChanged.connect(self.load)
        self.include_done.toggled.connect(self.load)
        self.as_of.dateChanged.connect(self._reload_timer.start)
        self._reload_timer.timeout.connect(self.load)
        self.refresh.clicked.connect(self.reload)
        self.export_csv.clicked.connect(lambda: self.export(ExportFormat.CSV))
        self.export_xlsx.clicked.connect(lambda: self.export(ExportFormat.XLSX))
        self.table.activated.connect(self._activated)

    def _fill_practices(self) -> None:
        fill_practices(self.practice, list_practices(self._ctx.new_uow()))

    def query(self) -> WorklistQuery:
        start = self.year.currentData()
        return WorklistQuery(
            as_of=_to_date(self.as_of.date()),
            year=QofYear(start) if start is not None else None,
            practice_code=self.practice.currentData() or None,
            outstanding_only=not self.include_done.isChecked(),
        )

    def reload(self) -> None:
        """Read practices and the worklist again, e.g. after new results were imported."""
        self._fill_practices()
        self.load()

    def load(self) -> None:
        """Start reading the worklist for the controls' query; a load already running is
        cancelled and its result, should it still arrive, ignored."""
        self._reload_timer.stop()
        if self._loading is not None:
            self._loading.cancel()
        self._generation += 1
        generation = self._generation
        query = self.query()
        ctx = self._ctx

        def job(_progress: Progress, cancel: CancelToken) -> Loaded:
            rows: list[WorklistRow] = []
            for row in recall_worklist(ctx.new_uow(), query):
                rows.append(row)
                if len(rows) % CANCEL_EVERY == 0:
                    cancel.raise_if_cancelled()
            cancel.raise_if_cancelled()
            return rows, worklist_summary(ctx.new_uow(), query)

        task = Task(job, tag=(generation, query))
        task.succeeded.connect(self._loaded)
        task.failed.connect(self._load_failed)
        self._loading = task
        self.count_label.setText("Loading the worklist…")
        self._set_exports_enabled(False)
        self._runner.run(task)

    def _current_load(self) -> WorklistQuery | None:
        """The query of the load whose outcome this is, if it is still the latest."""
        task = self.sender()
        if not isinstance(task, Task) or not isinstance(task.tag, tuple):
            return None
        generation, query = task.tag
        return query if generation == self._generation else None

    def _loaded(self, result: object) -> None:
        query = self._current_load()
        if query is None:
            return  # a newer load has started since
        rows, summary = cast(Loaded, result)
        self._loading = None
        self._summary = summary
        self._shown_query = query
        self.model.set_rows(rows, query.qof_year)
        self.count_label.setText(count_text(len(rows), summary, query.outstanding_only))
        self._set_exports_enabled(bool(rows))
        self.loaded.emit(len(rows))

    def _load_failed(self, exc: object) -> None:
        if self._current_load() is None:
            return
        self._loading = None
        self.count_label.setText(f"Could not read the worklist: {exc}")

    def _set_exports_enabled(self, enabled: bool) -> None:
        self.export_csv.setEnabled(enabled)
        self.export_xlsx.setEnabled(enabled)

    @property
    def is_loading(self) -> bool:
        return self._loading is not None

    # -- export --------------------------------------------------------------------------------

    def _default_file_name(self, fmt: ExportFormat) -> str:
        query = self._shown_query or self.query()
        practice = query.practice_code or "all-practices"
        return f"recall-{practice}-{query.as_of.isoformat()}.{fmt.value}"

    def export(self, fmt: ExportFormat) -> None:
        """Ask where, then write the rows on screen there, off the GUI thread."""
        kind = "CSV files (*.csv)" if fmt is ExportFormat.CSV else "Excel workbooks (*.xlsx)"
        chosen, _filter = QFileDialog.getSaveFileName(
            self, f"Export the worklist as {fmt.value.upper()}",
            self._default_file_name(fmt), kind,
        )
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() != f".{fmt.value}":
            path = path.with_name(path.name + f".{fmt.value}")
        rows = list(self.model.rows)
        year = self.model.year

        new_uow = self._ctx.new_uow

        def job(progress: Progress, cancel: CancelToken) -> int:
            written = write_worklist(rows, year, path, fmt, progress=progress, cancel=cancel)
            note_export(new_uow(), "worklist", written, fmt.value, identifiable=True)
            return written

        task = Task(job)
        task.tag = path
        task.succeeded.connect(self._exported)
        task.failed.connect(self._export_failed)
        self.message.setText(f"Exporting {len(rows):,} patients to {path.name}…")
        self._runner.run(task)

    def _exported(self, count: object) -> None:
        task = self.sender()
        path = task.tag if isinstance(task, Task) else ""
        self.message.setText(f"Exported {count:,} patients to {path}. "
                             f"{IDENTIFIABLE_EXPORT_WARNING}")
        self.exported.emit(str(path))

    def _export_failed(self, exc: object) -> None:
        self.message.setText(f"Could not export: {exc}")

    # -- rows ----------------------------------------------------------------------------------

    def _activated(self, index: QModelIndex) -> None:
        row = self.model.row(index.row())
        if row is not None:
            self.patient_selected.emit(row.patient_id)

    def shutdown(self, timeout_ms: int = -1) -> bool:
        """Cancel a running load or export and wait for it (call before quitting)."""
        return self._runner.shutdown(timeout_ms)

