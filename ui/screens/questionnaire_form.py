"""Entering a questionnaire item by item: PHQ-9, GAD-7, SWEMWBS, DIALOG and ReQoL-10.

Every item shows its answers as radio buttons (one exclusive ``QButtonGroup`` per item), so a
value the measure does not allow cannot be entered at all. Tab moves from item to item, the
arrow keys move between an item's answers (Qt treats an exclusive group as one tab stop), and
every answer is tall enough to tap: sizes come from the font, so they grow with the text scale.
The total, score and band are worked out as the answers are chosen; saving checks every item
(``validate_answers``) and names each one missing, beside the item and in the summary at the
top, and nothing is saved while any is missing. Saving is one quick transaction on the GUI
thread, as the check form's is.

PHQ-9 item 9 (the close rule)
-----------------------------
As soon as item 9 is answered above 0 a warning panel appears above the buttons (a warning
icon and the heading "Risk: item 9 answered …" as well as a red border, so colour is never the
only cue), with ``RISK_MESSAGE`` and a required "Risk action taken" box. Save is refused until
the box is filled. While item 9 is above 0 and nothing has been saved, the dialog cannot be
closed: Cancel is disabled, and Escape and the window's close button are ignored (the panel
says why and the cursor goes to the risk action box). The only ways out are to record the risk
action and save, or to change item 9 back to "Not at all" when it was entered by mistake. One
exception: when saving fails for a reason the form cannot fix (the database cannot be reached,
the patient was removed), Cancel becomes "Discard…" and asks for confirmation, so nobody is
tempted to change item 9 to get out; the warning then stays on screen until it is dismissed.

Self-completion
---------------
"Hand to patient (self-completion)…" sets a one-time unlock password and opens the locked
full-screen window (``ui/screens/self_completion.py``), which shows the patient only the items:
never the scores, the risk wording or the risk action box. Unlocked, it hands the answers back
here, marked as completed by the patient, and the item 9 rule above applies before saving.
Only measures whose wording the app may show are offered for self-completion: SWEMWBS and
ReQoL-10 wording is licensed (the app shows neutral labels, and ReQoL-10 takes the item score
from the form's scoring key), so those are entered by the facilitator from the paper form.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QEvent, QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QFocusEvent,
    QFont,
    QGuiApplication,
    QKeyEvent,
    QPalette,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from facilitator_app.domain.dates import format_uk_date
from facilitator_app.domain.measures import (
    RISK_ITEM,
    RISK_MESSAGE,
    SPECS,
    InvalidAnswers,
    ItemProblem,
    Measure,
    MeasureSpec,
    score_answers,
    validate_answers,
)
from facilitator_app.domain.nhs_number import format_nhs_number
from facilitator_app.domain.outcomes import GAD7_CASENESS, PHQ9_CASENESS
from facilitator_app.services.outcome_measures import (
    InvalidRecord,
    MeasureSaved,
    RiskActionRequired,
    record_measure,
)
from facilitator_app.services.patients import PatientNotFound, patient_record
from facilitator_app.services.stepped_care import EpisodeNotFound
from ui.context import UiContext

if TYPE_CHECKING:
    from ui.screens.self_completion import SelfCompletionWindow, Unlocker

SELF_COMPLETION_MEASURES = frozenset({Measure.PHQ9, Measure.GAD7, Measure.DIALOG})
"""Measures the patient may fill in on the locked screen (their wording is in the app)."""

RISK_ACTION_FIELD = "Risk action taken"
TOUCH_HEIGHT = 2.2
"""An answer is at least this many text lines tall: about 9 mm at the usual text size."""
DISCARD_QUESTION = "Discard this questionnaire? The risk answer will not be recorded."


def item_name(spec: MeasureSpec, number: int) -> str:
    """What a screen reader says for an item: "PHQ-9 item 3: Trouble falling …"."""
    return f"{spec.title} item {number}: {spec.items[number - 1]}"


def scaled_font(font: QFont, factor: float) -> QFont:
    """``font`` ``factor`` times larger, whether it is sized in points or in pixels."""
    bigger = QFont(font)
    if bigger.pointSizeF() > 0:
        bigger.setPointSizeF(bigger.pointSizeF() * factor)
    elif bigger.pixelSize() > 0:
        bigger.setPixelSize(round(bigger.pixelSize() * factor))
    return bigger


def wrapped(text: str = "", *, selectable: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def error_label(name: str) -> QLabel:
    """Dark red text saying what is wrong, hidden while nothing is: the words are the cue."""
    label = wrapped()
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, Qt.GlobalColor.darkRed)
    label.setPalette(palette)
    label.setAccessibleName(name)
    label.setVisible(False)
    return label


_ARROW_STEPS = {Qt.Key.Key_Right: 1, Qt.Key.Key_Down: 1, Qt.Key.Key_Left: -1, Qt.Key.Key_Up: -1}


class AnswerButton(QRadioButton):
    """A radio button sized for a finger: at least ``TOUCH_HEIGHT`` lines tall with an indicator
    as big as a capital letter, and the whole of it takes the tap (not just the circle and the
    words). The arrow keys go through the answers in order (``keyPressEvent``); reached with
    Tab, it hands the focus to its group's chosen answer, so the arrow keys
    carry on from there."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._style_indicator()

    def _style_indicator(self) -> None:
        side = self.fontMetrics().height()
        self.setStyleSheet(f"QRadioButton::indicator {{ width: {side}px; height: {side}px; }}"
                           f"QRadioButton {{ spacing: {max(4, side // 2)}px; }}")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            self._style_indicator()
        super().changeEvent(event)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(hint.width(), max(hint.height(),
                                       round(self.fontMetrics().height() * TOUCH_HEIGHT)))

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), self.sizeHint().height())

    def hitButton(self, pos: QPoint) -> bool:
        return self.rect().contains(pos)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """The arrow keys go through the item's answers in order, choosing as they go (Right or
        Down the next, Left or Up the previous, round at the ends), however the answers are
        laid out: Qt's own arrow keys follow the screen and stop at the end of a row."""
        group = self.group()
        step = _ARROW_STEPS.get(Qt.Key(event.key()))
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier,
                                      Qt.KeyboardModifier.KeypadModifier)
        if group is None or step is None or not plain:
            super().keyPressEvent(event)
            return
        buttons = group.buttons()
        target = buttons[(buttons.index(self) + step) % len(buttons)]
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        target.click()
        event.accept()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        if event.reason() in (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason):
            # Later, not now: the arrow keys also focus the next answer "by Tab" and only then
            # choose it, and that must not be undone.
            QTimer.singleShot(0, self._to_chosen)

    def _to_chosen(self) -> None:
        group = self.group()
        chosen = group.checkedButton() if group is not None else None
        if self.hasFocus() and chosen is not None and chosen is not self:
            chosen.setFocus(Qt.FocusReason.TabFocusReason)


