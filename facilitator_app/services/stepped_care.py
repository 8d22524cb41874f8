"""Stepped-care episodes: referral to the facilitator, interventions and their sessions, step
changes, referrals on to specialist care, the care cluster, and discharge. ``episode_detail``
puts an episode back together for the patient panel: a dated timeline and its outcome.

Every change checks the episode's story first (domain/stepped_care.py) and saves in one
transaction; changes to the episode row itself carry the version read, so two people
editing the same episode cannot overwrite each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from facilitator_app.domain.access import Permission
from facilitator_app.domain.clusters import CLUSTERS, cluster_review_due, validate_cluster
from facilitator_app.domain.dates import format_uk_date
from facilitator_app.domain.measures import SPECS, Measure
from facilitator_app.domain.outcomes import EpisodeOutcome, PairedScores, episode_outcome
from facilitator_app.domain.stepped_care import (
    ATTENDANCE_LABELS,
    DISCHARGE_LABELS,
    INTERVENTION_LABELS,
    REFERRAL_TARGET_LABELS,
    Attendance,
    DischargeReason,
    EpisodeProblem,
    Intervention,
    ReferralStatus,
    ReferralTarget,
    validate_discharge,
    validate_in_episode,
    validate_referral,
    validate_session,
    validate_specialist_referral,
    validate_step_change,
)
from facilitator_app.services import audit
from facilitator_app.services.access import require, require_patient
from facilitator_app.services.care_records import (
    EpisodeRow,
    GoalRow,
    InterventionRow,
    MeasureRow,
    ReferralRow,
    SessionRow,
    StarReview,
)
from facilitator_app.services.patients import PatientNotFound
from facilitator_app.services.ports import UnitOfWork

__all__ = [
    "EpisodeChanged",
    "EpisodeDetail",
    "EpisodeNotFound",
    "InvalidEpisode",
    "TimelineEntry",
    "add_intervention",
    "change_step",
    "discharge",
    "episode_detail",
    "open_episode",
    "patient_episodes",
    "record_session",
    "refer_to_specialist",
    "referral_by_id",
    "set_cluster",
    "update_referral",
]


class InvalidEpisode(ValueError):
    def __init__(self, problems: Sequence[EpisodeProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)


class EpisodeNotFound(LookupError):
    pass


class EpisodeChanged(Exception):
    def __init__(self) -> None:
        super().__init__("This episode was changed by someone else since you opened it; "
                         "nothing was saved. Open it again to see their change.")


@dataclass(frozen=True)
class TimelineEntry:
    on: date
    kind: str  # referral, step, intervention, session, specialist, measure, cluster, discharge
    text: str


@dataclass(frozen=True)
class EpisodeDetail:
    episode: EpisodeRow
    interventions: tuple[InterventionRow, ...]
    sessions: tuple[SessionRow, ...]
    referrals: tuple[ReferralRow, ...]
    measures: tuple[MeasureRow, ...]
    goals: tuple[GoalRow, ...]
    star_reviews: tuple[StarReview, ...]
    timeline: tuple[TimelineEntry, ...]  # oldest first
    outcome: EpisodeOutcome
    cluster_review_due: date | None

    @property
    def attended(self) -> int:
        return sum(s.attendance == Attendance.ATTENDED for s in self.sessions)

    @property
    def open_referrals(self) -> tuple[ReferralRow, ...]:
        return tuple(r for r in self.referrals if ReferralStatus(r.status).is_open)


def _episode(uow: UnitOfWork, episode_id: int) -> EpisodeRow:
    row = uow.care.episode(episode_id)
    if row is None:
        raise EpisodeNotFound(f"There is no care episode {episode_id}.")
    return row


def _raise(problems: Sequence[EpisodeProblem]) -> None:
    if problems:
        raise InvalidEpisode(problems)


def open_episode(uow: UnitOfWork, patient_id: int, referred_on: date, source: str, step: int,
                 facilitator: str, today: date) -> int:
    """A new episode; a patient has at most one open episode at a time."""
    require(uow, Permission.MANAGE_CARE)
    with uow:
        born = uow.care.patient_birth_date(patient_id)
        if born is None:
            raise PatientNotFound("That patient is no longer in this register.")
        problems = validate_referral(referred_on, source, step, born, today)
        if uow.care.open_episode_of(patient_id) is not None:
            problems.append(EpisodeProblem("episode", "This patient already has an open "
                                           "episode: discharge it before opening another."))
        _raise(problems)
        episode_id = uow.care.add_episode(patient_id, referred_on, source.strip(),
                                          facilitator.strip(), step)
        audit.record(uow, "create", "care_episode", episode_id,
                     after={"patient": patient_id, "referred_on": referred_on,
                            "source": source.strip(), "step": step})
        uow.commit()
    return episode_id


def add_intervention(uow: UnitOfWork, episode_id: int, kind: str, started_on: date,
                     delivered_by: str, today: date, step: int | None = None) -> int:
    """An intervention at the episode's current step unless ``step`` says otherwise."""
    require(uow, Permission.MANAGE_CARE)
    with uow:
        episode = _episode(uow, episode_id)
        problems = validate_in_episode("started_on", "start date", started_on,
                                       episode.referred_on, episode.discharged_on, today)
        if kind not in set(Intervention):
            problems.append(EpisodeProblem("kind", f"{kind!r} is not an intervention this "
                                           "app records."))
        chosen = episode.current_step if step is None else step
        if chosen not in (1, 2, 3, 4, 5):
            problems.append(EpisodeProblem("step", f"Step {chosen} does not exist (1–5)."))
        _raise(problems)
        intervention_id = uow.care.add_intervention(episode_id, kind, chosen, started_on,
                                                    delivered_by.strip())
        audit.record(uow, "create", "intervention", intervention_id,
                     after={"episode": episode_id, "kind": kind, "step": chosen,
                            "started_on": started_on})
        uow.commit()
    return intervention_id


