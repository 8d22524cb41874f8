"""Physical health check elements and recall (domain.md §3).

Two questions are answered separately, because they differ and facilitators need both:

* QOF status: was the element recorded inside the QOF year (1 April - 31 March)? Spacing between
  checks is irrelevant to QOF.
* Clinical recall (app rule): is the element due again, 12 months after it was last done?
  ``next_due = last_done + 12 months``; overdue after that day; "due soon" in the 30 days up to
  and including it; never done is overdue.

Recall is monotone: an older last-done date is never in a better state. That is what lets the
database store one anchor date per patient (the oldest core element, ``oldest_core_done``) and
filter or sort the caseload by status with plain indexed date comparisons against the cut-offs
``overdue_before`` and ``due_soon_before``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from facilitator_app.domain.dates import QofYear

__all__ = [
    "CORE_ELEMENTS",
    "DUE_SOON_DAYS",
    "ELEMENT_LABELS",
    "RECALL_MONTHS",
    "Element",
    "RecallStatus",
    "done_in_qof_year",
    "due_soon_before",
    "needed_before_year_end",
    "next_due",
    "oldest_core_done",
    "overall_status",
    "overdue_before",
    "recall_status",
]


class Element(StrEnum):
    """One part of the SMI physical health check; the value is what the database stores."""

    BMI = "bmi"
    BLOOD_PRESSURE = "blood_pressure"
    ALCOHOL = "alcohol"
    GLUCOSE = "glucose"  # blood glucose or HbA1c: either counts
    LIPIDS = "lipids"
    SMOKING = "smoking"
    # Comprehensive-check extras: recorded and shown, never part of the overall status.
    PULSE = "pulse"
    WAIST = "waist"
    WEIGHT = "weight"
    HEIGHT = "height"
    SUBSTANCE = "substance_use"
    CANCER_SCREENING = "cancer_screening"
    MEDICATION_REVIEW = "medication_review"
    QRISK = "qrisk"
    CARE_PLAN = "care_plan"  # MHP_COD comprehensive care plan (QOF MH002)


CORE_ELEMENTS: tuple[Element, ...] = (
    Element.BMI,
    Element.BLOOD_PRESSURE,
    Element.LIPIDS,
    Element.GLUCOSE,
    Element.ALCOHOL,
    Element.SMOKING,
)
"""The core six of the NHS England SMI physical health check, in display order."""

ELEMENT_LABELS: dict[Element, str] = {
    Element.BMI: "BMI",
    Element.BLOOD_PRESSURE: "Blood pressure",
    Element.LIPIDS: "Lipids",
    Element.GLUCOSE: "Glucose / HbA1c",
    Element.ALCOHOL: "Alcohol",
    Element.SMOKING: "Smoking status",
    Element.PULSE: "Pulse",
    Element.WAIST: "Waist circumference",
    Element.WEIGHT: "Weight",
    Element.HEIGHT: "Height",
    Element.SUBSTANCE: "Substance misuse",
    Element.CANCER_SCREENING: "Cancer screening",
    Element.MEDICATION_REVIEW: "Medication review",
    # Not "QRISK®": the name is a registered trademark (domain.md §4.1).
    Element.QRISK: "10-year CVD risk",
    Element.CARE_PLAN: "Care plan",
}


class RecallStatus(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due"
    DONE = "done"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS: dict[RecallStatus, str] = {
    RecallStatus.OVERDUE: "Overdue",
    RecallStatus.DUE_SOON: "Due soon",
    RecallStatus.DONE: "Up to date",
}

# Worst first; used to pick the overall status.
_SEVERITY: dict[RecallStatus, int] = {
    RecallStatus.OVERDUE: 2,
    RecallStatus.DUE_SOON: 1,
    RecallStatus.DONE: 0,
}

RECALL_MONTHS = 12
DUE_SOON_DAYS = 30


def next_due(last_done: date, months: int = RECALL_MONTHS) -> date:
    """last_done + N calendar months; month ends clip (29/02/2024 -> 28/02/2025)."""
    return last_done + relativedelta(months=months)


def recall_status(
    last_done: date | None,
    today: date,
    *,
    months: int = RECALL_MONTHS,
    due_soon_days: int = DUE_SOON_DAYS,
) -> RecallStatus:
    """Clinical recall for one element (or for the oldest core element: see ``overall_status``).

    Never done -> OVERDUE; today after next_due -> OVERDUE; within ``due_soon_days`` before
    next_due, next_due itself included -> DUE_SOON; otherwise DONE.
    """
    if last_done is None:
        return RecallStatus.OVERDUE
    due = next_due(last_done, months)
    if today > due:
        return RecallStatus.OVERDUE
    if due - timedelta(days=due_soon_days) <= today:
        return RecallStatus.DUE_SOON
    return RecallStatus.DONE


def _first_date_where(holds: Callable[[date], bool], near: date) -> date:
    """The earliest date for which a monotone (False ... False True ... True) condition holds.

    ``near`` is a guess within a few days of the answer. relativedelta clips month ends, so
    several last-done dates share one next-due date (28, 29 February -> 28 February) and the
    answer cannot be found by subtracting months; stepping day by day from just below is exact.
    """
    day = timedelta(days=1)
    probe = near - timedelta(days=7)
    while holds(probe):  # guard: the guess should already be below the answer
        probe -= timedelta(days=7)
    while not holds(probe):
        probe += day
    return probe


def overdue_before(today: date, *, months: int = RECALL_MONTHS) -> date:
    """The earliest last-done date that is not overdue on ``today``.

    So status is OVERDUE iff last_done is None or last_done < overdue_before(today): the SQL
    filter for the caseload.
    """
    return _first_date_where(
        lambda d: today <= next_due(d, months), today - relativedelta(months=months)
    )


def due_soon_before(
    today: date, *, months: int = RECALL_MONTHS, due_soon_days: int = DUE_SOON_DAYS
) -> date:
    """The earliest last-done date whose status on ``today`` is DONE.

    So DUE_SOON iff overdue_before(today) <= last_done < due_soon_before(today), and DONE iff
    last_done >= due_soon_before(today).
    """
    horizon = today + timedelta(days=due_soon_days)
    return _first_date_where(
        lambda d: next_due(d, months) > horizon, horizon - relativedelta(months=months)
    )


def done_in_qof_year(dates: Iterable[date], year: QofYear) -> bool:
    """QOF status: any qualifying record dated 1 April .. 31 March of ``year``, inclusive."""
    return any(year.contains(d) for d in dates)


def needed_before_year_end(dates: Iterable[date], today: date) -> bool:
    """True iff the element has not been done in the QOF year containing ``today``, i.e. it must
    still be recorded by that year's 31 March to count. (``today`` is always on or before the end
    of the year that contains it, so no separate date test is needed.)"""
    return not done_in_qof_year(dates, QofYear.containing(today))


def overall_status(
    element_last_done: Mapping[Element, date | None],
    today: date,
    *,
    months: int = RECALL_MONTHS,
    due_soon_days: int = DUE_SOON_DAYS,
) -> RecallStatus:
    """The worst recall status across the core six; a missing key means never done.

    Because recall is monotone in the last-done date, this always equals
    ``recall_status(oldest_core_done(element_last_done), today)``: the caseload query relies on
    that to use one stored date per patient.
    """
    statuses = (
        recall_status(element_last_done.get(e), today, months=months, due_soon_days=due_soon_days)
        for e in CORE_ELEMENTS
    )
    return max(statuses, key=_SEVERITY.__getitem__)


def oldest_core_done(element_last_done: Mapping[Element, date | None]) -> date | None:
    """The recall anchor stored per patient: None if any core element was never done, else the
    earliest of the six last-done dates (the one that falls due first)."""
    dates = [element_last_done.get(e) for e in CORE_ELEMENTS]
    if any(d is None for d in dates):
        return None
    return min(d for d in dates if d is not None)
