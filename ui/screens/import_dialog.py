"""Importing a practice extract: choose the file, see how its columns will be read, check or
import it off the GUI thread with progress and Cancel, and read (and save) every problem.

The import is all or nothing (services/imports.py), so Cancel, a problem in row 90,000 or
closing the dialog all leave the register exactly as it was.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from facilitator_app.domain.checks import RecallStatus
from facilitator_app.domain.import_format import COLUMNS, ImportKind
from facilitator_app.render.tabular import write_csv
from facilitator_app.services.imports import (
    ERROR_HEADERS,
    ImportReport,
    error_rows,
    import_file,
    preview_file,
)
from facilitator_app.services.jobs import CancelToken, Progress
from ui import status_style
from ui.context import UiContext
from ui.models.text_table import Cell, TextTableModel
from ui.tasks import Task, TaskRunner

KIND_LABELS = {ImportKind.REGISTER: "Register (patients, diagnoses, lithium)",
               ImportKind.RESULTS: "Results (check readings)"}


def _table(model: TextTableModel, name: str) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setWordWrap(True)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return view


class ImportDialog(QDialog):
    """``imported`` is emitted after a file has been written, so screens can reload."""

    imported = Signal(object)  # the ImportReport

    def __init__(self, ctx: UiContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._runner = runner
        self._task: Task | None = None
        self._report: ImportReport | None = None
        self.setWindowTitle("Import a practice extract")
        self.setMinimumWidth(720)
        self.resize(960, 820)

        self.kind = QComboBox()
        for kind, label in KIND_LABELS.items():
            self.kind.addItem(label, kind.value)
        self.kind.setAccessibleName("What the file holds")
        self.path = QLineEdit()
        self.path.setAccessibleName("File to import")
        self.path.setPlaceholderText("Choose a CSV file…")
        browse = QPushButton("&Browse…")
        browse.setAccessibleName("Choose the file")
        browse.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("&Kind:", self.kind)
        file_label = QLabel("&File:")
        file_label.setBuddy(self.path)  # a row holding a layout gets no buddy by itself
        form.addRow(file_label, file_row)

        self.file_info = QLabel()
        self.file_info.setWordWrap(True)
        self.mapping_model = TextTableModel(("Column in the file", "Read as"))
        self.mapping_view = _table(self.mapping_model, "How the columns will be read")
        self.preview_model = TextTableModel(())
        self.preview_view = _table(self.preview_model, "First rows of the file")

        self.progress = QProgressBar()
        self.progress.setAccessibleName("Import progress")
        self.progress.setVisible(False)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAccessibleName("Import result")
        self.error_model = TextTableModel(ERROR_HEADERS)
        self.error_view = _table(self.error_model, "Problems found in the file")
        self.error_view.setVisible(False)

        self.check_button = QPushButton("&Check only")
        self.check_button.setToolTip("Read and check every row; write nothing")
        self.import_button = QPushButton("&Import")
        self.import_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel import")
        self.cancel_button.setVisible(False)
        self.save_errors_button = QPushButton("&Save problems as CSV…")
        self.save_errors_button.setVisible(False)
        close = QPushButton("Close")
        self.check_button.clicked.connect(lambda: self.start(dry_run=True))
        self.import_button.clicked.connect(lambda: self.start(dry_run=False))
        self.cancel_button.clicked.connect(self.cancel)
        self.save_errors_button.clicked.connect(self._save_errors)
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        for button in (self.check_button, self.import_button, self.cancel_button,
                       self.save_errors_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.file_info)
        layout.addWidget(QLabel("How the columns will be read:"))
        layout.addWidget(self.mapping_view, 1)
        layout.addWidget(QLabel("First rows:"))
        layout.addWidget(self.preview_view, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addWidget(self.error_view, 2)
        layout.addLayout(buttons)

        self.kind.currentIndexChanged.connect(self.refresh_preview)
        self.path.editingFinished.connect(self.refresh_preview)
        self._set_ready(False)

    # -- choosing and previewing ---------------------------------------------------------------

    @property
    def selected_kind(self) -> ImportKind:
        return ImportKind(self.kind.currentData())

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Choose a practice extract", "",
                                              "CSV files (*.csv *.txt);;All files (*)")
        if name:
            self.set_file(Path(name))

    def set_file(self, path: Path) -> None:
        self.path.setText(str(path))
        self.refresh_preview()

    def refresh_preview(self) -> None:
        """Reading the first rows is quick (the whole file is read once, nothing parsed past the
        preview), so it stays on the GUI thread."""
        self._show_report(None)
        text = self.path.text().strip()
        if not text:
            self._set_ready(False)
            return
        try:
            preview = preview_file(self.selected_kind, Path(text))
        except (OSError, ValueError) as exc:
            self.file_info.setText(f"Cannot read this file: {exc}")
            self.mapping_model.set_rows([])
            self.preview_model = TextTableModel(())
            self.preview_view.setModel(self.preview_model)
            self._set_ready(False)
            return
        separator = {",": "commas", ";": "semicolons", "\t": "tabs"}[preview.delimiter]
        problems = preview.mapping.problems()
        self.file_info.setText(
            f"Read as {preview.encoding} text separated by {separator}. "
            + (" ".join(p.capitalize() + "." for p in problems) if problems else
               "Every required column was found.")
            + self._required_hint())
        warn = status_style.BACKGROUND[RecallStatus.OVERDUE] if problems else None
        self.mapping_model.set_rows([
            [Cell(header), Cell(read_as, background=warn if read_as.startswith("not") else None)]
            for header, read_as in preview.mapping.preview()
        ] + [[Cell(f"(missing) {name}", background=warn), Cell("required: add this column")]
             for name in preview.mapping.missing])
        self.preview_model = TextTableModel(preview.mapping.headers)
        self.preview_model.set_rows([[Cell(c) for c in row[: len(preview.mapping.headers)]]
                                     + [Cell("")] * (len(preview.mapping.headers) - len(row))
                                     for row in preview.rows])
        self.preview_view.setModel(self.preview_model)
        self._set_ready(preview.mapping.ok)

    def _required_hint(self) -> str:
        required = [c.name for c in COLUMNS[self.selected_kind] if c.required]
        return f" Required: {', '.join(required)}."

    def _set_ready(self, ready: bool) -> None:
        self.check_button.setEnabled(ready)
        self.import_button.setEnabled(ready)

    # -- running -------------------------------------------------------------------------------

    def start(self, *, dry_run: bool) -> Task:
        kind, path, ctx = self.selected_kind, Path(self.path.text().strip()), self._ctx

        def job(progress: Progress, cancel: CancelToken) -> ImportReport:
            return import_file(ctx.new_uow(), kind, path, ctx.today(), dry_run=dry_run,
                               progress=progress, cancel=cancel)

        task = Task(job)
        task.progress.connect(self._progress)
        task.succeeded.connect(self._finished)
        task.failed.connect(self._failed)
        task.cancelled.connect(self._cancelled)
        self._task = task
        self._show_report(None)
        self.summary.setText("Checking every row…" if dry_run else "Importing…")
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self._set_ready(False)
        self._runner.run(task)
        return task

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _progress(self, done: int, total: int) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _done(self) -> None:
        self._task = None
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self._set_ready(True)

    def _finished(self, report: object) -> None:
        self._done()
        assert isinstance(report, ImportReport)
        self._show_report(report)
        if report.written:
            self.imported.emit(report)

    def _failed(self, exc: object) -> None:
        self._done()
        self.summary.setText(f"The import stopped: {exc}. Nothing was imported.")

    def _cancelled(self) -> None:
        self._done()
        self.summary.setText("Import cancelled. Nothing was imported.")

    def _show_report(self, report: ImportReport | None) -> None:
        self._report = report
        errors = report.errors if report else ()
        self.summary.setText(report.summary() if report else "")
        self.error_model.set_rows([[Cell(c) for c in row] for row in error_rows(errors)])
        self.error_view.setVisible(bool(errors))
        self.save_errors_button.setVisible(bool(errors))

    def _save_errors(self) -> None:
        if self._report is None:
            return
        name, _ = QFileDialog.getSaveFileName(self, "Save the problems", "import-problems.csv",
                                              "CSV files (*.csv)")
        if name:
            self.save_errors(Path(name))

    def save_errors(self, path: Path) -> int:
        assert self._report is not None
        with path.open("w", newline="", encoding="utf-8") as out:
            return write_csv(ERROR_HEADERS, error_rows(self._report.errors), out)

    def done(self, result: int) -> None:
        """Closing while an import runs cancels it: the transaction rolls back."""
        self.cancel()
        super().done(result)
