"""Physical health review letters for a practice, as a batch: the patients checked in a date
range or those whose check is due, one merged PDF or a folder of one PDF per patient.

The batch (services/letters.py ``run_letter_batch``) runs off the GUI thread with progress and
Cancel; on Cancel, an error or closing the dialog, the service removes every file the batch
wrote, so a half-finished batch never looks like a finished one.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from facilitator_app.domain.dates import QofYear
from facilitator_app.services.audit import IDENTIFIABLE_EXPORT_WARNING
from facilitator_app.services.caseload import UnknownPractice, list_practices
from facilitator_app.services.jobs import CancelToken, Progress
from facilitator_app.services.letters import (
    LetterBatch,
    LetterBatchOutcome,
    LetterKind,
    run_letter_batch,
)
from ui.context import UiContext
from ui.tasks import Task, TaskRunner
from ui.widgets.fields import close_button, date_edit, to_date, wrapped, wrapping_form

KIND_LABELS: dict[LetterKind, str] = {
    LetterKind.REVIEW: "Review letter to the patient",
    LetterKind.RECORD: "Record copy (clinical)",
    LetterKind.INVITATION: "Invitation",
}
CANCELLED_TEXT = "Cancelled: no letters were kept."


def documents_folder() -> Path:
    """Where letters are offered to be saved: the user's Documents folder (home if none)."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found) if found else Path.home()


