"""The QOF screen: the summary table and chart, drill-down to who is outstanding, why in/out."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from facilitator_app.bootstrap import AppContext
from tests.services.test_qof import _small_register
from ui.screens.qof import QofScreen


def _screen(qtbot: QtBot, ctx: AppContext) -> QofScreen:
    _small_register(ctx)
    screen = QofScreen(ctx, load_now=False)
    qtbot.addWidget(screen)
    screen.year.setCurrentIndex(screen.year.findData(2024))
    with qtbot.waitSignal(screen.loaded, timeout=10_000):
        screen.reload()
    return screen


def _row(screen: QofScreen, indicator: str) -> int:
    model = screen.summary_model
    return next(r for r in range(model.rowCount()) if model.text(r, 1) == indicator)


def test_summary_table_and_chart(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    screen = _screen(qtbot, sqlite_ctx)
    model, row = screen.summary_model, _row(screen, "MH003")
    assert [model.text(row, c) for c in (2, 3, 4, 5, 7)] == ["2", "1", "1", "50.0%",
                                                            "0.00 of 3"]
    assert "register 5" in screen.headline.text() and "indicator cohort 3" in screen.headline.text()
    description = screen.chart.accessibleDescription()
    assert "MH003 50.0%" in description and "MH011 100.0%" in description
    assert "S10" in screen.sources.text()
    screen.shutdown()


def test_drill_down_and_why(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    screen = _screen(qtbot, sqlite_ctx)
    screen.summary_table.selectRow(_row(screen, "MH003"))
    qtbot.waitUntil(lambda: screen.outstanding_model.rowCount() == 1, timeout=10_000)
    assert screen.outstanding_model.text(0, 1).startswith("LATE")
    screen.outstanding_table.selectRow(0)
    reasons = [screen.why_model.text(r, 2) for r in range(screen.why_model.rowCount())]
    assert "Blood pressure not recorded in the last 12 months" in reasons
    with qtbot.waitSignal(screen.patient_selected) as opened:
        screen.open_record.click()
    assert opened.args and opened.args[0] > 0
    screen.shutdown()


def test_export_and_named_controls(qtbot: QtBot, sqlite_ctx: AppContext, tmp_path: Path) -> None:
    screen = _screen(qtbot, sqlite_ctx)
    task = screen.export("csv", tmp_path / "qof.csv")
    assert task is not None
    qtbot.waitUntil(lambda: "Written to" in screen.message.text(), timeout=10_000)
    assert (tmp_path / "qof.csv").read_text(encoding="utf-8").startswith("Practice code")
    screen.show()
    stops = [w for w in screen.findChildren(QWidget)
             if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisibleTo(screen)]
    assert [w for w in stops if not w.accessibleName()] == []
    screen.shutdown()
