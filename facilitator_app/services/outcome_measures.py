"""Recording patient-reported outcomes item by item (PHQ-9, GAD-7, SWEMWBS, DIALOG,
ReQoL-10), personal goals with their 0-10 ratings, and Recovery Star reviews.

A PHQ-9 whose item 9 is above 0 cannot be saved without the risk action taken: the form must
not close on a patient who said they have thought of being better off dead or of self-harm.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from facilitator_app.domain.access import Permission
from facilitator_app.domain.dates import format_uk_date
from facilitator_app.domain.measures import (
    RISK_ITEM,
    Measure,
    MeasureScore,
    score_answers,
)
from facilitator_app.domain.recovery import (
    validate_goal_rating,
    validate_goals,
    validate_recovery_star,
)
from facilitator_app.services import audit
from facilitator_app.services.access import require, require_patient
from facilitator_app.services.care_records import MeasureRow
from facilitator_app.services.patients import PatientNotFound
from facilitator_app.services.ports import UnitOfWork
from facilitator_app.services.stepped_care import EpisodeNotFound

__all__ = [
    "InvalidRecord",
    "MeasureSaved",
    "RiskActionRequired",
    "measure_history",
    "rate_goals",
    "record_measure",
    "record_recovery_star",
    "set_goals",
]


class RiskActionRequired(ValueError):
    """PHQ-9 item 9 above 0 and no risk action recorded: nothing was saved."""

    def __init__(self, item_value: int) -> None:
        super().__init__(f"PHQ-9 item {RISK_ITEM} was answered {item_value}: record the risk "
                         "action taken (who assessed the risk, and what was agreed) before "
                         "saving.")


class InvalidRecord(ValueError):
    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class MeasureSaved:
    id: int
    episode_id: int | None
    score: MeasureScore


def record_measure(uow: UnitOfWork, patient_id: int, measure: Measure,
                   answers: Sequence[int | None], completed_on: date, today: date, *,
                   risk_action: str = "", self_completed: bool = False,
                   episode_id: int | None = None) -> MeasureSaved:
    """Validate, score and save one questionnaire, attached to ``episode_id`` or else to the
    patient's open episode (if any). Raises InvalidAnswers (every item problem),
    RiskActionRequired, InvalidRecord (dates), PatientNotFound or EpisodeNotFound."""
    problems: list[str] = []
    # unanswered items (None) are among the problems InvalidAnswers reports, item by item
    score = score_answers(measure, answers)  # type: ignore[arg-type]
    if score.risk_flag and not risk_action.strip():
        raise RiskActionRequired(int(answers[RISK_ITEM - 1] or 0))
    require(uow, Permission.MANAGE_CARE)
    with uow:
        born = uow.care.patient_birth_date(patient_id)
        if born is None:
            raise PatientNotFound("That patient is no longer in this register.")
        if completed_on > today:
            problems.append(f"The date completed ({format_uk_date(completed_on)}) is in the "
                            "future.")
        if completed_on < born:
            problems.append("The date completed is before the patient's date of birth.")
        chosen = episode_id if episode_id is not None else uow.care.open_episode_of(patient_id)
        if chosen is not None:
            episode = uow.care.episode(chosen)
            if episode is None or episode.patient_id != patient_id:
                raise EpisodeNotFound(f"There is no care episode {chosen} for this patient.")
            if completed_on < episode.referred_on:
                problems.append(f"The date completed is before the episode's referral "
                                f"({format_uk_date(episode.referred_on)}).")
        if problems:
            raise InvalidRecord(problems)
        measure_id = uow.care.add_measure(
            patient_id, chosen, measure.value, completed_on, [int(a or 0) for a in answers],
            score.raw_total, score.score, score.band, score.risk_flag, risk_action.strip(),
            self_completed)
        audit.record(uow, "create", "patient", patient_id, part="questionnaire",
                     after={"measure": measure.value, "completed_on": completed_on,
                            "score": score.score, "risk_flag": score.risk_flag,
                            "risk_action_recorded": bool(risk_action.strip()),
                            "self_completed": self_completed})
        uow.commit()
    return MeasureSaved(measure_id, chosen, score)


def measure_history(uow: UnitOfWork, patient_id: int) -> dict[Measure, list[MeasureRow]]:
    """Every questionnaire of the patient by measure, oldest first: for the charts."""
    with uow:
        require_patient(uow, Permission.VIEW_RECORD, patient_id)
        rows = uow.care.measures_of_patient(patient_id)
        audit.record(uow, "view", "patient", patient_id, part="questionnaires")
        uow.commit()
    history: dict[Measure, list[MeasureRow]] = {}
    for row in sorted(rows, key=lambda r: (r.completed_on, r.id)):
        history.setdefault(Measure(row.measure), []).append(row)
    return history


def _open_episode(uow: UnitOfWork, episode_id: int, on: date, today: date) -> list[str]:
    episode = uow.care.episode(episode_id)
    if episode is None:
        raise EpisodeNotFound(f"There is no care episode {episode_id}.")
    problems = []
    if on > today:
        problems.append(f"The date ({format_uk_date(on)}) is in the future.")
    if on < episode.referred_on:
        problems.append(f"The date is before the referral ({format_uk_date(episode.referred_on)}).")
    return problems


def set_goals(uow: UnitOfWork, episode_id: int, goals: Sequence[str], on: date,
              today: date) -> None:
    """Up to three goals in the patient's own words; set once, at the start of an episode."""
    texts = [g.strip() for g in goals if g.strip()]
    require(uow, Permission.MANAGE_CARE)
    with uow:
        problems = _open_episode(uow, episode_id, on, today) + validate_goals(texts)
        if uow.care.goals(episode_id):
            problems.append("Goals for this episode are already set; rate them at each review.")
        if problems:
            raise InvalidRecord(problems)
        uow.care.add_goals(episode_id, texts, on)
        audit.record(uow, "create", "episode_goal",
                     after={"episode": episode_id, "goals": len(texts), "on": on})
        uow.commit()


