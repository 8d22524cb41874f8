"""Signposting one patient: the services offered (active only, under their category), saving
a signposting and seeing it listed, problems beside their fields, and the outcome form
(waiting needs the next follow-up date; a stale outcome is refused)."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from facilitator_app.bootstrap import AppContext
from facilitator_app.services.signposting import (
    ServiceEntry,
    add_service,
    patient_signpostings,
    record_signpost_outcome,
    record_signposting,
    signposting_by_id,
)
from tests.builders import RegisterBuilder
from tests.conftest import TODAY
from ui.screens.signpost_dialog import SignpostDialog


def _setup(ctx: AppContext) -> tuple[int, int, int]:
    b = RegisterBuilder(ctx)
    patient_id = b.patient("Ann", "Alice", dob=date(1980, 1, 1)).id
    b.commit()
    smoking = add_service(ctx.new_uow(), ServiceEntry(
        "Stop Smoking Service", "smoking_cessation", "0300 123 4567", "Adults", True))
    ips = add_service(ctx.new_uow(), ServiceEntry("IPS employment", "employment"))
    add_service(ctx.new_uow(), ServiceEntry("Closed group", "peer_support", active=False))
    return patient_id, smoking, ips


def _dialog(qtbot: QtBot, ctx: AppContext, patient_id: int) -> SignpostDialog:
    dialog = SignpostDialog(ctx, patient_id)
    qtbot.addWidget(dialog)
    return dialog


def _history(dialog: SignpostDialog, row: int) -> list[str]:
    return [dialog.history_model.text(row, c) for c in range(6)]


def test_services_are_offered_under_their_category(qtbot: QtBot,
                                                   sqlite_ctx: AppContext) -> None:
    patient_id, smoking, ips = _setup(sqlite_ctx)
    dialog = _dialog(qtbot, sqlite_ctx, patient_id)
    combo = dialog.service
    texts = [combo.itemText(i).strip() for i in range(combo.count())]
    # the domain's category order (employment before smoking), inactive services left out
    assert texts == ["Employment", "IPS employment", "Smoking cessation",
                     "Stop Smoking Service"]
    model = combo.model()
    assert isinstance(model, QStandardItemModel)
    assert not model.item(0).isEnabled() and model.item(1).isEnabled()  # headings not chosen
    assert combo.currentIndex() == -1 and "ANN, Alice" in dialog.windowTitle()
    combo.setCurrentIndex(combo.findData(smoking))
    assert "0300 123 4567" in dialog.service_detail.text()
    assert "Paid from the pathway budget" in dialog.service_detail.text()
    assert combo.findData(ips) == 1
    # the follow-up defaults to four weeks on, and keeps that gap as the date moves
    assert dialog.follow_up.isChecked()
    assert dialog.follow_up_on.date().toPython() == TODAY + timedelta(days=28)
    dialog.signposted_on.setDate(date(2026, 11, 1))
    assert dialog.follow_up_on.date().toPython() == date(2026, 11, 29)
    assert dialog.signposted_on.maximumDate().toPython() == TODAY
    assert dialog.history_label.text() == "Not signposted before."


def test_record_a_signposting_and_see_it_listed(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    patient_id, smoking, ips = _setup(sqlite_ctx)
    record_signposting(sqlite_ctx.new_uow(), patient_id, ips, date(2026, 10, 1), "Wants work",
                       None, TODAY)
    dialog = _dialog(qtbot, sqlite_ctx, patient_id)
    assert dialog.history_model.rowCount() == 1
    dialog.fill(smoking, date(2026, 11, 20), "Smokes 20 a day,\nwants to stop",
                date(2026, 12, 4))
    with qtbot.waitSignal(dialog.changed, timeout=2000) as changed:
        new_id = dialog.save()
    assert new_id is not None and changed.args == [patient_id]
    assert _history(dialog, 0) == ["20/11/2026", "Stop Smoking Service", "Smoking cessation",
                                   "04/12/2026", "No outcome yet",
                                   "Smokes 20 a day, wants to stop"]
    assert _history(dialog, 1)[3] == "Not set"  # the older one had no follow-up
    assert dialog.selected_history() is not None and dialog.selected_history().id == new_id
    assert "Signposted to Stop Smoking Service on 20/11/2026; follow up on 04/12/2026" in \
        dialog.message.text()
    assert dialog.history_label.text() == "2 signpostings, 2 without a final outcome."
    # the form is ready for the next one
    assert dialog.service.currentIndex() == -1 and dialog.reason.toPlainText() == ""
    stored = signposting_by_id(sqlite_ctx.new_uow(), new_id)
    assert stored.reason == "Smokes 20 a day,\nwants to stop"
    assert stored.follow_up_on == date(2026, 12, 4)


def test_problems_are_shown_beside_their_fields(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    patient_id, _smoking, ips = _setup(sqlite_ctx)
    dialog = _dialog(qtbot, sqlite_ctx, patient_id)
    dialog.fill(None, TODAY, "   ", TODAY)
    assert dialog.save() is None
    assert dialog.errors["service"].text() == "Choose the service the patient was signposted to."
    assert dialog.errors["reason"].text() == "Say why the patient was signposted."
    assert not dialog.errors["reason"].isHidden() and dialog.errors["follow_up_on"].isHidden()
    assert "Not saved: 2 problems" in dialog.message.text()
    assert patient_signpostings(sqlite_ctx.new_uow(), patient_id) == []
    dialog.fill(ips, TODAY, "Wants work", None)
    assert dialog.save() is not None
    assert all(label.isHidden() for label in dialog.errors.values())
    assert _history(dialog, 0)[3] == "Not set"


def test_outcome_waiting_needs_the_next_follow_up_date(qtbot: QtBot,
                                                       sqlite_ctx: AppContext) -> None:
    patient_id, smoking, _ips = _setup(sqlite_ctx)
    signposting = record_signposting(sqlite_ctx.new_uow(), patient_id, smoking,
                                     date(2026, 11, 1), "Smokes", date(2026, 11, 15), TODAY)
    dialog = _dialog(qtbot, sqlite_ctx, patient_id)
    assert not dialog.record_outcome_button.isEnabled()  # nothing chosen yet
    assert dialog.select_history(signposting) and dialog.record_outcome_button.isEnabled()
    outcome = dialog.record_outcome()
    assert outcome is not None and outcome.isVisible()
    editor = outcome.editor
    assert "Stop Smoking Service (Smoking cessation), signposted 01/11/2026" in \
        editor.about.text()
    assert [editor.outcome.itemText(i) for i in range(editor.outcome.count())] == [
        "Attended", "Not attended", "Declined", "Waiting"]
    assert editor.outcome.currentIndex() == -1
    assert not outcome.save()  # no outcome chosen
    assert editor.errors["outcome"].text() == "Choose the outcome."

    editor.set_values("waiting", TODAY, None)
    assert not editor.follow_again.isChecked()
    assert not outcome.save()
    assert "give the date to follow up again" in editor.errors["follow_up_on"].text()
    assert signposting_by_id(sqlite_ctx.new_uow(), signposting).outcome is None  # not saved

    # choosing Waiting again books the next follow-up four weeks on
    editor.set_values("declined", TODAY)
    assert not editor.follow_again.isEnabled()
    editor.outcome.setCurrentIndex(editor.outcome.findData("waiting"))
    assert editor.follow_again.isChecked()
    assert editor.next_follow_up.date().toPython() == TODAY + timedelta(days=28)
    editor.set_values("waiting", TODAY, date(2026, 12, 6))
    with qtbot.waitSignal(dialog.changed, timeout=2000) as changed:
        assert outcome.save()
    assert changed.args == [patient_id]
    assert _history(dialog, 0)[3:5] == ["06/12/2026", "Waiting on 22/11/2026"]
    assert "Outcome saved: Waiting on 22/11/2026; follow up again on 06/12/2026" in \
        dialog.message.text()
    stored = signposting_by_id(sqlite_ctx.new_uow(), signposting)
    assert (stored.outcome, stored.follow_up_on) == ("waiting", date(2026, 12, 6))


def test_a_stale_outcome_is_refused(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    patient_id, smoking, _ips = _setup(sqlite_ctx)
    signposting = record_signposting(sqlite_ctx.new_uow(), patient_id, smoking,
                                     date(2026, 11, 1), "Smokes", date(2026, 11, 15), TODAY)
    dialog = _dialog(qtbot, sqlite_ctx, patient_id)
    dialog.select_history(signposting)
    outcome = dialog.record_outcome()
    assert outcome is not None
    record_signpost_outcome(sqlite_ctx.new_uow(), signposting, "declined", TODAY, TODAY, 1)
    outcome.editor.set_values("attended", TODAY)
    assert not outcome.save()
    assert "changed by someone else" in outcome.editor.message.text()
    assert signposting_by_id(sqlite_ctx.new_uow(), signposting).outcome == "declined"
    outcome.reject()
    assert _history(dialog, 0)[3:5] == ["Closed", "Declined on 22/11/2026"]  # reread


def test_controls_are_named(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    patient_id, smoking, _ips = _setup(sqlite_ctx)
    record_signposting(sqlite_ctx.new_uow(), patient_id, smoking, TODAY, "x", None, TODAY)
    dialog = _dialog(qtbot, sqlite_ctx, patient_id)
    dialog.show()
    dialog.select_history(patient_signpostings(sqlite_ctx.new_uow(), patient_id)[0].id)
    outcome = dialog.record_outcome()
    assert outcome is not None
    for window in (dialog, outcome):
        stops = [w for w in window.findChildren(QWidget)
                 if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisibleTo(window)]
        assert stops and [w for w in stops if not w.accessibleName()] == []
    outcome.reject()