def answer_group(spec: MeasureSpec, number: int, owner: QWidget, *,
                 show_values: bool) -> tuple[QButtonGroup, list[AnswerButton]]:
    """The exclusive group of one item's answers; each button's id is its value."""
    group = QButtonGroup(owner)
    group.setExclusive(True)
    group.setObjectName(item_name(spec, number))
    buttons: list[AnswerButton] = []
    for value, label in spec.answers:
        # ReQoL-10 labels are the values already ("0 (worst)", "1", …).
        text = f"{label} ({value})" if show_values and not label.startswith(str(value)) else label
        button = AnswerButton(text)
        button.setAccessibleName(text)
        button.setAccessibleDescription(item_name(spec, number))
        group.addButton(button, value)
        buttons.append(button)
    return group, buttons


def set_group_value(group: QButtonGroup, value: int | None) -> None:
    """Choose ``value`` in ``group`` (None: no answer); ValueError for a value not offered."""
    if value is None:
        group.setExclusive(False)  # an exclusive group will not uncheck its last button
        for each in group.buttons():
            each.setChecked(False)
        group.setExclusive(True)
        return
    whole = isinstance(value, int) and not isinstance(value, bool)
    button = group.button(value) if whole else None
    if button is None:
        allowed = ", ".join(str(group.id(b)) for b in group.buttons())
        raise ValueError(f"{group.objectName()}: {value!r} is not one of the answers ({allowed})")
    button.setChecked(True)


