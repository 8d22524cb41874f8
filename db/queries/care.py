"""Care episodes and everything recorded in them (services/care_records.CareQueries)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from db.models import (
    CareEpisode,
    EpisodeGoal,
    GoalRating,
    Intervention,
    InterventionSession,
    MeasureResponse,
    Patient,
    RecoveryStarRating,
    SpecialistReferral,
    StepChange,
)
from db.queries.versioned import flush_versioned
from facilitator_app.domain.stepped_care import ReferralStatus
from facilitator_app.services.care_records import (
    EpisodeRow,
    GoalRow,
    InterventionRow,
    MeasureRow,
    ReferralRow,
    SessionRow,
    StarReview,
    StepChangeRow,
)


def _episode_row(e: CareEpisode) -> EpisodeRow:
    return EpisodeRow(e.id, e.version, e.patient_id, e.referred_on, e.referral_source,
                      e.facilitator, e.start_step, e.current_step, e.cluster, e.cluster_on,
                      e.discharged_on, e.discharge_reason, e.discharge_note)


def _measure_row(m: MeasureResponse) -> MeasureRow:
    answers = tuple(int(a) for a in m.answers.split(",")) if m.answers else ()
    return MeasureRow(m.id, m.episode_id, m.measure, m.completed_on, answers, m.raw_total,
                      m.score, m.band, m.risk_flag, m.risk_action, m.self_completed)


class SqlCareQueries:
    def __init__(self, session: Session) -> None:
        self._session = session

    def _save(self) -> bool:
        """Flush a versioned change: False when someone else changed the row first."""
        return flush_versioned(self._session)

    def patient_birth_date(self, patient_id: int) -> date | None:
        return self._session.scalar(select(Patient.date_of_birth).where(Patient.id == patient_id))

    # -- episodes ----------------------------------------------------------------------------

    def add_episode(self, patient_id: int, referred_on: date, source: str, facilitator: str,
                    step: int) -> int:
        e = CareEpisode(patient_id=patient_id, referred_on=referred_on, referral_source=source,
                        facilitator=facilitator, start_step=step, current_step=step)
        self._session.add(e)
        self._session.flush()
        return e.id

    def episode(self, episode_id: int) -> EpisodeRow | None:
        e = self._session.get(CareEpisode, episode_id)
        return None if e is None else _episode_row(e)

    def episodes_for(self, patient_id: int) -> list[EpisodeRow]:
        return [_episode_row(e) for e in self._session.scalars(
            select(CareEpisode).where(CareEpisode.patient_id == patient_id)
            .order_by(CareEpisode.referred_on.desc(), CareEpisode.id.desc()))]

    def open_episode_of(self, patient_id: int) -> int | None:
        return self._session.scalar(
            select(CareEpisode.id).where(CareEpisode.patient_id == patient_id,
                                         CareEpisode.discharged_on.is_(None))
            .order_by(CareEpisode.id.desc()).limit(1))

    def update_episode(self, episode_id: int, expected_version: int, *,
                       current_step: int | None = None, cluster: int | None = None,
                       cluster_on: date | None = None, discharged_on: date | None = None,
                       discharge_reason: str | None = None,
                       discharge_note: str | None = None) -> bool:
        e = self._session.get(CareEpisode, episode_id)
        if e is None or e.version != expected_version:
            return False
        if current_step is not None:
            e.current_step = current_step
        if cluster is not None:
            e.cluster, e.cluster_on = cluster, cluster_on
        if discharged_on is not None:
            e.discharged_on, e.discharge_reason = discharged_on, discharge_reason
            e.discharge_note = discharge_note or ""
        return flush_versioned(self._session)

    def add_step_change(self, episode_id: int, on: date, from_step: int, to_step: int,
                        reason: str) -> None:
        self._session.add(StepChange(episode_id=episode_id, changed_on=on, from_step=from_step,
                                     to_step=to_step, reason=reason))
        self._session.flush()

    def step_changes(self, episode_id: int) -> list[StepChangeRow]:
        return [StepChangeRow(s.changed_on, s.from_step, s.to_step, s.reason)
                for s in self._session.scalars(
                    select(StepChange).where(StepChange.episode_id == episode_id)
                    .order_by(StepChange.changed_on, StepChange.id))]

    # -- specialist referrals ------------------------------------------------------------

    def add_referral(self, episode_id: int, target: str, on: date, note: str) -> int:
        r = SpecialistReferral(episode_id=episode_id, target=target, referred_on=on,
                               status=ReferralStatus.SENT.value, status_on=on, note=note)
        self._session.add(r)
        self._session.flush()
        return r.id

    @staticmethod
    def _referral_row(r: SpecialistReferral) -> ReferralRow:
        return ReferralRow(r.id, r.version, r.episode_id, r.target, r.referred_on, r.status,
                           r.status_on, r.note)

    def referral(self, referral_id: int) -> ReferralRow | None:
        r = self._session.get(SpecialistReferral, referral_id)
        return None if r is None else self._referral_row(r)

    def referrals(self, episode_id: int) -> list[ReferralRow]:
        return [self._referral_row(r) for r in self._session.scalars(
            select(SpecialistReferral).where(SpecialistReferral.episode_id == episode_id)
            .order_by(SpecialistReferral.referred_on, SpecialistReferral.id))]

    def set_referral_status(self, referral_id: int, status: str, on: date,
                            expected_version: int) -> bool:
        r = self._session.get(SpecialistReferral, referral_id)
        if r is None or r.version != expected_version:
            return False
        r.status, r.status_on = status, on
        return flush_versioned(self._session)

    # -- interventions and sessions --------------------------------------------------------

    def add_intervention(self, episode_id: int, kind: str, step: int, started_on: date,
                         delivered_by: str) -> int:
        i = Intervention(episode_id=episode_id, kind=kind, step=step, started_on=started_on,
                         delivered_by=delivered_by)
        self._session.add(i)
        self._session.flush()
        return i.id

    @staticmethod
    def _intervention_row(i: Intervention) -> InterventionRow:
        return InterventionRow(i.id, i.episode_id, i.kind, i.step, i.started_on, i.delivered_by)

    def intervention(self, intervention_id: int) -> InterventionRow | None:
        i = self._session.get(Intervention, intervention_id)
        return None if i is None else self._intervention_row(i)

    def interventions(self, episode_id: int) -> list[InterventionRow]:
        return [self._intervention_row(i) for i in self._session.scalars(
            select(Intervention).where(Intervention.episode_id == episode_id)
            .order_by(Intervention.started_on, Intervention.id))]

    def add_session(self, intervention_id: int, on: date, minutes: int, attendance: str,
                    note: str) -> None:
        self._session.add(InterventionSession(intervention_id=intervention_id, session_on=on,
                                              minutes=minutes, attendance=attendance,
                                              note=note))
        self._session.flush()

    def sessions(self, episode_id: int) -> list[SessionRow]:
        rows = self._session.execute(
            select(InterventionSession.intervention_id, InterventionSession.session_on,
                   InterventionSession.minutes, InterventionSession.attendance,
                   InterventionSession.note)
            .join(Intervention, Intervention.id == InterventionSession.intervention_id)
            .where(Intervention.episode_id == episode_id)
            .order_by(InterventionSession.session_on, InterventionSession.id))
        return [SessionRow(i, on, minutes, attendance, note)
                for i, on, minutes, attendance, note in rows]

    def last_activity(self, episode_id: int) -> date | None:
        """The latest date of anything recorded in the episode (sessions, step changes,
        referral updates, questionnaires)."""
        dates = union_all(
            select(InterventionSession.session_on.label("on"))
            .join(Intervention, Intervention.id == InterventionSession.intervention_id)
            .where(Intervention.episode_id == episode_id),
            select(StepChange.changed_on).where(StepChange.episode_id == episode_id),
            select(SpecialistReferral.status_on)
            .where(SpecialistReferral.episode_id == episode_id),
            select(MeasureResponse.completed_on).where(MeasureResponse.episode_id == episode_id),
        ).subquery()
        latest: date | None = self._session.scalar(select(func.max(dates.c.on)))
        return latest

    # -- questionnaires ----------------------------------------------------------------

    def add_measure(self, patient_id: int, episode_id: int | None, measure: str,
                    completed_on: date, answers: Sequence[int], raw_total: int, score: float,
                    band: str, risk_flag: bool, risk_action: str,
                    self_completed: bool) -> int:
        m = MeasureResponse(patient_id=patient_id, episode_id=episode_id, measure=measure,
                            completed_on=completed_on, answers=",".join(map(str, answers)),
                            raw_total=raw_total, score=score, band=band, risk_flag=risk_flag,
                            risk_action=risk_action, self_completed=self_completed)
        self._session.add(m)
        self._session.flush()
        return m.id

    def measures_of_patient(self, patient_id: int) -> list[MeasureRow]:
        return [_measure_row(m) for m in self._session.scalars(
            select(MeasureResponse).where(MeasureResponse.patient_id == patient_id)
            .order_by(MeasureResponse.completed_on, MeasureResponse.id))]

    def measures_of_episode(self, episode_id: int) -> list[MeasureRow]:
        return [_measure_row(m) for m in self._session.scalars(
            select(MeasureResponse).where(MeasureResponse.episode_id == episode_id)
            .order_by(MeasureResponse.completed_on, MeasureResponse.id))]

    # -- goals and the Recovery Star -------------------------------------------------

    def add_goals(self, episode_id: int, texts: Sequence[str], on: date) -> None:
        for position, text in enumerate(texts, start=1):
            self._session.add(EpisodeGoal(episode_id=episode_id, position=position, text=text,
                                          set_on=on))
        self._session.flush()

    def goals(self, episode_id: int) -> list[GoalRow]:
        goals = list(self._session.scalars(
            select(EpisodeGoal).where(EpisodeGoal.episode_id == episode_id)
            .order_by(EpisodeGoal.position)))
        ratings: dict[int, list[tuple[date, int]]] = {}
        for goal_id, on, score in self._session.execute(
                select(GoalRating.goal_id, GoalRating.rated_on, GoalRating.score)
                .join(EpisodeGoal, EpisodeGoal.id == GoalRating.goal_id)
                .where(EpisodeGoal.episode_id == episode_id)
                .order_by(GoalRating.rated_on)):
            ratings.setdefault(goal_id, []).append((on, score))
        return [GoalRow(g.id, g.position, g.text, g.set_on, tuple(ratings.get(g.id, [])))
                for g in goals]

    def add_goal_ratings(self, on: date, scores: Mapping[int, int]) -> None:
        for goal_id, score in scores.items():
            self._session.add(GoalRating(goal_id=goal_id, rated_on=on, score=score))
        self._session.flush()

    def add_star_review(self, episode_id: int, on: date, scores: Mapping[str, int]) -> None:
        for area, score in scores.items():
            self._session.add(RecoveryStarRating(episode_id=episode_id, rated_on=on, area=area,
                                                 score=score))
        self._session.flush()

    def star_reviews(self, episode_id: int) -> list[StarReview]:
        by_day: dict[date, dict[str, int]] = {}
        for on, area, score in self._session.execute(
                select(RecoveryStarRating.rated_on, RecoveryStarRating.area,
                       RecoveryStarRating.score)
                .where(RecoveryStarRating.episode_id == episode_id)
                .order_by(RecoveryStarRating.rated_on, RecoveryStarRating.id)):
            by_day.setdefault(on, {})[area] = score
        return [StarReview(on, scores) for on, scores in by_day.items()]
