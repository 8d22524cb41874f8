"""The dialogs that change a care episode (pytest-qt, offscreen): each refusal is shown beside
the field it names and nothing is saved; a stale version is refused."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
)
from pytestqt.qtbot import QtBot

from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.clusters import BLANK_CLUSTER
from facilitator_app.domain.recovery import RECOVERY_STAR_AREAS
from facilitator_app.services.stepped_care import (
    change_step,
    episode_detail,
    open_episode,
    patient_episodes,
    refer_to_specialist,
    update_referral,
)
from tests.builders import RegisterBuilder
from tests.conftest import TODAY
from ui.screens.episode_dialogs import (
    ClusterDialog,
    DischargeDialog,
    EpisodeDialog,
    GoalsDialog,
    OpenEpisodeDialog,
    RecoveryStarDialog,
    ReferralDialog,
    ReferralStatusDialog,
    SessionDialog,
    StepChangeDialog,
)

REFERRED = date(2026, 6, 1)


def _patient(ctx: AppContext) -> int:
    b = RegisterBuilder(ctx)
    patient_id = b.patient("King", "Isla", dob=date(1980, 1, 1)).id
    b.commit()
    return patient_id


def _episode(ctx: AppContext, step: int = 1) -> int:
    return open_episode(ctx.new_uow(), _patient(ctx), REFERRED, "GP", step, "Sam Patel", TODAY)


def _shown(dialog: EpisodeDialog, field: str) -> str:
    """The message beside ``field``, or "" when none is shown."""
    label = dialog.errors[field]
    return label.text() if label.isVisibleTo(dialog) else ""


def test_open_episode_saves_and_a_second_open_one_is_refused(qtbot: QtBot,
                                                             sqlite_ctx: AppContext) -> None:
    patient_id = _patient(sqlite_ctx)
    dialog = OpenEpisodeDialog(sqlite_ctx, patient_id)
    qtbot.addWidget(dialog)
    assert "KING, Isla" in dialog.heading.text()
    assert not dialog.save()  # nobody said who referred
    assert _shown(dialog, "referral_source") == "Say who referred the patient."
    assert dialog.source.accessibleDescription() == "Say who referred the patient."
    assert patient_episodes(sqlite_ctx.new_uow(), patient_id) == []

    dialog.set_values(REFERRED, "Self-referral", 2, "Sam Patel")
    with qtbot.waitSignal(dialog.saved, timeout=1000):
        assert dialog.save()
    (detail,) = patient_episodes(sqlite_ctx.new_uow(), patient_id)
    assert detail.episode.id == dialog.episode_id
    assert (detail.episode.referred_on, detail.episode.referral_source,
            detail.episode.start_step, detail.episode.facilitator) == (
        REFERRED, "Self-referral", 2, "Sam Patel")

    again = OpenEpisodeDialog(sqlite_ctx, patient_id)
    qtbot.addWidget(again)
    assert again.facilitator.text() == "Sam Patel"  # carried over from the last episode
    again.set_values(TODAY, "GP", 1, "")
    assert not again.save()
    assert "already has an open episode" in again.problem_text
    assert len(patient_episodes(sqlite_ctx.new_uow(), patient_id)) == 1


def test_a_session_before_the_referral_is_refused_and_leaves_nothing_behind(
        qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    episode_id = _episode(sqlite_ctx)
    dialog = SessionDialog(sqlite_ctx, episode_id)
    qtbot.addWidget(dialog)
    assert dialog.starts_new  # no intervention yet: the only choice is a new one
    dialog.set_new_intervention("behavioural_activation")
    dialog.set_session(date(2026, 5, 20), 45, "attended")
    assert not dialog.save()
    message = "The session date (20/05/2026) is before the referral date (01/06/2026)."
    assert _shown(dialog, "session_on") == message
    assert message in dialog.problem_text
    detail = episode_detail(sqlite_ctx.new_uow(), episode_id)
    assert detail.interventions == () and detail.sessions == ()


def test_sessions_of_a_new_then_an_existing_intervention(qtbot: QtBot,
                                                         sqlite_ctx: AppContext) -> None:
    episode_id = _episode(sqlite_ctx)
    first = SessionDialog(sqlite_ctx, episode_id)
    qtbot.addWidget(first)
    first.set_new_intervention("guided_self_help", "Mind")
    first.set_session(date(2026, 6, 8), 0, "attended")
    assert not first.save()
    assert _shown(first, "duration") == "An attended session lasts 1–240 minutes, not 0."
    first.set_session(date(2026, 6, 8), 40, "attended", "Introduced the workbook")
    assert first.save()

    second = SessionDialog(sqlite_ctx, episode_id)
    qtbot.addWidget(second)
    (intervention,) = episode_detail(sqlite_ctx.new_uow(), episode_id).interventions
    assert not second.starts_new  # the existing intervention is offered first
    assert second.intervention.currentText() == \
        "Guided self-help (CBT-based) (step 1, from 08/06/2026, Mind)"
    assert not second.kind.isEnabled()
    second.set_session(date(2026, 6, 15), 30, "did_not_attend")
    assert second.minutes.value() == 0 and not second.minutes.isEnabled()
    assert second.save()

    detail = episode_detail(sqlite_ctx.new_uow(), episode_id)
    assert [(s.intervention_id, s.session_on, s.attendance, s.note) for s in detail.sessions] \
        == [(intervention.id, date(2026, 6, 8), "attended", "Introduced the workbook"),
            (intervention.id, date(2026, 6, 15), "did_not_attend", "")]
    assert intervention.delivered_by == "Mind" and detail.attended == 1


def test_a_step_change_needs_a_reason(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    episode_id = _episode(sqlite_ctx)
    dialog = StepChangeDialog(sqlite_ctx, episode_id)
    qtbot.addWidget(dialog)
    assert dialog.to_step.findData(1) == -1  # the current step is not offered
    assert dialog.to_step.currentData() == 2  # stepping up is the usual change
    dialog.set_values(2, date(2026, 7, 1), "   ")
    assert not dialog.save()
    assert _shown(dialog, "reason") == "Say why the step changes."
    assert dialog.reason.accessibleDescription() == "Say why the step changes."
    assert episode_detail(sqlite_ctx.new_uow(), episode_id).episode.current_step == 1

    dialog.set_values(2, date(2026, 7, 1), "No reliable improvement after 6 weeks")
    assert dialog.save()
    detail = episode_detail(sqlite_ctx.new_uow(), episode_id)
    assert detail.episode.current_step == 2
    assert detail.timeline[-1].text == "Step 1 → 2: No reliable improvement after 6 weeks"


def test_a_step_change_on_a_stale_episode_saves_nothing(qtbot: QtBot,
                                                        sqlite_ctx: AppContext) -> None:
    episode_id = _episode(sqlite_ctx)
    dialog = StepChangeDialog(sqlite_ctx, episode_id)
    qtbot.addWidget(dialog)
    # someone else steps the patient up while the dialog is open
    change_step(sqlite_ctx.new_uow(), episode_id, date(2026, 7, 1), 3, "Crisis plan", TODAY,
                dialog.version)
    dialog.set_values(2, date(2026, 7, 2), "Mild symptoms")
    assert not dialog.save()
    assert "changed by someone else" in dialog.problem_text
    assert "nothing was saved" in dialog.problem_text
    assert not dialog.save_button.isEnabled()
    detail = episode_detail(sqlite_ctx.new_uow(), episode_id)
    assert detail.episode.current_step == 3
    assert [e.text for e in detail.timeline if e.kind == "step"] == ["Step 1 → 3: Crisis plan"]


def test_discharge_is_refused_while_a_referral_is_open_then_allowed(
        qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    episode_id = _episode(sqlite_ctx)
    refer = ReferralDialog(sqlite_ctx, episode_id)
    qtbot.addWidget(refer)
    refer.set_values("talking_therapies", date(2026, 7, 1), "Step 3 CBT")
    assert refer.save() and refer.referral_id is not None

    leave = DischargeDialog(sqlite_ctx, episode_id)
    qtbot.addWidget(leave)
    # named before anything is typed
    assert leave.open_referrals.isVisibleTo(leave)
    assert "NHS Talking Therapies (sent 01/07/2026)" in leave.open_referrals.text()
    assert not leave.save()
    assert _shown(leave, "reason") == "Choose a discharge reason."
    leave.set_values(date(2026, 7, 2), "stepped_up")
    assert not leave.save()
    refusal = ("Referrals still open: NHS Talking Therapies. Record each as seen, declined or "
               "closed before discharging.")
    assert leave.open_referrals.text() == refusal and refusal in leave.problem_text
    assert episode_detail(sqlite_ctx.new_uow(), episode_id).episode.discharged_on is None

    status = ReferralStatusDialog(sqlite_ctx, episode_id)
    qtbot.addWidget(status)
    assert status.referral.currentData() == refer.referral_id  # the open one is chosen
    assert "Status now: sent (waiting for a reply), since 01/07/2026" in status.current.text()
    status.set_values("seen", date(2026, 8, 1))
    assert status.save()
    (referral,) = episode_detail(sqlite_ctx.new_uow(), episode_id).referrals
    assert (referral.status, referral.status_on) == ("seen", date(2026, 8, 1))

    leave = DischargeDialog(sqlite_ctx, episode_id)
    qtbot.addWidget(leave)
    assert not leave.open_referrals.isVisibleTo(leave)
    leave.set_values(date(2026, 7, 30), "stepped_up", "To NHS Talking Therapies")
    assert not leave.save()  # before the referral was seen
    assert "before the last thing recorded in this episode (01/08/2026)" in \
        _shown(leave, "discharged_on")
    leave.set_values(date(2026, 8, 2), "stepped_up", "To NHS Talking Therapies")
    assert leave.save()
    episode = episode_detail(sqlite_ctx.new_uow(), episode_id).episode
    assert (episode.discharged_on, episode.discharge_reason, episode.discharge_note) == (
        date(2026, 8, 2), "stepped_up", "To NHS Talking Therapies")


def test_a_referral_status_on_a_stale_referral_saves_nothing(qtbot: QtBot,
                                                             sqlite_ctx: AppContext) -> None:
    episode_id = _episode(sqlite_ctx)
    referral_id = refer_to_specialist(sqlite_ctx.new_uow(), episode_id, "cmht",
                                      date(2026, 7, 1), "", TODAY)
    dialog = ReferralStatusDialog(sqlite_ctx, episode_id, referral_id=referral_id)
    qtbot.addWidget(dialog)
    update_referral(sqlite_ctx.new_uow(), referral_id, "declined", date(2026, 7, 3), TODAY, 1)
    dialog.set_values("accepted", date(2026, 7, 4))
    assert not dialog.save()
    assert "changed by someone else" in dialog.problem_text
    (referral,) = episode_detail(sqlite_ctx.new_uow(), episode_id).referrals
    assert referral.status == "declined"


def test_cluster_nine_is_refused_and_the_review_date_follows(qtbot: QtBot,
                                                             sqlite_ctx: AppContext) -> None:
    episode_id = _episode(sqlite_ctx)
    dialog = ClusterDialog(sqlite_ctx, episode_id)
    qtbot.addWidget(dialog)
    assert dialog.cluster.count() == 21 and dialog.cluster.findData(BLANK_CLUSTER) == -1
    before = dialog.cluster.currentData()
    assert not dialog.set_cluster(BLANK_CLUSTER)
    assert _shown(dialog, "cluster") == ("Care cluster 9 is the blank cluster: not "
                                         "assigned.")
    assert dialog.cluster.currentData() == before
    assert not dialog.set_cluster(22)
    assert "not an MHCT cluster (0–21)" in _shown(dialog, "cluster")

    assert dialog.set_cluster(2)
    assert _shown(dialog, "cluster") == ""
    dialog.set_date(REFERRED)
    assert dialog.review_due.text() == "14/09/2026 (15 weeks after the date assigned)"
    assert dialog.save()
    detail = episode_detail(sqlite_ctx.new_uow(), episode_id)
    assert (detail.episode.cluster, detail.episode.cluster_on) == (2, REFERRED)
    assert detail.cluster_review_due == date(2026, 9, 14)

    again = ClusterDialog(sqlite_ctx, episode_id)
    qtbot.addWidget(again)
    assert again.cluster.currentData() == 2
    assert any("review due by 14/09/2026" in label.text()
               for label in again.findChildren(QLabel))


def test_goals_are_set_then_every_goal_is_rated(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    episode_id = _episode(sqlite_ctx)
    setting = GoalsDialog(sqlite_ctx, episode_id)
    qtbot.addWidget(setting)
    assert not setting.rating_mode and setting.windowTitle() == "Set goals"
    assert len(setting.goal_edits) == 3
    assert not setting.save()  # no goal typed
    assert "At least 1 goal is needed" in _shown(setting, "goal_1")
    setting.set_goal_texts(["Back to work three days a week", "", "Walk the dog daily"])
    setting.set_date(REFERRED)
    assert setting.save()
    goals = episode_detail(sqlite_ctx.new_uow(), episode_id).goals
    assert [(g.position, g.text) for g in goals] == [(1, "Back to work three days a week"),
                                                     (2, "Walk the dog daily")]

    rating = GoalsDialog(sqlite_ctx, episode_id)
    qtbot.addWidget(rating)
    assert rating.rating_mode and rating.windowTitle() == "Rate goals"
    assert len(rating.rating_spins) == 2
    rating.set_date(date(2026, 7, 1))
    rating.set_ratings({1: 4})
    assert not rating.save()  # goal 2 not rated
    assert "Goal rating is needed" in _shown(rating, "goal_2")
    assert _shown(rating, "goal_1") == ""
    rating.set_ratings({1: 4, 2: 6})
    assert rating.save()
    goals = episode_detail(sqlite_ctx.new_uow(), episode_id).goals
    assert [g.ratings for g in goals] == [((date(2026, 7, 1), 4),), ((date(2026, 7, 1), 6),)]

    same_day = GoalsDialog(sqlite_ctx, episode_id)
    qtbot.addWidget(same_day)
    same_day.set_date(date(2026, 7, 1))
    same_day.set_ratings({1: 5, 2: 7})
    assert not same_day.save()
    assert "already rated on 01/07/2026" in _shown(same_day, "goal_1")


def test_a_recovery_star_review_needs_every_area(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    episode_id = _episode(sqlite_ctx)
    dialog = RecoveryStarDialog(sqlite_ctx, episode_id)
    qtbot.addWidget(dialog)
    scores: dict[str, int | None] = {a: n + 1 for n, a in enumerate(RECOVERY_STAR_AREAS)}
    scores["Work"] = None
    dialog.set_scores(scores)
    dialog.set_date(date(2026, 6, 8))
    assert dialog.stages["Managing mental health"].text() == "stuck"  # 1
    assert dialog.stages["Trust and hope"].text() == "self-reliance"  # 10
    assert not dialog.save()
    assert _shown(dialog, "Work") == "Work is not scored (all 10 areas are needed)"
    assert episode_detail(sqlite_ctx.new_uow(), episode_id).star_reviews == ()

    scores["Work"] = 5
    dialog.set_scores(scores)
    assert dialog.save()
    (review,) = episode_detail(sqlite_ctx.new_uow(), episode_id).star_reviews
    assert review.rated_on == date(2026, 6, 8) and dict(review.scores) == scores

    again = RecoveryStarDialog(sqlite_ctx, episode_id)
    qtbot.addWidget(again)
    assert again.stages["Work"].text() == "last time 5 (believing)"
    again.set_scores({a: 6 for a in RECOVERY_STAR_AREAS})
    assert again.stages["Work"].text() == "believing · last time 5 (believing)"
    again.set_date(date(2026, 6, 8))
    assert not again.save()
    assert "already recorded" in _shown(again, "on")


def test_every_field_is_named_labelled_and_reachable_by_a_unique_key(
        qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    episode_id = _episode(sqlite_ctx)
    refer_to_specialist(sqlite_ctx.new_uow(), episode_id, "crisis", date(2026, 7, 1), "", TODAY)
    patient_id = episode_detail(sqlite_ctx.new_uow(), episode_id).episode.patient_id
    dialogs: list[EpisodeDialog] = [
        OpenEpisodeDialog(sqlite_ctx, patient_id), SessionDialog(sqlite_ctx, episode_id),
        StepChangeDialog(sqlite_ctx, episode_id), ReferralDialog(sqlite_ctx, episode_id),
        ReferralStatusDialog(sqlite_ctx, episode_id), ClusterDialog(sqlite_ctx, episode_id),
        DischargeDialog(sqlite_ctx, episode_id), GoalsDialog(sqlite_ctx, episode_id),
        RecoveryStarDialog(sqlite_ctx, episode_id)]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        controls = [*dialog.findChildren(QComboBox), *dialog.findChildren(QLineEdit),
                    *dialog.findChildren(QSpinBox), *dialog.findChildren(QDateEdit),
                    *dialog.findChildren(QPlainTextEdit)]
        assert controls and all(c.accessibleName() for c in controls), dialog.windowTitle()
        labels = [label for label in dialog.findChildren(QLabel) if "&" in label.text()]
        assert all(label.buddy() is not None for label in labels), dialog.windowTitle()
        keys = [label.text()[label.text().index("&") + 1].lower() for label in labels]
        assert len(keys) == len(set(keys)) and not {"s", "c"} & set(keys), keys
        buddies = {label.buddy() for label in dialog.findChildren(QLabel)}
        assert all(editor in buddies for editor in dialog.editors.values())