def rate_goals(uow: UnitOfWork, episode_id: int, on: date, scores: Mapping[int, int | None],
               today: date) -> None:
    """Each goal's 0-10 rating at a review (goal-based outcomes); every goal is rated."""
    require(uow, Permission.MANAGE_CARE)
    with uow:
        problems = _open_episode(uow, episode_id, on, today)
        goals = {g.id: g for g in uow.care.goals(episode_id)}
        if not goals:
            problems.append("This episode has no goals to rate yet.")
        for goal_id in goals:
            if goal_id not in scores:
                problems.append(f"Goal {goals[goal_id].position} is not rated.")
        for goal_id, score in scores.items():
            if goal_id not in goals:
                problems.append(f"Goal {goal_id} is not one of this episode's goals.")
            elif (message := validate_goal_rating(score)) is not None:
                problems.append(f"Goal {goals[goal_id].position}: {message}")
            elif any(day == on for day, _ in goals[goal_id].ratings):
                problems.append(f"Goal {goals[goal_id].position} is already rated on "
                                f"{format_uk_date(on)}.")
        if problems:
            raise InvalidRecord(problems)
        uow.care.add_goal_ratings(on, {k: int(v or 0) for k, v in scores.items()})
        audit.record(uow, "create", "goal_rating",
                     after={"episode": episode_id, "on": on, "scores": scores})
        uow.commit()


def record_recovery_star(uow: UnitOfWork, episode_id: int, on: date,
                         scores: Mapping[str, int | None], today: date) -> None:
    require(uow, Permission.MANAGE_CARE)
    with uow:
        problems = _open_episode(uow, episode_id, on, today) + validate_recovery_star(scores)
        if any(r.rated_on == on for r in uow.care.star_reviews(episode_id)):
            problems.append(f"A Recovery Star review on {format_uk_date(on)} is already "
                            "recorded.")
        if problems:
            raise InvalidRecord(problems)
        uow.care.add_star_review(episode_id, on, {k: int(v or 0) for k, v in scores.items()})
        audit.record(uow, "create", "recovery_star_rating",
                     after={"episode": episode_id, "on": on, "scores": scores})
        uow.commit()
