"""Check elements, QOF status and clinical recall (domain.md §3)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from facilitator_app.domain.checks import (
    CORE_ELEMENTS,
    DUE_SOON_DAYS,
    ELEMENT_LABELS,
    RECALL_MONTHS,
    Element,
    RecallStatus,
    done_in_qof_year,
    due_soon_before,
    needed_before_year_end,
    next_due,
    oldest_core_done,
    overall_status,
    overdue_before,
    recall_status,
)
from facilitator_app.domain.dates import QofYear

OVERDUE, DUE_SOON, DONE = RecallStatus.OVERDUE, RecallStatus.DUE_SOON, RecallStatus.DONE


def test_elements_and_labels() -> None:
    assert CORE_ELEMENTS == (
        Element.BMI,
        Element.BLOOD_PRESSURE,
        Element.LIPIDS,
        Element.GLUCOSE,
        Element.ALCOHOL,
        Element.SMOKING,
    )
    assert Element.SUBSTANCE.value == "substance_use"
    assert Element("blood_pressure") is Element.BLOOD_PRESSURE
    assert set(ELEMENT_LABELS) == set(Element)
    assert ELEMENT_LABELS[Element.GLUCOSE] == "Glucose / HbA1c"
    assert ELEMENT_LABELS[Element.SMOKING] == "Smoking status"
    assert ELEMENT_LABELS[Element.BLOOD_PRESSURE] == "Blood pressure"


def test_status_values_and_labels() -> None:
    assert [s.value for s in RecallStatus] == ["overdue", "due", "done"]
    assert [s.label for s in RecallStatus] == ["Overdue", "Due soon", "Up to date"]
    assert RECALL_MONTHS == 12 and DUE_SOON_DAYS == 30


# --- next_due and recall_status --------------------------------------------------------------


@pytest.mark.parametrize(
    ("last", "due"),
    [
        (date(2024, 2, 29), date(2025, 2, 28)),
        (date(2024, 3, 31), date(2025, 3, 31)),
        (date(2023, 2, 28), date(2024, 2, 28)),
    ],
)
def test_next_due(last: date, due: date) -> None:
    assert next_due(last) == due


def test_next_due_other_months() -> None:
    assert next_due(date(2024, 8, 31), 6) == date(2025, 2, 28)
    assert next_due(date(2024, 2, 29), 48) == date(2028, 2, 29)


def test_recall_boundaries() -> None:
    last = date(2024, 6, 15)  # next due 15/06/2025; due soon from 16/05/2025
    assert recall_status(last, date(2025, 5, 15)) is DONE
    assert recall_status(last, date(2025, 5, 16)) is DUE_SOON
    assert recall_status(last, date(2025, 6, 15)) is DUE_SOON
    assert recall_status(last, date(2025, 6, 16)) is OVERDUE
    assert recall_status(None, date(2025, 6, 16)) is OVERDUE
    assert recall_status(last, last) is DONE


def test_recall_is_configurable() -> None:
    last = date(2024, 6, 15)
    assert recall_status(last, date(2024, 12, 16), months=6) is OVERDUE
    assert recall_status(last, date(2025, 5, 16), due_soon_days=7) is DONE
    assert recall_status(last, date(2025, 6, 8), due_soon_days=7) is DUE_SOON


def test_domain_example_bmi_29_02_2024() -> None:
    bmi = [date(2024, 2, 29)]
    assert next_due(bmi[0]) == date(2025, 2, 28)
    assert recall_status(bmi[0], date(2025, 3, 1)) is OVERDUE
    assert not done_in_qof_year(bmi, QofYear(2024))  # 29/02/2024 is in 2023/24
    assert done_in_qof_year(bmi, QofYear(2023))
    assert needed_before_year_end(bmi, date(2025, 3, 1))  # needed before 31/03/2025


def test_qof_year_edges() -> None:
    assert done_in_qof_year([date(2025, 3, 31)], QofYear(2024))
    assert not done_in_qof_year([date(2025, 3, 31)], QofYear(2025))
    assert done_in_qof_year([date(2024, 4, 1)], QofYear(2024))
    assert not done_in_qof_year([], QofYear(2024))
    # spacing between checks is irrelevant: both count for their own years
    both = [date(2024, 4, 1), date(2025, 3, 31)]
    assert done_in_qof_year(both, QofYear(2024))
    assert not needed_before_year_end(both, date(2025, 3, 31))
    assert needed_before_year_end(both, date(2025, 4, 1))


def test_done_in_qof_year_accepts_a_generator() -> None:
    dates = (date(2024, 1, 1) + timedelta(days=i) for i in range(200))
    assert done_in_qof_year(dates, QofYear(2024))


# --- cut-offs for SQL --------------------------------------------------------------------------


def test_cutoffs_worked_example() -> None:
    today = date(2025, 6, 16)
    assert overdue_before(today) == date(2024, 6, 16)
    assert due_soon_before(today) == date(2024, 7, 17)  # next due 17/07/2025 = today + 31 days


def test_cutoffs_where_month_ends_clip() -> None:
    # 28/02/2024 and 29/02/2024 both fall due on 28/02/2025
    assert overdue_before(date(2025, 2, 28)) == date(2024, 2, 28)
    assert overdue_before(date(2025, 3, 1)) == date(2024, 3, 1)
    # with 6 months, 28-31/08/2024 all fall due on 28/02/2025
    assert overdue_before(date(2025, 2, 28), months=6) == date(2024, 8, 28)
    assert overdue_before(date(2025, 3, 1), months=6) == date(2024, 9, 1)


DATES = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))


@given(
    last_done=DATES,
    today=DATES,
    months=st.integers(min_value=1, max_value=36),
    due_soon_days=st.integers(min_value=0, max_value=90),
)
@example(date(2024, 2, 29), date(2025, 2, 28), 12, 30)
@example(date(2024, 2, 28), date(2025, 2, 28), 12, 30)
@example(date(2024, 2, 27), date(2025, 2, 28), 12, 30)
@example(date(2024, 2, 29), date(2025, 3, 1), 12, 30)
@example(date(2024, 8, 31), date(2025, 2, 28), 6, 0)
@example(date(2024, 8, 30), date(2025, 3, 1), 6, 0)
@example(date(2024, 3, 31), date(2025, 3, 1), 12, 30)
@example(date(2024, 3, 30), date(2025, 2, 28), 12, 30)
@example(date(2024, 1, 31), date(2024, 2, 29), 1, 0)
def test_cutoffs_agree_with_recall_status(
    last_done: date, today: date, months: int, due_soon_days: int
) -> None:
    status = recall_status(last_done, today, months=months, due_soon_days=due_soon_days)
    overdue = overdue_before(today, months=months)
    due = due_soon_before(today, months=months, due_soon_days=due_soon_days)
    assert overdue <= due
    if last_done < overdue:
        assert status is OVERDUE
    elif last_done < due:
        assert status is DUE_SOON
    else:
        assert status is DONE


@given(today=DATES, months=st.integers(min_value=1, max_value=36))
def test_cutoffs_are_the_earliest_such_dates(today: date, months: int) -> None:
    day = timedelta(days=1)
    overdue = overdue_before(today, months=months)
    assert recall_status(overdue, today, months=months) is not OVERDUE
    assert recall_status(overdue - day, today, months=months) is OVERDUE
    due = due_soon_before(today, months=months)
    assert recall_status(due, today, months=months) is DONE
    assert recall_status(due - day, today, months=months) is not DONE


# --- overall status ----------------------------------------------------------------------------

TODAY = date(2025, 6, 16)


def _all_core(d: date | None) -> dict[Element, date | None]:
    return dict.fromkeys(CORE_ELEMENTS, d)


def test_overall_is_the_worst_core_element() -> None:
    recent = _all_core(date(2025, 1, 1))
    assert overall_status(recent, TODAY) is DONE
    assert overall_status({**recent, Element.LIPIDS: date(2024, 6, 20)}, TODAY) is DUE_SOON
    assert overall_status({**recent, Element.LIPIDS: date(2024, 6, 1)}, TODAY) is OVERDUE
    assert overall_status({**recent, Element.SMOKING: None}, TODAY) is OVERDUE


def test_missing_core_key_is_never_done() -> None:
    recent = _all_core(date(2025, 1, 1))
    del recent[Element.ALCOHOL]
    assert overall_status(recent, TODAY) is OVERDUE
    assert oldest_core_done(recent) is None


def test_extras_do_not_affect_overall_status() -> None:
    recent: dict[Element, date | None] = {
        **_all_core(date(2025, 1, 1)),
        Element.PULSE: None,
        Element.QRISK: date(2010, 1, 1),
    }
    assert overall_status(recent, TODAY) is DONE
    assert oldest_core_done(recent) == date(2025, 1, 1)


def test_oldest_core_done() -> None:
    dates = {e: date(2025, 1, i + 1) for i, e in enumerate(CORE_ELEMENTS)}
    assert oldest_core_done(dates) == date(2025, 1, 1)
    assert oldest_core_done({}) is None


def test_overall_status_is_configurable() -> None:
    recent = _all_core(date(2025, 1, 1))
    assert overall_status(recent, TODAY, months=3) is OVERDUE
    assert overall_status(recent, date(2025, 12, 10), due_soon_days=7) is DONE
    assert overall_status(recent, date(2025, 12, 10)) is DUE_SOON


@given(
    st.fixed_dictionaries(
        {},
        optional={e: st.none() | DATES for e in Element},
    ),
    DATES,
    st.integers(min_value=1, max_value=24),
    st.integers(min_value=0, max_value=60),
)
def test_overall_status_equals_status_of_oldest_core_date(
    last_done: dict[Element, date | None], today: date, months: int, due_soon_days: int
) -> None:
    assert overall_status(
        last_done, today, months=months, due_soon_days=due_soon_days
    ) is recall_status(
        oldest_core_done(last_done), today, months=months, due_soon_days=due_soon_days
    )
