"""The main window on a real (SQLite) database holding a small demo register."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.nhs_number import format_nhs_number
from facilitator_app.services.caseload import count_caseload, list_practices
from facilitator_app.services.demo import build_demo_register
from facilitator_app.services.ports import CaseloadFilter, CaseloadQuery, CaseloadRow
from ui.main_window import MainWindow

PATIENTS = 300


@pytest.fixture
def window(qtbot: QtBot, sqlite_ctx: AppContext) -> Iterator[MainWindow]:
    build_demo_register(sqlite_ctx.new_uow(), PATIENTS, 1, date(2026, 11, 22))
    main = MainWindow(sqlite_ctx)
    qtbot.addWidget(main)
    main.show()
    yield main
    main.close()


def row(window: MainWindow, number: int) -> CaseloadRow:
    found = window.caseload.model.row(number)
    assert found is not None
    return found


def test_practices_are_listed_with_their_sizes(window: MainWindow, sqlite_ctx: AppContext) -> None:
    combo = window.caseload.practice
    practices = list_practices(sqlite_ctx.new_uow())
    assert combo.count() == 1 + len(practices) > 1
    assert combo.itemText(0) == "All practices"
    first = practices[0]
    assert combo.itemText(1) == f"{first.name} ({first.code}) — {first.patient_count} patients"


def test_table_shows_the_whole_register(window: MainWindow) -> None:
    model = window.caseload.model
    assert model.rowCount() == PATIENTS
    assert window.caseload.count_label.text() == f"{PATIENTS} patients"
    assert model.data(model.index(0, 0)) == format_nhs_number(row(window, 0).nhs_number)


def test_choosing_a_practice_filters(window: MainWindow) -> None:
    combo = window.caseload.practice
    combo.setCurrentIndex(1)
    model = window.caseload.model
    assert 0 < model.rowCount() < PATIENTS
    assert {row(window, i).practice_code for i in range(model.rowCount())} == {combo.currentData()}


def test_typing_a_family_name_prefix_filters(qtbot: QtBot, window: MainWindow) -> None:
    prefix = next(r.family_name[:3] for i in range(PATIENTS)
                  if (r := row(window, i)).family_name[:3].isalpha())
    qtbot.keyClicks(window.caseload.search, prefix.lower())
    model = window.caseload.model
    qtbot.waitUntil(lambda: model.rowCount() < PATIENTS, timeout=2000)
    assert model.rowCount() > 0
    names = [row(window, i).family_name for i in range(model.rowCount())]
    assert all(n.upper().startswith(prefix.upper()) for n in names)


def test_choosing_overdue_filters(window: MainWindow, sqlite_ctx: AppContext) -> None:
    combo = window.caseload.status
    combo.setCurrentIndex(combo.findText("Overdue"))
    model = window.caseload.model
    expected = count_caseload(sqlite_ctx.new_uow(), CaseloadQuery(status=CaseloadFilter.OVERDUE),
                              sqlite_ctx.today())
    assert 0 < model.rowCount() == expected < PATIENTS
    statuses = {model.data(model.index(i, 4)) for i in range(model.rowCount())}
    assert all(s.startswith("Overdue") for s in statuses)


def test_selecting_a_row_shows_the_patient(window: MainWindow) -> None:
    window.caseload.table.selectRow(3)
    chosen = row(window, 3)
    panel = window.panel
    assert panel.record is not None and panel.record.patient_id == chosen.patient_id
    assert panel.name_label.text() == f"{chosen.family_name.upper()}, {chosen.given_name}"
    assert panel.nhs_number_label.text() == format_nhs_number(chosen.nhs_number)
    assert panel.elements.rowCount() > 0


def test_arrow_keys_move_the_selection_and_the_panel_follows(
    qtbot: QtBot, window: MainWindow
) -> None:
    table = window.caseload.table
    table.setFocus()
    table.setCurrentIndex(window.caseload.model.index(0, 0))
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert table.currentIndex().row() == 1
    assert window.panel.nhs_number_label.text() == format_nhs_number(row(window, 1).nhs_number)
    qtbot.keyClick(table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    assert table.currentIndex().row() == PATIENTS - 1
    last = row(window, PATIENTS - 1)
    assert window.panel.nhs_number_label.text() == format_nhs_number(last.nhs_number)


def test_empty_state_until_a_patient_is_chosen(window: MainWindow) -> None:
    assert window.panel.record is None
    assert window.panel.empty_label.isVisible()
    assert window.panel.empty_label.text() == "Select a patient to see their record"


def test_every_control_is_named_for_screen_readers(window: MainWindow) -> None:
    window.caseload.table.selectRow(0)  # show the record's tables too
    tab_stops = [w for w in window.findChildren(QWidget)
                 if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisibleTo(window)]
    assert len(tab_stops) >= 5
    assert [w for w in tab_stops if not w.accessibleName()] == []
    assert window.caseload.table.accessibleDescription()


def test_tab_order_runs_practice_search_status_table_panel(window: MainWindow) -> None:
    screen = window.caseload
    screen.table.selectRow(0)  # the record, and its tables, show once a patient is chosen
    expected = [screen.practice, screen.search, screen.status, screen.table,
                window.panel.focusProxy()]
    chain: list[QWidget] = []
    widget = screen.practice
    while len(chain) < len(expected):
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isVisibleTo(window):
            chain.append(widget)
        widget = widget.nextInFocusChain()
    assert chain == expected


def test_ctrl_f_focuses_search(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    window.caseload.table.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.caseload.search.hasFocus()


def test_about_credits_clinrisk_and_the_licence() -> None:
    from ui.main_window import about_text

    text = about_text()
    assert "ClinRisk" in text and "LGPL" in text and "999" in text


def test_questionnaire_from_the_record_refreshes_it(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    from facilitator_app.domain.measures import Measure
    from facilitator_app.services.outcome_measures import measure_history
    from tests.builders import RegisterBuilder

    b = RegisterBuilder(sqlite_ctx)
    patient_id = b.patient().id
    b.commit()
    window = MainWindow(sqlite_ctx)
    qtbot.addWidget(window)
    window.open_patient(patient_id)
    dialog = window.panel.open_questionnaire(Measure.GAD7)
    assert dialog is not None
    for item in range(1, 8):
        dialog.set_answer(item, 1)
    with qtbot.waitSignal(window.panel.record_changed):
        assert dialog.save()
    history = measure_history(sqlite_ctx.new_uow(), patient_id)
    assert [m.raw_total for m in history[Measure.GAD7]] == [7]


def test_the_budget_position_is_always_in_the_status_bar(qtbot: QtBot,
                                                        sqlite_ctx: AppContext) -> None:
    from facilitator_app.domain.dates import QofYear
    from facilitator_app.services.budget import set_budget_line

    window = MainWindow(sqlite_ctx)
    qtbot.addWidget(window)
    assert window.budget_label.text() == "No pathway budget set for 2026/27"
    set_budget_line(sqlite_ctx.new_uow(), QofYear(2026), "Peer support", 150_000)
    window.refresh_budget_label()
    assert window.budget_label.text() == (
        "Budget 2026/27: £1,500.00 · committed £0.00 · spent £0.00 · remaining £1,500.00 · "
        "forecast £0.00")


@pytest.mark.sqlite_only
def test_start_makes_the_daily_backup_off_the_gui_thread(qtbot: QtBot,
                                                         sqlite_ctx: AppContext) -> None:
    build_demo_register(sqlite_ctx.new_uow(), 30, 1, date(2026, 11, 22))
    window = MainWindow(sqlite_ctx)
    qtbot.addWidget(window)
    assert window.start(2000) is None  # not empty: no demo, but a backup
    folder = sqlite_ctx.backups().folder
    qtbot.waitUntil(lambda: folder.exists() and any(folder.glob("facilitator-*.sqlite3")),
                    timeout=10_000)
    window.writer.shutdown()
    (made,) = folder.glob("facilitator-*.sqlite3")
    assert sqlite_ctx.backups().verify(made).patients == 30
