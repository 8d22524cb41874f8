"""The patient fills in a questionnaire on the facilitator's laptop, on a locked screen.

Before handing the laptop over, the facilitator chooses a one-time unlock password
(``UnlockPasswordDialog``: typed twice, at least 6 characters). It is kept only in memory, and
only as a salted scrypt hash (``OneTimePassword``), and forgotten once the screen is unlocked.
Anything with a ``matches(password) -> bool`` method can unlock the window (``Unlocker``), so
the user's login password can replace it later without touching the window.

``SelfCompletionWindow`` is a frameless full-screen window in large type (the system font
× 1.6) showing one question per page with big Back / Next buttons: no patient record, no
menus, no scores and no risk wording. Escape, Alt+F4 and every other close are ignored while
it is locked. "Finished" (or "Hand back to the facilitator" at any time) shows "Thank you —
please hand the laptop back" and the unlock box; the right password closes the window and
``unlocked`` carries the answers back to the facilitator's ``QuestionnaireDialog``, where PHQ-9
item 9 is dealt with and the questionnaire is saved. After 5 wrong passwords in a row the box
is disabled for 30 seconds, then 5 more tries are allowed.

The window cannot stop the operating system's own keys (Ctrl+Alt+Del, switching users): it
keeps the record out of sight, it does not make the laptop a kiosk.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from typing import Protocol

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from facilitator_app.domain.measures import SPECS, Measure
from ui.screens.questionnaire_form import (
    AnswerButton,
    answer_group,
    error_label,
    group_value,
    item_name,
    scaled_font,
    set_group_value,
    wrapped,
)

MIN_PASSWORD_LENGTH = 6
MAX_TRIES = 5
LOCKOUT_MS = 30_000
PATIENT_FONT_SCALE = 1.6
WRONG_PASSWORD = "That password is not right."
THANK_YOU = "Thank you — please hand the laptop back"


class Unlocker(Protocol):
    """What unlocks the window: a one-time password now, the user's login password later."""

    def matches(self, password: str) -> bool: ...


def _derive(password: str, salt: bytes) -> bytes:
    data = password.encode("utf-8")
    scrypt = getattr(hashlib, "scrypt", None)  # missing when Python's OpenSSL lacks it
    if scrypt is not None:
        derived: bytes = scrypt(data, salt=salt, n=2**14, r=8, p=1, dklen=32)
        return derived
    return hashlib.pbkdf2_hmac("sha256", data, salt, 600_000)


def password_problem(first: str, second: str) -> str | None:
    """Why the two entries of a new unlock password will not do, or None."""
    if len(first) < MIN_PASSWORD_LENGTH:
        return f"The password needs at least {MIN_PASSWORD_LENGTH} characters."
    if first != second:
        return "The two passwords are not the same: type the same password twice."
    return None


class OneTimePassword:
    """A password kept only as a salted hash in memory; ``matches`` compares in constant time."""

    def __init__(self, password: str) -> None:
        problem = password_problem(password, password)
        if problem is not None:
            raise ValueError(problem)
        self._salt = secrets.token_bytes(16)
        self._digest = _derive(password, self._salt)

    def matches(self, password: str) -> bool:
        return hmac.compare_digest(_derive(password, self._salt), self._digest)


