"""What a care episode is made of, as plain rows: the contract between the stepped-care and
outcome-measure use cases and the database (``CareQueries``, implemented in db/queries/care.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol


@dataclass(frozen=True)
class EpisodeRow:
    id: int
    version: int
    patient_id: int
    referred_on: date
    referral_source: str
    facilitator: str
    start_step: int
    current_step: int
    cluster: int | None
    cluster_on: date | None
    discharged_on: date | None
    discharge_reason: str | None
    discharge_note: str


@dataclass(frozen=True)
class StepChangeRow:
    changed_on: date
    from_step: int
    to_step: int
    reason: str


@dataclass(frozen=True)
class ReferralRow:
    id: int
    version: int
    episode_id: int
    target: str
    referred_on: date
    status: str
    status_on: date
    note: str


@dataclass(frozen=True)
class InterventionRow:
    id: int
    episode_id: int
    kind: str
    step: int
    started_on: date
    delivered_by: str


@dataclass(frozen=True)
class SessionRow:
    intervention_id: int
    session_on: date
    minutes: int
    attendance: str
    note: str


@dataclass(frozen=True)
class MeasureRow:
    id: int
    episode_id: int | None
    measure: str
    completed_on: date
    answers: tuple[int, ...]
    raw_total: int
    score: float
    band: str
    risk_flag: bool
    risk_action: str
    self_completed: bool


@dataclass(frozen=True)
class GoalRow:
    id: int
    position: int
    text: str
    set_on: date
    ratings: tuple[tuple[date, int], ...]  # oldest first


@dataclass(frozen=True)
class StarReview:
    rated_on: date
    scores: Mapping[str, int]


class CareQueries(Protocol):
    def patient_birth_date(self, patient_id: int) -> date | None: ...

    def add_episode(self, patient_id: int, referred_on: date, source: str, facilitator: str,
                    step: int) -> int: ...
    def episode(self, episode_id: int) -> EpisodeRow | None: ...
    def episodes_for(self, patient_id: int) -> list[EpisodeRow]: ...
    def open_episode_of(self, patient_id: int) -> int | None: ...
    def update_episode(self, episode_id: int, expected_version: int, *,
                       current_step: int | None = None, cluster: int | None = None,
                       cluster_on: date | None = None, discharged_on: date | None = None,
                       discharge_reason: str | None = None,
                       discharge_note: str | None = None) -> bool: ...

    def add_step_change(self, episode_id: int, on: date, from_step: int, to_step: int,
                        reason: str) -> None: ...
    def step_changes(self, episode_id: int) -> list[StepChangeRow]: ...

    def add_referral(self, episode_id: int, target: str, on: date, note: str) -> int: ...
    def referral(self, referral_id: int) -> ReferralRow | None: ...
    def referrals(self, episode_id: int) -> list[ReferralRow]: ...
    def set_referral_status(self, referral_id: int, status: str, on: date,
                            expected_version: int) -> bool: ...

    def add_intervention(self, episode_id: int, kind: str, step: int, started_on: date,
                         delivered_by: str) -> int: ...
    def intervention(self, intervention_id: int) -> InterventionRow | None: ...
    def interventions(self, episode_id: int) -> list[InterventionRow]: ...
    def add_session(self, intervention_id: int, on: date, minutes: int, attendance: str,
                    note: str) -> None: ...
    def sessions(self, episode_id: int) -> list[SessionRow]: ...
    def last_activity(self, episode_id: int) -> date | None: ...

    def add_measure(self, patient_id: int, episode_id: int | None, measure: str,
                    completed_on: date, answers: Sequence[int], raw_total: int, score: float,
                    band: str, risk_flag: bool, risk_action: str,
                    self_completed: bool) -> int: ...
    def measures_of_patient(self, patient_id: int) -> list[MeasureRow]: ...
    def measures_of_episode(self, episode_id: int) -> list[MeasureRow]: ...

    def add_goals(self, episode_id: int, texts: Sequence[str], on: date) -> None: ...
    def goals(self, episode_id: int) -> list[GoalRow]: ...
    def add_goal_ratings(self, on: date, scores: Mapping[int, int]) -> None: ...
    def add_star_review(self, episode_id: int, on: date, scores: Mapping[str, int]) -> None: ...
    def star_reviews(self, episode_id: int) -> list[StarReview]: ...
