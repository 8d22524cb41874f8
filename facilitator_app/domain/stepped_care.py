"""Stepped care (domain.md §6): the steps, the low-intensity interventions a facilitator
delivers at steps 1-2, specialist referrals and discharge, and the checks that keep an
episode's story consistent (no session before the referral, no discharge with a referral still
open, every step change with a reason).

Pure: the services pass in what the record holds and get back messages that name the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import IntEnum, StrEnum

from facilitator_app.domain.dates import format_uk_date


class Step(IntEnum):
    """NICE stepped care: CG90/CG123 steps 1-4, and step 5 of the five-step form (CG23;
    unverified: check the CG23 quick reference guide, domain.md §6)."""

    ONE = 1
    TWO = 2
    THREE = 3
    FOUR = 4
    FIVE = 5


STEP_LABELS: dict[Step, str] = {
    Step.ONE: "Step 1: assessment, support, psychoeducation, active monitoring",
    Step.TWO: "Step 2: low-intensity interventions",
    Step.THREE: "Step 3: high-intensity therapy, medication",
    Step.FOUR: "Step 4: specialist mental health services",
    Step.FIVE: "Step 5: inpatient care, crisis teams",
}

FACILITATOR_STEPS = (Step.ONE, Step.TWO)
"""The steps whose interventions the facilitator delivers (domain.md §6 'Who delivers')."""


class Intervention(StrEnum):
    """Low-intensity interventions at steps 1-2 (domain.md §6 and the issue's list)."""

    ACTIVE_MONITORING = "active_monitoring"
    PSYCHOEDUCATION = "psychoeducation"
    GUIDED_SELF_HELP = "guided_self_help"
    BEHAVIOURAL_ACTIVATION = "behavioural_activation"
    COMPUTERISED_CBT = "computerised_cbt"
    MEDICATION_CONCORDANCE = "medication_concordance"
    PHYSICAL_ACTIVITY = "physical_activity"
    SLEEP_HYGIENE = "sleep_hygiene"


INTERVENTION_LABELS: dict[Intervention, str] = {
    Intervention.ACTIVE_MONITORING: "Active monitoring",
    Intervention.PSYCHOEDUCATION: "Psychoeducation",
    Intervention.GUIDED_SELF_HELP: "Guided self-help (CBT-based)",
    Intervention.BEHAVIOURAL_ACTIVATION: "Behavioural activation",
    Intervention.COMPUTERISED_CBT: "Computerised CBT",
    Intervention.MEDICATION_CONCORDANCE: "Medication concordance",
    Intervention.PHYSICAL_ACTIVITY: "Structured physical activity",
    Intervention.SLEEP_HYGIENE: "Sleep hygiene",
}


class Attendance(StrEnum):
    ATTENDED = "attended"
    DID_NOT_ATTEND = "did_not_attend"
    CANCELLED = "cancelled"


ATTENDANCE_LABELS: dict[Attendance, str] = {
    Attendance.ATTENDED: "Attended",
    Attendance.DID_NOT_ATTEND: "Did not attend",
    Attendance.CANCELLED: "Cancelled",
}


class ReferralTarget(StrEnum):
    """Specialist care a facilitator steps people up to (domain.md §6 steps 3-5)."""

    CMHT = "cmht"
    EARLY_INTERVENTION = "early_intervention"
    CRISIS = "crisis"
    TALKING_THERAPIES = "talking_therapies"


REFERRAL_TARGET_LABELS: dict[ReferralTarget, str] = {
    ReferralTarget.CMHT: "Community mental health team",
    ReferralTarget.EARLY_INTERVENTION: "Early intervention in psychosis",
    ReferralTarget.CRISIS: "Crisis resolution and home treatment",
    ReferralTarget.TALKING_THERAPIES: "NHS Talking Therapies",
}


class ReferralStatus(StrEnum):
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"  # by the service
    SEEN = "seen"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        """Sent or accepted: the patient is still waiting on the specialist service."""
        return self in (ReferralStatus.SENT, ReferralStatus.ACCEPTED)


class DischargeReason(StrEnum):
    RECOVERED = "recovered"
    STEPPED_UP = "stepped_up"  # care handed to a specialist service
    PATIENT_CHOICE = "patient_choice"
    DISENGAGED = "disengaged"
    MOVED_AWAY = "moved_away"
    DIED = "died"
    OTHER = "other"


DISCHARGE_LABELS: dict[DischargeReason, str] = {
    DischargeReason.RECOVERED: "Recovered / goals met",
    DischargeReason.STEPPED_UP: "Care transferred to a specialist service",
    DischargeReason.PATIENT_CHOICE: "Patient chose to end",
    DischargeReason.DISENGAGED: "Did not engage",
    DischargeReason.MOVED_AWAY: "Moved away",
    DischargeReason.DIED: "Died",
    DischargeReason.OTHER: "Other",
}

MAX_SESSION_MINUTES = 240  # app rule: a longer "session" is a data-entry slip


@dataclass(frozen=True)
class EpisodeProblem:
    field: str
    message: str


def _not_future(field: str, label: str, on: date, today: date) -> list[EpisodeProblem]:
    if on > today:
        return [EpisodeProblem(field, f"The {label} ({format_uk_date(on)}) is in the future.")]
    return []


def validate_referral(referred_on: date, source: str, step: int, date_of_birth: date,
                      today: date) -> list[EpisodeProblem]:
    """A new episode: when and from where it was referred, and the step it starts at."""
    problems = _not_future("referred_on", "referral date", referred_on, today)
    if referred_on < date_of_birth:
        problems.append(EpisodeProblem("referred_on", "The referral date is before the "
                                       "patient's date of birth."))
    if not source.strip():
        problems.append(EpisodeProblem("referral_source", "Say who referred the patient."))
    if step not in set(Step):
        problems.append(EpisodeProblem("step", f"Step {step} does not exist (1–5)."))
    return problems


def validate_in_episode(field: str, label: str, on: date, referred_on: date,
                    discharged_on: date | None, today: date) -> list[EpisodeProblem]:
    problems = _not_future(field, label, on, today)
    if on < referred_on:
        problems.append(EpisodeProblem(
            field, f"The {label} ({format_uk_date(on)}) is before the referral date "
            f"({format_uk_date(referred_on)})."))
    if discharged_on is not None and on > discharged_on:
        problems.append(EpisodeProblem(
            field, f"The {label} ({format_uk_date(on)}) is after the discharge "
            f"({format_uk_date(discharged_on)}); reopen a new episode instead."))
    return problems


def validate_session(on: date, minutes: int, attendance: str, referred_on: date,
                     discharged_on: date | None, today: date) -> list[EpisodeProblem]:
    problems = validate_in_episode("session_on", "session date", on, referred_on, discharged_on,
                               today)
    if attendance not in set(Attendance):
        problems.append(EpisodeProblem("attendance", f"Attendance {attendance!r} is not "
                                       "attended, did not attend or cancelled."))
    if attendance == Attendance.ATTENDED and not 1 <= minutes <= MAX_SESSION_MINUTES:
        problems.append(EpisodeProblem(
            "duration", f"An attended session lasts 1–{MAX_SESSION_MINUTES} minutes, not "
            f"{minutes}."))
    if attendance != Attendance.ATTENDED and not 0 <= minutes <= MAX_SESSION_MINUTES:
        problems.append(EpisodeProblem("duration", f"{minutes} minutes is not a duration."))
    return problems


def validate_step_change(on: date, from_step: int, to_step: int, reason: str,
                         referred_on: date, discharged_on: date | None,
                         today: date) -> list[EpisodeProblem]:
    """Every step change needs a date and a reason (domain.md §6 rules of thumb)."""
    problems = validate_in_episode("changed_on", "step change date", on, referred_on,
                               discharged_on, today)
    if to_step not in set(Step):
        problems.append(EpisodeProblem("step", f"Step {to_step} does not exist (1–5)."))
    elif to_step == from_step:
        problems.append(EpisodeProblem("step", f"The patient is already at step {to_step}."))
    if not reason.strip():
        problems.append(EpisodeProblem("reason", "Say why the step changes."))
    return problems


def validate_specialist_referral(on: date, target: str, referred_on: date,
                                 discharged_on: date | None,
                                 today: date) -> list[EpisodeProblem]:
    problems = validate_in_episode("referral_on", "referral date", on, referred_on, discharged_on,
                               today)
    if target not in set(ReferralTarget):
        problems.append(EpisodeProblem("target", f"{target!r} is not a specialist service "
                                       "this app refers to."))
    return problems


def validate_discharge(on: date, reason: str, referred_on: date, last_activity: date | None,
                       open_referrals: Sequence[str], today: date) -> list[EpisodeProblem]:
    """A discharge closes the episode: not before anything recorded in it, and not while a
    specialist referral is still waiting (it would be lost from every open list)."""
    problems = _not_future("discharged_on", "discharge date", on, today)
    if on < referred_on:
        problems.append(EpisodeProblem("discharged_on", "The discharge date is before the "
                                       f"referral date ({format_uk_date(referred_on)})."))
    if last_activity is not None and on < last_activity:
        problems.append(EpisodeProblem(
            "discharged_on", f"The discharge date is before the last thing recorded in this "
            f"episode ({format_uk_date(last_activity)})."))
    if reason not in set(DischargeReason):
        problems.append(EpisodeProblem("reason", "Choose a discharge reason."))
    if open_referrals:
        names = ", ".join(open_referrals)
        problems.append(EpisodeProblem(
            "referrals", f"Referrals still open: {names}. Record each as seen, declined or "
            "closed before discharging."))
    return problems
