"""The worklist screen on a real (SQLite) database holding a hand-built register."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.checks import Element, RecallStatus
from facilitator_app.services.audit import IDENTIFIABLE_EXPORT_WARNING
from facilitator_app.services.worklist import ElementState
from tests.builders import CORE_CODE, RegisterBuilder
from ui import status_style
from ui.models import worklist_model as columns
from ui.screens.worklist import WorklistScreen

WAIT_MS = 10_000


@pytest.fixture
def screen(qtbot: QtBot, sqlite_ctx: AppContext) -> Iterator[WorklistScreen]:
    """Today is 22/11/2026 (conftest). A00001: Never (nothing recorded), Partly (BMI this
    year); B00002: Late (everything done 01/06/2025, so overdue); Done is up to date."""
    b = RegisterBuilder(sqlite_ctx)
    b.practice("A00001", "Alpha Surgery")
    b.practice("B00002", "Beta Surgery")
    b.patient("Never", "Nina")
    partly = b.patient("Partly", "Paul")
    b.observation(partly, CORE_CODE[Element.BMI], 27.0, date(2026, 10, 1))
    b.full_check(b.patient("Late", "Lee", practice="B00002"), date(2025, 6, 1))
    b.full_check(b.patient("Done", "Dana"), date(2026, 10, 1))
    b.commit()
    widget = WorklistScreen(sqlite_ctx)
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.loaded, timeout=WAIT_MS):
        widget.show()
    yield widget
    widget.shutdown()


def names(screen: WorklistScreen) -> list[str]:
    return [r.name for r in screen.model.rows]


def text(screen: WorklistScreen, row: int, column: int) -> str:
    value = screen.model.data(screen.model.index(row, column))
    assert isinstance(value, str)
    return value


def test_loads_the_worklist_in_order(screen: WorklistScreen) -> None:
    assert names(screen) == ["NEVER, Nina", "LATE, Lee", "PARTLY, Paul"]
    assert screen.count_label.text().startswith(
        "3 patients with checks outstanding, of 4 who should have SMI physical health checks."
    )
    model = screen.model
    assert model.headerData(columns.NEEDED, Qt.Orientation.Horizontal) == (
        "Needed before 31/03/2027"
    )
    assert text(screen, 1, columns.FIRST_ELEMENT) == "Overdue (due 01/06/2026)"
    assert text(screen, 2, columns.FIRST_ELEMENT) == "Done 01/10/2026"
    assert text(screen, 0, columns.OLDEST_DUE) == "Never recorded"
    # colour repeats the words: a done cell is green on an otherwise red row
    done_cell = model.index(2, columns.FIRST_ELEMENT)
    name_cell = model.index(2, columns.NAME)
    assert model.data(done_cell, Qt.ItemDataRole.BackgroundRole) == (
        status_style.BACKGROUND[RecallStatus.DONE]
    )
    assert model.data(name_cell, Qt.ItemDataRole.BackgroundRole) == (
        status_style.BACKGROUND[RecallStatus.OVERDUE]
    )
    tooltip = model.data(done_cell, Qt.ItemDataRole.ToolTipRole)
    assert "Last recorded 01/10/2026" in tooltip
    assert screen.model.rows[0].worst is ElementState.NEVER


def test_choosing_a_practice_filters(qtbot: QtBot, screen: WorklistScreen) -> None:
    combo = screen.practice
    assert combo.itemText(0) == "All practices"
    with qtbot.waitSignal(screen.loaded, timeout=WAIT_MS):
        combo.setCurrentIndex(combo.findData("B00002"))
    assert names(screen) == ["LATE, Lee"]
    assert screen.count_label.text().startswith("1 patient with checks outstanding, of 1 ")


def test_include_everyone_and_change_the_date(qtbot: QtBot, screen: WorklistScreen) -> None:
    with qtbot.waitSignal(screen.loaded, timeout=WAIT_MS):
        screen.include_done.setChecked(True)
    assert names(screen)[-1] == "DONE, Dana"
    # on 01/06/2026 Late's check (01/06/2025) falls due that day
    with qtbot.waitSignal(screen.loaded, timeout=WAIT_MS):
        screen.as_of.setDate(QDate(2026, 6, 1))
    late = next(r for r in screen.model.rows if r.family_name == "Late")
    assert late.elements[0].text == "Due 01/06/2026"


def test_activating_a_row_selects_the_patient(qtbot: QtBot, screen: WorklistScreen) -> None:
    first = screen.model.rows[0]
    with qtbot.waitSignal(screen.patient_selected, timeout=WAIT_MS) as signal:
        screen.table.activated.emit(screen.model.index(0, columns.NAME))
    assert signal.args == [first.patient_id]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_export_writes_the_rows_on_screen(qtbot: QtBot, screen: WorklistScreen, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    target = tmp_path / "recall"  # no suffix typed: the format's is added
    asked: list[str] = []

    def fake_dialog(_parent: object, caption: str, name: str, _filter: str) -> tuple[str, str]:
        asked.append(name)
        return str(target), _filter

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_dialog))
    button = screen.export_csv if suffix == "csv" else screen.export_xlsx
    with qtbot.waitSignal(screen.exported, timeout=WAIT_MS) as signal:
        button.click()
    written = Path(signal.args[0])
    assert written == tmp_path / f"recall.{suffix}"
    assert asked == [f"recall-all-practices-2026-11-22.{suffix}"]
    assert screen.message.text() == (f"Exported 3 patients to {written}. "
                                     f"{IDENTIFIABLE_EXPORT_WARNING}")
    if suffix == "csv":
        with written.open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert [r["Name"] for r in rows] == names(screen)
    else:
        ws = load_workbook(written).active
        assert ws is not None
        assert [ws.cell(row=i, column=3).value for i in (2, 3, 4)] == names(screen)


def test_cancelled_dialog_writes_nothing(qtbot: QtBot, screen: WorklistScreen, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *_args: ("", "")))
    screen.export_csv.click()
    assert screen.message.text() == ""
    assert list(tmp_path.glob("recall*")) == []