class LettersDialog(QDialog):
    """Non-modal, so the caseload stays usable while a big batch renders."""

    def __init__(self, ctx: UiContext, runner: TaskRunner | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._runner = runner if runner is not None else TaskRunner(1, self)
        self._task: Task | None = None
        self._cancelling = False
        self.outcome: LetterBatchOutcome | None = None
        self.setWindowTitle("Physical health review letters")
        self.setAccessibleName("Letters")
        today = ctx.today()

        self.practice = QComboBox()
        self.practice.setAccessibleName("Practice")
        for p in list_practices(ctx.new_uow()):
            self.practice.addItem(f"{p.name} ({p.code}) — {p.patient_count:,} patients", p.code)

        self.by_dates = QRadioButton("Checked &between")
        self.by_dates.setAccessibleName("Patients with a check between two dates")
        self.by_dates.setChecked(True)
        self.date_from = date_edit(QofYear.containing(today).start, "Checked from")
        self.date_to = date_edit(today, "Checked to")
        self.by_due = QRadioButton("Check &due (overdue or due within 30 days)")
        self.by_due.setAccessibleName("Patients whose check is due")
        self._which = QButtonGroup(self)
        self._which.addButton(self.by_dates)
        self._which.addButton(self.by_due)
        self.by_dates.toggled.connect(self._which_changed)

        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind of letter")
        for kind, label in KIND_LABELS.items():
            self.kind.addItem(label, kind.value)

        self.merged = QRadioButton("One &merged PDF")
        self.merged.setAccessibleName("Save as one merged PDF")
        self.merged.setChecked(True)
        self.per_patient = QRadioButton("One PDF per patient in a &folder")
        self.per_patient.setAccessibleName("Save as one PDF per patient in a folder")
        self._output = QButtonGroup(self)
        self._output.addButton(self.merged)
        self._output.addButton(self.per_patient)
        self.merged.toggled.connect(self._output_kind_changed)
        self.path = QLineEdit()
        self.path.setAccessibleName("Where to save the letters")
        self.choose = QPushButton("C&hoose…")
        self.choose.setAccessibleName("Choose where to save the letters")
        self.choose.clicked.connect(self._browse)

        self.signed_by = QLineEdit()
        self.signed_by.setAccessibleName("Signed by")
        self.signed_by.setPlaceholderText("Mental health facilitator")
        self.signed_by.setToolTip("The name in the signature block of every letter")

        self.progress = QProgressBar()
        self.progress.setAccessibleName("Letters written")
        self.progress.setTextVisible(True)
        self.progress.setVisible(False)
        self.message = wrapped(name="Letters result")

        self.start_button = QPushButton("&Start")
        self.start_button.setAccessibleName("Start writing the letters")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("&Cancel batch")
        self.cancel_button.setAccessibleName("Cancel the letters being written")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        close = close_button(self)

        self.inputs = QWidget()
        form = wrapping_form(self.inputs)
        form.addRow("Pr&actice:", self.practice)
        dates_row = QHBoxLayout()
        dates_row.addWidget(self.by_dates)
        dates_row.addWidget(self.date_from)
        and_label = QLabel("a&nd")
        and_label.setBuddy(self.date_to)
        dates_row.addWidget(and_label)
        dates_row.addWidget(self.date_to)
        dates_row.addStretch(1)
        which_box = QVBoxLayout()
        which_box.addLayout(dates_row)
        which_box.addWidget(self.by_due)
        form.addRow("Patients:", which_box)
        form.addRow("&Kind of letter:", self.kind)
        output_row = QHBoxLayout()
        output_row.addWidget(self.merged)
        output_row.addWidget(self.per_patient)
        output_row.addStretch(1)
        form.addRow("Save as:", output_row)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(self.choose)
        path_label = QLabel("Sa&ve to:")
        path_label.setBuddy(self.path)  # a row holding a layout gets no buddy by itself
        form.addRow(path_label, path_row)
        form.addRow("Si&gned by:", self.signed_by)

        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.inputs)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addLayout(buttons)

        for first, second in ((self.practice, self.by_dates), (self.by_dates, self.date_from),
                              (self.date_from, self.date_to), (self.date_to, self.by_due),
                              (self.by_due, self.kind), (self.kind, self.merged),
                              (self.merged, self.per_patient), (self.per_patient, self.path),
                              (self.path, self.choose), (self.choose, self.signed_by),
                              (self.signed_by, self.start_button),
                              (self.start_button, self.cancel_button),
                              (self.cancel_button, close)):
            QWidget.setTabOrder(first, second)
        if self.practice.count() == 0:
            self.start_button.setEnabled(False)
            self.message.setText("There are no practices in this register yet: import a "
                                 "register first.")
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("x") * 80)

    # -- choices -------------------------------------------------------------------------------

    @property
    def selected_kind(self) -> LetterKind:
        return LetterKind(self.kind.currentData())

    def _which_changed(self, by_dates: bool) -> None:
        self.date_from.setEnabled(by_dates)
        self.date_to.setEnabled(by_dates)

    def _output_kind_changed(self, _merged: bool) -> None:
        """A path chosen for the other kind of output would be read wrongly: start again."""
        text = self.path.text().strip()
        if text and (text.lower().endswith(".pdf") != self.merged.isChecked()):
            self.path.clear()

    def _default_name(self) -> str:
        code = self.practice.currentData() or "letters"
        return f"{code}-{self.selected_kind.value}-letters-{self._ctx.today().isoformat()}"

    def _browse(self) -> None:
        if self.merged.isChecked():
            name, _ = QFileDialog.getSaveFileName(
                self, "Save the letters as one PDF",
                str(documents_folder() / f"{self._default_name()}.pdf"), "PDF files (*.pdf)")
        else:
            name = QFileDialog.getExistingDirectory(
                self, "Choose a folder for the letters (one PDF per patient)",
                str(documents_folder()))
        if name:
            self.set_output(Path(name))

    def set_output(self, path: Path) -> None:
        """Where to write, without a file dialog: a path ending in .pdf is one merged PDF,
        anything else a folder of one PDF per patient."""
        (self.merged if path.suffix.lower() == ".pdf" else self.per_patient).setChecked(True)
        self.path.setText(str(path))

    def output_path(self) -> Path | None:
        """The path to write, made to match the chosen kind of output; None when there is
        none or it cannot be used."""
        text = self.path.text().strip()
        if not text:
            return None
        path = Path(text).expanduser()
        if self.merged.isChecked() and path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        if self.per_patient.isChecked() and path.suffix.lower() == ".pdf":
            return None
        return path

    # -- running -------------------------------------------------------------------------------

    def start(self) -> Task | None:
        code = self.practice.currentData()
        if not code:
            self.message.setText("Choose a practice first.")
            return None
        out = self.output_path()
        if out is None:
            if self.per_patient.isChecked() and self.path.text().strip():
                self.message.setText("A folder for one PDF per patient cannot end in .pdf: "
                                     "choose a folder, or choose One merged PDF.")
            else:
                self.message.setText("Choose where to save the letters first.")
            self.path.setFocus()
            return None
        if self.per_patient.isChecked() and out.exists() and not out.is_dir():
            self.message.setText(f"{out} is a file, not a folder: choose a folder.")
            return None
        batch = LetterBatch(
            str(code), self.selected_kind, out,
            checked_between=(to_date(self.date_from), to_date(self.date_to))
            if self.by_dates.isChecked() else None,
            due=self.by_due.isChecked(), signed_by=self.signed_by.text().strip() or None)
        ctx = self._ctx

        def job(progress: Progress, cancel: CancelToken) -> LetterBatchOutcome:
            return run_letter_batch(ctx.new_uow, batch, ctx.today(), progress, cancel)

        task = Task(job, tag=batch)
        task.progress.connect(self._progress)
        task.succeeded.connect(self._finished)
        task.failed.connect(self._failed)
        task.cancelled.connect(self._cancelled)
        self._task = task
        self._cancelling = False
        self.outcome = None
        self.message.setText("Choosing the patients…")
        self.progress.setRange(0, 0)  # busy until the number of letters is known
        self.progress.setFormat("")
        self.progress.setVisible(True)
        self._set_running(True)
        self._runner.run(task)
        return task

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._cancelling = True
            self.message.setText("Cancelling…")
            self.cancel_button.setEnabled(False)

    @property
    def running(self) -> bool:
        return self._task is not None

    def _set_running(self, running: bool) -> None:
        self.inputs.setEnabled(not running)
        self.start_button.setEnabled(not running and self.practice.count() > 0)
        self.cancel_button.setEnabled(running)
        (self.cancel_button if running else self.start_button).setFocus()

    def _mine(self) -> bool:
        return self._task is not None and self.sender() is self._task

    def _progress(self, done: int, total: int) -> None:
        if not self._mine() or not total:
            return
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        text = f"{done:,} of {total:,} letters"
        self.progress.setFormat(text)
        self.progress.setAccessibleDescription(text)
        if not self._cancelling:
            self.message.setText("Writing the letters…")

    def _done(self) -> None:
        self._task = None
        self.progress.setVisible(False)
        self._set_running(False)

    def _finished(self, outcome: object) -> None:
        task = self.sender()
        if not self._mine() or not isinstance(task, Task):
            return
        self._done()
        assert isinstance(outcome, LetterBatchOutcome) and isinstance(task.tag, LetterBatch)
        self.outcome = outcome
        self.message.setText(outcome.describe(task.tag)
                             + (f" {IDENTIFIABLE_EXPORT_WARNING}" if outcome.letters else ""))

    def _failed(self, exc: object) -> None:
        if not self._mine():
            return
        self._done()
        if isinstance(exc, UnknownPractice | ValueError):
            self.message.setText(f"No letters were written: {exc}")
        else:
            self.message.setText(f"The letters could not be written: {exc}. No letters were "
                                 "kept.")

    def _cancelled(self) -> None:
        if not self._mine():
            return
        self._done()
        self.message.setText(CANCELLED_TEXT)

    def done(self, result: int) -> None:
        """Closing while a batch runs cancels it: the service removes what it wrote."""
        self.cancel()
        super().done(result)
