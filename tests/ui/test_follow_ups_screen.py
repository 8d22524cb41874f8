"""The follow-ups screen: the open list, its filters, marking one done, and a stale save."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.checks import RecallStatus
from facilitator_app.services.follow_ups import FollowUpRow, complete_follow_up
from tests.conftest import TODAY
from tests.services.test_follow_ups import FollowUpIds, build_follow_ups
from ui import status_style
from ui.models.follow_up_model import Column, FollowUpModel
from ui.screens import follow_ups
from ui.screens.follow_ups import FollowUpsScreen, MarkDoneDialog


def _screen(qtbot: QtBot, ctx: AppContext) -> tuple[FollowUpsScreen, FollowUpIds]:
    ids = build_follow_ups(ctx)
    screen = FollowUpsScreen(ctx)
    qtbot.addWidget(screen)
    return screen, ids


def _row(model: FollowUpModel, row: int) -> FollowUpRow:
    found = model.row(row)
    assert found is not None
    return found


def _text(model: FollowUpModel, row: int, column: Column) -> str:
    return str(model.data(model.index(row, column)))


def test_lists_open_follow_ups_overdue_first_in_words_and_colour(
        qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    screen, _ids = _screen(qtbot, sqlite_ctx)
    model = screen.model
    assert model.rowCount() == 3
    assert _text(model, 0, Column.DUE) == "01/10/2026"
    assert _text(model, 0, Column.STATE) == "Overdue by 52 days"
    assert _text(model, 0, Column.NAME) == "ANN, Alice"
    assert _text(model, 1, Column.STATE) == "Due in 8 days"
    assert _text(model, 1, Column.RESULT) == "HbA1c 52 mmol/mol on 03/09/2026"
    background = Qt.ItemDataRole.BackgroundRole
    assert model.data(model.index(0, Column.STATE), background) == \
        status_style.BACKGROUND[RecallStatus.OVERDUE]
    assert model.data(model.index(1, Column.STATE), background) == \
        status_style.BACKGROUND[RecallStatus.DUE_SOON]
    assert model.data(model.index(2, Column.STATE), background) is None
    assert screen.count_label.text() == "3 open follow-ups, 1 overdue."

    screen.show_filter.setCurrentIndex(screen.show_filter.findData("overdue"))
    assert model.rowCount() == 1 and screen.count_label.text() == "1 open follow-up."
    screen.show_filter.setCurrentIndex(screen.show_filter.findData("open"))
    screen.practice.setCurrentIndex(screen.practice.findData("A00002"))
    assert model.rowCount() == 1 and _text(model, 0, Column.NAME) == "BOB, Bert"


def test_mark_done_removes_it_from_the_open_list(
        qtbot: QtBot, sqlite_ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    screen, ids = _screen(qtbot, sqlite_ctx)
    asked: list[FollowUpRow] = []

    def answer(_parent: QWidget, row: FollowUpRow, today: date) -> tuple[date, str]:
        asked.append(row)
        return today, "Seen by GP; ABPM booked"

    monkeypatch.setattr(follow_ups, "ask_done", answer)
    assert not screen.mark_done.isEnabled()  # nothing selected yet
    screen.table.selectRow(0)
    assert screen.mark_done.isEnabled()
    with qtbot.waitSignal(screen.follow_up_done, timeout=2000) as done:
        screen.mark_done.click()
    assert done.args == [asked[0].patient_id]
    assert [r.follow_up_id for r in asked] == [ids.bp]
    assert screen.model.rowCount() == 2
    assert ids.bp not in {_row(screen.model, i).follow_up_id for i in range(2)}
    assert "Recorded as done on 22/11/2026" in screen.message.text()
    assert screen.count_label.text() == "2 open follow-ups, 0 overdue."
    # the cursor stays on the line, now the next follow-up, ready for the next one
    selected = screen.selected()
    assert selected is not None and selected.follow_up_id == ids.hba1c

    monkeypatch.setattr(follow_ups, "ask_done", lambda *_args: None)  # cancelled
    screen.mark_selected_done()
    assert screen.model.rowCount() == 2


def test_a_follow_up_changed_elsewhere_is_not_overwritten(
        qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    screen, ids = _screen(qtbot, sqlite_ctx)
    screen.table.selectRow(0)
    shown = screen.selected()
    assert shown is not None and shown.follow_up_id == ids.bp
    # someone else records it while this screen still shows the old version
    complete_follow_up(sqlite_ctx.new_uow(), ids.bp, TODAY, "Seen elsewhere", shown.version,
                       today=TODAY)
    assert not screen.save_done(shown, TODAY, "Seen here")
    assert "changed by someone else" in screen.message.text()
    assert screen.model.rowCount() == 2  # reloaded: it has gone from the open list
    assert not screen.save_done(_row(screen.model, 0), date(2026, 11, 23), "x")
    assert "in the future" in screen.message.text()


def test_activating_a_row_opens_the_patient(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    screen, _ids = _screen(qtbot, sqlite_ctx)
    expected = _row(screen.model, 0)
    with qtbot.waitSignal(screen.patient_selected, timeout=2000) as signal:
        screen.table.activated.emit(screen.model.index(0, Column.NAME))
    assert signal.args == [expected.patient_id]


def test_dialog_needs_an_outcome_and_limits_the_date(qtbot: QtBot,
                                                     sqlite_ctx: AppContext) -> None:
    screen, ids = _screen(qtbot, sqlite_ctx)
    row = _row(screen.model, 1)
    assert row.follow_up_id == ids.hba1c
    dialog = MarkDoneDialog(row, TODAY)
    qtbot.addWidget(dialog)
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert not save.isEnabled()
    dialog.outcome.setPlainText("  ")
    assert not save.isEnabled()
    dialog.outcome.setPlainText("Referred to NHS DPP")
    assert save.isEnabled()
    assert dialog.done_on.displayFormat() == "dd/MM/yyyy"
    assert dialog.done_on.maximumDate().toPython() == TODAY
    assert dialog.done_on.minimumDate().toPython() == date(2026, 9, 3)  # the HbA1c result
    assert dialog.values() == (TODAY, "Referred to NHS DPP")


def test_controls_are_named_and_lazy_loading_waits(qtbot: QtBot,
                                                   sqlite_ctx: AppContext) -> None:
    build_follow_ups(sqlite_ctx)
    lazy = FollowUpsScreen(sqlite_ctx, load_now=False)
    qtbot.addWidget(lazy)
    assert lazy.model.rowCount() == 0
    lazy.reload()
    assert lazy.model.rowCount() == 3
    lazy.show()
    stops = [w for w in lazy.findChildren(QWidget)
             if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisibleTo(lazy)]
    assert stops and [w for w in stops if not w.accessibleName()] == []
    assert lazy.shutdown()