def record_session(uow: UnitOfWork, intervention_id: int, on: date, minutes: int,
                   attendance: str, today: date, note: str = "") -> None:
    require(uow, Permission.MANAGE_CARE)
    with uow:
        intervention = uow.care.intervention(intervention_id)
        if intervention is None:
            raise EpisodeNotFound(f"There is no intervention {intervention_id}.")
        episode = _episode(uow, intervention.episode_id)
        problems = validate_session(on, minutes, attendance, episode.referred_on,
                                    episode.discharged_on, today)
        if on < intervention.started_on:
            problems.append(EpisodeProblem(
                "session_on", f"The session ({format_uk_date(on)}) is before the intervention "
                f"started ({format_uk_date(intervention.started_on)})."))
        _raise(problems)
        uow.care.add_session(intervention_id, on, minutes, attendance, note.strip())
        audit.record(uow, "create", "intervention_session", intervention=intervention_id,
                     after={"on": on, "minutes": minutes, "attendance": attendance})
        uow.commit()


def change_step(uow: UnitOfWork, episode_id: int, on: date, to_step: int, reason: str,
                today: date, expected_version: int) -> None:
    require(uow, Permission.MANAGE_CARE)
    with uow:
        episode = _episode(uow, episode_id)
        _raise(validate_step_change(on, episode.current_step, to_step, reason,
                                    episode.referred_on, episode.discharged_on, today))
        if not uow.care.update_episode(episode_id, expected_version, current_step=to_step):
            raise EpisodeChanged()
        uow.care.add_step_change(episode_id, on, episode.current_step, to_step, reason.strip())
        audit.record(uow, "update", "care_episode", episode_id,
                     before={"step": episode.current_step},
                     after={"step": to_step, "on": on, "reason_chars": len(reason.strip())})
        uow.commit()


def refer_to_specialist(uow: UnitOfWork, episode_id: int, target: str, on: date, note: str,
                        today: date) -> int:
    require(uow, Permission.MANAGE_CARE)
    with uow:
        episode = _episode(uow, episode_id)
        _raise(validate_specialist_referral(on, target, episode.referred_on,
                                            episode.discharged_on, today))
        referral_id = uow.care.add_referral(episode_id, target, on, note.strip())
        audit.record(uow, "create", "specialist_referral", referral_id,
                     after={"episode": episode_id, "target": target, "on": on})
        uow.commit()
    return referral_id


def referral_by_id(uow: UnitOfWork, referral_id: int) -> ReferralRow:
    """A specialist referral as it stands (with its version, for a change)."""
    with uow:
        referral = uow.care.referral(referral_id)
        if referral is None:
            raise EpisodeNotFound(f"There is no referral {referral_id}.")
        require_patient(uow, Permission.VIEW_RECORD, _episode(uow, referral.episode_id).patient_id)
    return referral


