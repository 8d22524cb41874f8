"""Signposting one patient to a local service (domain.md §6): which service, when, why and when
to follow up; the services they were signposted to before, each with its outcome; and the
outcome of a follow-up ("Record outcome…").

``OutcomeEditor`` is the one outcome form of the app: this dialog and the signposting
follow-ups screen (signposting_due.py) both show it, inside ``OutcomeDialog``.

Everything here reads or writes one patient's few rows, so it stays on the GUI thread (as
saving a check does). Each save checks every field (services/signposting.py) and shows each
problem beside its field; an outcome is refused, with nothing saved, when someone else changed
the signposting since it was read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QPalette, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
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
    SignpostProblem,
)
from facilitator_app.services.patients import PatientNotFound, patient_record
from facilitator_app.services.signposting import (
    InvalidSignposting,
    LocalServiceView,
    SignpostingChanged,
    SignpostingDue,
    SignpostingView,
    list_services,
    patient_signpostings,
    record_signpost_outcome,
    record_signposting,
)
from ui.context import UiContext
from ui.list_table import configure_list_table
from ui.models.text_table import Cell, TextTableModel
from ui.widgets.fields import (
    bold,
    close_button,
    date_edit,
    error_labels,
    problems_text,
    qdate,
    show_field_problems,
    text_box,
    to_date,
    with_error,
    wrapped,
    wrapping_form,
)

# How long after signposting a follow-up is usually booked (app rule, changeable per record).
FOLLOW_UP_DAYS = 28

HISTORY_HEADERS = ("Signposted", "Service", "Category", "Follow up", "Outcome", "Reason")


def _follow_up_after(follow_up: QDateEdit, start: QDateEdit) -> None:
    """``follow_up`` set the usual gap after ``start``, without it counting as the user's own
    choice of date."""
    follow_up.blockSignals(True)
    follow_up.setDate(qdate(to_date(start) + timedelta(days=FOLLOW_UP_DAYS)))
    follow_up.blockSignals(False)


# -- the outcome of a follow-up --------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeTarget:
    """The signposting an outcome is for, at the version it was read."""

    signposting_id: int
    version: int
    patient_id: int
    signposted_on: date
    follow_up_on: date | None
    about: str  # one line naming the service (and, from the due list, the patient)

    @classmethod
    def from_view(cls, view: SignpostingView, patient_id: int) -> OutcomeTarget:
        follow = (f"; follow-up due {format_uk_date(view.follow_up_on)}"
                  if view.follow_up_on else "")
        return cls(view.id, view.version, patient_id, view.signposted_on, view.follow_up_on,
                   f"{view.summary}, signposted {format_uk_date(view.signposted_on)}{follow}. "
                   f"Outcome so far: {view.outcome_label.lower()}.")

    @classmethod
    def from_due(cls, row: SignpostingDue) -> OutcomeTarget:
        summary = f"{row.service_name} ({CATEGORY_LABELS[ServiceCategory(row.category)]})"
        return cls(row.id, row.version, row.patient_id, row.signposted_on, row.follow_up_on,
                   f"{row.family_name.upper()}, {row.given_name} "
                   f"({format_nhs_number(row.nhs_number)}, {row.practice_code}): {summary}, "
                   f"signposted {format_uk_date(row.signposted_on)}; follow-up due "
                   f"{format_uk_date(row.follow_up_on)}.")


_OUTCOME_HELP = {
    SignpostOutcome.ATTENDED: "The patient went to the service. This closes the signposting.",
    SignpostOutcome.NOT_ATTENDED: "The patient did not go. This closes the signposting.",
    SignpostOutcome.DECLINED: "The patient decided not to use the service. This closes the "
                              "signposting.",
    SignpostOutcome.WAITING: "Still waiting to be seen: give the date to follow up again.",
}
_OUTCOME_FIELDS = {"outcome": "outcome", "outcome_on": "outcome date",
                   "follow_up_on": "next follow-up date"}


class OutcomeEditor(QWidget):
    """Outcome (attended, not attended, declined, waiting), its date (signposting date to
    today) and, for waiting, the date to follow up again (required then). ``saved`` carries
    the patient id after a save."""

    saved = Signal(int)

    def __init__(self, ctx: UiContext, target: OutcomeTarget,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.target = target
        today = ctx.today()
        self._next_touched = False

        self.about = wrapped(target.about, name="Signposting", selectable=False)
        self.outcome = QComboBox()
        self.outcome.setAccessibleName("Outcome")
        self.outcome.setPlaceholderText("Choose the outcome")
        for choice in SignpostOutcome:
            self.outcome.addItem(OUTCOME_LABELS[choice], choice.value)
            self.outcome.setItemData(self.outcome.count() - 1, _OUTCOME_HELP[choice],
                                     Qt.ItemDataRole.ToolTipRole)
        self.outcome.setCurrentIndex(-1)
        self.outcome_help = wrapped("Choose what happened when you followed it up.",
                                    name="About this outcome", selectable=False)
        self.outcome_on = date_edit(today, "Outcome date", "dd/mm/yyyy: the signposting date "
                                    "to today")
        self.outcome_on.setMaximumDate(qdate(today))
        self.outcome_on.setMinimumDate(qdate(min(target.signposted_on, today)))
        self.follow_again = QCheckBox("Follow up &again on:")
        self.follow_again.setAccessibleName("Follow up again")
        self.follow_again.setAccessibleDescription("Needed when the patient is still waiting")
        self.next_follow_up = date_edit(today + timedelta(days=FOLLOW_UP_DAYS),
                                        "Next follow-up date", "dd/mm/yyyy")
        self.errors = error_labels(_OUTCOME_FIELDS)
        self.message = wrapped(name="Outcome status")

        form = wrapping_form()
        outcome_label = QLabel("O&utcome:")
        outcome_label.setBuddy(self.outcome)
        outcome_column = with_error(self.outcome, self.errors["outcome"])
        outcome_column.insertWidget(1, self.outcome_help)
        form.addRow(outcome_label, outcome_column)
        date_label = QLabel("Outcome &date:")
        date_label.setBuddy(self.outcome_on)
        date_row = QHBoxLayout()
        date_row.addWidget(self.outcome_on)
        date_row.addStretch(1)
        form.addRow(date_label, with_error(date_row, self.errors["outcome_on"]))
        next_row = QHBoxLayout()
        next_row.addWidget(self.next_follow_up)
        next_row.addStretch(1)
        form.addRow(self.follow_again, with_error(next_row, self.errors["follow_up_on"]))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.about)
        layout.addLayout(form)
        layout.addWidget(self.message)
        QWidget.setTabOrder(self.outcome, self.outcome_on)
        QWidget.setTabOrder(self.outcome_on, self.follow_again)
        QWidget.setTabOrder(self.follow_again, self.next_follow_up)

        self.outcome.currentIndexChanged.connect(self._outcome_chosen)
        self.follow_again.toggled.connect(self.next_follow_up.setEnabled)
        self.outcome_on.dateChanged.connect(self._outcome_date_changed)
        self.next_follow_up.dateChanged.connect(self._next_edited)
        self._outcome_chosen()
        self.outcome.setFocus()

    # -- reading the form ------------------------------------------------------------------------

    def chosen(self) -> SignpostOutcome | None:
        value = self.outcome.currentData()
        return SignpostOutcome(value) if value else None

    def next_date(self) -> date | None:
        return to_date(self.next_follow_up) if self.follow_again.isChecked() else None

    def _outcome_chosen(self) -> None:
        chosen = self.chosen()
        waiting = chosen is SignpostOutcome.WAITING
        self.follow_again.setEnabled(waiting)
        self.follow_again.setChecked(waiting)
        self.next_follow_up.setEnabled(waiting)
        self.outcome_help.setText(_OUTCOME_HELP[chosen] if chosen else
                                  "Choose what happened when you followed it up.")

    def _outcome_date_changed(self) -> None:
        if not self._next_touched:  # keep the usual gap until the user picks a date
            _follow_up_after(self.next_follow_up, self.outcome_on)

    def _next_edited(self) -> None:
        self._next_touched = True

    # -- test hook and saving --------------------------------------------------------------------

    def set_values(self, outcome: str | None, on: date,
                   next_follow_up: date | None = None) -> None:
        """Fill the form as a user would (for tests and scripts)."""
        self.outcome.setCurrentIndex(self.outcome.findData(outcome) if outcome else -1)
        self.outcome_on.setDate(qdate(on))
        if next_follow_up is not None:
            self.next_follow_up.setDate(qdate(next_follow_up))
        self.follow_again.setChecked(next_follow_up is not None)

    def save(self) -> bool:
        chosen = self.chosen()
        if chosen is None:
            self.show_problems([SignpostProblem("outcome", "Choose the outcome.")])
            self.message.setText("Not saved: choose the outcome first.")
            return False
        target = self.target
        on = to_date(self.outcome_on)
        next_on = self.next_date() if chosen is SignpostOutcome.WAITING else None
        try:
            record_signpost_outcome(self._ctx.new_uow(), target.signposting_id, chosen.value,
                                    on, self._ctx.today(), target.version, next_on)
        except InvalidSignposting as exc:
            self.show_problems(exc.problems)
            self.message.setText(problems_text([p.message for p in exc.problems]))
            return False
        except (SignpostingChanged, LookupError) as exc:
            self.show_problems([])
            self.message.setText(str(exc))
            return False
        except Exception as exc:  # a lost connection: say so, keep what was typed
            self.message.setText(f"The outcome could not be saved and nothing was written: "
                                 f"{exc}")
            return False
        self.show_problems([])
        text = f"{OUTCOME_LABELS[chosen]} on {format_uk_date(on)}"
        if next_on is not None:
            text += f"; follow up again on {format_uk_date(next_on)}"
        self.message.setText(f"Outcome saved: {text}.")
        self.saved.emit(target.patient_id)
        return True

    def show_problems(self, problems: list[SignpostProblem]) -> None:
        show_field_problems([(p.field, p.message) for p in problems], self.errors,
                            {"outcome": self.outcome, "outcome_on": self.outcome_on,
                             "follow_up_on": self.next_follow_up})


class OutcomeDialog(QDialog):
    """``OutcomeEditor`` with Save and Cancel; it closes once the outcome is saved. Opened
    with ``open()`` (window-modal, no nested event loop), so a test can fill ``editor`` and
    call ``save()``."""

    def __init__(self, ctx: UiContext, target: OutcomeTarget,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Record the outcome of a signposting")
        self.setAccessibleName("Record the outcome of a signposting")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.editor = OutcomeEditor(ctx, target, self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setAccessibleName(
            "Save the outcome")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName(
            "Cancel, saving nothing")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("x") * 75)

    def save(self) -> bool:
        if self.editor.save():
            self.accept()
            return True
        return False


# -- signposting one patient -----------------------------------------------------------------


def _service_detail(service: LocalServiceView) -> str:
    e = service.entry
    parts = [service.category_label]
    parts.append(f"Contact: {e.contact}" if e.contact else "No contact details recorded")
    if e.eligibility:
        parts.append(f"Eligibility: {e.eligibility}")
    if e.purchased:
        parts.append("Paid from the pathway budget")
    return " · ".join(p.replace("\n", ", ") for p in parts)


def _history_cells(view: SignpostingView) -> list[Cell]:
    if view.outcome and SignpostOutcome(view.outcome).settled:
        follow = "Closed"
    else:
        follow = format_uk_date(view.follow_up_on) if view.follow_up_on else "Not set"
    outcome = view.outcome_label + (f" on {format_uk_date(view.outcome_on)}"
                                    if view.outcome_on else "")
    reason = " ".join(view.reason.split())
    return [Cell(format_uk_date(view.signposted_on)), Cell(view.service_name, tooltip=view.summary),
            Cell(CATEGORY_LABELS[ServiceCategory(view.category)]), Cell(follow),
            Cell(outcome), Cell(reason, tooltip=view.reason)]


_SIGNPOST_FIELDS = {"service": "service", "signposted_on": "date signposted",
                    "reason": "reason", "follow_up_on": "follow-up date"}


class SignpostDialog(QDialog):
    """Signpost one patient, and see and settle what they were signposted to before.

    ``changed(patient_id)`` after a signposting or an outcome is saved, so the patient's
    record (and the follow-ups list) can refresh. Test hooks: ``fill``, ``save``,
    ``select_history``, ``record_outcome`` (opens ``outcome_dialog``)."""

    changed = Signal(int)

    def __init__(self, ctx: UiContext, patient_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.patient_id = patient_id
        self.history: list[SignpostingView] = []
        self.services: list[LocalServiceView] = []
        self.outcome_dialog: OutcomeDialog | None = None
        self._follow_touched = False
        today = ctx.today()
        em = self.fontMetrics().horizontalAdvance("x")

        self.patient = bold(wrapped(name="Patient", selectable=False))

        self.service = QComboBox()
        self.service.setAccessibleName("Service")
        self.service.setPlaceholderText("Choose a service")
        self.service.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.service.setMinimumContentsLength(30)
        self.service_detail = wrapped(name="About the chosen service")
        self.directory_button = QPushButton("Service d&irectory…")
        self.directory_button.setAccessibleName("Open the directory of local services")
        self.directory_button.setAutoDefault(False)
        self.signposted_on = date_edit(today, "Date signposted", "dd/mm/yyyy, today or earlier")
        self.signposted_on.setMaximumDate(qdate(today))
        self.reason = text_box("Reason", 3, "Why, e.g. smokes 20 a day and wants to stop")
        self.reason.setAccessibleDescription("Why the patient was signposted")
        self.follow_up = QCheckBox("&Follow up on:")
        self.follow_up.setAccessibleName("Follow up")
        self.follow_up.setAccessibleDescription("Book a date to ask whether the patient went")
        self.follow_up.setChecked(True)
        self.follow_up_on = date_edit(today + timedelta(days=FOLLOW_UP_DAYS), "Follow-up date",
                                      f"dd/mm/yyyy, usually {FOLLOW_UP_DAYS} days after "
                                      "signposting")
        self.errors = error_labels(_SIGNPOST_FIELDS)
        self.save_button = QPushButton("&Save signposting")
        self.save_button.setAccessibleName("Save the signposting")
        self.save_button.setDefault(True)

        self.history_model = TextTableModel(HISTORY_HEADERS)
        self.history_table = QTableView()
        configure_list_table(
            self.history_table, self.history_model, "Signposted before",
            "Every service this patient was signposted to, newest first, with the follow-up "
            "date and the outcome. Choose one and press Record outcome.",
            {0: "00/00/0000", 1: "Anytown Stop Smoking Service", 2: "NHS Talking Therapies",
             3: "00/00/0000", 4: "Not attended on 00/00/0000", 5: "Smokes 20 a day"})
        header = self.history_table.horizontalHeader()
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)  # the reason: the rest
        header.setStretchLastSection(False)
        self.history_label = QLabel()
        self.history_label.setAccessibleName("Number signposted before")
        self.record_outcome_button = QPushButton("Record &outcome…")
        self.record_outcome_button.setAccessibleName(
            "Record the outcome of the selected signposting")
        self.record_outcome_button.setAutoDefault(False)
        self.message = wrapped(name="Signposting status")
        self.close_button = close_button(self)

        self._lay_out()
        self.setMinimumWidth(em * 125)
        self.directory_button.clicked.connect(self.open_directory)
        self.service.currentIndexChanged.connect(self._service_chosen)
        self.follow_up.toggled.connect(self.follow_up_on.setEnabled)
        self.signposted_on.dateChanged.connect(self._signposted_changed)
        self.follow_up_on.dateChanged.connect(self._follow_edited)
        self.save_button.clicked.connect(self.save)
        self.record_outcome_button.clicked.connect(self.record_outcome)
        self.history_table.activated.connect(lambda _i: self.record_outcome())
        self.history_table.selectionModel().currentRowChanged.connect(self._history_chosen)
        self.load()

    def _lay_out(self) -> None:
        service_row = QHBoxLayout()
        service_row.addWidget(self.service, 1)
        service_row.addWidget(self.directory_button)
        service_column = with_error(service_row, self.errors["service"])
        service_column.insertWidget(1, self.service_detail)
        date_row = QHBoxLayout()
        date_row.addWidget(self.signposted_on)
        date_row.addStretch(1)
        follow_row = QHBoxLayout()
        follow_row.addWidget(self.follow_up_on)
        follow_row.addStretch(1)
        form = wrapping_form()
        service_label = QLabel("Se&rvice:")
        service_label.setBuddy(self.service)
        form.addRow(service_label, service_column)
        date_label = QLabel("Da&te signposted:")
        date_label.setBuddy(self.signposted_on)
        form.addRow(date_label, with_error(date_row, self.errors["signposted_on"]))
        reason_label = QLabel("Reaso&n:")
        reason_label.setBuddy(self.reason)
        form.addRow(reason_label, with_error(self.reason, self.errors["reason"]))
        form.addRow(self.follow_up, with_error(follow_row, self.errors["follow_up_on"]))
        save_row = QHBoxLayout()
        save_row.addStretch(1)
        save_row.addWidget(self.save_button)
        new_box = QGroupBox("Signpost to a local service")
        new_layout = QVBoxLayout(new_box)
        new_layout.addLayout(form)
        new_layout.addLayout(save_row)

        before_box = QGroupBox("Signposted before")
        before_layout = QVBoxLayout(before_box)
        before_layout.addWidget(self.history_table, 1)
        before_buttons = QHBoxLayout()
        before_buttons.addWidget(self.history_label, 1)
        before_buttons.addWidget(self.record_outcome_button)
        before_layout.addLayout(before_buttons)

        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.addWidget(self.patient)
        layout.addWidget(new_box)
        layout.addWidget(before_box, 1)
        layout.addLayout(bottom)
        for first, second in ((self.service, self.directory_button),
                              (self.directory_button, self.signposted_on),
                              (self.signposted_on, self.reason), (self.reason, self.follow_up),
                              (self.follow_up, self.follow_up_on),
                              (self.follow_up_on, self.save_button),
                              (self.save_button, self.history_table),
                              (self.history_table, self.record_outcome_button),
                              (self.record_outcome_button, self.close_button)):
            QWidget.setTabOrder(first, second)

    # -- reading ---------------------------------------------------------------------------------

    def load(self) -> None:
        """The patient, the active services and what they were signposted to before."""
        try:
            record = patient_record(self._ctx.new_uow(), self.patient_id, self._ctx.today())
        except PatientNotFound as exc:
            self.patient.setText(str(exc))
            self.save_button.setEnabled(False)
            self.record_outcome_button.setEnabled(False)
            return
        name = f"{record.family_name.upper()}, {record.given_name}"
        self.setWindowTitle(f"Signposting: {name}")
        self.patient.setText(f"{name} · NHS number {format_nhs_number(record.nhs_number)} · "
                             f"born {format_uk_date(record.date_of_birth)} · "
                             f"{record.practice_name} ({record.practice_code})")
        self.signposted_on.setMinimumDate(qdate(min(record.date_of_birth, self._ctx.today())))
        self.reload_services()
        self.reload_history()

    def reload_services(self) -> None:
        """Active services grouped under their category (headings cannot be chosen); keeps
        the chosen service if it is still active."""
        chosen = self.service.currentData()
        self.services = list_services(self._ctx.new_uow())
        by_category: dict[ServiceCategory, list[LocalServiceView]] = {}
        for s in self.services:
            by_category.setdefault(ServiceCategory(s.entry.category), []).append(s)
        combo = self.service
        combo.blockSignals(True)
        combo.clear()
        model = cast(QStandardItemModel, combo.model())
        for category in ServiceCategory:  # the domain's order, not the alphabet's
            if category not in by_category:
                continue
            combo.addItem(CATEGORY_LABELS[category], None)
            heading = model.item(combo.count() - 1)
            heading.setEnabled(False)
            heading.setSelectable(False)
            font = QFont(combo.font())
            font.setBold(True)
            heading.setFont(font)
            # dark, not the pale grey of a disabled item: a heading must stay readable
            heading.setForeground(combo.palette().brush(QPalette.ColorGroup.Active,
                                                        QPalette.ColorRole.WindowText))
            for s in by_category[category]:
                combo.addItem(s.entry.name, s.id)  # under its bold heading
                index = combo.count() - 1
                combo.setItemData(index, _service_detail(s), Qt.ItemDataRole.ToolTipRole)
                combo.setItemData(index, f"{s.entry.name}, {s.category_label}",
                                  Qt.ItemDataRole.AccessibleTextRole)
        combo.setCurrentIndex(combo.findData(chosen) if chosen is not None else -1)
        combo.blockSignals(False)
        self._service_chosen()
        if not self.services:
            combo.setPlaceholderText("No active services in the directory")
            self.service_detail.setText("The directory has no active services yet: add them "
                                        "with Service directory….")

    def chosen_service(self) -> LocalServiceView | None:
        service_id = self.service.currentData()
        return next((s for s in self.services if s.id == service_id), None)

    def _service_chosen(self) -> None:
        service = self.chosen_service()
        text = _service_detail(service) if service else "Choose the service from the list."
        self.service_detail.setText(text)
        self.service.setAccessibleDescription(text)

    def reload_history(self, select_id: int | None = None) -> None:
        self.history = patient_signpostings(self._ctx.new_uow(), self.patient_id)
        self.history_model.set_rows([_history_cells(v) for v in self.history])
        count = len(self.history)
        waiting = sum(1 for v in self.history if not (v.outcome and
                                                      SignpostOutcome(v.outcome).settled))
        self.history_label.setText(
            "Not signposted before." if not count else
            f"{count} signposting{'' if count == 1 else 's'}, {waiting} without a final "
            "outcome.")
        row = next((i for i, v in enumerate(self.history) if v.id == select_id), None)
        if row is not None:
            self.history_table.selectRow(row)
        self._history_chosen()

    def selected_history(self) -> SignpostingView | None:
        index = self.history_table.currentIndex()
        return self.history[index.row()] if index.isValid() else None

    def select_history(self, signposting_id: int) -> bool:
        row = next((i for i, v in enumerate(self.history) if v.id == signposting_id), None)
        if row is None:
            return False
        self.history_table.selectRow(row)
        return True

    def _history_chosen(self, *_args: QModelIndex) -> None:
        self.record_outcome_button.setEnabled(self.selected_history() is not None)

    # -- the follow-up date keeps its usual gap until the user sets it -------------------------

    def _signposted_changed(self) -> None:
        if not self._follow_touched:
            _follow_up_after(self.follow_up_on, self.signposted_on)

    def _follow_edited(self) -> None:
        self._follow_touched = True

    # -- saving a signposting --------------------------------------------------------------------

    def fill(self, service_id: int | None, on: date, reason: str,
             follow_up_on: date | None) -> None:
        """Fill the form as a user would (for tests and scripts)."""
        self.service.setCurrentIndex(self.service.findData(service_id)
                                     if service_id is not None else -1)
        self.signposted_on.setDate(qdate(on))
        self.reason.setPlainText(reason)
        if follow_up_on is not None:
            self.follow_up_on.setDate(qdate(follow_up_on))
        self.follow_up.setChecked(follow_up_on is not None)

    def save(self) -> int | None:
        """Save the signposting; its id, or None (with every problem beside its field)."""
        service = self.chosen_service()
        on = to_date(self.signposted_on)
        follow = to_date(self.follow_up_on) if self.follow_up.isChecked() else None
        try:
            # with no service chosen the service still checks every other field: all the
            # problems are shown at once, and an id of 0 can never be saved
            new_id = record_signposting(self._ctx.new_uow(), self.patient_id,
                                        service.id if service else 0, on,
                                        self.reason.toPlainText(), follow, self._ctx.today())
        except InvalidSignposting as exc:
            problems = [SignpostProblem("service", "Choose the service the patient was "
                                        "signposted to.")
                        if p.field == "service" and service is None else p
                        for p in exc.problems]
            self._show_problems(problems)
            self.message.setText(problems_text([p.message for p in problems]))
            return None
        except PatientNotFound as exc:
            self._show_problems([])
            self.message.setText(str(exc))
            return None
        except Exception as exc:  # a lost connection: say so, keep what was typed
            self.message.setText(f"The signposting could not be saved and nothing was "
                                 f"written: {exc}")
            return None
        assert service is not None
        self._show_problems([])
        follow_text = (f"; follow up on {format_uk_date(follow)}" if follow else
                       "; no follow-up booked")
        self.message.setText(f"Signposted to {service.entry.name} on {format_uk_date(on)}"
                             f"{follow_text}.")
        self._reset_form()
        self.reload_history(select_id=new_id)
        self.changed.emit(self.patient_id)
        return new_id

    def _reset_form(self) -> None:
        today = self._ctx.today()
        self.service.setCurrentIndex(-1)
        self.reason.clear()
        self.signposted_on.setDate(qdate(today))
        self.follow_up.setChecked(True)
        _follow_up_after(self.follow_up_on, self.signposted_on)
        self._follow_touched = False

    def _show_problems(self, problems: list[SignpostProblem]) -> None:
        show_field_problems([(p.field, p.message) for p in problems], self.errors,
                            {"service": self.service, "signposted_on": self.signposted_on,
                             "reason": self.reason, "follow_up_on": self.follow_up_on},
                            {"reason": "Why the patient was signposted"})

    # -- outcomes and the directory --------------------------------------------------------------

    def record_outcome(self) -> OutcomeDialog | None:
        """Open the outcome form for the selected signposting (window-modal)."""
        view = self.selected_history()
        if view is None:
            self.message.setText("Choose a signposting in the list first.")
            return None
        dialog = OutcomeDialog(self._ctx, OutcomeTarget.from_view(view, self.patient_id), self)
        dialog.editor.saved.connect(self._outcome_saved)
        dialog.finished.connect(self._outcome_closed)
        self.outcome_dialog = dialog
        dialog.open()
        return dialog

    def _outcome_saved(self, patient_id: int) -> None:
        dialog = self.outcome_dialog
        chosen = dialog.editor.target.signposting_id if dialog else None
        if dialog is not None:
            self.message.setText(dialog.editor.message.text())
        self.reload_history(select_id=chosen)
        self.changed.emit(patient_id)

    def _outcome_closed(self) -> None:
        dialog = self.outcome_dialog
        self.outcome_dialog = None
        if dialog is not None and dialog.result() != QDialog.DialogCode.Accepted:
            self.reload_history(select_id=dialog.editor.target.signposting_id)  # it may
            # have been changed elsewhere meanwhile

    def open_directory(self) -> QDialog:
        from ui.screens.service_directory import ServiceDirectoryDialog

        dialog = ServiceDirectoryDialog(self._ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.changed.connect(self.reload_services)
        dialog.open()
        return dialog
