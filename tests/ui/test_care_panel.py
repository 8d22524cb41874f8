"""The care-episode section of the patient record (pytest-qt, offscreen): its state line,
buttons, timeline, outcome, charts with their words, and that it fits a narrow panel."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QWidget
from pytestqt.qtbot import QtBot

from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.measures import Measure
from facilitator_app.domain.recovery import RECOVERY_STAR_AREAS
from facilitator_app.services.outcome_measures import (
    rate_goals,
    record_measure,
    record_recovery_star,
    set_goals,
)
from facilitator_app.services.stepped_care import (
    add_intervention,
    episode_detail,
    open_episode,
    record_session,
)
from tests.builders import RegisterBuilder
from tests.conftest import TODAY
from ui.screens.care_panel import NO_EPISODE, NO_PATIENT, CarePanel, FlowLayout
from ui.screens.episode_dialogs import (
    DischargeDialog,
    EpisodeDialog,
    OpenEpisodeDialog,
    ReferralDialog,
    ReferralStatusDialog,
    SessionDialog,
)

REFERRED = date(2026, 6, 1)
PHQ = {n: [min(3, max(0, n - 3 * i)) for i in range(8)] + [0] for n in range(25)}
GAD = {n: [min(3, max(0, n - 3 * i)) for i in range(7)] for n in range(22)}


def _patient(ctx: AppContext) -> int:
    b = RegisterBuilder(ctx)
    patient_id = b.patient("King", "Isla", dob=date(1980, 1, 1)).id
    b.commit()
    return patient_id


def _panel(qtbot: QtBot, ctx: AppContext) -> CarePanel:
    panel = CarePanel(ctx)
    qtbot.addWidget(panel)
    return panel


def _enabled(panel: CarePanel) -> set[str]:
    return {name for name, button in panel.buttons.items() if button.isEnabled()}


def _timeline(panel: CarePanel) -> list[tuple[str, str]]:
    model = panel.timeline
    return [(model.text(r, 0), model.text(r, 1)) for r in range(model.rowCount())]


def _dialog(panel: CarePanel, name: str) -> EpisodeDialog:
    dialog = panel.open_dialog(name)
    assert dialog is not None, name
    return dialog


def test_no_patient_then_a_patient_without_an_episode(qtbot: QtBot,
                                                      sqlite_ctx: AppContext) -> None:
    panel = _panel(qtbot, sqlite_ctx)
    assert panel.empty_label.text() == NO_PATIENT and not panel.content.isVisibleTo(panel)
    assert panel.open_dialog("open") is None
    panel.show_patient(_patient(sqlite_ctx))
    assert panel.content.isVisibleTo(panel)
    assert panel.no_episode_label.text() == NO_EPISODE
    assert panel.state_badge.text() == "No episode"
    assert _enabled(panel) == {"open"}
    assert panel.open_dialog("discharge") is None  # disabled: nothing to discharge
    assert panel.phq_text.text() == "No PHQ-9 recorded." and not panel.phq_chart.isVisibleTo(
        panel)
    panel.clear()
    assert panel.patient_id is None and not panel.content.isVisibleTo(panel)


def test_an_episode_from_referral_to_discharge_through_the_panel(
        qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    patient_id = _patient(sqlite_ctx)
    panel = _panel(qtbot, sqlite_ctx)
    panel.show_patient(patient_id)

    opening = _dialog(panel, "open")
    assert isinstance(opening, OpenEpisodeDialog)
    opening.set_values(REFERRED, "GP", 1, "Sam Patel")
    with qtbot.waitSignal(panel.changed, timeout=1000) as signal:
        assert opening.save()
    assert signal.args == [patient_id]
    assert panel.state_badge.text() == "Open at step 1"
    assert panel.episode_label.text() == "Open since 01/06/2026, referred by GP"
    assert panel.facilitator_label.text() == "Sam Patel"
    assert _enabled(panel) == set(panel.buttons) - {"open", "referral_status"}
    assert _timeline(panel) == [("01/06/2026", "Referred by GP; starts at step 1")]

    session = _dialog(panel, "session")
    assert isinstance(session, SessionDialog)
    session.set_new_intervention("behavioural_activation")
    session.set_session(date(2026, 5, 1), 45, "attended")
    assert not session.save()  # before the referral: refused, the panel is unchanged
    assert "before the referral date (01/06/2026)" in session.problem_text
    assert len(_timeline(panel)) == 1
    session.set_session(date(2026, 6, 8), 45, "attended")
    assert session.save()
    assert _timeline(panel)[1:] == [
        ("08/06/2026", "Behavioural activation started (step 1)"),
        ("08/06/2026", "Behavioural activation: attended, 45 min")]
    assert panel.sessions_label.text() == "1 session: 1 attended"

    refer = _dialog(panel, "refer")
    assert isinstance(refer, ReferralDialog)
    refer.set_values("cmht", date(2026, 6, 20))
    assert refer.save()
    assert "referral_status" in _enabled(panel)
    assert panel.referrals_label.text() == "Open: Community mental health team (sent 20/06/2026)"

    leave = _dialog(panel, "discharge")
    assert isinstance(leave, DischargeDialog)
    leave.set_values(date(2026, 6, 21), "stepped_up")
    assert not leave.save()
    assert "Referrals still open: Community mental health team" in leave.open_referrals.text()
    assert panel.state_badge.text() == "Open at step 1"

    status = _dialog(panel, "referral_status")
    assert isinstance(status, ReferralStatusDialog)
    status.set_values("accepted", date(2026, 6, 25))
    assert status.save()
    assert panel.referrals_label.text() == "Open: Community mental health team (accepted " \
        "25/06/2026)"
    status = _dialog(panel, "referral_status")
    assert isinstance(status, ReferralStatusDialog)
    status.set_values("seen", date(2026, 7, 10))
    assert status.save()
    assert panel.referrals_label.text() == "Community mental health team (seen 10/07/2026)"
    assert _timeline(panel)[-2:] == [  # a referral keeps its latest status only
        ("20/06/2026", "Referred to Community mental health team"),
        ("10/07/2026", "Community mental health team: referral seen")]

    leave = _dialog(panel, "discharge")
    assert isinstance(leave, DischargeDialog)
    leave.set_values(date(2026, 7, 11), "stepped_up", "CMHT care coordinator")
    assert leave.save()
    assert panel.state_badge.text() == "Discharged 11/07/2026"
    assert panel.episode_label.text().startswith(
        "Discharged 11/07/2026: Care transferred to a specialist service "
        "(CMHT care coordinator).")
    assert _enabled(panel) == {"open"}  # a discharged episode is closed to changes
    assert _timeline(panel)[-1] == ("11/07/2026",
                                    "Discharged: Care transferred to a specialist service")
    assert panel.outcome_headline.text() == "Not counted in the outcome rates"
    assert "Not finished: 1 attended treatment session" in panel.outcome_label.text()

    # a new referral: the discharged episode moves to "Earlier episodes"
    again = _dialog(panel, "open")
    assert isinstance(again, OpenEpisodeDialog)
    again.set_values(date(2026, 10, 1), "Self-referral", 2, "Sam Patel")
    assert again.save()
    assert panel.state_badge.text() == "Open at step 2"
    assert panel.earlier_label.isVisibleTo(panel)
    assert panel.earlier_label.text() == (
        "• 01/06/2026 – 11/07/2026 · referred by GP · step 1 · 1 attended session · Care "
        "transferred to a specialist service · outcome: not counted in the outcome rates")


def test_scores_goals_and_recovery_star_with_their_words(qtbot: QtBot,
                                                         sqlite_ctx: AppContext) -> None:
    patient_id = _patient(sqlite_ctx)
    u = sqlite_ctx.new_uow
    episode = open_episode(u(), patient_id, REFERRED, "GP", 2, "Sam Patel", TODAY)
    ba = add_intervention(u(), episode, "behavioural_activation", REFERRED, "", TODAY)
    for week in (1, 2, 3):
        record_session(u(), ba, REFERRED + timedelta(weeks=week), 45, "attended", TODAY)
    for week, (phq, gad) in enumerate([(16, 9), (12, 8), (9, 7)]):
        on = REFERRED + timedelta(weeks=2 * week)
        record_measure(u(), patient_id, Measure.PHQ9, PHQ[phq], on, TODAY, episode_id=episode)
        record_measure(u(), patient_id, Measure.GAD7, GAD[gad], on, TODAY, episode_id=episode)
    risky = PHQ[9][:8] + [1]
    record_measure(u(), patient_id, Measure.PHQ9, risky, date(2026, 7, 20), TODAY,
                   risk_action="GP assessed same day; safety plan agreed", episode_id=episode)
    set_goals(u(), episode, ["Back to work", "Sleep through"], REFERRED, TODAY)
    goals = episode_detail(u(), episode).goals
    rate_goals(u(), episode, date(2026, 6, 15), {goals[0].id: 2, goals[1].id: 3}, TODAY)
    rate_goals(u(), episode, date(2026, 7, 15), {goals[0].id: 6, goals[1].id: 4}, TODAY)
    record_recovery_star(u(), episode, date(2026, 6, 8), {a: 3 for a in RECOVERY_STAR_AREAS},
                         TODAY)
    later = {a: 3 for a in RECOVERY_STAR_AREAS} | {"Work": 7, "Trust and hope": 2}
    record_recovery_star(u(), episode, date(2026, 9, 1), later, TODAY)

    panel = _panel(qtbot, sqlite_ctx)
    panel.show_patient(patient_id)
    # PHQ-9: the chart's points and the words under it
    (series,) = panel.phq_chart.series
    assert [v for _, v in series.points] == [16.0, 12.0, 9.0, 10.0]
    assert panel.phq_text.text().startswith("This episode: 16 on 01/06/2026 (moderately "
                                            "severe), 12 on 15/06/2026 (moderate)")
    assert "10 on 20/07/2026 (moderate) — item 9 risk flagged" in panel.phq_text.text()
    assert panel.phq_caption.text() == "PHQ-9 (depression, 0–27; caseness 10 or more)"
    assert panel.gad_caption.text() == "GAD-7 (anxiety, 0–21; caseness 8 or more)"
    assert panel.phq_chart.accessibleDescription().startswith("PHQ-9: This episode: 16 on")
    # the risk-flagged questionnaire stands out in the timeline, in words and in colour
    flagged = [r for r in range(panel.timeline.rowCount())
               if "risk flagged" in panel.timeline.text(r, 1)]
    assert len(flagged) == 1
    index = panel.timeline.index(flagged[0], 1)
    assert panel.timeline.data(index, Qt.ItemDataRole.BackgroundRole) is not None
    # outcome: first and latest PHQ-9 16 → 10, GAD-7 9 → 7
    assert panel.outcome_headline.text().startswith("Not recovered; reliable improvement")
    assert "PHQ-9 fell 16 → 10 (−6, reliable: ≥ 6)" in panel.outcome_label.text()
    # goals over time
    assert [s.title for s in panel.goals_chart.series] == ["Goal 1", "Goal 2"]
    assert panel.goals_text.text() == (
        "• Goal 1: “Back to work” — set 01/06/2026; rated 2 (15/06/2026) → 6 (15/07/2026)\n"
        "• Goal 2: “Sleep through” — set 01/06/2026; rated 3 (15/06/2026) → 4 (15/07/2026)")
    # the latest Recovery Star and its change from the first
    assert panel.star_summary.text() == ("Latest review 01/09/2026 (first 08/06/2026, 2 "
                                         "reviews): total 33 of 100, +3 since the first.")
    rows = {panel.star.text(r, 0): [panel.star.text(r, c) for c in range(1, 5)]
            for r in range(panel.star.rowCount())}
    assert len(rows) == 10
    assert rows["Work"] == ["3", "7", "+4", "learning"]
    assert rows["Trust and hope"] == ["3", "2", "−1", "stuck"]
    assert rows["Living skills"] == ["3", "3", "no change", "accepting help"]


def test_buttons_wrap_into_a_grid_in_a_narrow_panel(qtbot: QtBot,
                                                    sqlite_ctx: AppContext) -> None:
    panel = _panel(qtbot, sqlite_ctx)
    panel.show_patient(_patient(sqlite_ctx))
    panel.resize(420, 2000)
    panel.show()
    qtbot.waitExposed(panel)
    grid = panel.button_grid
    buttons = grid.findChildren(QPushButton)
    assert len(buttons) == 9
    assert all(b.geometry().right() <= grid.width() for b in buttons)
    rows = {b.geometry().top() for b in buttons}
    assert 2 <= len(rows) <= 9  # wrapped, not one long row
    assert grid.height() >= len(rows) * buttons[0].height()
    assert len({b.width() for b in buttons}) == 1  # equal cells: a tidy grid
    assert panel.minimumSizeHint().width() <= 420


def test_flow_layout_reflows_with_the_width(qtbot: QtBot) -> None:
    box = QWidget()
    qtbot.addWidget(box)
    flow = FlowLayout(box)
    flow.setContentsMargins(0, 0, 0, 0)
    flow.setSpacing(4)
    for n in range(6):
        button = QPushButton(f"Button {n}")
        button.setFixedSize(100, 30)
        flow.addWidget(button)
    assert flow.heightForWidth(650) == 30  # one row of six
    assert flow.heightForWidth(320) == 30 * 2 + 4  # three a row
    assert flow.heightForWidth(100) == 30 * 6 + 4 * 5  # one a row
    assert flow.count() == 6 and flow.takeAt(0) is not None and flow.count() == 5
    assert flow.itemAt(9) is None


def test_wellbeing_measures_and_the_recovery_star_are_charted(qtbot: QtBot,
                                                              sqlite_ctx: AppContext) -> None:
    patient_id = _patient(sqlite_ctx)
    episode = open_episode(sqlite_ctx.new_uow(), patient_id, REFERRED, "GP", 2, "", TODAY)
    for day, answers in ((REFERRED, [2] * 7), (REFERRED + timedelta(days=28), [3] * 7)):
        record_measure(sqlite_ctx.new_uow(), patient_id, Measure.SWEMWBS, answers, day, TODAY)
    for day, score in ((REFERRED, 3), (REFERRED + timedelta(days=28), 6)):
        record_recovery_star(sqlite_ctx.new_uow(), episode, day,
                             dict.fromkeys(RECOVERY_STAR_AREAS, score), TODAY)
    panel = _panel(qtbot, sqlite_ctx)
    panel.show_patient(patient_id)
    caption, chart, words = panel.other_measures[Measure.SWEMWBS]
    assert chart.isVisibleTo(panel) and caption.text().startswith("SWEMWBS (wellbeing")
    # raw 14 and 21: metric 15.32 and 19.25 (domain.md §5.3)
    assert words.text() == "15.32 on 01/06/2026; 19.25 on 29/06/2026"
    dialog_caption, dialog_chart, _ = panel.other_measures[Measure.DIALOG]
    assert not dialog_chart.isVisibleTo(panel) and not dialog_caption.isVisibleTo(panel)
    assert panel.star_chart.isVisibleTo(panel)
    assert panel.star_chart.grab().width() > 0
