"""The locked self-completion screen and the hand-back to the facilitator (pytest-qt)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QLabel
from pytestqt.qtbot import QtBot

from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.measures import RISK_MESSAGE, Measure
from facilitator_app.services.outcome_measures import measure_history
from tests.builders import RegisterBuilder
from ui.screens.questionnaire_form import QuestionnaireDialog
from ui.screens.self_completion import (
    PATIENT_FONT_SCALE,
    THANK_YOU,
    OneTimePassword,
    SelfCompletionWindow,
    UnlockPasswordDialog,
)

PASSWORD = "handback42"


def _patient(ctx: AppContext) -> int:
    b = RegisterBuilder(ctx)
    p = b.patient(dob=date(1975, 8, 9))
    patient_id = p.id
    b.commit()
    return patient_id


def _window(qtbot: QtBot, measure: Measure = Measure.PHQ9, *,
            lockout_ms: int = 30_000) -> SelfCompletionWindow:
    window = SelfCompletionWindow(measure, OneTimePassword(PASSWORD), lockout_ms=lockout_ms)
    qtbot.addWidget(window)
    window.show_locked(full_screen=False)
    qtbot.waitExposed(window)
    return window


def _unlock(window: SelfCompletionWindow) -> None:
    window.finish()
    window.unlock_edit.setText(PASSWORD)
    window.unlock_button.click()


def _risk_answers(window: SelfCompletionWindow, item_9: int) -> None:
    for item in range(1, 9):
        window.set_answer(item, 1)
    window.set_answer(9, item_9)


def test_password_must_be_typed_twice_and_long_enough(qtbot: QtBot) -> None:
    dialog = UnlockPasswordDialog()
    qtbot.addWidget(dialog)
    dialog.first.setText("abc12")
    dialog.second.setText("abc12")
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted and dialog.unlocker is None
    assert dialog.error.text() == "The password needs at least 6 characters."
    dialog.first.setText("abcdef")
    dialog.second.setText("abcdeg")
    dialog.accept()
    assert dialog.unlocker is None and "not the same" in dialog.error.text()
    assert dialog.second.text() == ""  # typed again from scratch
    dialog.second.setText("abcdef")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.unlocker is not None and dialog.unlocker.matches("abcdef")
    assert not dialog.unlocker.matches("abcdeg")
    assert dialog.first.text() == "" and dialog.second.text() == ""
    assert dialog.first.echoMode() == dialog.first.EchoMode.Password


def test_the_password_is_kept_only_as_a_salted_hash() -> None:
    one, two = OneTimePassword(PASSWORD), OneTimePassword(PASSWORD)
    kept = [v for v in vars(one).values()]
    assert all(PASSWORD not in repr(v) and PASSWORD.encode() not in repr(v).encode()
               for v in kept)
    assert vars(one) != vars(two)  # a new salt each time
    assert one.matches(PASSWORD) and two.matches(PASSWORD) and not one.matches("handback43")
    with pytest.raises(ValueError, match="at least 6"):
        OneTimePassword("short")


def test_the_locked_window_ignores_close_and_escape(qtbot: QtBot) -> None:
    window = _window(qtbot)
    assert window.is_locked
    flags = window.windowFlags()
    assert flags & Qt.WindowType.FramelessWindowHint
    assert window.windowModality() == Qt.WindowModality.ApplicationModal
    assert window.close() is False and window.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.keyClick(window.groups[0].button(0), Qt.Key.Key_Escape)
    qtbot.keyClick(window, Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier)
    assert window.isVisible() and window.is_locked
    window.finish()
    assert window.close() is False and window.isVisible()


def test_large_type_and_one_question_a_page(qtbot: QtBot) -> None:
    window = _window(qtbot)
    system = QApplication.font()
    if system.pointSizeF() > 0:
        assert window.font().pointSizeF() == pytest.approx(system.pointSizeF()
                                                           * PATIENT_FONT_SCALE)
    assert window.progress.text() == "Question 1 of 9"
    answer = window.groups[0].button(0)
    assert answer.font().pointSizeF() == pytest.approx(window.font().pointSizeF())
    assert answer.height() >= answer.fontMetrics().height() * 2
    assert window.next_button.height() >= window.next_button.fontMetrics().height() * 2
    assert not window.back_button.isEnabled()
    window.set_answer(1, 2)
    window.next_button.click()
    assert window.page_index() == 1 and window.progress.text() == "Question 2 of 9"
    window.back_button.click()
    assert window.page_index() == 0
    for _ in range(9):
        window.next_button.click()
    assert window.page_index() == window.review_index
    assert window.next_button.text() == "Finished"
    assert "Questions 2, 3, 4, 5, 6, 7, 8, 9 have no answer yet" in window.review_text.text()
    window.next_button.click()
    assert window.page_index() == window.hand_back_index
    texts = [label.text() for label in window.findChildren(QLabel) if label.isVisible()]
    assert THANK_YOU in texts
    assert window.unlock_edit.isVisible() and not window.nav.isVisible()


def test_the_patient_never_sees_the_risk_wording(qtbot: QtBot) -> None:
    window = _window(qtbot)
    _risk_answers(window, 3)
    for page in range(window.hand_back_index + 1):
        window.go_to(page)
        shown = " ".join(label.text() for label in window.findChildren(QLabel)
                         if label.isVisible())
        assert RISK_MESSAGE not in shown and "Risk" not in shown
        assert "Total" not in shown  # no scores either


def test_a_wrong_password_keeps_it_locked(qtbot: QtBot) -> None:
    window = _window(qtbot)
    window.finish()
    window.unlock_edit.setText("not-the-one")
    with qtbot.assertNotEmitted(window.unlocked):
        window.unlock_button.click()
    assert window.is_locked and window.isVisible()
    assert window.unlock_message.text().startswith("That password is not right")
    assert "4 more tries" in window.unlock_message.text()
    assert window.unlock_edit.text() == ""


def test_five_wrong_passwords_lock_it_for_a_while(qtbot: QtBot) -> None:
    window = _window(qtbot, lockout_ms=300)
    window.finish()
    for _ in range(5):
        assert window.try_unlock("wrong-password") is False
    assert window.locked_out
    assert not window.unlock_edit.isEnabled() and not window.unlock_button.isEnabled()
    assert "Too many wrong tries" in window.unlock_message.text()
    assert window.try_unlock(PASSWORD) is False  # not even the right one during the wait
    assert window.is_locked
    qtbot.waitUntil(lambda: not window.locked_out, timeout=3000)
    assert window.unlock_edit.isEnabled()
    assert window.unlock_message.text() == "You can try the password again."
    with qtbot.waitSignal(window.unlocked) as blocker:
        assert window.try_unlock(PASSWORD) is True
    assert blocker.args == [[None] * 9]
    qtbot.waitUntil(lambda: not window.isVisible())


def test_the_right_password_hands_the_answers_back(qtbot: QtBot,
                                                   sqlite_ctx: AppContext) -> None:
    patient_id = _patient(sqlite_ctx)
    dialog = QuestionnaireDialog(sqlite_ctx, patient_id, Measure.GAD7)
    qtbot.addWidget(dialog)
    dialog.show()
    window = dialog.start_self_completion(OneTimePassword(PASSWORD), full_screen=False)
    qtbot.waitExposed(window)
    for item, value in enumerate([2, 2, 2, 1, 1, 1, 1], start=1):
        window.set_answer(item, value)
    assert dialog.answers() == [None] * 7  # nothing reaches the form until it is unlocked
    with qtbot.waitSignal(window.unlocked):
        _unlock(window)
    qtbot.waitUntil(lambda: not window.isVisible())
    assert not window.is_locked
    assert dialog.answers() == [2, 2, 2, 1, 1, 1, 1]
    assert dialog.self_completed_box.isChecked()
    assert dialog.total_label.text() == "Total 10 of 21: moderate"
    assert "filled in" in dialog.status_label.text()
    assert dialog.save()
    (row,) = measure_history(sqlite_ctx.new_uow(), patient_id)[Measure.GAD7]
    assert row.self_completed and row.raw_total == 10


def test_item_9_from_self_completion_needs_the_facilitators_risk_action(
        qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    patient_id = _patient(sqlite_ctx)
    dialog = QuestionnaireDialog(sqlite_ctx, patient_id, Measure.PHQ9)
    qtbot.addWidget(dialog)
    dialog.show()
    window = dialog.start_self_completion(OneTimePassword(PASSWORD), full_screen=False)
    _risk_answers(window, 2)
    assert dialog.risk_panel.isHidden()  # nothing shows behind the patient's screen
    _unlock(window)
    qtbot.waitUntil(lambda: dialog.risk_panel.isVisible())
    assert "Item 9 is above 0" in dialog.status_label.text()
    assert dialog.close_blocked() and not dialog.cancel_button.isEnabled()
    assert dialog.save() is False
    assert "Risk action taken is required" in dialog.problems_label.text()
    assert measure_history(sqlite_ctx.new_uow(), patient_id) == {}
    dialog.set_risk_action("Assessed with the patient by Dr Okafor; crisis plan agreed")
    assert dialog.save() is True
    (row,) = measure_history(sqlite_ctx.new_uow(), patient_id)[Measure.PHQ9]
    assert row.self_completed and row.risk_flag and row.raw_total == 10
    assert row.risk_action.startswith("Assessed with the patient by Dr Okafor")


def test_the_hand_over_button_asks_for_a_password_then_locks_the_screen(
        qtbot: QtBot, sqlite_ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    def exec_with_password(self: UnlockPasswordDialog) -> int:
        self.first.setText(PASSWORD)
        self.second.setText(PASSWORD)
        self.accept()
        return int(self.result())

    monkeypatch.setattr(UnlockPasswordDialog, "exec", exec_with_password)
    dialog = QuestionnaireDialog(sqlite_ctx, _patient(sqlite_ctx), Measure.DIALOG)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.hand_over_button.text().startswith("&Hand to patient (self-completion)")
    dialog.hand_over_button.click()
    window = dialog.self_completion_window
    assert window is not None
    qtbot.addWidget(window)
    qtbot.waitUntil(window.isVisible)
    assert window.isFullScreen() and window.is_locked
    assert window.progress.text() == "Question 1 of 11"
    assert window.try_unlock(PASSWORD)
    qtbot.waitUntil(lambda: not window.isVisible())


def test_self_completion_flag_starts_the_hand_over_when_shown(
        qtbot: QtBot, sqlite_ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[bool] = []
    monkeypatch.setattr(QuestionnaireDialog, "hand_to_patient",
                        lambda self: started.append(True))
    dialog = QuestionnaireDialog(sqlite_ctx, _patient(sqlite_ctx), Measure.PHQ9,
                                 self_completion=True)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: started == [True])
