"""The outcomes report: care episodes discharged in a period, grouped by intervention, by step
or by provider, with the NHS Talking Therapies counts and rates (domain.md §5.2): finished
courses, caseness at the start, recovery, reliable improvement, reliable recovery and reliable
deterioration. Aggregates only: no patient is named, so it can go to commissioners.

The report counts across the whole register, so it is worked out off the GUI thread, and so
are the CSV and XLSX exports.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from facilitator_app.domain.dates import QofYear, format_uk_date
from facilitator_app.domain.outcomes import (
    FINISHED_MIN_ATTENDED,
    GAD7_CASENESS,
    GAD7_RELIABLE_CHANGE,
    PHQ9_CASENESS,
    PHQ9_RELIABLE_CHANGE,
)
from facilitator_app.services.audit import note_export
from facilitator_app.services.jobs import CancelToken, Progress
from facilitator_app.services.outcomes_report import (
    HEADERS,
    OutcomeBy,
    OutcomeReport,
    outcomes_report,
    report_rows,
    write_outcomes_report,
)
from ui.context import UiContext
from ui.list_table import configure_list_table
from ui.models.text_table import Cell, TextTableModel
from ui.screens.letters_dialog import documents_folder
from ui.tasks import Task, TaskRunner
from ui.widgets.exports import ExportStatus, export_path
from ui.widgets.fields import date_edit, date_typing_timer, qdate, to_date, wrapped

GROUP_LABELS = {OutcomeBy.INTERVENTION: "Intervention", OutcomeBy.STEP: "Step",
                OutcomeBy.PROVIDER: "Provider"}
GROUP_HELP = {
    OutcomeBy.INTERVENTION: "One row per kind of intervention (guided self-help, behavioural "
                            "activation…); an episode with several counts under each.",
    OutcomeBy.STEP: "One row per stepped-care step the interventions were delivered at.",
    OutcomeBy.PROVIDER: "One row per provider: who delivered the intervention (the "
                        "facilitator when no one else is named).",
}

DEFINITIONS = (
    "Episodes count in the period they were discharged. Finished: ≥ "
    f"{FINISHED_MIN_ATTENDED} attended sessions. Recovery: among finished courses at caseness "
    f"at the start (PHQ-9 ≥ {PHQ9_CASENESS} or GAD-7 ≥ {GAD7_CASENESS}), last PHQ-9 < "
    f"{PHQ9_CASENESS} and last GAD-7 < {GAD7_CASENESS}. Reliable improvement: PHQ-9 falls ≥ "
    f"{PHQ9_RELIABLE_CHANGE} or GAD-7 falls ≥ {GAD7_RELIABLE_CHANGE}, and neither rises as "
    "much. Rates use first and last scores (paired); “n/a” where there is nothing to divide by."
)

# Widest text each column usually holds (the group label, then counts and "100.0 %").
_SAMPLES = {0: "Guided self-help (CBT-based)", **dict.fromkeys(range(1, len(HEADERS)), "100.0 %")}


def _two_lines(header: str) -> str:
    """Long headings on two lines, split at the space nearest the middle that is not inside
    brackets ("Finished" over "(≥ 2 attended)"), so thirteen columns fit across at 125 % text."""
    if len(header) <= 12:
        return header
    depth, spaces = 0, []
    for i, ch in enumerate(header):
        depth += (ch == "(") - (ch == ")")
        if ch == " " and depth == 0:
            spaces.append(i)
    if not spaces:
        return header
    cut = min(spaces, key=lambda i: abs(i - len(header) // 2))
    return f"{header[:cut]}\n{header[cut + 1:]}"


def default_period(today: date) -> tuple[date, date]:
    """The QOF (financial) year, 1 April to 31 March, that today falls in."""
    year = QofYear.containing(today)
    return year.start, year.end


class OutcomesScreen(QWidget):
    """A tab. ``loaded`` after every report read (for tests); ``export(fmt, path)`` writes the
    report shown (``path`` given: no file dialog)."""

    loaded = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None, *,
                 load_now: bool = True) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._runner = TaskRunner(1, self)  # one report or export at a time, in order
        self._generation = 0
        self.report: OutcomeReport | None = None
        start, end = default_period(ctx.today())

        self.start = date_edit(start, "Episodes discharged from",
                               "dd/mm/yyyy: the first day of the period")
        self.end = date_edit(end, "Episodes discharged to",
                             "dd/mm/yyyy: the last day of the period")
        self.by = QComboBox()
        self.by.setAccessibleName("Group by")
        for choice in OutcomeBy:
            self.by.addItem(GROUP_LABELS[choice], choice.value)
            self.by.setItemData(self.by.count() - 1, GROUP_HELP[choice],
                                Qt.ItemDataRole.ToolTipRole)
        self.this_year = QPushButton("This &QOF year")
        self.this_year.setAccessibleName("Set the period to this QOF year, 1 April to 31 March")
        self.refresh = QPushButton("&Refresh")
        self.refresh.setAccessibleName("Refresh the report")

        self.definitions = wrapped(DEFINITIONS, name="How the outcomes are defined")
        self.headline = wrapped("Not worked out yet.", name="Report", selectable=False)
        self.model = TextTableModel([_two_lines(h) for h in HEADERS])
        self.table = QTableView()
        configure_list_table(
            self.table, self.model, "Outcomes",
            "One row per group and a last row for all episodes: episodes ended, finished "
            "courses, caseness at the start, and the number and percentage recovered, reliably "
            "improved, reliably recovered and reliably deteriorated. No patient is named.",
            _SAMPLES)
        self._size_columns()

        self.export_csv = QPushButton("Export &CSV…")
        self.export_xlsx = QPushButton("Export &XLSX…")
        for button, kind in ((self.export_csv, "CSV"), (self.export_xlsx, "XLSX")):
            button.setAccessibleName(f"Export the report as {kind}")
            button.setEnabled(False)
        self.message = wrapped("Counts only: no patient identifiers, on screen or in exports.",
                               name="Export status", selectable=False)
        self._exports = ExportStatus(
            self._runner, self.message,
            "Written to {path} (counts only: no patient identifiers).",
            "Could not export: {exc}", self)
        self._date_timer = date_typing_timer(self)

        self._lay_out()
        self.by.currentIndexChanged.connect(self.load)
        self.start.dateChanged.connect(self._date_timer.start)
        self.end.dateChanged.connect(self._date_timer.start)
        self._date_timer.timeout.connect(self.load)
        self.this_year.clicked.connect(self.set_this_year)
        self.refresh.clicked.connect(self.reload)
        self.export_csv.clicked.connect(lambda: self.export("csv"))
        self.export_xlsx.clicked.connect(lambda: self.export("xlsx"))
        if load_now:  # the main window loads it when its tab is first shown
            self.reload()

    def _size_columns(self) -> None:
        """Each column as wide as its sample or the longer line of its heading."""
        header = self.table.horizontalHeader()
        metrics, header_metrics = self.table.fontMetrics(), header.fontMetrics()
        padding = metrics.horizontalAdvance("M")  # not sortable: no room for an arrow needed
        for column, sample in _SAMPLES.items():
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal) or "")
            widest = max(header_metrics.horizontalAdvance(part) for part in title.split("\n"))
            header.resizeSection(column, max(metrics.horizontalAdvance(sample), widest)
                                 + padding)
        header.setStretchLastSection(False)

    def _lay_out(self) -> None:
        controls = QHBoxLayout()
        for text, widget in (("&From:", self.start), ("&To:", self.end),
                             ("&Group by:", self.by)):
            label = QLabel(text)
            label.setBuddy(widget)
            controls.addWidget(label)
            controls.addWidget(widget)
        controls.addWidget(self.this_year)
        controls.addStretch(1)
        controls.addWidget(self.refresh)
        exports = QHBoxLayout()
        exports.addWidget(self.message, 1)
        exports.addWidget(self.export_csv)
        exports.addWidget(self.export_xlsx)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.definitions)
        layout.addWidget(self.headline)
        layout.addWidget(self.table, 1)
        layout.addLayout(exports)
        for first, second in ((self.start, self.end), (self.end, self.by),
                              (self.by, self.this_year), (self.this_year, self.refresh),
                              (self.refresh, self.table), (self.table, self.export_csv),
                              (self.export_csv, self.export_xlsx)):
            QWidget.setTabOrder(first, second)

    # -- the report (off the GUI thread) ---------------------------------------------------------

    def chosen_by(self) -> OutcomeBy:
        return OutcomeBy(self.by.currentData())

    def set_period(self, start: date, end: date) -> None:
        """Set both dates (for tests and the QOF-year button); reload with ``reload``."""
        for edit, d in ((self.start, start), (self.end, end)):
            edit.blockSignals(True)
            edit.setDate(qdate(d))
            edit.blockSignals(False)

    def set_this_year(self) -> None:
        self.set_period(*default_period(self._ctx.today()))
        self.load()

    def reload(self) -> None:
        self.load()

    def load(self) -> None:
        self._date_timer.stop()
        self._generation += 1
        start, end, by, ctx = to_date(self.start), to_date(self.end), self.chosen_by(), self._ctx

        def job(_progress: Progress, _cancel: CancelToken) -> OutcomeReport:
            return outcomes_report(ctx.new_uow(), start, end, by)

        task = Task(job, tag=self._generation)
        task.succeeded.connect(self._loaded)
        task.failed.connect(self._failed)
        self.headline.setText(f"Working out the outcomes of episodes discharged "
                              f"{format_uk_date(start)} to {format_uk_date(end)}…")
        self._runner.run(task)

    def _current(self) -> bool:
        task = self.sender()
        return isinstance(task, Task) and task.tag == self._generation

    def _failed(self, exc: object) -> None:
        if self._current():
            self.report = None
            self.model.set_rows([])
            self._enable_exports()
            self.headline.setText(f"Could not work out the report: {exc}")
            self.loaded.emit()

    def _loaded(self, report: object) -> None:
        if not self._current() or not isinstance(report, OutcomeReport):
            return
        self.report = report
        rows = list(report_rows(report))
        total_at = len(rows) - 1 if report.total is not None else -1  # the last row
        self.model.set_rows([[Cell(str(value), bold=i == total_at) for value in row]
                             for i, row in enumerate(rows)])
        if report.total is None:
            self.headline.setText(f"{report.title}: no episode was discharged in this "
                                  "period.")
        else:
            r = report.total.rates
            self.headline.setText(f"{report.title}: {r.episodes:,} episodes, {r.finished:,} "
                                  f"finished, {r.paired:,} with paired scores.")
        self._enable_exports()
        self.loaded.emit()

    def _enable_exports(self) -> None:
        for button in (self.export_csv, self.export_xlsx):
            button.setEnabled(self.report is not None)

    # -- exports ---------------------------------------------------------------------------------

    def export(self, fmt: str, path: Path | None = None) -> Task | None:
        """Write the report shown as ``fmt`` ("csv" or "xlsx") off the GUI thread; None when
        there is no report yet or the user cancels the file dialog."""
        report = self.report
        if report is None:
            return None
        suggested = (f"outcomes-by-{report.by.value}-{report.start:%Y%m%d}-"
                     f"{report.end:%Y%m%d}.{fmt}")
        out = export_path(self, f"Export the outcomes report as {fmt.upper()}",
                          str(documents_folder() / suggested), fmt, path)
        if out is None:
            return None

        new_uow = self._ctx.new_uow

        def job(_progress: Progress, _cancel: CancelToken) -> Path:
            write_outcomes_report(report, out)
            note_export(new_uow(), "outcomes_report", len(report.groups), out.suffix,
                        identifiable=False)
            return out

        return self._exports.run(job, f"Writing {out.name}…")

    def shutdown(self, timeout_ms: int = -1) -> bool:
        self._date_timer.stop()
        return self._runner.shutdown(timeout_ms)
