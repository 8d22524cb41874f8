"""The outcomes report screen: the default period (the QOF year), the groups for episodes
built through the stepped-care and outcome-measure services, grouping by step and provider,
a bad period, and the CSV export (counts only, no patient identifiers)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.measures import Measure
from facilitator_app.services.outcome_measures import record_measure
from facilitator_app.services.outcomes_report import HEADERS, OutcomeBy
from facilitator_app.services.stepped_care import (
    add_intervention,
    discharge,
    episode_detail,
    open_episode,
    record_session,
)
from tests.builders import RegisterBuilder
from tests.conftest import TODAY
from ui.screens.outcomes import OutcomesScreen

PHQ9_16 = [2, 2, 2, 2, 2, 2, 2, 2, 0]
PHQ9_9 = [1, 1, 1, 1, 1, 1, 1, 2, 0]
PHQ9_8 = [1, 1, 1, 1, 1, 1, 1, 1, 0]
PHQ9_7 = [1, 1, 1, 1, 1, 1, 1, 0, 0]
GAD7_9 = [2, 2, 2, 1, 1, 1, 0]
GAD7_7 = [1, 1, 1, 1, 1, 1, 1]
GAD7_6 = [1, 1, 1, 1, 1, 1, 0]
GAD7_5 = [1, 1, 1, 1, 1, 0, 0]


def _course(ctx: AppContext, patient_id: int, kind: str, provider: str, step: int,
            phq: tuple[list[int], list[int]], gad: tuple[list[int], list[int]],
            attended: int) -> None:
    start = date(2026, 5, 4)
    episode = open_episode(ctx.new_uow(), patient_id, start, "GP", step, "Facilitator A",
                           TODAY)
    intervention = add_intervention(ctx.new_uow(), episode, kind, start, provider, TODAY)
    for i in range(attended):
        record_session(ctx.new_uow(), intervention, start + timedelta(days=7 * i), 45,
                       "attended", TODAY)
    for i, (first, last) in enumerate((phq, gad)):
        measure = (Measure.PHQ9, Measure.GAD7)[i]
        record_measure(ctx.new_uow(), patient_id, measure, first, start, TODAY,
                       episode_id=episode)
        record_measure(ctx.new_uow(), patient_id, measure, last, start + timedelta(days=28),
                       TODAY, episode_id=episode)
    discharge(ctx.new_uow(), episode, date(2026, 6, 15), "recovered", "", TODAY,
              episode_detail(ctx.new_uow(), episode).episode.version)


def _build(ctx: AppContext) -> None:
    b = RegisterBuilder(ctx)
    ann = b.patient("Ann", "Alice", dob=date(1980, 1, 1)).id
    bob = b.patient("Bob", "Ben", dob=date(1975, 6, 1)).id
    b.commit()
    # PHQ-9 16 → 9, GAD-7 9 → 7, 3 attended sessions: recovered and reliably improved
    _course(ctx, ann, "guided_self_help", "Mind", 2, (PHQ9_16, PHQ9_9), (GAD7_9, GAD7_7), 3)
    # PHQ-9 8 → 7, GAD-7 6 → 5: below caseness at the start, so out of the recovery rate
    _course(ctx, bob, "behavioural_activation", "", 1, (PHQ9_8, PHQ9_7), (GAD7_6, GAD7_5), 2)


def _screen(qtbot: QtBot, ctx: AppContext) -> OutcomesScreen:
    _build(ctx)
    screen = OutcomesScreen(ctx, load_now=False)
    qtbot.addWidget(screen)
    assert screen.model.rowCount() == 0  # lazy: nothing worked out until asked
    with qtbot.waitSignal(screen.loaded, timeout=10_000):
        screen.reload()
    return screen


def _rows(screen: OutcomesScreen) -> dict[str, list[str]]:
    model = screen.model
    return {model.text(r, 0): [model.text(r, c) for c in range(model.columnCount())]
            for r in range(model.rowCount())}


def _reload(qtbot: QtBot, screen: OutcomesScreen) -> None:
    with qtbot.waitSignal(screen.loaded, timeout=10_000):
        screen.reload()


def test_groups_by_intervention_for_the_qof_year(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    screen = _screen(qtbot, sqlite_ctx)
    assert screen.start.date().toPython() == date(2026, 4, 1)
    assert screen.end.date().toPython() == date(2027, 3, 31)
    assert screen.model.columnCount() == len(HEADERS)
    headings = [str(screen.model.headerData(c, Qt.Orientation.Horizontal)).replace("\n", " ")
                for c in range(len(HEADERS))]
    assert headings == list(HEADERS)
    rows = _rows(screen)
    assert set(rows) == {"Behavioural activation", "Guided self-help (CBT-based)",
                         "All episodes"}
    assert list(rows)[-1] == "All episodes"  # the total comes last
    gsh = rows["Guided self-help (CBT-based)"]
    assert gsh[1:7] == ["1", "1", "1", "1", "1", "100.0 %"]  # recovered 100.0 %
    assert gsh[8] == "100.0 %" and gsh[10] == "100.0 %"  # RI, reliable recovery
    ba = rows["Behavioural activation"]
    assert ba[1:7] == ["1", "1", "1", "0", "0", "n/a"]  # not caseness: no recovery rate
    total = rows["All episodes"]
    assert total[1:7] == ["2", "2", "2", "1", "1", "100.0 %"]
    assert screen.model.index(screen.model.rowCount() - 1, 0).data(
        Qt.ItemDataRole.FontRole).bold()
    assert "2 episodes, 2 finished, 2 with paired scores" in screen.headline.text()
    assert "≥ 2 attended" in screen.definitions.text()
    assert "PHQ-9 falls ≥ 6 or GAD-7 falls ≥ 4" in screen.definitions.text()
    assert screen.export_csv.isEnabled()
    screen.shutdown()


def test_group_by_step_and_provider_and_other_periods(qtbot: QtBot,
                                                      sqlite_ctx: AppContext) -> None:
    screen = _screen(qtbot, sqlite_ctx)
    with qtbot.waitSignal(screen.loaded, timeout=10_000):
        screen.by.setCurrentIndex(screen.by.findData(OutcomeBy.STEP.value))
    assert set(_rows(screen)) == {"Step 1", "Step 2", "All episodes"}
    assert _rows(screen)["Step 2"][6] == "100.0 %"
    with qtbot.waitSignal(screen.loaded, timeout=10_000):
        screen.by.setCurrentIndex(screen.by.findData(OutcomeBy.PROVIDER.value))
    assert set(_rows(screen)) == {"Mind", "Facilitator A", "All episodes"}

    screen.set_period(date(2025, 4, 1), date(2026, 3, 31))  # before any discharge
    _reload(qtbot, screen)
    assert screen.model.rowCount() == 0
    assert "no episode was discharged in this period" in screen.headline.text()
    screen.set_period(date(2026, 7, 1), date(2026, 6, 1))
    _reload(qtbot, screen)
    assert "ends (01/06/2026) before it starts (01/07/2026)" in screen.headline.text()
    assert not screen.export_csv.isEnabled() and screen.export("csv") is None
    with qtbot.waitSignal(screen.loaded, timeout=10_000):
        screen.this_year.click()
    assert screen.start.date().toPython() == date(2026, 4, 1)
    assert "All episodes" in _rows(screen)
    screen.shutdown()


def test_exports_a_csv_with_counts_only(qtbot: QtBot, sqlite_ctx: AppContext,
                                        tmp_path: Path) -> None:
    screen = _screen(qtbot, sqlite_ctx)
    task = screen.export("csv", tmp_path / "outcomes")  # the extension is added
    assert task is not None
    qtbot.waitUntil(lambda: "Written to" in screen.message.text(), timeout=10_000)
    text = (tmp_path / "outcomes.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("Group,Episodes ended,Finished (≥ 2 attended)")
    assert any(line.startswith("Guided self-help (CBT-based),1,1,1,1,1,100.0 %")
               for line in lines)
    assert lines[-1].startswith("All episodes,2,2,2,1,1,100.0 %")
    assert "Ann" not in text and "Alice" not in text and "999" not in text  # no identifiers
    screen.show()
    stops = [w for w in screen.findChildren(QWidget)
             if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisibleTo(screen)]
    assert stops and [w for w in stops if not w.accessibleName()] == []
    screen.shutdown()
