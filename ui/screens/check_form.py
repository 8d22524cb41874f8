"""Recording a whole physical health check on one screen.

Grouped by check element in the order the check is done, with the unit beside every box. BMI
and the AUDIT-C score are worked out as the numbers are typed; each element can be marked
"Declined" or "Unsuitable" instead (a personalised care adjustment), which greys its boxes out.
Checking and scoring are the services' (``preview_check``, ``record_check``): the screen shows
every problem beside its field and in a summary at the top, and a preview of the 10-year CVD
risk from the record with the inputs used and the disclaimer. Saving is one quick transaction,
so it runs on the GUI thread.

Everything sits in a scroll area, so nothing is cut off at 125 % scaling or on a small laptop.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from facilitator_app.domain.access import AccessDenied
from facilitator_app.domain.assessment import bmi_from
from facilitator_app.domain.check_form import (
    AUDIT_C_QUESTIONS,
    CheckForm,
    FieldError,
    adjustment_field,
    audit_c_score,
    parse_number,
)
from facilitator_app.domain.checks import ELEMENT_LABELS, Element
from facilitator_app.domain.dates import format_uk_date
from facilitator_app.domain.nhs_number import format_nhs_number
from facilitator_app.domain.qrisk3 import CORRECTED_DATA_NOTE
from facilitator_app.domain.qrisk_mapping import CONDITION_FIELDS, CONDITION_LABELS
from facilitator_app.services.patients import PatientNotFound, patient_record
from facilitator_app.services.qrisk_record import QriskFromRecord
from facilitator_app.services.record_check import (
    CheckClashed,
    CheckFormInvalid,
    CheckPreview,
    CheckSaved,
    preview_check,
    record_check,
)
from ui.context import UiContext

PREVIEW_DELAY_MS = 400

ADJUSTMENT_CHOICES: tuple[tuple[str, str | None], ...] = (
    ("Recorded", None),
    ("Declined (informed dissent)", "declined"),
    ("Unsuitable (clinical judgement)", "unsuitable"),
)


def _recorder() -> str:
    """Until local accounts exist, the operating-system user records the check (as imports
    do). Kept in the audit trail only."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in some containers and services
        return "unknown"


def format_qrisk(q: QriskFromRecord) -> str:
    """The score (or why there is none), the inputs used with their dates, what was assumed,
    NICE's SMI note and ClinRisk's disclaimer: everything that must go with a score."""
    lines = [q.headline]
    if q.result is not None and q.result.corrected:
        lines.append(f"{CORRECTED_DATA_NOTE}: " + "; ".join(q.corrections))
    lines.append("")
    lines.append("Inputs used:")
    lines += [f"• {u.label}: {u.value} ({u.source_text})" for u in q.inputs_used]
    if q.notes:
        lines.append("")
        lines += q.notes
    return "\n".join(lines)


def _wrapped(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _error_label() -> QLabel:
    label = _wrapped()
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, Qt.GlobalColor.darkRed)
    label.setPalette(palette)
    label.setVisible(False)
    return label