def update_referral(uow: UnitOfWork, referral_id: int, status: str, on: date, today: date,
                    expected_version: int) -> None:
    require(uow, Permission.MANAGE_CARE)
    with uow:
        referral = uow.care.referral(referral_id)
        if referral is None:
            raise EpisodeNotFound(f"There is no referral {referral_id}.")
        problems: list[EpisodeProblem] = []
        if status not in set(ReferralStatus):
            problems.append(EpisodeProblem("status", f"{status!r} is not sent, accepted, "
                                           "declined, seen or closed."))
        if on < referral.referred_on or on > today:
            problems.append(EpisodeProblem(
                "status_on", f"The date ({format_uk_date(on)}) must be between the referral "
                f"({format_uk_date(referral.referred_on)}) and today."))
        _raise(problems)
        if not uow.care.set_referral_status(referral_id, status, on, expected_version):
            raise EpisodeChanged()
        audit.record(uow, "update", "specialist_referral", referral_id,
                     before={"status": referral.status}, after={"status": status, "on": on})
        uow.commit()


def set_cluster(uow: UnitOfWork, episode_id: int, cluster: int, on: date, today: date,
                expected_version: int) -> None:
    require(uow, Permission.MANAGE_CARE)
    with uow:
        episode = _episode(uow, episode_id)
        problems = []
        if (message := validate_cluster(cluster)) is not None:
            problems.append(EpisodeProblem("cluster", message))
        if on > today or on < episode.referred_on:
            problems.append(EpisodeProblem(
                "cluster_on", f"The cluster date ({format_uk_date(on)}) must be between the "
                f"referral ({format_uk_date(episode.referred_on)}) and today."))
        _raise(problems)
        if not uow.care.update_episode(episode_id, expected_version, cluster=cluster,
                                       cluster_on=on):
            raise EpisodeChanged()
        audit.record(uow, "update", "care_episode", episode_id, before={"cluster": episode.cluster},
                     after={"cluster": cluster, "on": on})
        uow.commit()


def discharge(uow: UnitOfWork, episode_id: int, on: date, reason: str, note: str, today: date,
              expected_version: int) -> None:
    """Refused while a specialist referral is open, or before the last recorded activity."""
    require(uow, Permission.MANAGE_CARE)
    with uow:
        episode = _episode(uow, episode_id)
        problems: list[EpisodeProblem] = []
        if episode.discharged_on is not None:
            problems.append(EpisodeProblem("discharged_on", "This episode was discharged on "
                                           f"{format_uk_date(episode.discharged_on)}."))
        still_open = [REFERRAL_TARGET_LABELS[ReferralTarget(r.target)]
                      for r in uow.care.referrals(episode_id)
                      if ReferralStatus(r.status).is_open]
        problems += validate_discharge(on, reason, episode.referred_on,
                                       uow.care.last_activity(episode_id), still_open, today)
        _raise(problems)
        if not uow.care.update_episode(episode_id, expected_version, discharged_on=on,
                                       discharge_reason=reason, discharge_note=note.strip()):
            raise EpisodeChanged()
        audit.record(uow, "update", "care_episode", episode_id, before={"discharged_on": None},
                     after={"discharged_on": on, "reason": reason})
        uow.commit()


# -- reading an episode back --------------------------------------------------------------


def _outcome(sessions: Sequence[SessionRow], measures: Sequence[MeasureRow]) -> EpisodeOutcome:
    attended = sum(s.attendance == Attendance.ATTENDED for s in sessions)
    in_order = sorted(measures, key=lambda m: (m.completed_on, m.id))
    phq = [m.raw_total for m in in_order if m.measure == Measure.PHQ9]
    gad = [m.raw_total for m in in_order if m.measure == Measure.GAD7]
    return episode_outcome(attended, PairedScores.from_series(phq, gad))


