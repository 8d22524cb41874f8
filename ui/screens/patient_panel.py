"""One patient's record beside the caseload: who they are, why they are on the register, what
their health check still needs and which follow-ups are open.

Everything that matters is said in words (status, overdue, remission, lithium); colours only
repeat it. The record sits in a scroll area so nothing is cut off at large text scales.

"Print letter" writes the patient's review letter, record copy or invitation as a PDF, off the
GUI thread (services/letters.py ``write_patient_letter``).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from facilitator_app.domain.access import AccessDenied, Permission
from facilitator_app.domain.dates import format_uk_date
from facilitator_app.domain.demographics import sex_label
from facilitator_app.domain.measures import SPECS, Measure
from facilitator_app.domain.nhs_number import format_nhs_number
from facilitator_app.services.audit import IDENTIFIABLE_EXPORT_WARNING
from facilitator_app.services.jobs import CancelToken, Progress
from facilitator_app.services.letters import LetterKind, write_patient_letter
from facilitator_app.services.patients import PatientNotFound, patient_record
from facilitator_app.services.ports import PatientRecord
from facilitator_app.services.qrisk_record import QriskFromRecord, qrisk_from_record
from ui import status_style
from ui.context import UiContext, can
from ui.models.caseload_model import display_name
from ui.models.record_tables import (
    ELEMENT_HEADERS,
    FOLLOW_UP_HEADERS,
    element_rows,
    follow_up_rows,
)
from ui.models.text_table import TextTableModel
from ui.screens.care_panel import CarePanel
from ui.screens.check_form import CheckFormDialog, format_qrisk
from ui.screens.letters_dialog import KIND_LABELS, documents_folder
from ui.screens.questionnaire_form import QuestionnaireDialog
from ui.screens.signpost_dialog import SignpostDialog
from ui.tasks import Task, TaskRunner
from ui.widgets.record_widgets import bullets, heading, record_table, value_label

EMPTY_TEXT = "Select a patient to see their record"
NO_FOLLOW_UPS = "No open follow-ups."
LETTER_MENU = {LetterKind.REVIEW: "&Review letter to the patient…",
               LetterKind.RECORD: "Record &copy (clinical)…",
               LetterKind.INVITATION: "&Invitation…"}


class PatientPanel(QWidget):
    """``record_changed`` (patient id) is emitted after a check is saved from the panel, so
    lists that show recall status or follow-ups can reload."""

    record_changed = Signal(int)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._letters = TaskRunner(1, self)
        self.record: PatientRecord | None = None
        self.qrisk: QriskFromRecord | None = None

        self.empty_label = QLabel(EMPTY_TEXT)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)

        self.name_label = heading("", 1.4)
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label = QLabel()
        self.nhs_number_label = value_label()
        self.born_label = value_label()
        self.sex_label = value_label()
        self.ethnicity_label = value_label()
        self.address_label = value_label()
        self.practice_label = value_label()
        self.badges_label = value_label()
        self.diagnoses_label = value_label()
        self.reasons_label = value_label()
        self.follow_ups_empty = QLabel(NO_FOLLOW_UPS)
        self.record_check_button = QPushButton("Record physical &health check…")
        self.record_check_button.setAccessibleName("Record physical health check")
        self.record_check_button.setToolTip("Enter the results of a physical health check for "
                                            "this patient")
        self.record_check_button.clicked.connect(self.open_check_form)
        self.print_letter_button = QPushButton("Print &letter…")
        self.print_letter_button.setAccessibleName("Print letter")
        self.print_letter_button.setToolTip("Save this patient's review letter, record copy or "
                                            "invitation as a PDF")
        letter_menu = QMenu(self.print_letter_button)
        letter_menu.setAccessibleName("Kind of letter")
        for kind, label in LETTER_MENU.items():
            action = letter_menu.addAction(label)
            action.setData(kind.value)
        letter_menu.triggered.connect(self._letter_kind_chosen)
        self.print_letter_button.setMenu(letter_menu)
        self.questionnaire_button = QPushButton("&Questionnaire…")
        self.questionnaire_button.setAccessibleName("Record a questionnaire")
        self.questionnaire_button.setToolTip("PHQ-9, GAD-7, SWEMWBS, DIALOG or ReQoL-10, item by "
                                             "item; or hand the laptop to the patient")
        questionnaire_menu = QMenu(self.questionnaire_button)
        questionnaire_menu.setAccessibleName("Questionnaire")
        for measure in Measure:
            action = questionnaire_menu.addAction(f"{SPECS[measure].title}…")
            action.setData(measure.value)
        questionnaire_menu.triggered.connect(self._questionnaire_chosen)
        self.questionnaire_button.setMenu(questionnaire_menu)
        self.signpost_button = QPushButton("Si&gnpost…")
        self.signpost_button.setAccessibleName("Signpost to a local service")
        self.signpost_button.setToolTip("Record that the patient was signposted to a local "
                                        "service, and the outcome of following it up")
        self.signpost_button.clicked.connect(self.open_signposting)
        # what this role may do from a record (the services refuse the rest regardless)
        self.record_check_button.setEnabled(can(ctx, Permission.RECORD_CHECKS))
        self.print_letter_button.setEnabled(can(ctx, Permission.PRINT_LETTERS))
        self.questionnaire_button.setEnabled(can(ctx, Permission.MANAGE_CARE))
        self.signpost_button.setEnabled(can(ctx, Permission.MANAGE_CARE))
        self.letter_message = value_label()
        self.letter_message.setAccessibleName("Letter status")
        self.letter_message.setVisible(False)
        self.qrisk_label = value_label()
        self.qrisk_label.setAccessibleName("10-year CVD risk from the record and inputs used")
        self.qrisk_smi_note = value_label()
        self.qrisk_smi_note.setAccessibleName("NICE note on severe mental illness")
        self.qrisk_disclaimer = value_label()
        self.qrisk_disclaimer.setAccessibleName("Disclaimer for the 10-year CVD risk score")

        self.elements = TextTableModel(ELEMENT_HEADERS)
        self.elements_view = record_table(
            self.elements,
            "Health check elements",
            "Latest value, date, recall status and next due date of each check element; "
            "the six core elements come first.",
            stretch_column=1,
        )
        self.follow_ups = TextTableModel(FOLLOW_UP_HEADERS)
        self.follow_ups_view = record_table(
            self.follow_ups,
            "Open follow-ups",
            "Actions not yet done, soonest due first.",
            stretch_column=0,
        )

        self.care = CarePanel(ctx)
        self.care.changed.connect(self.record_changed)

        self._stack = QStackedWidget()
        self._stack.addWidget(self.empty_label)
        self._stack.addWidget(self._record_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)
        self.setFocusProxy(self.elements_view)
        QWidget.setTabOrder(self.elements_view, self.follow_ups_view)
        QWidget.setTabOrder(self.follow_ups_view, self.record_check_button)
        QWidget.setTabOrder(self.record_check_button, self.print_letter_button)
        QWidget.setTabOrder(self.print_letter_button, self.questionnaire_button)
        QWidget.setTabOrder(self.questionnaire_button, self.signpost_button)
        self.clear()

    def _record_page(self) -> QScrollArea:
        title = QHBoxLayout()
        title.addWidget(self.name_label, 1)
        title.addWidget(self.status_label, 0, Qt.AlignmentFlag.AlignTop)
        self.status_label.setFrameShape(QFrame.Shape.StyledPanel)
        self.status_label.setAutoFillBackground(True)
        self.status_label.setMargin(self.fontMetrics().horizontalAdvance(" "))

        details = QFormLayout()
        details.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for text, widget in (
            ("NHS number:", self.nhs_number_label),
            ("Date of birth:", self.born_label),
            ("Sex:", self.sex_label),
            ("Ethnicity:", self.ethnicity_label),
            ("Address:", self.address_label),
            ("Practice:", self.practice_label),
            ("Register:", self.badges_label),
        ):
            details.addRow(text, widget)

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(title)
        layout.addLayout(details)
        for text, body in (
            ("SMI diagnoses", self.diagnoses_label),
            ("Why on the register", self.reasons_label),
        ):
            layout.addWidget(heading(text))
            layout.addWidget(body)
        layout.addWidget(heading("Health check"))
        layout.addWidget(self.elements_view)
        layout.addWidget(heading("Open follow-ups"))
        layout.addWidget(self.follow_ups_view)
        layout.addWidget(self.follow_ups_empty)
        actions = QGridLayout()  # two a row: they wrap in a narrow panel at 125 %
        for i, button in enumerate((self.record_check_button, self.print_letter_button,
                                    self.questionnaire_button, self.signpost_button)):
            actions.addWidget(button, i // 2, i % 2)
        actions.setColumnStretch(2, 1)
        layout.addLayout(actions)
        layout.addWidget(self.letter_message)
        layout.addWidget(heading("10-year CVD risk (QRISK3)"))
        layout.addWidget(self.qrisk_label)
        layout.addWidget(self.qrisk_smi_note)
        layout.addWidget(self.qrisk_disclaimer)
        layout.addWidget(self.care)  # it has its own "Care episode" heading
        layout.addStretch(1)

        scroll = QScrollArea()
        scroll.setAccessibleName("Patient record")
        # The tables inside take focus; the scroll area itself would be an empty tab stop.
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setWidget(page)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        return scroll

    # -- showing a record ----------------------------------------------------------------------

    def clear(self, message: str = EMPTY_TEXT) -> None:
        self.record = None
        self.empty_label.setText(message)
        self._stack.setCurrentIndex(0)

    def show_patient(self, patient_id: int) -> None:
        today = self._ctx.today()
        try:
            record = patient_record(self._ctx.new_uow(), patient_id, today)
            qrisk = qrisk_from_record(self._ctx.new_uow(), patient_id, today)
        except (PatientNotFound, AccessDenied) as exc:
            self.clear(str(exc))
            return
        self.show_record(record, qrisk)

    def show_record(self, record: PatientRecord, qrisk: QriskFromRecord | None = None) -> None:
        today = self._ctx.today()
        if self.record is None or self.record.patient_id != record.patient_id:
            self._letter_status("")  # a message about someone else's letter would mislead
        self.record = record
        self.qrisk = qrisk
        self._show_qrisk(qrisk)
        self.name_label.setText(display_name(record.family_name, record.given_name))
        self.status_label.setText(f"Health check: {record.status.label}")
        self.status_label.setToolTip(status_style.EXPLANATION[record.status])
        palette = self.status_label.palette()
        palette.setColor(self.status_label.backgroundRole(), status_style.BACKGROUND[record.status])
        palette.setColor(self.status_label.foregroundRole(), status_style.TEXT)
        self.status_label.setPalette(palette)

        self.nhs_number_label.setText(format_nhs_number(record.nhs_number))
        self.born_label.setText(f"{format_uk_date(record.date_of_birth)} (age {record.age})")
        self.sex_label.setText(sex_label(record.sex))
        self.ethnicity_label.setText(record.ethnicity)
        self.address_label.setText(", ".join(p for p in (record.address, record.postcode) if p))
        self.practice_label.setText(f"{record.practice_name} ({record.practice_code})")
        self.badges_label.setText(self._badges(record))
        self.diagnoses_label.setText(
            bullets([f"{d.label} ({d.category}), diagnosed {format_uk_date(d.diagnosed_on)}"
                    for d in record.diagnoses]) or "No SMI diagnosis recorded."
        )
        self.reasons_label.setText(bullets(list(record.register_reasons)) or "Not on the register.")
        self.care.show_patient(record.patient_id)

        self.elements.set_rows(element_rows(record.elements))
        rows = follow_up_rows(record.follow_ups, today)
        self.follow_ups.set_rows(rows)
        self.follow_ups_view.setVisible(bool(rows))
        self.follow_ups_empty.setVisible(not rows)
        self._stack.setCurrentIndex(1)

    def _show_qrisk(self, qrisk: QriskFromRecord | None) -> None:
        """The score the record gives today, with its inputs, NICE's SMI note and the
        disclaimer; the disclaimer also covers any stored score in the table above."""
        if qrisk is None:
            self.qrisk_label.setText("Not calculated.")
        else:
            self.qrisk_label.setText("From the record as it stands today. " + format_qrisk(qrisk))
        self.qrisk_smi_note.setText(qrisk.smi_note if qrisk else "")
        self.qrisk_disclaimer.setText(qrisk.disclaimer if qrisk else "")
        self.qrisk_smi_note.setVisible(qrisk is not None)
        self.qrisk_disclaimer.setVisible(qrisk is not None)

    # -- recording a check ---------------------------------------------------------------------

    def open_check_form(self) -> CheckFormDialog | None:
        """Modal: the record behind it changes when the check is saved."""
        if self.record is None:
            return None
        dialog = CheckFormDialog(self._ctx, self.record.patient_id, self,
                                 expected_version=self.record.version)
        dialog.saved.connect(self._check_saved)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _check_saved(self, _saved: object) -> None:
        if self.record is None:
            return
        patient_id = self.record.patient_id
        self.show_patient(patient_id)
        self.record_changed.emit(patient_id)

    # -- questionnaires -------------------------------------------------------------------------

    def _questionnaire_chosen(self, action: QAction) -> None:
        self.open_questionnaire(Measure(str(action.data())))

    def open_questionnaire(self, measure: Measure) -> QuestionnaireDialog | None:
        """Modal, like the check form; a saved questionnaire refreshes the record."""
        if self.record is None:
            return None
        dialog = QuestionnaireDialog(self._ctx, self.record.patient_id, measure, self)
        dialog.measure_saved.connect(self._check_saved)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_signposting(self) -> SignpostDialog | None:
        if self.record is None:
            return None
        dialog = SignpostDialog(self._ctx, self.record.patient_id, self)
        dialog.changed.connect(self.record_changed)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # -- printing a letter ----------------------------------------------------------------------

    def default_letter_path(self, kind: LetterKind) -> Path | None:
        """``<NHS number>-<kind>-<yyyy-mm-dd>.pdf`` in the Documents folder: no name in it."""
        if self.record is None:
            return None
        return documents_folder() / (f"{self.record.nhs_number}-{kind.value}-"
                                     f"{self._ctx.today().isoformat()}.pdf")

    def _letter_kind_chosen(self, action: QAction) -> None:
        self.choose_letter_file(LetterKind(action.data()))

    def choose_letter_file(self, kind: LetterKind) -> Task | None:
        default = self.default_letter_path(kind)
        if default is None:
            return None
        name, _ = QFileDialog.getSaveFileName(
            self, f"Save the {KIND_LABELS[kind].lower()} as PDF", str(default),
            "PDF files (*.pdf)")
        if not name:
            return None
        return self.print_letter(kind, Path(name))

    def print_letter(self, kind: LetterKind, path: Path) -> Task | None:
        """Write the shown patient's letter to ``path`` (.pdf added when missing), off the GUI
        thread; the outcome is shown under the buttons."""
        if self.record is None:
            return None
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        patient_id, ctx = self.record.patient_id, self._ctx

        def job(_progress: Progress, _cancel: CancelToken) -> Path:
            return write_patient_letter(ctx.new_uow, patient_id, kind, ctx.today(), path)

        task = Task(job, tag=path)
        task.succeeded.connect(self._letter_written)
        task.failed.connect(self._letter_failed)
        self._letter_status(f"Writing {path.name}…")
        self._letters.run(task)
        return task

    def _letter_written(self, path: object) -> None:
        self._letter_status(f"Letter saved to {path}. {IDENTIFIABLE_EXPORT_WARNING}")

    def _letter_failed(self, exc: object) -> None:
        task = self.sender()
        name = task.tag.name if isinstance(task, Task) and isinstance(task.tag, Path) else ""
        self._letter_status(f"The letter {name} could not be written: {exc}")

    def _letter_status(self, text: str) -> None:
        self.letter_message.setText(text)
        self.letter_message.setVisible(bool(text))

    def shutdown(self, timeout_ms: int = -1) -> bool:
        """Wait for a letter being written (there is nothing to cancel: one letter is quick)."""
        return self._letters.shutdown(timeout_ms)

    @staticmethod
    def _badges(record: PatientRecord) -> str:
        badges = ["In remission" if record.in_remission else "Not in remission"]
        if record.on_lithium:
            badges.append("On lithium")
        return " · ".join(badges)
