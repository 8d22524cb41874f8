"""Stepped-care episodes, item-level outcome measures, goals and the outcomes report
(SQLite and PostgreSQL). The report's SQL is checked against the pure domain rules on random
episodes, and against domain.md's worked examples."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta

import pytest

from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.measures import InvalidAnswers, Measure
from facilitator_app.domain.outcomes import PairedScores, episode_outcome, outcome_rates
from facilitator_app.domain.recovery import RECOVERY_STAR_AREAS
from facilitator_app.services.outcome_measures import (
    InvalidRecord,
    RiskActionRequired,
    measure_history,
    rate_goals,
    record_measure,
    record_recovery_star,
    set_goals,
)
from facilitator_app.services.outcomes_report import (
    OutcomeBy,
    outcomes_report,
    report_rows,
    write_outcomes_report,
)
from facilitator_app.services.stepped_care import (
    EpisodeChanged,
    InvalidEpisode,
    add_intervention,
    change_step,
    discharge,
    episode_detail,
    open_episode,
    patient_episodes,
    record_session,
    refer_to_specialist,
    set_cluster,
    update_referral,
)
from tests.builders import RegisterBuilder
from tests.conftest import TODAY

PHQ = {  # item answers giving these PHQ-9 totals (item 9 always 0)
    n: [min(3, max(0, n - 3 * i)) for i in range(8)] + [0] for n in range(25)
}
GAD = {n: [min(3, max(0, n - 3 * i)) for i in range(7)] for n in range(22)}


def _patients(ctx: AppContext, count: int) -> list[int]:
    b = RegisterBuilder(ctx)
    ids = [b.patient(f"P{n}", dob=date(1980, 1, 1)).id for n in range(count)]
    b.commit()
    return ids


def _patient(ctx: AppContext) -> int:
    (patient_id,) = _patients(ctx, 1)
    return patient_id


def _version(ctx: AppContext, episode_id: int) -> int:
    return episode_detail(ctx.new_uow(), episode_id).episode.version


def _course(ctx: AppContext, patient_id: int, start: date, phq: list[int], gad: list[int],
            attended: int, *, kind: str = "guided_self_help", step: int = 2,
            provider: str = "", ended: date | None = None) -> int:
    """An episode with one intervention, ``attended`` sessions, and the scores in order."""
    episode = open_episode(ctx.new_uow(), patient_id, start, "GP", step, "Facilitator A",
                           TODAY)
    intervention = add_intervention(ctx.new_uow(), episode, kind, start, provider, TODAY)
    for i in range(attended):
        record_session(ctx.new_uow(), intervention, start + timedelta(days=7 * i), 45,
                       "attended", TODAY)
    for i, total in enumerate(phq):
        record_measure(ctx.new_uow(), patient_id, Measure.PHQ9, PHQ[total],
                       start + timedelta(days=7 * i), TODAY, episode_id=episode)
    for i, total in enumerate(gad):
        record_measure(ctx.new_uow(), patient_id, Measure.GAD7, GAD[total],
                       start + timedelta(days=7 * i), TODAY, episode_id=episode)
    last = start + timedelta(days=7 * max(attended, len(phq), len(gad), 1))
    discharge(ctx.new_uow(), episode, ended or last, "recovered", "", TODAY,
              _version(ctx, episode))
    return episode


def test_an_episode_from_referral_to_discharge(ctx: AppContext) -> None:
    patient_id = _patient(ctx)
    start = date(2026, 6, 1)
    episode = open_episode(ctx.new_uow(), patient_id, start, "GP", 1, "Jo", TODAY)
    ba = add_intervention(ctx.new_uow(), episode, "behavioural_activation", start, "", TODAY)
    record_session(ctx.new_uow(), ba, date(2026, 6, 8), 40, "attended", TODAY)
    record_session(ctx.new_uow(), ba, date(2026, 6, 15), 0, "did_not_attend", TODAY)
    record_session(ctx.new_uow(), ba, date(2026, 6, 22), 45, "attended", TODAY)
    change_step(ctx.new_uow(), episode, date(2026, 6, 22), 2, "No reliable improvement at "
                "4 weeks", TODAY, _version(ctx, episode))
    set_cluster(ctx.new_uow(), episode, 2, date(2026, 6, 1), TODAY, _version(ctx, episode))
    referral = refer_to_specialist(ctx.new_uow(), episode, "talking_therapies",
                                   date(2026, 7, 1), "step 3 CBT", TODAY)
    with pytest.raises(InvalidEpisode, match="Referrals still open: NHS Talking Therapies"):
        discharge(ctx.new_uow(), episode, date(2026, 7, 2), "stepped_up", "", TODAY,
                  _version(ctx, episode))
    update_referral(ctx.new_uow(), referral, "seen", date(2026, 8, 1), TODAY, 1)
    with pytest.raises(InvalidEpisode, match=r"before the last thing recorded .*01/08/2026"):
        discharge(ctx.new_uow(), episode, date(2026, 7, 30), "stepped_up", "", TODAY,
                  _version(ctx, episode))
    discharge(ctx.new_uow(), episode, date(2026, 8, 2), "stepped_up", "to NHS TT", TODAY,
              _version(ctx, episode))

    (detail,) = patient_episodes(ctx.new_uow(), patient_id)
    assert detail.episode.current_step == 2 and detail.attended == 2
    assert detail.cluster_review_due == date(2026, 9, 14)  # cluster 2: 15 weeks
    assert [e.kind for e in detail.timeline] == [
        "referral", "cluster", "intervention", "session", "session", "step", "session",
        "specialist", "specialist", "discharge"]
    texts = [e.text for e in detail.timeline]
    assert "Step 1 → 2: No reliable improvement at 4 weeks" in texts
    assert "Behavioural activation: did not attend" in texts
    assert texts[-1] == "Discharged: Care transferred to a specialist service"
    assert detail.outcome.finished and not detail.outcome.paired  # no scores: not judged


def test_bad_input_gets_a_clear_message_and_saves_nothing(ctx: AppContext) -> None:
    patient_id = _patient(ctx)
    episode = open_episode(ctx.new_uow(), patient_id, date(2026, 6, 1), "GP", 2, "", TODAY)
    with pytest.raises(InvalidEpisode, match="already has an open episode"):
        open_episode(ctx.new_uow(), patient_id, date(2026, 7, 1), "GP", 2, "", TODAY)
    gsh = add_intervention(ctx.new_uow(), episode, "guided_self_help", date(2026, 6, 1), "",
                           TODAY)
    with pytest.raises(InvalidEpisode) as caught:
        record_session(ctx.new_uow(), gsh, date(2026, 5, 31), 45, "attended", TODAY)
    assert "before the referral date (01/06/2026)" in str(caught.value)
    with pytest.raises(InvalidEpisode, match="1–240 minutes"):
        record_session(ctx.new_uow(), gsh, date(2026, 6, 8), 0, "attended", TODAY)
    with pytest.raises(InvalidEpisode, match="Say why the step changes"):
        change_step(ctx.new_uow(), episode, date(2026, 6, 8), 3, " ", TODAY, 1)
    with pytest.raises(InvalidEpisode, match="blank"):
        set_cluster(ctx.new_uow(), episode, 9, date(2026, 6, 8), TODAY, 1)
    with pytest.raises(InvalidAnswers) as answers:
        record_measure(ctx.new_uow(), patient_id, Measure.PHQ9, [0, 4, 0, 0, 0, 0, 0, 0, 0],
                       date(2026, 6, 8), TODAY)
    assert [p.item for p in answers.value.problems] == [2]
    with pytest.raises(RiskActionRequired, match="item 9 was answered 1"):
        record_measure(ctx.new_uow(), patient_id, Measure.PHQ9, [1] * 9, date(2026, 6, 8),
                       TODAY, risk_action="  ")
    with pytest.raises(InvalidRecord, match="before the episode's referral"):
        record_measure(ctx.new_uow(), patient_id, Measure.GAD7, [0] * 7, date(2026, 5, 1),
                       TODAY)
    detail = episode_detail(ctx.new_uow(), episode)
    assert detail.sessions == () and detail.measures == () and detail.episode.version == 1


def test_item_9_with_a_risk_action_is_saved_and_flagged(ctx: AppContext) -> None:
    patient_id = _patient(ctx)
    saved = record_measure(ctx.new_uow(), patient_id, Measure.PHQ9, [2, 2, 1, 1, 1, 1, 1, 1, 1],
                           date(2026, 11, 1), TODAY, risk_action="Dr X assessed same day; "
                           "crisis numbers given", self_completed=True)
    assert saved.score.raw_total == 11 and saved.score.risk_flag and saved.episode_id is None
    (row,) = measure_history(ctx.new_uow(), patient_id)[Measure.PHQ9]
    assert row.answers == (2, 2, 1, 1, 1, 1, 1, 1, 1) and row.risk_flag and row.self_completed
    assert row.risk_action.startswith("Dr X") and row.band == "moderate"


def test_stale_episode_version_is_refused(ctx: AppContext) -> None:
    patient_id = _patient(ctx)
    episode = open_episode(ctx.new_uow(), patient_id, date(2026, 6, 1), "GP", 1, "", TODAY)
    change_step(ctx.new_uow(), episode, date(2026, 6, 8), 2, "reason", TODAY, 1)
    with pytest.raises(EpisodeChanged):
        change_step(ctx.new_uow(), episode, date(2026, 6, 9), 3, "other reason", TODAY, 1)
    assert episode_detail(ctx.new_uow(), episode).episode.current_step == 2


def test_goals_and_recovery_star(ctx: AppContext) -> None:
    patient_id = _patient(ctx)
    episode = open_episode(ctx.new_uow(), patient_id, date(2026, 6, 1), "GP", 2, "", TODAY)
    set_goals(ctx.new_uow(), episode, ["Walk to the shops on my own", "", "Sleep better"],
              date(2026, 6, 1), TODAY)
    with pytest.raises(InvalidRecord, match="already set"):
        set_goals(ctx.new_uow(), episode, ["Another"], date(2026, 6, 2), TODAY)
    goals = episode_detail(ctx.new_uow(), episode).goals
    assert [(g.position, g.text) for g in goals] == [(1, "Walk to the shops on my own"),
                                                     (2, "Sleep better")]
    with pytest.raises(InvalidRecord, match="Goal 2 is not rated"):
        rate_goals(ctx.new_uow(), episode, date(2026, 7, 1), {goals[0].id: 3}, TODAY)
    with pytest.raises(InvalidRecord, match="Goal 1"):
        rate_goals(ctx.new_uow(), episode, date(2026, 7, 1), {goals[0].id: 11, goals[1].id: 2},
                   TODAY)
    rate_goals(ctx.new_uow(), episode, date(2026, 7, 1), {goals[0].id: 3, goals[1].id: 2},
               TODAY)
    rate_goals(ctx.new_uow(), episode, date(2026, 8, 1), {goals[0].id: 6, goals[1].id: 5},
               TODAY)
    rated = episode_detail(ctx.new_uow(), episode).goals
    assert rated[0].ratings == ((date(2026, 7, 1), 3), (date(2026, 8, 1), 6))
    star = dict.fromkeys(RECOVERY_STAR_AREAS, 4)
    record_recovery_star(ctx.new_uow(), episode, date(2026, 7, 1), star, TODAY)
    with pytest.raises(InvalidRecord):
        record_recovery_star(ctx.new_uow(), episode, date(2026, 8, 1),
                             {**star, RECOVERY_STAR_AREAS[0]: 0}, TODAY)
    (review,) = episode_detail(ctx.new_uow(), episode).star_reviews
    assert review.rated_on == date(2026, 7, 1) and dict(review.scores) == star


def test_report_on_the_worked_examples(ctx: AppContext, tmp_path: object) -> None:
    """domain.md §5.2: PHQ 16→9 GAD 9→7 recovered, reliably improved and recovered;
    PHQ 16→11 GAD 12→6 reliably improved, not recovered; PHQ 8→7 GAD 6→5 not caseness;
    PHQ 12→18 GAD 9→9 reliably deteriorated; one attended session: not finished."""
    start = date(2026, 5, 4)
    for patient_id, (phq, gad, attended, kind) in zip(_patients(ctx, 5), (
        ([16, 9], [9, 7], 3, "guided_self_help"),
        ([16, 11], [12, 6], 3, "guided_self_help"),
        ([8, 7], [6, 5], 3, "behavioural_activation"),
        ([12, 18], [9, 9], 2, "behavioural_activation"),
        ([20, 5], [15, 3], 1, "behavioural_activation"),
    ), strict=True):
        _course(ctx, patient_id, start, phq, gad, attended, kind=kind)
    report = outcomes_report(ctx.new_uow(), date(2026, 4, 1), date(2027, 3, 31))
    by = {g.label: g.rates for g in report.groups}
    gsh, ba = by["Guided self-help (CBT-based)"], by["Behavioural activation"]
    assert (gsh.episodes, gsh.paired, gsh.caseness, gsh.recovered, gsh.reliably_improved,
            gsh.reliably_recovered) == (2, 2, 2, 1, 2, 1)
    assert gsh.recovery_rate == 50.0 and gsh.reliable_improvement_rate == 100.0
    assert (ba.episodes, ba.finished, ba.paired, ba.caseness, ba.reliably_deteriorated) == (
        3, 2, 2, 1, 1)
    assert ba.recovery_rate == 0.0 and ba.reliable_deterioration_rate == 50.0
    assert report.total is not None and report.total.rates.episodes == 5
    rows = list(report_rows(report))
    assert rows[-1][:6] == ["All episodes", 5, 4, 4, 3, 1]
    # the period is the discharge date: none ended in 2025/26
    assert outcomes_report(ctx.new_uow(), date(2025, 4, 1), date(2026, 3, 31)).total is None


def test_report_writes_csv_and_xlsx(ctx: AppContext, tmp_path: object) -> None:
    from pathlib import Path

    from openpyxl import load_workbook

    assert isinstance(tmp_path, Path)
    _course(ctx, _patient(ctx), date(2026, 5, 4), [16, 9], [9, 7], 3, provider="Mind")
    report = outcomes_report(ctx.new_uow(), date(2026, 4, 1), date(2027, 3, 31),
                             OutcomeBy.PROVIDER)
    write_outcomes_report(report, tmp_path / "o.csv")
    lines = (tmp_path / "o.csv").read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("Mind,1,1,1,1,1,100.0 %")
    write_outcomes_report(report, tmp_path / "o.xlsx")
    sheet = load_workbook(tmp_path / "o.xlsx").active
    assert sheet is not None and sheet["A2"].value == "Mind"
    with pytest.raises(ValueError, match=".csv or .xlsx"):
        write_outcomes_report(report, tmp_path / "o.txt")


def test_report_sql_agrees_with_the_domain_rules(ctx: AppContext) -> None:
    """Random courses around every threshold: the SQL counts equal the pure rules'."""
    rng = random.Random(7)
    expected: dict[str, dict[str, list[object]]] = {b.value: defaultdict(list) for b in OutcomeBy}
    kinds = ["guided_self_help", "behavioural_activation", "sleep_hygiene"]
    for n, patient_id in enumerate(_patients(ctx, 40)):
        phq = [rng.randint(4, 20) for _ in range(rng.randint(0, 3))]
        gad = [rng.randint(3, 16) for _ in range(rng.randint(0, 3))]
        attended = rng.randint(0, 4)
        kind, step = rng.choice(kinds), rng.choice([1, 2])
        provider = rng.choice(["", "Mind", "Recovery College"])
        ended = date(2026, 10, 1) if n % 5 else date(2026, 2, 1)  # some outside the period
        start = date(2025, 12, 1)
        _course(ctx, patient_id, start, phq, gad, attended, kind=kind, step=step,
                provider=provider, ended=max(ended, start + timedelta(days=7 * 5)))
        if ended.year == 2026 and ended.month == 2:
            continue
        outcome = episode_outcome(attended, PairedScores.from_series(phq, gad))
        expected["intervention"][kind].append(outcome)
        expected["step"][f"Step {step}"].append(outcome)
        expected["provider"][provider or "Facilitator A"].append(outcome)
    for by in OutcomeBy:
        report = outcomes_report(ctx.new_uow(), date(2026, 4, 1), date(2027, 3, 31), by)
        labels = {g.label: g.rates for g in report.groups}
        for key, outcomes in expected[by.value].items():
            label = key if by is not OutcomeBy.INTERVENTION else {
                "guided_self_help": "Guided self-help (CBT-based)",
                "behavioural_activation": "Behavioural activation",
                "sleep_hygiene": "Sleep hygiene"}[key]
            assert labels[label] == outcome_rates(outcomes), (by, key)  # type: ignore[arg-type]