def group_value(group: QButtonGroup) -> int | None:
    checked = group.checkedId()
    return None if checked == -1 else checked


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def score_text(measure: Measure, answers: Sequence[int | None]) -> tuple[str, str]:
    """The live headline ("Total 14 of 27: moderate") and a line of detail under it."""
    spec = SPECS[measure]
    missing = sum(1 for a in answers if a is None)
    if missing:
        return (f"No total yet: {missing} of {len(spec.items)} items still to answer",
                "All items are needed (no prorating).")
    score = score_answers(measure, [int(a or 0) for a in answers])
    match measure:
        case Measure.PHQ9:
            detail = (f"{'At or above' if score.caseness else 'Below'} the caseness threshold "
                      f"of {PHQ9_CASENESS}; NICE NG222: {score.nice_severity} depression.")
            return f"Total {score.raw_total} of {spec.total_max}: {score.band}", detail
        case Measure.GAD7:
            detail = (f"{'At or above' if score.caseness else 'Below'} the caseness threshold "
                      f"of {GAD7_CASENESS}.")
            return f"Total {score.raw_total} of {spec.total_max}: {score.band}", detail
        case Measure.SWEMWBS:
            return (f"Metric score {score.score:.2f} (raw total {score.raw_total} of "
                    f"{spec.total_max})", "The metric score is the one reported and charted.")
        case Measure.DIALOG:
            treatment = score.subscores["treatment satisfaction"]
            return (f"Quality of life {_number(score.score)} of 7: {score.band}",
                    f"Treatment satisfaction {_number(treatment)} of 7 (mean of items 9–11); "
                    "quality of life is the mean of items 1–8.")
        case Measure.REQOL10:
            return (f"Total {score.raw_total} of {spec.total_max}: {score.band}",
                    "Under 24 is the clinical range.")
    raise AssertionError(f"unhandled measure {measure!r}")  # pragma: no cover