class UnlockPasswordDialog(QDialog):
    """The facilitator chooses the password that will unlock the patient's screen.
    ``unlocker`` holds it (hashed) once accepted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.unlocker: OneTimePassword | None = None
        self.setWindowTitle("Hand to patient")
        self.setAccessibleName("Set an unlock password before handing over")
        intro = wrapped(
            "The patient will see only the questions, on a locked full screen. Choose a "
            f"password of at least {MIN_PASSWORD_LENGTH} characters to unlock it when the laptop "
            "comes back to you. It is for this hand-over only and is not stored.")
        self.first = QLineEdit()
        self.second = QLineEdit()
        for edit, name in ((self.first, "Unlock password"),
                           (self.second, "Unlock password again")):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setAccessibleName(name)
            edit.setMinimumWidth(edit.fontMetrics().horizontalAdvance("M") * 20)
        self.error = error_label("Problem with the unlock password")
        form = QFormLayout()
        form.addRow("&Unlock password:", self.first)
        form.addRow("&Type it again:", self.second)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Lock the screen and hand over")
        self.ok_button.setAccessibleName("Lock the screen and hand the laptop to the patient")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        # wide enough to read the words in a few lines; the height follows the wrapped text
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 36)
        layout.setSizeConstraint(QVBoxLayout.SizeConstraint.SetMinimumSize)

    def accept(self) -> None:
        problem = password_problem(self.first.text(), self.second.text())
        if problem is not None:
            self.error.setText(problem)
            self.error.setVisible(True)
            self.second.clear()
            (self.first if len(self.first.text()) < MIN_PASSWORD_LENGTH
             else self.second).setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.unlocker = OneTimePassword(self.first.text())
        self.first.clear()  # nothing readable left behind in the widgets
        self.second.clear()
        super().accept()


class BigButton(QPushButton):
    """A push button big enough to tap: 2.4 lines tall, at least 7 letters wide, measured in
    whatever font it ends up with (the window's large type)."""

    def __init__(self, text: str, name: str) -> None:
        super().__init__(text)
        self.setAccessibleName(name)
        self.setAutoDefault(False)

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        return super().sizeHint().expandedTo(
            QSize(metrics.horizontalAdvance("M") * 7, round(metrics.height() * 2.4)))

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()


class SelfCompletionWindow(QWidget):
    """The locked questionnaire screen. ``unlocked`` carries ``answers()`` (one value or None
    per item) once the right password is entered; the window then closes."""

    unlocked = Signal(list)

    def __init__(self, measure: Measure, unlocker: Unlocker,
                 answers: Sequence[int | None] | None = None, parent: QWidget | None = None, *,
                 lockout_ms: int = LOCKOUT_MS, max_tries: int = MAX_TRIES) -> None:
        super().__init__(parent, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint
                         | Qt.WindowType.WindowStaysOnTopHint)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.measure = measure
        self.spec = SPECS[measure]
        self._unlocker: Unlocker | None = unlocker
        self._locked = True
        self._tries = 0
        self._max_tries = max_tries
        self._lockout_ms = lockout_ms
        self.groups: list[QButtonGroup] = []
        self._first_buttons: list[AnswerButton] = []
        self.setWindowTitle(f"{self.spec.title} questionnaire")
        self.setAccessibleName(f"{self.spec.title} questionnaire")
        self.setFont(scaled_font(QApplication.font(), PATIENT_FONT_SCALE))
        self.setAutoFillBackground(True)
        em = self.fontMetrics().horizontalAdvance("M")
        line = self.fontMetrics().height()
        # A card per answer; the chosen one gets a thick border as well as its filled circle.
        self.setStyleSheet(
            f"QRadioButton {{ border: 2px solid #6b6b6b; border-radius: {line // 3}px; "
            f"padding: 0 {em // 2}px; background: palette(base); color: palette(text); }}"
            "QRadioButton:checked { border: 5px solid #1f1f1f; background: #eaf1fb; "
            "color: #000000; }"
            "QRadioButton:focus { border-color: #1a5fb4; }")

        self.title = QLabel(f"{self.spec.title} questionnaire")
        self.title.setFont(self._bold())
        self.progress = QLabel()
        self.progress.setAccessibleName("Progress")
        self.hand_back_button = BigButton("Hand back to the facilitator",
                                            "Hand the laptop back to the facilitator now")
        self.hand_back_button.clicked.connect(self.finish)
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addSpacing(em * 2)
        top.addWidget(self.progress)
        top.addStretch(1)
        top.addWidget(self.hand_back_button)

        self.pages = QStackedWidget()
        for number in range(1, len(self.spec.items) + 1):
            self.pages.addWidget(self._item_page(number))
        self.pages.addWidget(self._review_page())
        self.pages.addWidget(self._hand_back_page())

        self.back_button = BigButton("◀  Back", "Back to the previous question")
        self.back_button.clicked.connect(self.back)
        self.next_button = BigButton("Next  ▶", "Next question")
        self.next_button.clicked.connect(self.next_page)
        nav = QHBoxLayout()
        nav.addWidget(self.back_button)
        nav.addStretch(1)
        nav.addWidget(self.next_button)
        self.nav = QWidget()
        self.nav.setLayout(nav)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(em * 2, line, em * 2, line)
        layout.addLayout(top)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.nav)

        for number, value in enumerate(answers or (), start=1):
            if number <= len(self.groups):
                set_group_value(self.groups[number - 1], value)

        self._lockout_timer = QTimer(self)
        self._lockout_timer.setSingleShot(True)
        self._lockout_timer.timeout.connect(self._end_lockout)
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._show_wait)
        self.go_to(0)

    # -- building -------------------------------------------------------------------------------

    def _bold(self, factor: float = 1.0) -> QFont:
        font = scaled_font(self.font(), factor)
        font.setBold(True)
        return font

    def _centred(self, content: QWidget) -> QWidget:
        """Content in a readable column (about 45 letters wide) in the middle of the screen,
        scrolling if the text is very large."""
        content.setMaximumWidth(self.fontMetrics().horizontalAdvance("M") * 45)
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.addStretch(1)
        row.addWidget(content, 100)
        row.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(holder)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return scroll

    def _item_page(self, number: int) -> QWidget:
        content = QWidget()
        column = QVBoxLayout(content)
        column.setSpacing(self.fontMetrics().height() // 2)
        preamble = wrapped(self.spec.preamble, selectable=False)
        question = wrapped(f"{number}. {self.spec.items[number - 1]}", selectable=False)
        question.setFont(self._bold(1.1))
        question.setAccessibleName(item_name(self.spec, number))
        group, buttons = answer_group(self.spec, number, self, show_values=False)
        question.setBuddy(buttons[0])
        column.addWidget(preamble)
        column.addSpacing(self.fontMetrics().height() // 2)
        column.addWidget(question)
        for button in buttons:
            # A widget with its own style sheet does not take its parent's font: say it.
            button.setFont(self.font())
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            column.addWidget(button)
        column.addStretch(1)
        self.groups.append(group)
        self._first_buttons.append(buttons[0])
        page = self._centred(content)
        page.setAccessibleName(item_name(self.spec, number))
        return page

    def _review_page(self) -> QWidget:
        content = QWidget()
        column = QVBoxLayout(content)
        heading = QLabel("Check your answers")
        heading.setFont(self._bold(1.2))
        self.review_text = wrapped(selectable=False)
        self.review_text.setAccessibleName("Your answers")
        self.review_buttons = QGridLayout()
        column.addWidget(heading)
        column.addWidget(self.review_text)
        column.addLayout(self.review_buttons)
        column.addStretch(1)
        return self._centred(content)

    def _hand_back_page(self) -> QWidget:
        content = QWidget()
        column = QVBoxLayout(content)
        line = self.fontMetrics().height()
        thanks = wrapped(THANK_YOU, selectable=False)
        thanks.setFont(self._bold(1.3))
        thanks.setAlignment(Qt.AlignmentFlag.AlignCenter)
        thanks.setAccessibleName(THANK_YOU)
        self.back_to_questions = BigButton("Back to the questions",
                                             "Go back to the questions")
        self.back_to_questions.clicked.connect(lambda: self.go_to(0))
        back_row = QHBoxLayout()
        back_row.addStretch(1)
        back_row.addWidget(self.back_to_questions)
        back_row.addStretch(1)

        facilitator = QFrame()
        facilitator.setFrameShape(QFrame.Shape.StyledPanel)
        box = QVBoxLayout(facilitator)
        box.setContentsMargins(line, line, line, line)
        who = QLabel("For the facilitator")
        who.setFont(self._bold())
        self.unlock_edit = QLineEdit()
        self.unlock_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.unlock_edit.setAccessibleName("Unlock password")
        self.unlock_edit.setMinimumHeight(round(line * 1.8))
        self.unlock_edit.returnPressed.connect(self._unlock_clicked)
        prompt = QLabel("&Unlock password:")
        prompt.setBuddy(self.unlock_edit)
        self.unlock_button = BigButton("Unlock", "Unlock the screen")
        self.unlock_button.clicked.connect(self._unlock_clicked)
        row = QHBoxLayout()
        row.addWidget(self.unlock_edit, 1)
        row.addWidget(self.unlock_button)
        self.unlock_message = error_label("Unlock message")
        self.unlock_message.setFont(self._bold())
        box.addWidget(who)
        box.addWidget(prompt)
        box.addLayout(row)
        box.addWidget(self.unlock_message)

        column.addStretch(1)
        column.addWidget(thanks)
        column.addSpacing(line)
        column.addLayout(back_row)
        column.addSpacing(line * 2)
        column.addWidget(facilitator)
        column.addStretch(2)
        return self._centred(content)

    # -- answers --------------------------------------------------------------------------------

    def answers(self) -> list[int | None]:
        return [group_value(group) for group in self.groups]

    def set_answer(self, item: int, value: int | None) -> None:
        """As the patient's tap would (1-based item); ValueError for a value not offered."""
        set_group_value(self.groups[item - 1], value)

    # -- pages ----------------------------------------------------------------------------------

    @property
    def review_index(self) -> int:
        return len(self.spec.items)

    @property
    def hand_back_index(self) -> int:
        return len(self.spec.items) + 1

    def page_index(self) -> int:
        return self.pages.currentIndex()

    def go_to(self, index: int) -> None:
        index = max(0, min(index, self.hand_back_index))
        self.pages.setCurrentIndex(index)
        items = len(self.spec.items)
        on_item = index < items
        self.nav.setVisible(index != self.hand_back_index)
        self.hand_back_button.setVisible(index != self.hand_back_index)
        self.back_button.setEnabled(index > 0)
        if on_item:
            self.progress.setText(f"Question {index + 1} of {items}")
            self.next_button.setText("Next  ▶")
            self.next_button.setAccessibleName("Next question")
            group = self.groups[index]
            target = group.checkedButton() or self._first_buttons[index]
            target.setFocus(Qt.FocusReason.OtherFocusReason)
        elif index == self.review_index:
            self.progress.setText("Check your answers")
            self.next_button.setText("Finished")
            self.next_button.setAccessibleName("Finished: hand the laptop back")
            self._fill_review()
            self.next_button.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.progress.setText("")
            self.unlock_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def next_page(self) -> None:
        if self.page_index() == self.review_index:
            self.finish()
        else:
            self.go_to(self.page_index() + 1)

    def back(self) -> None:
        if self.page_index() > 0:
            self.go_to(self.page_index() - 1)

    def finish(self) -> None:
        """"Finished": thank the patient and wait for the facilitator's password."""
        self.go_to(self.hand_back_index)

    def _fill_review(self) -> None:
        while self.review_buttons.count():
            taken = self.review_buttons.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.deleteLater()
        missing = [n for n, a in enumerate(self.answers(), start=1) if a is None]
        total = len(self.spec.items)
        if not missing:
            self.review_text.setText(f"You have answered all {total} questions. Press "
                                     "Finished, then hand the laptop back.")
            return
        which = ", ".join(str(n) for n in missing)
        self.review_text.setText(
            f"Question{'s' if len(missing) > 1 else ''} {which} "
            f"{'have' if len(missing) > 1 else 'has'} no answer yet. You can answer "
            f"{'them' if len(missing) > 1 else 'it'} now, or press Finished to hand the "
            "laptop back.")
        for i, number in enumerate(missing):
            button = BigButton(f"Question {number}", f"Answer question {number}")
            button.setFont(self.font())  # made after the window's font was set
            button.clicked.connect(lambda _=False, n=number: self.go_to(n - 1))
            self.review_buttons.addWidget(button, i // 3, i % 3)

    # -- locking --------------------------------------------------------------------------------

    @property
    def is_locked(self) -> bool:
        return self._locked

    @property
    def locked_out(self) -> bool:
        """True during the wait after too many wrong passwords."""
        return self._lockout_timer.isActive()

    def show_locked(self, *, full_screen: bool = True) -> None:
        if full_screen:
            self.showFullScreen()
        else:
            self.show()
        self.raise_()
        self.activateWindow()
        self.go_to(self.page_index())

    def _unlock_clicked(self) -> None:
        self.try_unlock(self.unlock_edit.text())

    def try_unlock(self, password: str) -> bool:
        """The right password closes the window and hands the answers back; a wrong one says
        so and counts towards the wait."""
        if not self._locked:
            return True
        if self.locked_out or self._unlocker is None:
            self._show_wait()
            return False
        self.unlock_edit.clear()
        if self._unlocker.matches(password):
            self._locked = False
            self._unlocker = None  # one-time: forget it
            self.unlocked.emit(self.answers())
            self.close()
            return True
        self._tries += 1
        left = self._max_tries - self._tries
        if left <= 0:
            self._lock_out()
        else:
            self._say(f"{WRONG_PASSWORD} {left} more {'try' if left == 1 else 'tries'} before "
                      f"a {self._seconds(self._lockout_ms)}-second wait.")
        return False

    @staticmethod
    def _seconds(ms: int) -> int:
        return max(1, round(ms / 1000))

    def _say(self, text: str) -> None:
        self.unlock_message.setText(text)
        self.unlock_message.setVisible(True)

    def _lock_out(self) -> None:
        self.unlock_edit.setEnabled(False)
        self.unlock_button.setEnabled(False)
        self._lockout_timer.start(self._lockout_ms)
        self._countdown.start()
        self._show_wait()

    def _show_wait(self) -> None:
        if not self.locked_out:
            return
        seconds = self._seconds(self._lockout_timer.remainingTime())
        self._say(f"{WRONG_PASSWORD} Too many wrong tries: wait {seconds} second"
                  f"{'' if seconds == 1 else 's'}, then try again.")

    def _end_lockout(self) -> None:
        self._countdown.stop()
        self._tries = 0
        self.unlock_edit.setEnabled(True)
        self.unlock_button.setEnabled(True)
        self._say("You can try the password again.")
        if self.page_index() == self.hand_back_index:
            self.unlock_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._locked and event.key() == Qt.Key.Key_Escape:
            event.accept()  # ignored: the window stays locked
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._locked:
            event.ignore()  # Alt+F4, the window manager, the parent closing
            return
        self._lockout_timer.stop()
        self._countdown.stop()
        super().closeEvent(event)
