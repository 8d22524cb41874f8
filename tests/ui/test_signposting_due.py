"""The signpostings-to-follow-up screen: what is due on the as-of date (not the day before),
the practice filter, opening the patient, and recording an outcome from the list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from facilitator_app.bootstrap import AppContext
from facilitator_app.services.signposting import (
    ServiceEntry,
    add_service,
    record_signposting,
    signposting_by_id,
)
from tests.builders import RegisterBuilder
from tests.conftest import TODAY
from ui.screens.signposting_due import NAME_COLUMN, SignpostingDueScreen


@dataclass(frozen=True)
class Due:
    ann: int
    bob: int
    ann_smoking: int  # follow-up 15/11/2026
    bob_ips: int  # follow-up 22/11/2026 (today)
    ann_later: int  # follow-up 05/12/2026


def _build(ctx: AppContext) -> Due:
    b = RegisterBuilder(ctx)
    ann = b.patient("Ann", "Alice", dob=date(1980, 1, 1))
    bob = b.patient("Bob", "Ben", practice="A00002")
    ids = (ann.id, bob.id)
    b.commit()
    smoking = add_service(ctx.new_uow(), ServiceEntry("Stop Smoking Service",
                                                      "smoking_cessation"))
    ips = add_service(ctx.new_uow(), ServiceEntry("IPS employment", "employment"))
    first = record_signposting(ctx.new_uow(), ids[0], smoking, date(2026, 11, 1), "Smokes",
                               date(2026, 11, 15), TODAY)
    second = record_signposting(ctx.new_uow(), ids[1], ips, date(2026, 11, 20), "Work",
                                TODAY, TODAY)
    later = record_signposting(ctx.new_uow(), ids[0], ips, date(2026, 11, 21), "Work",
                               date(2026, 12, 5), TODAY)
    record_signposting(ctx.new_uow(), ids[0], ips, date(2026, 11, 2), "No follow-up", None,
                       TODAY)
    return Due(ids[0], ids[1], first, second, later)


def _screen(qtbot: QtBot, ctx: AppContext) -> tuple[SignpostingDueScreen, Due]:
    due = _build(ctx)
    screen = SignpostingDueScreen(ctx, load_now=False)
    qtbot.addWidget(screen)
    assert screen.model.rowCount() == 0  # lazy: nothing read until asked
    with qtbot.waitSignal(screen.loaded, timeout=10_000):
        screen.reload()
    return screen, due


def _load(qtbot: QtBot, screen: SignpostingDueScreen) -> None:
    with qtbot.waitSignal(screen.loaded, timeout=10_000):
        screen.load()


def _ids(screen: SignpostingDueScreen) -> list[int]:
    return [r.id for r in screen.rows]


def test_lists_what_is_due_on_the_as_of_date(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    screen, due = _screen(qtbot, sqlite_ctx)
    assert _ids(screen) == [due.ann_smoking, due.bob_ips]  # longest overdue first
    model = screen.model
    assert [model.text(0, c) for c in range(8)] == [
        "15/11/2026", "A00001", model.text(0, 2), "ANN, Alice", "Stop Smoking Service",
        "Smoking cessation", "01/11/2026", "No outcome yet"]
    nhs = model.text(0, 2)
    assert len(nhs) == 12 and nhs[3] == " " and nhs[7] == " "  # 3-3-4
    assert model.text(1, 0) == "22/11/2026" and model.text(1, NAME_COLUMN) == "BOB, Ben"
    assert screen.count_label.text() == ("2 signpostings to follow up by 22/11/2026 (all "
                                         "practices); 1 of them were due before that day.")

    # the day before Bob's follow-up date it is not listed; on the date it is
    screen.as_of.setDate(QDate(2026, 11, 21))
    _load(qtbot, screen)
    assert _ids(screen) == [due.ann_smoking]
    screen.as_of.setDate(QDate(2026, 11, 14))
    _load(qtbot, screen)
    assert _ids(screen) == [] and screen.count_label.text().startswith("0 signpostings")
    screen.as_of.setDate(QDate(2026, 12, 5))
    _load(qtbot, screen)
    assert _ids(screen) == [due.ann_smoking, due.bob_ips, due.ann_later]
    screen.shutdown()


def test_filters_by_practice(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    screen, due = _screen(qtbot, sqlite_ctx)
    with qtbot.waitSignal(screen.loaded, timeout=10_000):
        screen.practice.setCurrentIndex(screen.practice.findData("A00002"))
    assert _ids(screen) == [due.bob_ips]
    assert "(Test Surgery (A00002))" in screen.count_label.text()
    with qtbot.waitSignal(screen.loaded, timeout=10_000):
        screen.practice.setCurrentIndex(screen.practice.findData("A00001"))
    assert _ids(screen) == [due.ann_smoking]
    screen.shutdown()


def test_activating_a_row_opens_the_patient(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    screen, due = _screen(qtbot, sqlite_ctx)
    with qtbot.waitSignal(screen.patient_selected, timeout=2000) as opened:
        screen.table.activated.emit(screen.model.index(1, NAME_COLUMN))
    assert opened.args == [due.bob]
    assert not screen.open_button.isEnabled()
    screen.table.selectRow(0)
    with qtbot.waitSignal(screen.patient_selected, timeout=2000) as opened:
        screen.open_button.click()
    assert opened.args == [due.ann]
    screen.shutdown()


def test_record_an_outcome_from_the_list(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    screen, due = _screen(qtbot, sqlite_ctx)
    assert not screen.record_button.isEnabled() and screen.record_outcome() is None
    screen.table.selectRow(0)
    dialog = screen.record_outcome()
    assert dialog is not None
    assert dialog.editor.about.text().startswith("ANN, Alice (")
    assert "follow-up due 15/11/2026" in dialog.editor.about.text()
    dialog.editor.set_values("waiting", TODAY, None)
    assert not dialog.save()  # waiting needs a date
    assert _ids(screen) == [due.ann_smoking, due.bob_ips]

    dialog.editor.set_values("attended", date(2026, 11, 16))
    with qtbot.waitSignal(screen.loaded, timeout=10_000), \
            qtbot.waitSignal(screen.signposting_changed, timeout=2000) as changed:
        assert dialog.save()
    assert changed.args == [due.ann]
    assert _ids(screen) == [due.bob_ips]  # settled: no longer to follow up
    assert screen.selected() is not None and screen.selected().id == due.bob_ips
    assert "Outcome saved: Attended on 16/11/2026" in screen.message.text()
    stored = signposting_by_id(sqlite_ctx.new_uow(), due.ann_smoking)
    assert (stored.outcome, stored.outcome_on) == ("attended", date(2026, 11, 16))

    # waiting with a new date moves it out of today's list until that date
    dialog = screen.record_outcome()
    assert dialog is not None
    dialog.editor.set_values("waiting", TODAY, date(2026, 12, 1))
    with qtbot.waitSignal(screen.loaded, timeout=10_000):
        assert dialog.save()
    assert _ids(screen) == []
    screen.as_of.setDate(QDate(2026, 12, 1))
    _load(qtbot, screen)
    assert _ids(screen) == [due.bob_ips] and screen.model.text(0, 7) == "Waiting"
    screen.shutdown()


def test_controls_are_named(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    screen, _due = _screen(qtbot, sqlite_ctx)
    screen.show()
    stops = [w for w in screen.findChildren(QWidget)
             if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisibleTo(screen)]
    assert stops and [w for w in stops if not w.accessibleName()] == []
    assert screen.shutdown()