def _timeline(d: EpisodeRow, steps: Sequence[tuple[date, int, int, str]],
              interventions: Sequence[InterventionRow], sessions: Sequence[SessionRow],
              referrals: Sequence[ReferralRow],
              measures: Sequence[MeasureRow]) -> list[TimelineEntry]:
    entries = [TimelineEntry(d.referred_on, "referral",
                             f"Referred by {d.referral_source}; starts at step {d.start_step}")]
    entries += [TimelineEntry(on, "step", f"Step {a} → {b}: {why}") for on, a, b, why in steps]
    names = {i.id: INTERVENTION_LABELS.get(Intervention(i.kind), i.kind) for i in interventions}
    entries += [TimelineEntry(i.started_on, "intervention",
                              f"{names[i.id]} started (step {i.step}"
                              + (f", {i.delivered_by})" if i.delivered_by else ")"))
                for i in interventions]
    entries += [TimelineEntry(s.session_on, "session",
                              f"{names.get(s.intervention_id, 'Session')}: "
                              f"{ATTENDANCE_LABELS[Attendance(s.attendance)].lower()}"
                              + (f", {s.minutes} min" if s.attendance == Attendance.ATTENDED
                                 else ""))
                for s in sessions]
    for r in referrals:
        target = REFERRAL_TARGET_LABELS[ReferralTarget(r.target)]
        entries.append(TimelineEntry(r.referred_on, "specialist", f"Referred to {target}"))
        if r.status != ReferralStatus.SENT:
            entries.append(TimelineEntry(r.status_on, "specialist",
                                         f"{target}: referral {r.status}"))
    for m in measures:
        spec = SPECS[Measure(m.measure)]
        score = f"{m.score:g}" if m.measure != Measure.DIALOG else f"{m.score:.1f}"
        risk = " — item 9 risk flagged" if m.risk_flag else ""
        entries.append(TimelineEntry(m.completed_on, "measure",
                                     f"{spec.title} {score}"
                                     + (f" ({m.band})" if m.band else "") + risk))
    if d.cluster is not None and d.cluster_on is not None:
        entries.append(TimelineEntry(d.cluster_on, "cluster", f"Care cluster {d.cluster}: "
                                     f"{CLUSTERS[d.cluster].label}"))
    if d.discharged_on is not None and d.discharge_reason is not None:
        entries.append(TimelineEntry(d.discharged_on, "discharge", "Discharged: "
                                     f"{DISCHARGE_LABELS[DischargeReason(d.discharge_reason)]}"))
    order = ["referral", "cluster", "intervention", "step", "specialist", "session", "measure",
             "discharge"]
    return sorted(entries, key=lambda e: (e.on, order.index(e.kind)))


def _detail(uow: UnitOfWork, episode: EpisodeRow) -> EpisodeDetail:
    care = uow.care
    interventions = care.interventions(episode.id)
    sessions = care.sessions(episode.id)
    referrals = care.referrals(episode.id)
    measures = care.measures_of_episode(episode.id)
    steps = [(s.changed_on, s.from_step, s.to_step, s.reason)
             for s in care.step_changes(episode.id)]
    return EpisodeDetail(
        episode=episode, interventions=tuple(interventions), sessions=tuple(sessions),
        referrals=tuple(referrals), measures=tuple(measures),
        goals=tuple(care.goals(episode.id)), star_reviews=tuple(care.star_reviews(episode.id)),
        timeline=tuple(_timeline(episode, steps, interventions, sessions, referrals,
                                 measures)),
        outcome=_outcome(sessions, measures),
        cluster_review_due=(cluster_review_due(episode.cluster, episode.cluster_on)
                            if episode.cluster is not None and episode.cluster_on else None),
    )


def episode_detail(uow: UnitOfWork, episode_id: int) -> EpisodeDetail:
    """Audited as a view of the patient's record."""
    with uow:
        episode = _episode(uow, episode_id)
        require_patient(uow, Permission.VIEW_RECORD, episode.patient_id)
        detail = _detail(uow, episode)
        audit.record(uow, "view", "patient", episode.patient_id, part="care_episode",
                     episode=episode_id)
        uow.commit()
        return detail


def patient_episodes(uow: UnitOfWork, patient_id: int) -> list[EpisodeDetail]:
    """Newest first; audited as a view of the patient's care."""
    with uow:
        require_patient(uow, Permission.VIEW_RECORD, patient_id)
        details = [_detail(uow, e) for e in uow.care.episodes_for(patient_id)]
        audit.record(uow, "view", "patient", patient_id, part="care")
        uow.commit()
        return details
