"""The follow-ups screen: the open list, filters, and recording one as done."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from facilitator_app.bootstrap import AppContext
from tests.conftest import TODAY
from tests.services.test_follow_ups import _register
from ui.screens.follow_ups import FollowUpsScreen


def _screen(qtbot: QtBot, ctx: AppContext) -> FollowUpsScreen:
    _register(ctx)
    screen = FollowUpsScreen(ctx, load_now=False)
    qtbot.addWidget(screen)
    with qtbot.waitSignal(screen.loaded, timeout=10_000):
        screen.reload()
    return screen


def test_lists_open_follow_ups_overdue_first(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    screen = _screen(qtbot, sqlite_ctx)
    assert screen.model.rowCount() == 3
    assert screen.model.text(0, 0) == "01/10/2026" and screen.model.text(0, 1) == "52 days"
    assert "3 open follow-ups, 1 overdue" in screen.count_label.text()
    with qtbot.waitSignal(screen.loaded, timeout=10_000):
        screen.show_filter.setCurrentIndex(screen.show_filter.findData("overdue"))
    assert screen.model.rowCount() == 1
    screen.shutdown()


def test_mark_done_removes_it_and_a_stale_save_is_refused(qtbot: QtBot,
                                                           sqlite_ctx: AppContext) -> None:
    screen = _screen(qtbot, sqlite_ctx)
    row = screen.rows[0]
    with qtbot.waitSignal(screen.loaded, timeout=10_000):
        assert screen.save_done(row, TODAY, "Seen by GP")
    assert screen.model.rowCount() == 2
    assert "Recorded as done" in screen.message.text()
    with qtbot.waitSignal(screen.loaded, timeout=10_000):
        assert not screen.save_done(row, TODAY, "Seen again")  # the version it was read at
    assert "Someone else changed" in screen.message.text()
    assert not screen.save_done(screen.rows[0], date(2026, 11, 23), "x")
    assert "in the future" in screen.message.text()
    screen.shutdown()


def test_controls_are_named(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    screen = _screen(qtbot, sqlite_ctx)
    screen.show()
    stops = [w for w in screen.findChildren(QWidget)
             if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisibleTo(screen)]
    assert stops and [w for w in stops if not w.accessibleName()] == []
    screen.shutdown()
