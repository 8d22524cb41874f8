"""Entering a questionnaire item by item, and the PHQ-9 item 9 rule (pytest-qt, offscreen)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.measures import RISK_MESSAGE, SPECS, Measure
from facilitator_app.services.outcome_measures import measure_history
from tests.builders import RegisterBuilder
from ui.screens.questionnaire_form import (
    SELF_COMPLETION_MEASURES,
    AnswerButton,
    QuestionnaireDialog,
)


def _patient(ctx: AppContext) -> int:
    b = RegisterBuilder(ctx)
    p = b.patient(dob=date(1980, 2, 3))
    patient_id = p.id
    b.commit()
    return patient_id


def _dialog(qtbot: QtBot, ctx: AppContext, measure: Measure = Measure.PHQ9
            ) -> tuple[QuestionnaireDialog, int]:
    patient_id = _patient(ctx)
    dialog = QuestionnaireDialog(ctx, patient_id, measure)
    qtbot.addWidget(dialog)
    return dialog, patient_id


def _fill(dialog: QuestionnaireDialog, values: list[int]) -> None:
    for item, value in enumerate(values, start=1):
        dialog.set_answer(item, value)


def test_phq9_all_answered_saves_with_total_and_band(qtbot: QtBot,
                                                     sqlite_ctx: AppContext) -> None:
    dialog, patient_id = _dialog(qtbot, sqlite_ctx)
    assert len(dialog.groups) == 9
    assert dialog.item_boxes[2].accessibleName().startswith(
        "PHQ-9 item 3: Trouble falling or staying asleep")
    assert dialog.date_edit.displayFormat() == "dd/MM/yyyy"
    assert dialog.completed_on() == date(2026, 11, 22)  # today by default
    _fill(dialog, [2, 2, 2, 2, 2, 1, 1, 2, 0])
    assert dialog.total_label.text() == "Total 14 of 27: moderate"
    assert "less severe" in dialog.total_detail.text()
    assert dialog.risk_panel.isHidden()
    with qtbot.waitSignal(dialog.measure_saved):
        assert dialog.save() is True
    assert dialog.saved is not None and dialog.saved.score.raw_total == 14
    assert dialog.result() == dialog.DialogCode.Accepted
    (row,) = measure_history(sqlite_ctx.new_uow(), patient_id)[Measure.PHQ9]
    assert row.answers == (2, 2, 2, 2, 2, 1, 1, 2, 0)
    assert row.raw_total == 14 and row.band == "moderate"
    assert not row.risk_flag and row.risk_action == "" and not row.self_completed
    assert row.completed_on == date(2026, 11, 22)


def test_clicking_an_answer_chooses_it_and_updates_the_total(qtbot: QtBot,
                                                             sqlite_ctx: AppContext) -> None:
    dialog, _ = _dialog(qtbot, sqlite_ctx, Measure.GAD7)
    dialog.show()
    button = dialog.groups[0].button(3)
    assert isinstance(button, AnswerButton)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert dialog.answers()[0] == 3
    assert dialog.total_label.text() == "No total yet: 6 of 7 items still to answer"


def test_a_missing_item_is_named_and_nothing_is_saved(qtbot: QtBot,
                                                      sqlite_ctx: AppContext) -> None:
    dialog, patient_id = _dialog(qtbot, sqlite_ctx)
    for item, value in enumerate([1, 1, 1, 1, None, 1, 1, 1, 0], start=1):
        dialog.set_answer(item, value)
    assert dialog.answers()[4] is None
    with qtbot.assertNotEmitted(dialog.measure_saved):
        assert dialog.save() is False
    assert dialog.saved is None
    assert not dialog.problems_label.isHidden()
    assert "PHQ-9 item 5 is not answered" in dialog.problems_label.text()
    assert "PHQ-9 item 5 is not answered" in dialog.item_errors[4].text()
    assert not dialog.item_errors[4].isHidden()
    assert all(label.isHidden() for i, label in enumerate(dialog.item_errors) if i != 4)
    assert measure_history(sqlite_ctx.new_uow(), patient_id) == {}
    dialog.set_answer(5, 0)  # the message goes as soon as the item is answered
    assert dialog.item_errors[4].isHidden() and dialog.problems_label.isHidden()


def test_item_9_shows_the_risk_panel_and_needs_the_risk_action(qtbot: QtBot,
                                                               sqlite_ctx: AppContext) -> None:
    dialog, patient_id = _dialog(qtbot, sqlite_ctx)
    dialog.show()
    _fill(dialog, [1, 1, 1, 1, 1, 1, 1, 1, 0])
    assert dialog.risk_panel.isHidden()
    dialog.set_answer(9, 1)
    assert dialog.risk_panel.isVisible()
    assert dialog.risk_heading.text().startswith("Risk: item 9 answered")
    assert "Several days" in dialog.risk_heading.text()
    assert dialog.risk_text.text() == RISK_MESSAGE
    assert dialog.save() is False
    assert "Risk action taken is required" in dialog.problems_label.text()
    assert "Risk action taken" in dialog.risk_error.text() and dialog.risk_error.isVisible()
    assert dialog.focusWidget() is dialog.risk_action
    assert measure_history(sqlite_ctx.new_uow(), patient_id) == {}
    dialog.set_risk_action("   ")  # blanks are not an action
    assert dialog.save() is False
    dialog.set_risk_action("Dr Patel assessed by phone today; safety plan agreed, crisis "
                           "numbers given")
    assert dialog.save() is True
    assert dialog.saved is not None and dialog.saved.score.risk_flag
    (row,) = measure_history(sqlite_ctx.new_uow(), patient_id)[Measure.PHQ9]
    assert row.risk_flag and row.raw_total == 9
    assert row.risk_action.startswith("Dr Patel assessed by phone today")


def test_cancel_escape_and_close_are_blocked_while_item_9_has_no_action(
        qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    dialog, patient_id = _dialog(qtbot, sqlite_ctx)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.set_answer(9, 2)
    assert dialog.close_blocked()
    assert not dialog.cancel_button.isEnabled()
    assert "cannot be cancelled" in dialog.cancel_button.toolTip()
    assert dialog.close_note.isHidden()  # until someone tries
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible()
    dialog.reject()
    assert dialog.isVisible()
    assert dialog.close() is False
    assert dialog.isVisible() and dialog.result() == 0
    assert dialog.close_note.isVisible() and dialog.close_note.font().bold()
    # typing an action is not enough: the risk answer is only recorded by saving
    dialog.set_risk_action("Discussed with duty doctor")
    assert dialog.close() is False and dialog.isVisible()
    assert measure_history(sqlite_ctx.new_uow(), patient_id) == {}


def test_item_9_back_to_0_hides_the_panel_and_allows_cancel(qtbot: QtBot,
                                                            sqlite_ctx: AppContext) -> None:
    dialog, _ = _dialog(qtbot, sqlite_ctx)
    dialog.show()
    dialog.set_answer(9, 3)
    assert dialog.risk_panel.isVisible() and not dialog.cancel_button.isEnabled()
    dialog.set_answer(9, 0)
    assert dialog.risk_panel.isHidden()
    assert dialog.cancel_button.isEnabled() and not dialog.close_blocked()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert dialog.result() == dialog.DialogCode.Rejected and dialog.saved is None


def test_a_failed_save_lets_a_risk_answer_be_discarded_after_confirmation(
        qtbot: QtBot, sqlite_ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    dialog, _ = _dialog(qtbot, sqlite_ctx)
    dialog.show()
    _fill(dialog, [0, 0, 0, 0, 0, 0, 0, 0, 1])
    dialog.set_risk_action("Assessed by Dr Patel")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise OSError("database is locked")

    monkeypatch.setattr("ui.screens.questionnaire_form.record_measure", broken)
    assert dialog.save() is False
    assert "could not be saved and nothing was written: database is locked" in \
        dialog.problems_label.text()
    assert dialog.cancel_button.isEnabled() and dialog.cancel_button.text() == "Discard…"
    asked: list[bool] = []
    monkeypatch.setattr(dialog, "confirm_discard", lambda: asked.append(False) or False)
    dialog.reject()
    assert asked and dialog.isVisible()  # not confirmed: still open
    monkeypatch.setattr(dialog, "confirm_discard", lambda: True)
    dialog.reject()
    assert not dialog.isVisible() and dialog.saved is None


def test_gad7_total_and_band(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    dialog, patient_id = _dialog(qtbot, sqlite_ctx, Measure.GAD7)
    assert len(dialog.groups) == 7
    _fill(dialog, [2, 2, 1, 1, 1, 1, 1])
    assert dialog.total_label.text() == "Total 9 of 21: mild"
    assert dialog.total_detail.text() == "At or above the caseness threshold of 8."
    assert dialog.risk_panel.isHidden()  # no item 9 rule outside PHQ-9
    assert dialog.save()
    (row,) = measure_history(sqlite_ctx.new_uow(), patient_id)[Measure.GAD7]
    assert row.raw_total == 9 and row.band == "mild" and not row.risk_flag


def test_swemwbs_shows_and_saves_the_metric_score(qtbot: QtBot,
                                                  sqlite_ctx: AppContext) -> None:
    dialog, patient_id = _dialog(qtbot, sqlite_ctx, Measure.SWEMWBS)
    assert not dialog.hand_over_button.isEnabled()  # licensed wording: not self-completed
    _fill(dialog, [4, 4, 3, 3, 4, 3, 3])  # raw 24
    assert dialog.total_label.text() == "Metric score 21.54 (raw total 24 of 35)"
    assert dialog.save()
    (row,) = measure_history(sqlite_ctx.new_uow(), patient_id)[Measure.SWEMWBS]
    assert row.raw_total == 24 and row.score == pytest.approx(21.54)


def test_dialog_and_reqol_scores(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    dialog, patient_id = _dialog(qtbot, sqlite_ctx, Measure.DIALOG)
    _fill(dialog, [5] * 8 + [4, 4, 7])
    assert dialog.total_label.text() == "Quality of life 5 of 7: satisfied"
    assert "Treatment satisfaction 5 of 7" in dialog.total_detail.text()
    reqol = QuestionnaireDialog(sqlite_ctx, patient_id, Measure.REQOL10)
    qtbot.addWidget(reqol)
    _fill(reqol, [2] * 10)
    assert reqol.total_label.text() == "Total 20 of 40: clinical range"


@pytest.mark.parametrize("measure", list(Measure))
def test_only_allowed_values_can_be_entered(qtbot: QtBot, sqlite_ctx: AppContext,
                                            measure: Measure) -> None:
    dialog, _ = _dialog(qtbot, sqlite_ctx, measure)
    spec = SPECS[measure]
    for group in dialog.groups:
        assert group.exclusive()
        assert sorted(group.id(b) for b in group.buttons()) == sorted(spec.allowed)
    with pytest.raises(ValueError, match="not one of the answers"):
        dialog.set_answer(1, spec.item_max + 1)
    with pytest.raises(ValueError):
        dialog.set_answer(1, True)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        dialog.set_answer(len(spec.items) + 1, spec.item_min)
    assert dialog.answers() == [None] * len(spec.items)
    assert (measure in SELF_COMPLETION_MEASURES) == dialog.hand_over_button.isEnabled()


def test_answers_are_touch_sized_and_keyboard_reachable(qtbot: QtBot,
                                                        sqlite_ctx: AppContext) -> None:
    dialog, _ = _dialog(qtbot, sqlite_ctx)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    first = dialog.groups[0].button(0)
    assert first.height() >= first.fontMetrics().height() * 2
    assert first.accessibleDescription().startswith("PHQ-9 item 1: Little interest")
    dialog.set_answer(1, 1)
    dialog.groups[0].button(1).setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.groups[0].button(1))
    qtbot.keyClick(dialog.groups[0].button(1), Qt.Key.Key_Right)  # arrows change the answer
    assert dialog.answers()[0] == 2
    assert QApplication.focusWidget() is dialog.groups[0].button(2)
    qtbot.keyClick(dialog.groups[0].button(2), Qt.Key.Key_Up)
    qtbot.keyClick(dialog.groups[0].button(1), Qt.Key.Key_Up)
    qtbot.keyClick(dialog.groups[0].button(0), Qt.Key.Key_Up)  # round to the last
    assert dialog.answers()[0] == 3
    qtbot.keyClick(dialog.groups[0].button(3), Qt.Key.Key_Down)
    assert dialog.answers()[0] == 0
    qtbot.keyClick(dialog.groups[0].button(0), Qt.Key.Key_Right)
    qtbot.keyClick(dialog.groups[0].button(1), Qt.Key.Key_Right)
    qtbot.keyClick(dialog.groups[0].button(2), Qt.Key.Key_Tab)  # Tab goes to the next item
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.groups[1].button(0))
    dialog.set_answer(3, 2)
    qtbot.keyClick(dialog.groups[1].button(0), Qt.Key.Key_Tab)  # … to its chosen answer
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.groups[2].button(2))
    assert dialog.answers()[:3] == [2, None, 2]


def test_date_completed_is_kept_between_birth_and_today(qtbot: QtBot,
                                                        sqlite_ctx: AppContext) -> None:
    dialog, _ = _dialog(qtbot, sqlite_ctx)
    # the box will not go below the date of birth or past today
    assert dialog.date_edit.minimumDate().year() == 1980
    assert dialog.date_edit.maximumDate().toString("dd/MM/yyyy") == "22/11/2026"