class QuestionnaireDialog(QDialog):
    """``saved`` holds the ``MeasureSaved`` once the questionnaire is saved (the dialog then
    closes); ``measure_saved`` carries it too, for screens that list the patient's scores.

    ``self_completion=True`` starts the hand-over to the patient as soon as the dialog is
    shown (the same as pressing "Hand to patient (self-completion)…")."""

    measure_saved = Signal(object)

    def __init__(self, ctx: UiContext, patient_id: int, measure: Measure,
                 parent: QWidget | None = None, *, self_completion: bool = False) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._patient_id = patient_id
        self.measure = measure
        self.spec = SPECS[measure]
        self.saved: MeasureSaved | None = None
        self.self_completion_window: SelfCompletionWindow | None = None
        self._start_self_completion = self_completion
        self._tried_to_save = False
        self._save_failed = False  # a failure the form cannot fix: allow a confirmed discard
        self.groups: list[QButtonGroup] = []
        self.item_boxes: list[QFrame] = []
        self.item_errors: list[QLabel] = []
        self._answer_buttons: list[list[AnswerButton]] = []
        self._grids: list[QGridLayout] = []
        self._columns = 0

        record = patient_record(ctx.new_uow(), patient_id, ctx.today())
        who = f"{record.family_name.upper()}, {record.given_name}"
        self.setWindowTitle(f"{self.spec.title} – {who}")
        self.setAccessibleName(f"Enter {self.spec.title}")
        self._fit_to_screen()

        heading = wrapped(f"{self.spec.title} for {who}, NHS number "
                          f"{format_nhs_number(record.nhs_number)}, born "
                          f"{format_uk_date(record.date_of_birth)}")
        bold = QFont(heading.font())
        bold.setBold(True)
        heading.setFont(bold)
        preamble = wrapped(self.spec.preamble)
        preamble.setAccessibleName("Instructions")

        self.problems_label = error_label("Problems to correct before saving")
        self.status_label = wrapped()
        self.status_label.setAccessibleName("Questionnaire status")
        self.status_label.setVisible(False)

        self.date_edit = QDateEdit(self._qdate(ctx.today()))
        self.date_edit.setDisplayFormat("dd/MM/yyyy")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setMaximumDate(self._qdate(ctx.today()))
        self.date_edit.setMinimumDate(self._qdate(record.date_of_birth))
        self.date_edit.setAccessibleName("Date completed")
        self.date_edit.setAccessibleDescription("dd/mm/yyyy")
        for editor in self.date_edit.findChildren(QLineEdit):
            editor.setAccessibleName("Date completed (dd/mm/yyyy)")
        date_label = QLabel("&Date completed:")
        date_label.setBuddy(self.date_edit)
        self.date_error = error_label("Problem with the date completed")
        self.self_completed_box = QCheckBox("Filled in by the &patient")
        self.self_completed_box.setAccessibleName("Filled in by the patient themselves")
        self.hand_over_button = QPushButton("&Hand to patient (self-completion)…")
        self.hand_over_button.setAccessibleName("Hand the laptop to the patient to fill in the "
                                                "questionnaire on a locked screen")
        self.hand_over_button.setAutoDefault(False)
        self.hand_over_button.clicked.connect(self.hand_to_patient)
        if measure not in SELF_COMPLETION_MEASURES:
            self.hand_over_button.setEnabled(False)
            self.hand_over_button.setToolTip(f"{self.spec.title} wording is licensed: enter it "
                                             "from the patient's paper form.")
        date_row = QHBoxLayout()
        date_row.addWidget(date_label)
        date_row.addWidget(self.date_edit)
        date_row.addSpacing(self.fontMetrics().horizontalAdvance("M") * 2)
        date_row.addWidget(self.self_completed_box)
        date_row.addStretch(1)
        date_row.addWidget(self.hand_over_button)

        page = QWidget()
        column = QVBoxLayout(page)
        column.setSpacing(self.fontMetrics().height() // 2)
        for number in range(1, len(self.spec.items) + 1):
            column.addWidget(self._item_box(number))
        column.addStretch(1)
        self.items_scroll = QScrollArea()
        self.items_scroll.setWidget(page)
        self.items_scroll.setWidgetResizable(True)
        self.items_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.items_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.items_scroll.setAccessibleName(f"{self.spec.title} items")

        self.total_label = wrapped()
        self.total_label.setAccessibleName("Score")
        big = scaled_font(bold, 1.15)
        self.total_label.setFont(big)
        self.total_detail = wrapped()
        self.total_detail.setAccessibleName("About the score")

        self.risk_panel = self._risk_panel()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setAccessibleName(f"Save the {self.spec.title}")
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setAccessibleName("Cancel without saving")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(preamble)
        layout.addLayout(date_row)
        layout.addWidget(self.date_error)
        layout.addWidget(self.status_label)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.items_scroll, 1)
        layout.addWidget(self.total_label)
        layout.addWidget(self.total_detail)
        layout.addWidget(self.risk_panel)
        layout.addWidget(self.buttons)

        self._reflow(self.width())  # puts the answers in the dialog: tab order after this
        chain: list[QWidget] = [self.date_edit, self.self_completed_box]
        chain += [button for buttons in self._answer_buttons for button in buttons]
        chain += [self.risk_action, self.save_button, self.cancel_button, self.hand_over_button]
        for a, b in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(a, b)
        self._refresh()

    @staticmethod
    def _qdate(d: date) -> QDate:
        return QDate(d.year, d.month, d.day)

    def _fit_to_screen(self) -> None:
        """960 × 860, shrunk to the screen at large scale factors: the items scroll."""
        size = QSize(960, 860)
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            size = size.boundedTo(screen.availableGeometry().size() * 0.9)
        self.resize(size)

    # -- building -------------------------------------------------------------------------------

    def _item_box(self, number: int) -> QFrame:
        box = QFrame()
        box.setFrameShape(QFrame.Shape.StyledPanel)
        box.setAccessibleName(item_name(self.spec, number))
        inner = QVBoxLayout(box)
        text = wrapped(f"{number}. {self.spec.items[number - 1]}", selectable=False)
        group, buttons = answer_group(self.spec, number, self, show_values=True)
        group.idToggled.connect(self._answer_toggled)
        text.setBuddy(buttons[0])
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(self.fontMetrics().horizontalAdvance("M"))
        grid.setVerticalSpacing(0)
        error = error_label(f"Problem with {self.spec.title} item {number}")
        inner.addWidget(text)
        inner.addLayout(grid)
        inner.addWidget(error)
        self.groups.append(group)
        self.item_boxes.append(box)
        self.item_errors.append(error)
        self._answer_buttons.append(buttons)
        self._grids.append(grid)
        return box

    def _risk_panel(self) -> QFrame:
        panel = QFrame()
        panel.setObjectName("riskPanel")
        panel.setAccessibleName("Risk warning")
        panel.setAccessibleDescription(RISK_MESSAGE)
        border = max(3, self.fontMetrics().height() // 6)
        panel.setStyleSheet(
            f"QFrame#riskPanel {{ border: {border}px solid #8b0000; background: #fff3cd; }}"
            "QFrame#riskPanel QLabel { color: #000000; background: transparent; }")
        outer = QHBoxLayout(panel)
        icon = QLabel()
        side = self.fontMetrics().height() * 2
        icon.setPixmap(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(side, side))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        icon.setAccessibleName("Warning")
        outer.addWidget(icon)
        column = QVBoxLayout()
        self.risk_heading = wrapped()
        self.risk_heading.setFont(scaled_font(self._bold(), 1.2))
        self.risk_heading.setAccessibleName("Risk")
        self.risk_text = wrapped(RISK_MESSAGE)
        self.risk_text.setAccessibleName("What to do about the risk")
        self.risk_action = QPlainTextEdit()
        self.risk_action.setTabChangesFocus(True)
        self.risk_action.setAccessibleName(RISK_ACTION_FIELD)
        self.risk_action.setAccessibleDescription("Required: who assessed the risk, and what was "
                                                  "agreed")
        self.risk_action.setPlaceholderText("Who assessed the risk, and what was agreed")
        self.risk_action.setFixedHeight(round(
            self.risk_action.fontMetrics().lineSpacing() * 3
            + 2 * self.risk_action.document().documentMargin()
            + 2 * self.risk_action.frameWidth()))
        self.risk_action.textChanged.connect(self._refresh)
        action_label = QLabel("Risk &action taken (required): who assessed the risk, and what "
                              "was agreed")
        action_label.setWordWrap(True)
        action_label.setBuddy(self.risk_action)
        self.risk_error = error_label(f"Problem with {RISK_ACTION_FIELD}")
        self.risk_error.setStyleSheet("color: #8b0000; font-weight: bold;")
        self.close_note = wrapped(
            "This form cannot be cancelled or closed while item 9 is above 0: record the risk "
            "action and save. If item 9 was entered by mistake, change it to “Not at all”.")
        self.close_note.setAccessibleName("Why the form cannot be closed")
        self.close_note.setVisible(False)  # shown when someone tries to close
        column.addWidget(self.risk_heading)
        column.addWidget(self.risk_text)
        column.addWidget(action_label)
        column.addWidget(self.risk_action)
        column.addWidget(self.risk_error)
        column.addWidget(self.close_note)
        outer.addLayout(column, 1)
        panel.setVisible(False)
        return panel

    def _bold(self) -> QFont:
        font = QFont(self.font())
        font.setBold(True)
        return font

    def _columns_for(self, width: int) -> int:
        """As many answers side by side as fit (all of them when they can), in equal columns so
        the answers line up from item to item like a paper form."""
        widest = max(b.sizeHint().width() for buttons in self._answer_buttons for b in buttons)
        spacing = self.fontMetrics().horizontalAdvance("M")
        margins = self.fontMetrics().horizontalAdvance("M") * 6  # frames, scroll bar, margins
        count = len(self.spec.answers)
        fit = max(1, (width - margins + spacing) // (widest + spacing))
        if fit >= count:
            return count
        rows = math.ceil(count / fit)
        return math.ceil(count / rows)  # balanced rows: 4 + 3, not 6 + 1

    def _reflow(self, width: int) -> None:
        columns = self._columns_for(width)
        if columns == self._columns:
            return
        self._columns = columns
        for grid, buttons in zip(self._grids, self._answer_buttons, strict=True):
            for button in buttons:
                grid.removeWidget(button)
            for i, button in enumerate(buttons):
                grid.addWidget(button, i // columns, i % columns)
            for c in range(grid.columnCount()):
                grid.setColumnStretch(c, 1 if c < columns else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._reflow(event.size().width())

    # -- reading and setting answers --------------------------------------------------------------

    def answers(self) -> list[int | None]:
        """One value per item, in order; None where the item is not answered."""
        return [group_value(group) for group in self.groups]

    def set_answer(self, item: int, value: int | None) -> None:
        """Choose ``value`` for item ``item`` (1-based) as a click would; None clears it.
        Raises ValueError for a value the item does not offer: it has no button."""
        if not 1 <= item <= len(self.groups):
            raise ValueError(f"{self.spec.title} has no item {item}")
        set_group_value(self.groups[item - 1], value)
        self._refresh()

    def set_risk_action(self, text: str) -> None:
        self.risk_action.setPlainText(text)

    def risk_answered(self) -> bool:
        """PHQ-9 item 9 is answered above 0."""
        if self.measure is not Measure.PHQ9:
            return False
        value = self.answers()[RISK_ITEM - 1]
        return value is not None and value > 0

    def close_blocked(self) -> bool:
        """True while the dialog refuses Cancel, Escape and the window's close button."""
        return self.risk_answered() and self.saved is None and not self._save_failed

    # -- live behaviour -------------------------------------------------------------------------

    def _answer_toggled(self, _id: int, checked: bool) -> None:
        if checked:
            self._refresh()

    def _refresh(self) -> None:
        answers = self.answers()
        headline, detail = score_text(self.measure, answers)
        self.total_label.setText(headline)
        self.total_detail.setText(detail)
        risk = self.risk_answered()
        if risk:
            value = answers[RISK_ITEM - 1]
            assert value is not None
            self.risk_heading.setText(f"Risk: item {RISK_ITEM} answered "
                                      f"“{self.spec.answer_label(value)}” ({value})")
        if risk and self.risk_panel.isHidden():
            # the panel takes room from the items: keep item 9 in sight
            QTimer.singleShot(0, lambda: self.items_scroll.ensureWidgetVisible(
                self.item_boxes[RISK_ITEM - 1]))
        self.risk_panel.setVisible(risk)
        self.cancel_button.setEnabled(not self.close_blocked())
        self.cancel_button.setToolTip(self.close_note.text() if self.close_blocked() else "")
        self.cancel_button.setText("Discard…" if risk and self._save_failed else "Cancel")
        if self._tried_to_save:
            self._show_problems(self._problems(answers))

    def _problems(self, answers: list[int | None]) -> list[ItemProblem]:
        problems = validate_answers(self.measure, answers)
        if self.risk_answered() and not self.risk_action.toPlainText().strip():
            value = answers[RISK_ITEM - 1]
            problems.append(ItemProblem(
                RISK_ITEM, f"{RISK_ACTION_FIELD} is required: {self.spec.title} item "
                           f"{RISK_ITEM} was answered {value}. Write who assessed the risk and "
                           "what was agreed."))
        return problems

    def _show_problems(self, problems: Sequence[ItemProblem], extra: Sequence[str] = ()) -> None:
        """Each problem beside its item (the risk action's in the risk panel) and every one in
        the summary at the top."""
        by_item: dict[int, list[str]] = {}
        risk_messages: list[str] = []
        for p in problems:
            if p.message.startswith(RISK_ACTION_FIELD):
                risk_messages.append(p.message)
            elif p.item is not None:
                by_item.setdefault(p.item, []).append(p.message)
        for number, label in enumerate(self.item_errors, start=1):
            messages = by_item.get(number, [])
            label.setText("\n".join(messages))
            label.setVisible(bool(messages))
            for button in self._answer_buttons[number - 1]:
                button.setAccessibleDescription(" ".join([item_name(self.spec, number),
                                                          *messages]))
        self.risk_error.setText("\n".join(risk_messages))
        self.risk_error.setVisible(bool(risk_messages))
        messages = [p.message for p in problems] + list(extra)
        if messages:
            count = "1 problem" if len(messages) == 1 else f"{len(messages)} problems"
            self.problems_label.setText(f"{count} to correct before saving:\n"
                                        + "\n".join(f"• {m}" for m in messages))
        self.problems_label.setVisible(bool(messages))

    def _focus_problem(self, problems: Sequence[ItemProblem]) -> None:
        for p in problems:
            if p.message.startswith(RISK_ACTION_FIELD):
                self.risk_action.setFocus(Qt.FocusReason.OtherFocusReason)
                return
            if p.item is not None:
                box = self.item_boxes[p.item - 1]
                self.items_scroll.ensureWidgetVisible(box)
                self._answer_buttons[p.item - 1][0].setFocus(Qt.FocusReason.OtherFocusReason)
                return

    # -- saving ---------------------------------------------------------------------------------

    def completed_on(self) -> date:
        d = self.date_edit.date()
        return date(d.year(), d.month(), d.day())

    def save(self) -> bool:
        """Check every item (and the risk action), then save in one transaction. True when
        saved (the dialog then closes); otherwise the problems are on screen and nothing is
        written."""
        self._tried_to_save = True
        answers = self.answers()
        problems = self._problems(answers)
        self.date_error.setVisible(False)
        if problems:
            self._show_problems(problems)
            self._focus_problem(problems)
            return False
        try:
            saved = record_measure(
                self._ctx.new_uow(), self._patient_id, self.measure, answers,
                self.completed_on(), self._ctx.today(),
                risk_action=self.risk_action.toPlainText().strip() if self.risk_answered()
                else "",
                self_completed=self.self_completed_box.isChecked())
        except InvalidAnswers as exc:  # the form checks first, so only if the rules change
            self._show_problems(exc.problems)
            return False
        except RiskActionRequired as exc:
            self._show_problems([ItemProblem(RISK_ITEM, f"{RISK_ACTION_FIELD}: {exc}")])
            self.risk_action.setFocus(Qt.FocusReason.OtherFocusReason)
            return False
        except InvalidRecord as exc:
            self.date_error.setText("\n".join(exc.problems))
            self.date_error.setVisible(True)
            self._show_problems([], exc.problems)
            self.date_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return False
        except (PatientNotFound, EpisodeNotFound) as exc:
            self._failed(str(exc))
            return False
        except Exception as exc:  # a lost connection, a locked database file
            self._failed(f"The questionnaire could not be saved and nothing was written: {exc}")
            return False
        self.saved = saved
        self._save_failed = False
        self.measure_saved.emit(saved)
        self.accept()
        return True

    def _failed(self, message: str) -> None:
        """A failure the form cannot fix: say so, and let a risk answer be discarded (with a
        confirmation) rather than leave the facilitator stuck."""
        self._save_failed = True
        self._show_problems([], [message])
        self._refresh()

    # -- closing --------------------------------------------------------------------------------

    def _nudge(self) -> None:
        """Closing was refused: say why, where the eye and the cursor go."""
        QApplication.beep()
        font = self.close_note.font()
        font.setBold(True)
        self.close_note.setFont(font)
        self.close_note.setVisible(True)
        self.risk_action.setFocus(Qt.FocusReason.OtherFocusReason)

    def confirm_discard(self) -> bool:
        """Asked only after a failed save with item 9 above 0 (tests replace it)."""
        answer = QMessageBox.warning(
            self, "Discard questionnaire", f"{DISCARD_QUESTION}\n\n{RISK_MESSAGE}",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Discard

    def reject(self) -> None:
        """Cancel and Escape. Refused while item 9 is above 0 and the risk action is not saved
        (see the module notes)."""
        if self.close_blocked():
            self._nudge()
            return
        if self.risk_answered() and self.saved is None and not self.confirm_discard():
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.close_blocked():
            event.ignore()
            self._nudge()
            return
        super().closeEvent(event)

    # -- self-completion ------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._start_self_completion:
            self._start_self_completion = False
            QTimer.singleShot(0, self.hand_to_patient)

    def hand_to_patient(self) -> None:
        """Ask for a one-time unlock password, then lock the screen for the patient."""
        from ui.screens.self_completion import UnlockPasswordDialog  # imports this module

        if self.measure not in SELF_COMPLETION_MEASURES:
            return
        dialog = UnlockPasswordDialog(self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.unlocker is not None:
            self.start_self_completion(dialog.unlocker)

    def start_self_completion(self, unlocker: Unlocker, *, full_screen: bool = True,
                              lockout_ms: int | None = None) -> SelfCompletionWindow:
        """Open the locked window for the patient with the answers so far; unlocked, it hands
        the answers back to ``receive_self_completion``."""
        from ui.screens.self_completion import LOCKOUT_MS, SelfCompletionWindow

        window = SelfCompletionWindow(self.measure, unlocker, self.answers(), self,
                                      lockout_ms=LOCKOUT_MS if lockout_ms is None else lockout_ms)
        window.unlocked.connect(self.receive_self_completion)
        self.self_completion_window = window
        window.show_locked(full_screen=full_screen)
        return window

    def receive_self_completion(self, answers: list[int | None]) -> None:
        """The patient's answers, back from the locked window: fill them in and mark the form
        as filled in by the patient. Item 9 and saving are handled here, by the facilitator."""
        for number, value in enumerate(answers, start=1):
            set_group_value(self.groups[number - 1], value)
        self.self_completed_box.setChecked(True)
        missing = [str(n) for n, a in enumerate(answers, start=1) if a is None]
        text = ("The patient's answers are filled in below. Check them with the patient, "
                "then save.")
        if missing:
            text += f" Not answered: item{'s' if len(missing) > 1 else ''} {', '.join(missing)}."
        if self.risk_answered():
            text += (f" Item {RISK_ITEM} is above 0: the risk warning is below and the risk "
                     "action must be recorded before saving.")
        self.status_label.setText(text)
        self.status_label.setVisible(True)
        self._refresh()
        self.raise_()
        self.activateWindow()
        if self.risk_answered():
            self.risk_action.setFocus(Qt.FocusReason.OtherFocusReason)