class CheckFormDialog(QDialog):
    """``saved`` carries the ``CheckSaved`` after a successful save (the dialog then closes)."""

    saved = Signal(object)

    def __init__(self, ctx: UiContext, patient_id: int, parent: QWidget | None = None, *,
                 expected_version: int | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._patient_id = patient_id
        self._expected_version = expected_version  # of the record the form was opened from
        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        self.adjustments: dict[Element, QComboBox] = {}
        self.element_widgets: dict[Element, list[QWidget]] = {}
        self.conditions: dict[str, QComboBox] = {}
        self.audit_c: list[QComboBox] = []
        self.last_preview: CheckPreview | None = None
        self.saved_result: CheckSaved | None = None
        self._focus_chain: list[QWidget] = []
        self._forms: dict[Element, QFormLayout] = {}
        self._built = False  # signals fire while the form is built; ignore them until it is

        record = patient_record(ctx.new_uow(), patient_id, ctx.today())
        self._sex = record.sex
        who = f"{record.family_name.upper()}, {record.given_name}"
        self.setWindowTitle(f"Physical health check – {who}")
        self.setAccessibleName("Record physical health check")
        self._fit_to_screen()

        heading = _wrapped(f"{who}, NHS number {format_nhs_number(record.nhs_number)}, "
                           f"born {format_uk_date(record.date_of_birth)} (age {record.age})")
        font = QFont(heading.font())
        font.setBold(True)
        heading.setFont(font)
        self.summary = _error_label()
        self.summary.setAccessibleName("Problems to correct before saving")

        page = QWidget()
        column = QVBoxLayout(page)
        column.addWidget(self._date_group())
        column.addWidget(self._bmi_group())
        column.addWidget(self._simple_group(Element.WAIST, [("waist_cm", "Waist", "cm",
                                                              "Waist circumference")]))
        self.waist_ratio = _wrapped()
        self._add_note(Element.WAIST, self.waist_ratio)
        column.addWidget(self._bp_group())
        column.addWidget(self._simple_group(Element.PULSE, [("pulse", "Pulse", "beats/min",
                                                              "Pulse rate")]))
        column.addWidget(self._lipids_group())
        column.addWidget(self._glucose_group())
        column.addWidget(self._alcohol_group())
        column.addWidget(self._smoking_group())
        column.addWidget(self._extras_group())
        column.addWidget(self._conditions_group())
        column.addWidget(self._qrisk_group())
        column.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidget(page)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setAccessibleName("Check form")

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setAccessibleName("Save the check")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.summary)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.buttons)

        for a, b in zip(self._focus_chain, self._focus_chain[1:], strict=False):
            QWidget.setTabOrder(a, b)
        if self._focus_chain:
            QWidget.setTabOrder(self._focus_chain[-1], self.save_button)

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.refresh_preview)
        self._built = True
        self._update_live()
        self.refresh_preview()

    def _fit_to_screen(self) -> None:
        """900 × 860, shrunk to the screen at large scale factors: the form scrolls."""
        size = QSize(900, 860)
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            size = size.boundedTo(screen.availableGeometry().size() * 0.9)
        self.resize(size)

    # -- building -------------------------------------------------------------------------------

    def _edit(self, name: str, accessible: str, unit: str) -> QWidget:
        """A line edit with its unit beside it and its error message underneath."""
        edit = QLineEdit()
        edit.setAccessibleName(f"{accessible} in {unit}" if unit else accessible)
        # Wide enough for any value and a date, so the unit sits right beside the number.
        edit.setMaximumWidth(edit.fontMetrics().horizontalAdvance("0" * 14))
        edit.textChanged.connect(self._changed)
        self.edits[name] = edit
        self._focus_chain.append(edit)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(edit, 1)
        if unit:
            row.addWidget(QLabel(unit))
        row.addStretch(1)
        return self._with_error(name, row)

    def _with_error(self, name: str, row: QHBoxLayout) -> QWidget:
        box = QWidget()
        inner = QVBoxLayout(box)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addLayout(row)
        error = _error_label()
        error.setAccessibleName(f"Problem with {name.replace('_', ' ')}")
        self.errors[name] = error
        inner.addWidget(error)
        return box

    def _row(self, form: QFormLayout, text: str, field: QWidget, buddy: QWidget) -> None:
        label = QLabel(text)
        label.setBuddy(buddy)  # a row holding a container gets no buddy by itself
        form.addRow(label, field)

    def _group(self, element: Element, title: str | None = None) -> tuple[QGroupBox, QFormLayout]:
        group = QGroupBox(title or ELEMENT_LABELS[element])
        form = QFormLayout(group)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        combo = QComboBox()
        for text, reason in ADJUSTMENT_CHOICES:
            combo.addItem(text, reason)
        combo.setAccessibleName(f"{ELEMENT_LABELS[element]}: recorded, declined or unsuitable")
        combo.currentIndexChanged.connect(self._changed)
        self.adjustments[element] = combo
        self._focus_chain.append(combo)
        row = QHBoxLayout()
        row.addWidget(combo)
        row.addStretch(1)
        self._row(form, "Outcome:", self._with_error(adjustment_field(element), row), combo)
        self.element_widgets[element] = []
        self._forms[element] = form
        return group, form

    def _field(self, element: Element, form: QFormLayout, name: str, text: str, unit: str,
               accessible: str) -> None:
        box = self._edit(name, accessible, unit)
        self.element_widgets[element].append(self.edits[name])
        self._row(form, f"{text}:", box, self.edits[name])

    def _simple_group(self, element: Element,
                      fields: list[tuple[str, str, str, str]]) -> QGroupBox:
        group, form = self._group(element)
        for name, text, unit, accessible in fields:
            self._field(element, form, name, text, unit, accessible)
        return group

    def _add_note(self, element: Element, label: QLabel) -> None:
        self._forms[element].addRow(label)

    def _date_group(self) -> QGroupBox:
        group = QGroupBox("Check")
        form = QFormLayout(group)
        box = self._edit("check_date", "Date of check, day/month/year", "")
        self.edits["check_date"].setText(format_uk_date(self._ctx.today()))
        self.edits["check_date"].setPlaceholderText("dd/mm/yyyy")
        self._row(form, "Date of check:", box, self.edits["check_date"])
        return group

    def _bmi_group(self) -> QGroupBox:
        group, form = self._group(Element.BMI, "Body mass index")
        self._field(Element.BMI, form, "height_cm", "Height", "cm", "Height")
        self._field(Element.BMI, form, "weight_kg", "Weight", "kg", "Weight")
        self._field(Element.BMI, form, "bmi", "BMI (if not measured here)", "kg/m²",
                    "Body mass index entered")
        self.bmi_live = _wrapped()
        self.bmi_live.setAccessibleName("BMI calculated from height and weight")
        form.addRow(self.bmi_live)
        return group

    def _bp_group(self) -> QGroupBox:
        group, form = self._group(Element.BLOOD_PRESSURE)
        for name, text, accessible in (
            ("systolic", "Systolic", "Systolic blood pressure"),
            ("diastolic", "Diastolic", "Diastolic blood pressure"),
            ("systolic_2", "Second systolic (optional)", "Second systolic reading"),
            ("diastolic_2", "Second diastolic (optional)", "Second diastolic reading"),
        ):
            self._field(Element.BLOOD_PRESSURE, form, name, text, "mmHg", accessible)
        form.addRow(_wrapped("With two readings the lower is kept as the clinic blood pressure; "
                             "both are stored."))
        return group

    def _lipids_group(self) -> QGroupBox:
        group, form = self._group(Element.LIPIDS)
        self._field(Element.LIPIDS, form, "total_cholesterol", "Total cholesterol", "mmol/L",
                    "Total cholesterol")
        self._field(Element.LIPIDS, form, "hdl_cholesterol", "HDL cholesterol", "mmol/L",
                    "HDL cholesterol")
        self._field(Element.LIPIDS, form, "triglycerides", "Triglycerides", "mmol/L",
                    "Triglycerides")
        self.lipids_live = _wrapped()
        self.lipids_live.setAccessibleName("Cholesterol ratio and non-HDL cholesterol")
        form.addRow(self.lipids_live)
        return group

    def _glucose_group(self) -> QGroupBox:
        group, form = self._group(Element.GLUCOSE)
        self._field(Element.GLUCOSE, form, "hba1c", "HbA1c", "mmol/mol", "HbA1c")
        self._field(Element.GLUCOSE, form, "glucose", "Plasma glucose", "mmol/L",
                    "Plasma glucose")
        self.fasting = QCheckBox("Glucose was fasting")
        self.fasting.setAccessibleName("Plasma glucose was fasting")
        self.fasting.toggled.connect(self._changed)
        self.element_widgets[Element.GLUCOSE].append(self.fasting)
        self._focus_chain.append(self.fasting)
        form.addRow("", self.fasting)
        return group

    def _alcohol_group(self) -> QGroupBox:
        group, form = self._group(Element.ALCOHOL, "Alcohol (AUDIT-C)")
        for number, (question, answers) in enumerate(AUDIT_C_QUESTIONS, start=1):
            combo = QComboBox()
            combo.addItem("Not asked", None)
            for score, answer in enumerate(answers):
                combo.addItem(f"{answer} ({score})", score)
            combo.setAccessibleName(f"AUDIT-C question {number}: {question}")
            combo.currentIndexChanged.connect(self._changed)
            self.audit_c.append(combo)
            self.element_widgets[Element.ALCOHOL].append(combo)
            self._focus_chain.append(combo)
            row = QHBoxLayout()
            row.addWidget(combo, 1)
            label = _wrapped(f"{number}. {question}")
            label.setBuddy(combo)
            form.addRow(label)
            form.addRow("", self._with_error(f"audit_c_q{number}", row))
        self._field(Element.ALCOHOL, form, "audit_c_total", "Or the score only", "of 12",
                    "AUDIT-C score, when the questions were not recorded")
        self.audit_live = _wrapped()
        self.audit_live.setAccessibleName("AUDIT-C score from the answers")
        form.addRow(self.audit_live)
        return group

    def _smoking_group(self) -> QGroupBox:
        group, form = self._group(Element.SMOKING)
        self.smoking = QComboBox()
        for text, key in (("Not recorded", ""), ("Current smoker", "current"),
                          ("Ex-smoker", "ex"), ("Never smoked", "never")):
            self.smoking.addItem(text, key)
        self.smoking.setAccessibleName("Smoking status")
        self.smoking.currentIndexChanged.connect(self._changed)
        self.element_widgets[Element.SMOKING].append(self.smoking)
        self._focus_chain.append(self.smoking)
        row = QHBoxLayout()
        row.addWidget(self.smoking)
        row.addStretch(1)
        self._row(form, "Status:", self._with_error("smoking", row), self.smoking)
        self._field(Element.SMOKING, form, "cigarettes_per_day", "Cigarettes a day",
                    "a day", "Cigarettes smoked a day")
        return group

    def _choice(self, element: Element, form: QFormLayout, name: str, text: str,
                choices: tuple[tuple[str, str], ...]) -> QComboBox:
        combo = QComboBox()
        for label, key in choices:
            combo.addItem(label, key)
        combo.setAccessibleName(text)
        combo.currentIndexChanged.connect(self._changed)
        self.element_widgets[element].append(combo)
        self._focus_chain.append(combo)
        row = QHBoxLayout()
        row.addWidget(combo)
        row.addStretch(1)
        self._row(form, f"{text}:", self._with_error(name, row), combo)
        return combo

    def _extras_group(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        group, form = self._group(Element.SUBSTANCE, "Substance misuse")
        self.substance = self._choice(Element.SUBSTANCE, form, "substance_use",
                                      "Uses drugs other than alcohol or tobacco",
                                      (("Not asked", ""), ("Yes", "yes"), ("No", "no")))
        column.addWidget(group)
        group, form = self._group(Element.MEDICATION_REVIEW)
        self.medication_review = QCheckBox("Medication review done")
        self.medication_review.setAccessibleName("Medication review done at this check")
        self.medication_review.toggled.connect(self._changed)
        self.element_widgets[Element.MEDICATION_REVIEW].append(self.medication_review)
        self._focus_chain.append(self.medication_review)
        row = QHBoxLayout()
        row.addWidget(self.medication_review)
        form.addRow("", self._with_error("medication_review_done", row))
        column.addWidget(group)
        group, form = self._group(Element.CANCER_SCREENING)
        self.cancer_screening = self._choice(
            Element.CANCER_SCREENING, form, "cancer_screening",
            "Up to date with eligible screening programmes",
            (("Not checked", ""), ("Up to date", "up_to_date"),
             ("Not up to date", "not_up_to_date")))
        column.addWidget(group)
        return box

    def _conditions_group(self) -> QGroupBox:
        group = QGroupBox("Conditions for the 10-year CVD risk (QRISK3)")
        form = QFormLayout(group)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow(_wrapped("Answer what was asked today; anything not asked keeps the answer "
                             "already in the record."))
        for name in CONDITION_FIELDS:
            if name == "erectile_dysfunction" and self._sex != "M":
                continue  # a QRISK3 input for men only
            combo = QComboBox()
            combo.addItem("Not asked", None)
            combo.addItem("Yes", True)
            combo.addItem("No", False)
            combo.setAccessibleName(CONDITION_LABELS[name])
            combo.currentIndexChanged.connect(self._changed)
            self.conditions[name] = combo
            self._focus_chain.append(combo)
            label = _wrapped(f"{CONDITION_LABELS[name]}:")
            label.setBuddy(combo)
            form.addRow(label, combo)
        error = _error_label()
        error.setAccessibleName("Problem with conditions")
        self.errors["conditions"] = error
        form.addRow(error)
        return group

    def _qrisk_group(self) -> QGroupBox:
        group = QGroupBox("10-year CVD risk from the record (preview)")
        column = QVBoxLayout(group)
        self.qrisk_text = _wrapped()
        self.qrisk_text.setAccessibleName("10-year CVD risk preview and inputs used")
        self.smi_note = _wrapped()
        self.smi_note.setAccessibleName("NICE note on severe mental illness")
        self.disclaimer = _wrapped()
        self.disclaimer.setAccessibleName("Disclaimer for the 10-year CVD risk score")
        column.addWidget(self.qrisk_text)
        column.addWidget(self.smi_note)
        column.addWidget(self.disclaimer)
        return group

    # -- reading the form -----------------------------------------------------------------------

    def _adjustment(self, element: Element) -> str | None:
        reason: str | None = self.adjustments[element].currentData()
        return reason

    def _text(self, name: str) -> str:
        edit = self.edits[name]
        return edit.text() if edit.isEnabled() else ""

    def form(self) -> CheckForm:
        """What is on screen, as the service takes it. Boxes greyed out by "Declined",
        "Unsuitable" or a smoking status other than current are left out."""
        answers = [str(c.currentData()) if c.isEnabled() and c.currentData() is not None
                   else "" for c in self.audit_c]
        conditions = {name: bool(combo.currentData()) for name, combo in self.conditions.items()
                      if combo.currentData() is not None}
        adjustments = {e: r for e in self.adjustments if (r := self._adjustment(e)) is not None}

        def enabled_data(combo: QComboBox) -> str:
            return str(combo.currentData()) if combo.isEnabled() else ""

        return CheckForm(
            check_date=self.edits["check_date"].text(),
            height_cm=self._text("height_cm"),
            weight_kg=self._text("weight_kg"),
            bmi=self._text("bmi"),
            waist_cm=self._text("waist_cm"),
            systolic=self._text("systolic"),
            diastolic=self._text("diastolic"),
            systolic_2=self._text("systolic_2"),
            diastolic_2=self._text("diastolic_2"),
            pulse=self._text("pulse"),
            total_cholesterol=self._text("total_cholesterol"),
            hdl_cholesterol=self._text("hdl_cholesterol"),
            triglycerides=self._text("triglycerides"),
            hba1c=self._text("hba1c"),
            glucose=self._text("glucose"),
            glucose_fasting=self.fasting.isEnabled() and self.fasting.isChecked(),
            audit_c_q1=answers[0],
            audit_c_q2=answers[1],
            audit_c_q3=answers[2],
            audit_c_total=self._text("audit_c_total"),
            smoking=enabled_data(self.smoking),
            cigarettes_per_day=self._text("cigarettes_per_day"),
            substance_use=enabled_data(self.substance),
            medication_review_done=(self.medication_review.isEnabled()
                                    and self.medication_review.isChecked()),
            cancer_screening=enabled_data(self.cancer_screening),
            conditions=conditions,
            adjustments=adjustments,
        )

    # -- live behaviour -------------------------------------------------------------------------

    def _changed(self, *_args: object) -> None:
        if not self._built:
            return
        self._update_live()
        self._preview_timer.start()

    def _update_live(self) -> None:
        for element, widgets in self.element_widgets.items():
            recorded = self._adjustment(element) is None
            for widget in widgets:
                widget.setEnabled(recorded)
        self.edits["cigarettes_per_day"].setEnabled(
            self.smoking.isEnabled() and self.smoking.currentData() == "current")
        self.bmi_live.setText(self._bmi_text())
        self.waist_ratio.setText(self._ratio_text())
        self.lipids_live.setText(self._lipids_text())
        answers = [c.currentData() for c in self.audit_c]
        score = audit_c_score(*(None if a is None else int(a) for a in answers))
        self.audit_live.setText(
            f"AUDIT-C score: {score} of 12" + (" (5 or more is a positive screen)"
                                               if score is not None and score >= 5 else "")
            if score is not None else "AUDIT-C score: answer all three questions")

    def _numbers(self, *names: str) -> list[float | None]:
        values: list[float | None] = []
        for name in names:
            try:
                values.append(parse_number(self._text(name)))
            except ValueError:
                values.append(None)
        return values

    def _bmi_text(self) -> str:
        height, weight = self._numbers("height_cm", "weight_kg")
        if height and weight:
            return f"BMI from height and weight: {bmi_from(height, weight)} kg/m²"
        return "BMI from height and weight: enter both"

    def _ratio_text(self) -> str:
        waist, height = self._numbers("waist_cm", "height_cm")
        if waist and height:
            return f"Waist-to-height ratio: {waist / height:.2f}"
        return "Waist-to-height ratio: needs waist and height"

    def _lipids_text(self) -> str:
        total, hdl = self._numbers("total_cholesterol", "hdl_cholesterol")
        if total and hdl and hdl < total:
            return (f"Cholesterol/HDL ratio {total / hdl:.1f}; "
                    f"non-HDL cholesterol {total - hdl:.2f} mmol/L")
        return "Cholesterol/HDL ratio and non-HDL: need total and HDL cholesterol"

    @property
    def bmi_text(self) -> str:
        return self.bmi_live.text()

    def refresh_preview(self) -> None:
        """Check the form and score it without saving (a few indexed reads)."""
        try:
            preview = preview_check(self._ctx.new_uow(), self._patient_id, self.form(),
                                    self._ctx.today())
        except PatientNotFound as exc:
            self.qrisk_text.setText(str(exc))
            return
        self.last_preview = preview
        # "Nothing to save" is not a problem while the form is still being filled in.
        self.show_errors([e for e in preview.errors if e.field != "form"])
        if preview.qrisk is not None:
            self._show_qrisk(preview.qrisk)
        elif preview.errors:
            self.qrisk_text.setText("Correct the problems above to see the 10-year CVD risk.")
            self.smi_note.clear()
            self.disclaimer.clear()

    def _show_qrisk(self, q: QriskFromRecord) -> None:
        self.qrisk_text.setText(format_qrisk(q))
        self.smi_note.setText(q.smi_note)
        self.disclaimer.setText(q.disclaimer)

    def show_errors(self, errors: list[FieldError]) -> None:
        """Each message beside its field (and as the field's accessible description) and all of
        them in the summary at the top."""
        by_field: dict[str, list[str]] = {}
        for e in errors:
            by_field.setdefault(e.field, []).append(e.message)
        for name, label in self.errors.items():
            messages = by_field.get(name, [])
            label.setText("\n".join(messages))
            label.setVisible(bool(messages))
            if name in self.edits:
                self.edits[name].setAccessibleDescription(" ".join(messages))
        if errors:
            count = "1 problem" if len(errors) == 1 else f"{len(errors)} problems"
            self.summary.setText(f"{count} to correct before saving:\n"
                                 + "\n".join(f"• {e.message}" for e in errors))
        self.summary.setVisible(bool(errors))

    # -- saving ---------------------------------------------------------------------------------

    def save(self) -> None:
        self._preview_timer.stop()
        try:
            saved = record_check(self._ctx.new_uow(), self._patient_id, self.form(),
                                 self._ctx.today(), _recorder(),
                                 expected_version=self._expected_version)
        except CheckFormInvalid as exc:
            self.show_errors(list(exc.errors))
            self._focus_first(exc.errors)
            return
        except (PatientNotFound, CheckClashed, AccessDenied) as exc:
            QMessageBox.warning(self, "Check not saved", str(exc))
            return
        except Exception as exc:  # a clash with another user's edit, a lost connection
            QMessageBox.warning(self, "Check not saved",
                                f"The check could not be saved and nothing was written: {exc}")
            return
        self.saved_result = saved
        self.saved.emit(saved)
        self.accept()

    def _focus_first(self, errors: tuple[FieldError, ...]) -> None:
        focus: dict[str, Callable[[], None]] = {n: e.setFocus for n, e in self.edits.items()}
        for element, combo in self.adjustments.items():
            focus[adjustment_field(element)] = combo.setFocus
        for e in errors:
            if e.field in focus:
                focus[e.field]()
                return
