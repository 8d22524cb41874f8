"""The demo register's stepped care and signposting: a made-up directory of local services,
care episodes for about 1 patient in 20 (capped, so big demo registers stay quick to build)
with interventions, weekly sessions, PHQ-9 and GAD-7 that mostly improve, goals, Recovery Star
reviews, and signpostings with follow-ups. Deterministic for a seed, and every value passes
the same domain rules as one typed in."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from facilitator_app.domain.dates import QofYear
from facilitator_app.domain.measures import Measure, score_answers
from facilitator_app.domain.recovery import RECOVERY_STAR_AREAS
from facilitator_app.domain.signposting import ServiceCategory, SignpostOutcome
from facilitator_app.domain.stepped_care import Attendance, DischargeReason, Intervention

MAX_EPISODES = 250
MAX_SIGNPOSTINGS = 400

SERVICES: tuple[tuple[str, ServiceCategory, str, bool], ...] = (
    ("Anytown Housing Options", ServiceCategory.HOUSING, "01632 960100", False),
    ("Riverside IPS Employment Service", ServiceCategory.EMPLOYMENT, "01632 960101", True),
    ("Anytown Citizens Advice (demo)", ServiceCategory.DEBT_BENEFITS, "01632 960102", False),
    ("Stop Smoking Anytown", ServiceCategory.SMOKING_CESSATION, "01632 960103", False),
    ("Active Lives exercise on referral", ServiceCategory.EXERCISE_WEIGHT, "01632 960104",
     True),
    ("Anytown Recovery College", ServiceCategory.PEER_SUPPORT, "01632 960105", True),
    ("Hearing Voices peer group (demo)", ServiceCategory.PEER_SUPPORT, "01632 960106", False),
    ("Anytown NHS Talking Therapies", ServiceCategory.TALKING_THERAPIES, "01632 960107",
     False),
    ("Anytown CMHT", ServiceCategory.SECONDARY_CARE, "01632 960108", False),
    ("Crisis resolution and home treatment (demo)", ServiceCategory.CRISIS, "01632 960109",
     False),
    ("Anytown drug and alcohol service", ServiceCategory.OTHER, "01632 960110", False),
)
PROVIDERS = ("", "", "Anytown Recovery College", "Active Lives")
SOURCES = ("GP", "GP", "GP", "Self-referral", "CMHT discharge", "Practice nurse")
GOALS = ("Get out of the house twice a week", "Sleep through the night",
         "Walk to the shops on my own", "Go back to volunteering", "Cook a meal for my family",
         "Feel less worried about money", "Cut down on smoking")
REASONS = {
    ServiceCategory.HOUSING: "Rent arrears, at risk of eviction",
    ServiceCategory.EMPLOYMENT: "Wants to return to work",
    ServiceCategory.DEBT_BENEFITS: "Benefits reassessment letter",
    ServiceCategory.SMOKING_CESSATION: "Current smoker, wants to stop",
    ServiceCategory.EXERCISE_WEIGHT: "BMI above 30, wants to be more active",
    ServiceCategory.PEER_SUPPORT: "Isolated; interested in courses",
    ServiceCategory.TALKING_THERAPIES: "Low mood, step 3 therapy",
    ServiceCategory.SECONDARY_CARE: "Relapse signs",
    ServiceCategory.CRISIS: "Crisis plan shared",
    ServiceCategory.OTHER: "Drinking more since bereavement",
}


@dataclass
class DemoMeasure:
    measure: Measure
    on: date
    answers: list[int]
    raw_total: int
    score: float
    band: str
    risk_flag: bool
    risk_action: str


@dataclass
class DemoEpisode:
    patient_index: int  # position in the sampled patients
    referred_on: date
    source: str
    start_step: int
    current_step: int
    intervention: Intervention
    delivered_by: str
    sessions: list[tuple[date, int, Attendance]] = field(default_factory=list)
    step_changes: list[tuple[date, int, int, str]] = field(default_factory=list)
    measures: list[DemoMeasure] = field(default_factory=list)
    goals: list[str] = field(default_factory=list)
    goal_ratings: list[tuple[date, list[int]]] = field(default_factory=list)
    star: list[tuple[date, dict[str, int]]] = field(default_factory=list)
    cluster: int | None = None
    discharged_on: date | None = None
    discharge_reason: DischargeReason | None = None


@dataclass
class DemoSignposting:
    patient_index: int
    service_index: int
    on: date
    reason: str
    follow_up_on: date | None
    outcome: SignpostOutcome | None
    outcome_on: date | None


@dataclass
class DemoCommitment:
    episode_index: int  # the episode (and so the patient) the service is bought for
    service_index: int  # into BUDGET_SERVICES
    line_index: int  # into BUDGET_LINES
    units: int
    start: date
    end: date
    invoices: list[tuple[str, date, int, date | None, bool]]  # ref, date, units, approved, paid


@dataclass
class DemoCare:
    episodes: list[DemoEpisode]
    signpostings: list[DemoSignposting]
    commitments: list[DemoCommitment] = field(default_factory=list)
    financial_year: int = 0  # the year the budget lines are for (its starting year)


# (provider, service, unit, price in pence, VAT basis points); made-up prices
BUDGET_SERVICES: tuple[tuple[str, str, str, int, int], ...] = (
    ("Anytown Recovery College", "Recovery course place", "course", 18_000, 0),
    ("Active Lives", "Exercise on referral session", "session", 1_200, 2_000),
    ("Riverside IPS Employment Service", "Employment support week", "week", 6_500, 0),
    ("Talk Well CIC", "Guided self-help session", "session", 4_500, 0),
)
BUDGET_LINES: tuple[tuple[str, int], ...] = (
    ("Talking therapies and guided self-help", 2_500_000),
    ("Peer support and recovery education", 1_200_000),
    ("Physical activity", 600_000),
    ("Employment support", 900_000),
)
_LINE_OF_SERVICE = (1, 2, 3, 0)


def _answers(rng: random.Random, items: int, top: int, total: int) -> list[int]:
    """Item answers in 0..top summing to ``total`` (clamped to what the items can hold)."""
    total = max(0, min(total, items * top))
    answers = [0] * items
    for _ in range(total):
        i = rng.choice([j for j in range(items) if answers[j] < top])
        answers[i] += 1
    return answers


def _measure(rng: random.Random, measure: Measure, on: date, total: int) -> DemoMeasure:
    if measure is Measure.PHQ9:  # most demo patients answer item 9 "not at all"
        answers = (_answers(rng, 8, 3, total) + [0] if rng.random() < 0.85
                   else _answers(rng, 9, 3, total))
    else:
        answers = _answers(rng, 7, 3, total)
    score = score_answers(measure, answers)
    return DemoMeasure(measure, on, answers, score.raw_total, score.score, score.band,
                       score.risk_flag, "Demo: risk assessed by the GP the same day; crisis "
                       "numbers given" if score.risk_flag else "")


def _episode(rng: random.Random, index: int, today: date) -> DemoEpisode:
    referred = today - timedelta(days=rng.randint(20, 420))
    step = rng.choice([1, 2, 2])
    e = DemoEpisode(index, referred, rng.choice(SOURCES), step, step,
                    rng.choice(list(Intervention)), rng.choice(PROVIDERS))
    phq, gad = rng.randint(6, 22), rng.randint(4, 18)
    improving = rng.random() < 0.65
    day = referred + timedelta(days=rng.randint(3, 14))
    for n in range(rng.randint(0, 8)):
        if day >= today:
            break
        attendance = rng.choices(list(Attendance), weights=(8, 1, 1))[0]
        e.sessions.append((day, 45 if attendance is Attendance.ATTENDED else 0, attendance))
        if attendance is Attendance.ATTENDED and n % 2 == 0:
            e.measures.append(_measure(rng, Measure.PHQ9, day, phq))
            e.measures.append(_measure(rng, Measure.GAD7, day, gad))
            change = rng.randint(2, 5) if improving else -rng.randint(-1, 3)
            phq, gad = max(0, phq - change), max(0, gad - change)
        if n == 3 and not improving and e.current_step < 3 and rng.random() < 0.5:
            e.step_changes.append((day, e.current_step, e.current_step + 1,
                                   "No reliable improvement after 4 weeks"))
            e.current_step += 1
        day += timedelta(days=7)
    e.goals = rng.sample(GOALS, rng.randint(1, 3))
    for review in (referred, referred + timedelta(days=42)):
        if review < today:
            base = 2 if review == referred else 5
            e.goal_ratings.append((review, [min(10, base + rng.randint(0, 3)) for _ in e.goals]))
    if rng.random() < 0.4:
        e.star.append((referred, {a: rng.randint(2, 6) for a in RECOVERY_STAR_AREAS}))
    if rng.random() < 0.3:
        e.cluster = rng.choice([1, 2, 3, 11, 12])
    last = max([referred, *(s[0] for s in e.sessions), *(m.on for m in e.measures)])
    if (today - referred).days > 120 and rng.random() < 0.75 and last < today:
        e.discharged_on = last + timedelta(days=rng.randint(0, 5))
        e.discharged_on = min(e.discharged_on, today)
        e.discharge_reason = (DischargeReason.RECOVERED if improving else
                              rng.choice([DischargeReason.PATIENT_CHOICE,
                                          DischargeReason.DISENGAGED]))
    return e


def demo_care(seed: int, today: date, patients: int) -> DemoCare:
    """Episodes and signpostings for ``patients`` sampled patients (indexes 0..patients-1)."""
    rng = random.Random(seed * 7919 + 17)
    episodes = [_episode(rng, i, today) for i in range(min(patients, MAX_EPISODES))]
    signpostings = []
    for i in range(min(patients, MAX_SIGNPOSTINGS)):
        service = rng.randrange(len(SERVICES))
        on = today - timedelta(days=rng.randint(0, 300))
        follow_up = on + timedelta(days=28) if rng.random() < 0.85 else None
        outcome = None
        outcome_on = None
        if follow_up is not None and follow_up < today and rng.random() < 0.7:
            outcome = rng.choices(list(SignpostOutcome), weights=(6, 2, 1, 1))[0]
            outcome_on = follow_up
            if outcome is SignpostOutcome.WAITING:
                follow_up = min(today + timedelta(days=14), follow_up + timedelta(days=28))
            else:
                follow_up = None
        signpostings.append(DemoSignposting(i, service, on, REASONS[SERVICES[service][1]],
                                            follow_up, outcome, outcome_on))
    return DemoCare(episodes, signpostings, _commitments(rng, episodes, today),
                    QofYear.containing(today).start_year)


def _commitments(rng: random.Random, episodes: list[DemoEpisode],
                 today: date) -> list[DemoCommitment]:
    """Services bought this financial year for about a third of the episodes that began in
    it, invoiced monthly in arrears and mostly paid."""
    year_start = QofYear.containing(today).start
    out = []
    for i, e in enumerate(episodes):
        start = e.referred_on + timedelta(days=7)
        if start < year_start or start > today or rng.random() > 0.35:
            continue
        service = rng.randrange(len(BUDGET_SERVICES))
        units = 1 if BUDGET_SERVICES[service][2] == "course" else rng.randint(4, 10)
        end = start + timedelta(weeks=max(units, 6))
        invoices: list[tuple[str, date, int, date | None, bool]] = []
        invoiced, day = 0, start + timedelta(days=30)
        while invoiced < units and day < today:
            batch = min(units - invoiced, 1 if units == 1 else rng.randint(2, 4))
            approved = day + timedelta(days=rng.randint(3, 12))
            invoices.append((f"INV-{i:04d}-{len(invoices) + 1}", day, batch,
                             approved if approved <= today else None, rng.random() < 0.8))
            invoiced += batch
            day += timedelta(days=30)
        out.append(DemoCommitment(i, service, _LINE_OF_SERVICE[service], units, start, end,
                                  invoices))
    return out
