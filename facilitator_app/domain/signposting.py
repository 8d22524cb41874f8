"""Signposting to local services (domain.md §6): the categories, the outcomes a follow-up can
record, and the checks on a signposting and on a directory entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from facilitator_app.domain.dates import format_uk_date


class ServiceCategory(StrEnum):
    HOUSING = "housing"
    EMPLOYMENT = "employment"
    DEBT_BENEFITS = "debt_benefits"
    SMOKING_CESSATION = "smoking_cessation"
    EXERCISE_WEIGHT = "exercise_weight"
    PEER_SUPPORT = "peer_support"
    TALKING_THERAPIES = "talking_therapies"
    SECONDARY_CARE = "secondary_care"
    CRISIS = "crisis"
    OTHER = "other"


CATEGORY_LABELS: dict[ServiceCategory, str] = {
    ServiceCategory.HOUSING: "Housing",
    ServiceCategory.EMPLOYMENT: "Employment",
    ServiceCategory.DEBT_BENEFITS: "Debt / benefits",
    ServiceCategory.SMOKING_CESSATION: "Smoking cessation",
    ServiceCategory.EXERCISE_WEIGHT: "Exercise / weight",
    ServiceCategory.PEER_SUPPORT: "Peer support",
    ServiceCategory.TALKING_THERAPIES: "NHS Talking Therapies",
    ServiceCategory.SECONDARY_CARE: "Secondary care",
    ServiceCategory.CRISIS: "Crisis",
    ServiceCategory.OTHER: "Other",
}

CATEGORY_EXAMPLES: dict[ServiceCategory, str] = {
    ServiceCategory.HOUSING: "local authority housing options, homelessness team",
    ServiceCategory.EMPLOYMENT: "Individual Placement and Support (IPS), Employment Advisers "
                                "in NHS Talking Therapies",
    ServiceCategory.DEBT_BENEFITS: "Citizens Advice, debt charities",
    ServiceCategory.SMOKING_CESSATION: "local stop-smoking service",
    ServiceCategory.EXERCISE_WEIGHT: "exercise on referral, weight management, NHS Diabetes "
                                     "Prevention Programme",
    ServiceCategory.PEER_SUPPORT: "Recovery College, voluntary-sector peer groups",
    ServiceCategory.TALKING_THERAPIES: "self-referral, common mental health problems "
                                       "(steps 2-3)",
    ServiceCategory.SECONDARY_CARE: "CMHT, Early Intervention in Psychosis",
    ServiceCategory.CRISIS: "crisis resolution and home treatment team, NHS 111 (mental "
                            "health option), 999/A&E, Samaritans 116 123",
    ServiceCategory.OTHER: "drug and alcohol service, carers' support, social prescribing",
}


class SignpostOutcome(StrEnum):
    ATTENDED = "attended"
    NOT_ATTENDED = "not_attended"
    DECLINED = "declined"
    WAITING = "waiting"

    @property
    def settled(self) -> bool:
        """Waiting still needs a follow-up; the others close the signposting."""
        return self is not SignpostOutcome.WAITING


OUTCOME_LABELS: dict[SignpostOutcome, str] = {
    SignpostOutcome.ATTENDED: "Attended",
    SignpostOutcome.NOT_ATTENDED: "Not attended",
    SignpostOutcome.DECLINED: "Declined",
    SignpostOutcome.WAITING: "Waiting",
}

MAX_SERVICE_NAME = 200
MAX_TEXT = 2000


@dataclass(frozen=True)
class SignpostProblem:
    field: str
    message: str


def validate_service(name: str, category: str, contact: str,
                     eligibility: str) -> list[SignpostProblem]:
    problems: list[SignpostProblem] = []
    if not name.strip():
        problems.append(SignpostProblem("name", "The service needs a name."))
    elif len(name) > MAX_SERVICE_NAME:
        problems.append(SignpostProblem("name", f"The name is {len(name)} characters; at "
                                        f"most {MAX_SERVICE_NAME}."))
    if category not in set(ServiceCategory):
        choices = ", ".join(c.value for c in ServiceCategory)
        problems.append(SignpostProblem("category", f"{category!r} is not a category "
                                        f"({choices})."))
    for field, text in (("contact", contact), ("eligibility", eligibility)):
        if len(text) > MAX_TEXT:
            problems.append(SignpostProblem(field, f"The {field} text is {len(text)} "
                                            f"characters; at most {MAX_TEXT}."))
    return problems


def validate_signposting(on: date, reason: str, follow_up_on: date | None,
                         date_of_birth: date, today: date) -> list[SignpostProblem]:
    problems: list[SignpostProblem] = []
    if on > today:
        problems.append(SignpostProblem("signposted_on", f"The date ({format_uk_date(on)}) is "
                                        "in the future."))
    if on < date_of_birth:
        problems.append(SignpostProblem("signposted_on", "The date is before the patient's "
                                        "date of birth."))
    if not reason.strip():
        problems.append(SignpostProblem("reason", "Say why the patient was signposted."))
    elif len(reason) > MAX_TEXT:
        problems.append(SignpostProblem("reason", f"The reason is {len(reason)} characters; "
                                        f"at most {MAX_TEXT}."))
    if follow_up_on is not None and follow_up_on < on:
        problems.append(SignpostProblem("follow_up_on", f"The follow-up date "
                                        f"({format_uk_date(follow_up_on)}) is before the "
                                        f"signposting ({format_uk_date(on)})."))
    return problems


def validate_signpost_outcome(outcome: str, on: date, signposted_on: date,
                              next_follow_up: date | None,
                              today: date) -> list[SignpostProblem]:
    problems: list[SignpostProblem] = []
    if outcome not in set(SignpostOutcome):
        problems.append(SignpostProblem("outcome", f"{outcome!r} is not attended, not "
                                        "attended, declined or waiting."))
    if on > today:
        problems.append(SignpostProblem("outcome_on", f"The date ({format_uk_date(on)}) is in "
                                        "the future."))
    if on < signposted_on:
        problems.append(SignpostProblem("outcome_on", f"The outcome date is before the "
                                        f"signposting ({format_uk_date(signposted_on)})."))
    if outcome == SignpostOutcome.WAITING and next_follow_up is None:
        problems.append(SignpostProblem("follow_up_on", "Still waiting: give the date to "
                                        "follow up again."))
    if next_follow_up is not None and next_follow_up < on:
        problems.append(SignpostProblem("follow_up_on", "The next follow-up is before the "
                                        "outcome date."))
    return problems
