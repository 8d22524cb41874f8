"""QOF for practice managers: the mental health indicators for a year, practices side by side,
with points and money, a chart against the thresholds, drill-down to the patients still
outstanding and, for any of them, why they are in or out of each indicator.

The summary reads the whole register, so it runs off the GUI thread; drill-down lists do too.
Exports (PDF, XLSX, CSV) are written off the GUI thread as well.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from facilitator_app.domain.access import Permission
from facilitator_app.domain.checks import RecallStatus
from facilitator_app.domain.dates import QofYear, format_uk_date
from facilitator_app.domain.money import format_pounds
from facilitator_app.domain.nhs_number import format_nhs_number
from facilitator_app.domain.qof.evaluate import PCA_REASONS, State
from facilitator_app.domain.qof.rules import available_years
from facilitator_app.services.caseload import list_practices
from facilitator_app.services.jobs import CancelToken, Progress
from facilitator_app.services.qof import (
    NATIONAL_PHC_TARGET,
    IndicatorResult,
    OutstandingPatient,
    PracticeQof,
    QofSummary,
    outstanding_patients,
    patient_qof,
    qof_summary,
)
from facilitator_app.services.qof_export import export_qof
from ui import status_style
from ui.context import UiContext, can
from ui.list_table import configure_list_table
from ui.models.text_table import Cell, TextTableModel
from ui.practice_choice import fill_practices
from ui.tasks import Task, TaskRunner
from ui.widgets.achievement_chart import AchievementChart, Bar
from ui.widgets.exports import ExportStatus, export_path
from ui.widgets.fields import date_edit, to_date, wrapped

SUMMARY_HEADERS = ("Practice", "Indicator", "Denominator", "Exceptions", "Numerator",
                   "Achievement", "Thresholds", "Points", "Still available", "£ earned",
                   "£ still available", "Outstanding", "Due this month", "Points if seen")
OUTSTANDING_HEADERS = ("NHS number", "Name", "Date of birth", "Outstanding", "Still needs")
WHY_HEADERS = ("Indicator", "Outcome", "Why")
_STATE_COLOURS = {State.OUTSTANDING: status_style.BACKGROUND[RecallStatus.OVERDUE],
                  State.ACHIEVED: status_style.BACKGROUND[RecallStatus.DONE]}


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def _summary_cells(summary: QofSummary, p: PracticeQof, r: IndicatorResult) -> list[Cell]:
    ind = r.indicator
    breakdown = "\n".join(f"{PCA_REASONS[k]}: {n:,}" for k, n in r.exceptions.items() if n)
    short = r.achievement is not None and ind.lower is not None and r.achievement <= ind.lower
    return [
        Cell(p.code), Cell(ind.id, tooltip=ind.title, bold=True), Cell(f"{r.denominator:,}"),
        Cell(f"{r.excepted:,}", tooltip=breakdown or "No exceptions"), Cell(f"{r.numerator:,}"),
        Cell(_percent(r.achievement),
             status_style.BACKGROUND[RecallStatus.OVERDUE] if short else None),
        Cell(f"{ind.lower:g}–{ind.upper:g}%", tooltip=ind.source),
        Cell(f"{r.points:.2f} of {ind.points:g}"), Cell(f"{r.points_available:.2f}"),
        Cell(format_pounds(r.pence(r.points))), Cell(format_pounds(r.pence(r.points_available))),
        Cell(f"{r.outstanding:,}"), Cell(f"{r.due_this_month:,}"),
        Cell("—" if summary.produced_on > summary.ref else f"{r.points_if_due_seen:.2f}"),
    ]


class QofScreen(QWidget):
    patient_selected = Signal(int)
    loaded = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None, *,
                 load_now: bool = True) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._runner = TaskRunner(1, self)
        self._generation = 0
        self.summary: QofSummary | None = None
        self._rows: list[tuple[PracticeQof, IndicatorResult]] = []
        self._outstanding: list[OutstandingPatient] = []

        self.year = QComboBox()
        self.year.setAccessibleName("QOF year")
        today = ctx.today()
        for year in reversed(available_years()):
            self.year.addItem(year.label, year.start_year)
        self.year.setCurrentIndex(max(0, self.year.findData(QofYear.containing(today).start_year)))
        self.practice = QComboBox()
        self.practice.setAccessibleName("Practice")
        self.as_of = date_edit(today, "Records up to")
        self.as_of.setToolTip("A finished QOF year is read to 31 March; a running year as it "
                              "stands on this date.")
        self.refresh = QPushButton("&Refresh")
        self.refresh.setAccessibleName("Refresh the summary")
        self.headline = QLabel("Choose a year to see the summary.")
        self.headline.setWordWrap(True)
        self.headline.setAccessibleName("Practice summary")

        self.summary_model = TextTableModel(SUMMARY_HEADERS)
        self.summary_table = QTableView()
        configure_list_table(
            self.summary_table, self.summary_model, "QOF indicators",
            "One row per practice and indicator: denominator, exceptions, numerator, "
            "achievement, points and money. Select a row to list the patients outstanding.",
            {0: "Z99999", 1: "MH000", 2: "99,999", 3: "9,999", 4: "99,999", 5: "100.0%",
             6: "50–90%", 7: "9.99 of 9", 8: "9.99", 9: "£9,999.99", 10: "£9,999.99",
             11: "99,999", 12: "99,999", 13: "9.99"})
        self.chart = AchievementChart()

        self.outstanding_label = QLabel("Select an indicator to see who still needs it.")
        self.outstanding_label.setWordWrap(True)
        self.outstanding_model = TextTableModel(OUTSTANDING_HEADERS)
        self.outstanding_table = QTableView()
        configure_list_table(
            self.outstanding_table, self.outstanding_model, "Patients outstanding",
            "Patients in the selected indicator's denominator who have not achieved it. "
            "Select one to see why.",
            {0: "999 999 9999", 1: "WWWWWWWWWW, Wwwwwww", 2: "00/00/0000", 3: "MH000 MH000"})
        self.outstanding_table.horizontalHeader().setStretchLastSection(True)
        self.why_model = TextTableModel(WHY_HEADERS)
        self.why_table = QTableView()
        configure_list_table(self.why_table, self.why_model, "Why in or out",
                             "For the selected patient, each indicator's outcome and the rule "
                             "and dated record behind it.",
                             {0: "MH000", 1: "not in denominator"})
        self.why_table.horizontalHeader().setStretchLastSection(True)
        self.open_record = QPushButton("&Open record")
        self.open_record.setAccessibleName("Open the selected patient's record")
        self.open_record.setEnabled(False)

        self.sources = wrapped(name="Where these numbers come from")
        sources_box = QGroupBox("Where these numbers come from")
        sources_box.setCheckable(True)
        sources_box.setAccessibleName("Show where these numbers come from")
        sources_box.setChecked(False)
        sources_box.toggled.connect(self.sources.setVisible)
        self.sources.setVisible(False)
        QVBoxLayout(sources_box).addWidget(self.sources)

        self.export_pdf = QPushButton("Export &PDF…")
        self.export_xlsx = QPushButton("Export &XLSX…")
        self.export_csv = QPushButton("Export &CSV…")
        for button, kind in ((self.export_pdf, "PDF"), (self.export_xlsx, "XLSX"),
                             (self.export_csv, "CSV")):
            button.setAccessibleName(f"Export the summary as {kind}")
        self.message = wrapped(name="Export status", selectable=False)
        self._exports = ExportStatus(self._runner, self.message, "Written to {path}.",
                                     "Could not export: {exc}", self,
                                     identifiable=can(ctx, Permission.VIEW_REGISTER))

        self._lay_out(sources_box)
        self.year.currentIndexChanged.connect(self.load)
        self.practice.currentIndexChanged.connect(self.load)
        self.refresh.clicked.connect(self.reload)
        self.summary_table.selectionModel().currentRowChanged.connect(self._indicator_chosen)
        self.outstanding_table.selectionModel().currentRowChanged.connect(self._patient_chosen)
        self.outstanding_table.activated.connect(lambda _i: self._open_record())
        self.open_record.clicked.connect(self._open_record)
        self.export_pdf.clicked.connect(lambda: self.export("pdf"))
        self.export_xlsx.clicked.connect(lambda: self.export("xlsx"))
        self.export_csv.clicked.connect(lambda: self.export("csv"))
        if load_now:
            self.reload()

    def _lay_out(self, sources_box: QGroupBox) -> None:
        controls = QHBoxLayout()
        for text, widget in (("&Year:", self.year), ("Pr&actice:", self.practice),
                             ("Records &up to:", self.as_of)):
            label = QLabel(text)
            label.setBuddy(widget)
            controls.addWidget(label)
            controls.addWidget(widget, 1 if widget is self.practice else 0)
        controls.addWidget(self.refresh)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.headline)
        top_layout.addWidget(self.summary_table, 1)
        top_layout.addWidget(self.chart)
        bottom = QWidget()
        bottom_layout = QHBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        left = QVBoxLayout()
        left.addWidget(self.outstanding_label)
        left.addWidget(self.outstanding_table, 1)
        right = QVBoxLayout()
        right.addWidget(QLabel("Why in or out:"))
        right.addWidget(self.why_table, 1)
        right.addWidget(self.open_record)
        bottom_layout.addLayout(left, 1)
        bottom_layout.addLayout(right, 1)
        bottom.setVisible(can(self._ctx, Permission.VIEW_REGISTER))  # patient lists and why
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setChildrenCollapsible(False)
        split.setStretchFactor(0, 3)  # the indicators are what people come for
        split.setStretchFactor(1, 2)
        split.setSizes([700, 260])  # scaled to the real height: the indicators get most of it
        exports = QHBoxLayout()
        exports.addWidget(self.message, 1)
        for button in (self.export_pdf, self.export_xlsx, self.export_csv):
            exports.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(split, 1)
        layout.addWidget(sources_box)
        layout.addLayout(exports)

    # -- the summary ---------------------------------------------------------------------------

    def chosen_year(self) -> QofYear:
        return QofYear(int(self.year.currentData()))

    def chosen_as_of(self) -> date:
        return to_date(self.as_of)

    def reload(self) -> None:
        fill_practices(self.practice, list_practices(self._ctx.new_uow()))
        self.load()

    def load(self) -> None:
        if self.year.currentData() is None:
            return
        self._generation += 1
        year, practice, as_of, ctx = (self.chosen_year(), self.practice.currentData(),
                                      self.chosen_as_of(), self._ctx)

        def job(_progress: Progress, _cancel: CancelToken) -> QofSummary:
            return qof_summary(ctx.new_uow(), year, ctx.today(), practice_code=practice,
                               as_of=min(as_of, year.end))

        task = Task(job, tag=self._generation)
        task.succeeded.connect(self._summary_loaded)
        task.failed.connect(self._failed)
        self.headline.setText(f"Working out QOF {year.label}…")
        self._runner.run(task)

    def _current(self) -> bool:
        task = self.sender()
        return isinstance(task, Task) and task.tag == self._generation

    def _failed(self, exc: object) -> None:
        if self._current():
            self.headline.setText(f"Could not work out the summary: {exc}")

    def _summary_loaded(self, summary: object) -> None:
        if not self._current() or not isinstance(summary, QofSummary):
            return
        self.summary = summary
        # grouped by indicator, practices side by side within each
        self._rows = [(p, p.indicators[i]) for i in range(len(summary.rules.scored))
                      for p in summary.practices]
        self.summary_model.set_rows([_summary_cells(summary, p, r) for p, r in self._rows])
        self.headline.setText(self._headline(summary))
        first = summary.practices[0] if summary.practices else None
        self.chart.set_bars([Bar(f"{r.indicator.id}", r.achievement, r.indicator.lower or 0,
                                 r.indicator.upper or 100)
                             for r in (first.indicators if first else ())])
        rules = summary.rules
        self.sources.setText("<br>".join(
            [f"Business rules {rules.business_rules}; value of a point: "
             f"{rules.point_value_source}"]
            + [f"<b>{i.id}</b> ({i.points:g} points): {i.source}" for i in rules.indicators]
            + list(rules.notes)))
        self.outstanding_model.set_rows([])
        self.why_model.set_rows([])
        self.loaded.emit()

    def _headline(self, summary: QofSummary) -> str:
        lines = [f"QOF {summary.year.label}: achievement date {format_uk_date(summary.ref)}, "
                 f"records up to {format_uk_date(summary.as_of)}. Chart: "
                 f"{summary.practices[0].code if summary.practices else 'no practice'}."]
        for p in summary.practices:
            lines.append(
                f"{p.name} ({p.code}): register {p.register:,}; indicator cohort "
                f"{p.cohort:,}; national check measure {p.phc_all_six:,} "
                f"({_percent(p.phc_percent)}, target {NATIONAL_PHC_TARGET:.0f}%); points "
                f"{p.points:.2f} of {p.max_points:g} "
                f"({format_pounds(summary.pence(p.points))}); {p.patients_outstanding:,} "
                "patients still need something.")
        return "\n".join(lines)

    # -- drill-down ----------------------------------------------------------------------------

    def _indicator_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid() or self.summary is None:
            return
        practice, result = self._rows[current.row()]
        self.show_outstanding(practice.code, result.indicator.id)

    def show_outstanding(self, practice_code: str, indicator_id: str) -> None:
        assert self.summary is not None
        if not can(self._ctx, Permission.VIEW_REGISTER):  # a commissioner: totals only
            self.outstanding_label.setText("Your account sees totals only, not who they are.")
            return
        year, as_of, ctx = self.summary.year, self.summary.as_of, self._ctx

        def job(_progress: Progress, _cancel: CancelToken) -> list[OutstandingPatient]:
            return list(outstanding_patients(ctx.new_uow(), year, ctx.today(),
                                             practice_code=practice_code,
                                             indicator_id=indicator_id, as_of=as_of))

        task = Task(job, tag=(practice_code, indicator_id))
        task.succeeded.connect(self._outstanding_loaded)
        self.outstanding_label.setText(f"Reading who still needs {indicator_id}…")
        self._runner.run(task)

    def _outstanding_loaded(self, rows: object) -> None:
        task = self.sender()
        if not isinstance(rows, list) or not isinstance(task, Task):
            return
        practice_code, indicator_id = task.tag if isinstance(task.tag, tuple) else ("", "")
        self._outstanding = rows
        self.outstanding_model.set_rows([
            [Cell(format_nhs_number(r.nhs_number)),
             Cell(f"{r.family_name.upper()}, {r.given_name}"),
             Cell(format_uk_date(r.date_of_birth)), Cell(" ".join(r.outstanding)),
             Cell(", ".join(r.needs))] for r in rows])
        self.outstanding_label.setText(f"{len(rows):,} patients at {practice_code} still need "
                                       f"{indicator_id} (for the practice only: identifiable).")
        self.why_model.set_rows([])
        self.open_record.setEnabled(False)

    def _patient_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and self.summary is not None:
            self.show_why(self._outstanding[current.row()].patient_id)

    def show_why(self, patient_id: int) -> None:
        """Quick (one patient's records), so it stays on the GUI thread."""
        assert self.summary is not None
        result = patient_qof(self._ctx.new_uow(), patient_id, self.summary.year,
                             self._ctx.today(), as_of=self.summary.as_of)
        self.why_model.set_rows([[Cell(o.indicator, bold=True),
                                  Cell(o.state.value, _STATE_COLOURS.get(o.state)),
                                  Cell(o.reason, tooltip=o.reason)]
                                 for o in result.outcomes])
        self.open_record.setEnabled(True)

    def _open_record(self) -> None:
        index = self.outstanding_table.currentIndex()
        if index.isValid():
            self.patient_selected.emit(self._outstanding[index.row()].patient_id)

    # -- exports -------------------------------------------------------------------------------

    def export(self, fmt: str, path: Path | None = None) -> Task | None:
        if self.summary is None:
            return None
        out = export_path(self, f"Export the QOF summary as {fmt.upper()}",
                          f"qof-{self.summary.year.start_year}.{fmt}", fmt, path)
        if out is None:
            return None
        year, practice, as_of, ctx = (self.summary.year, self.practice.currentData(),
                                      self.summary.as_of, self._ctx)

        def job(_progress: Progress, _cancel: CancelToken) -> Path:
            export_qof(ctx.new_uow, year, ctx.today(), out, practice_code=practice,
                       as_of=as_of)
            return out

        note = " It lists patients: for the practice only." if fmt == "xlsx" else ""
        return self._exports.run(job, f"Writing {out.name}…{note}")

    def shutdown(self, timeout_ms: int = -1) -> bool:
        return self._runner.shutdown(timeout_ms)
