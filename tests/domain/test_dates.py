"""UK dates, QOF years and windows (domain.md §1.1, §10)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitator_app.domain.dates import (
    UK_DATE_FORMAT,
    QofYear,
    format_uk_date,
    in_window,
    parse_date,
    qof_year_end,
    window_start,
)

REF = date(2025, 3, 31)


def test_format_uk_date() -> None:
    assert UK_DATE_FORMAT == "%d/%m/%Y"
    assert format_uk_date(date(2025, 3, 31)) == "31/03/2025"
    assert format_uk_date(date(2024, 2, 9)) == "09/02/2024"
    assert format_uk_date(None) == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31/03/2025", date(2025, 3, 31)),
        ("3/4/2025", date(2025, 4, 3)),  # 3 April, never 4 March
        ("03/04/2025", date(2025, 4, 3)),
        ("2025-03-31", date(2025, 3, 31)),
        (" 29/02/2024 ", date(2024, 2, 29)),
    ],
)
def test_parse_date_accepts_uk_and_iso(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["12/31/2025", "31/03/25", "31-03-2025", "2025/03/31", "2025-3-31", "", "yesterday"]
)
def test_parse_date_refuses_other_forms_and_names_the_text(text: str) -> None:
    with pytest.raises(ValueError) as exc:
        parse_date(text)
    message = str(exc.value)
    assert repr(text.strip()) in message
    assert "dd/mm/yyyy" in message and "yyyy-mm-dd" in message


@pytest.mark.parametrize("text", ["29/02/2025", "31/04/2025", "00/01/2025", "2025-02-30"])
def test_parse_date_refuses_impossible_dates(text: str) -> None:
    with pytest.raises(ValueError, match="not a real date"):
        parse_date(text)


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)))
def test_format_then_parse_round_trips(d: date) -> None:
    assert parse_date(format_uk_date(d)) == d
    assert parse_date(d.isoformat()) == d


# --- QOF year ------------------------------------------------------------------------------


def test_qof_year_properties() -> None:
    y = QofYear(2024)
    assert y.start == date(2024, 4, 1)
    assert y.end == date(2025, 3, 31)
    assert y.label == "2024/25"
    assert str(y) == "2024/25"
    assert QofYear(1999).label == "1999/00"


@pytest.mark.parametrize(
    ("d", "start_year"),
    [
        (date(2024, 4, 1), 2024),
        (date(2025, 3, 31), 2024),
        (date(2025, 4, 1), 2025),
        (date(2024, 2, 29), 2023),
        (date(2024, 12, 31), 2024),
        (date(2025, 1, 1), 2024),
    ],
)
def test_containing(d: date, start_year: int) -> None:
    year = QofYear.containing(d)
    assert year == QofYear(start_year)
    assert year.contains(d)
    assert qof_year_end(d) == date(start_year + 1, 3, 31)


def test_contains_both_ends_only() -> None:
    y = QofYear(2024)
    assert y.contains(date(2024, 4, 1)) and y.contains(date(2025, 3, 31))
    assert not y.contains(date(2024, 3, 31)) and not y.contains(date(2025, 4, 1))


@pytest.mark.parametrize("text", ["2024/25", "2024-25", "2024", " 2024 / 25 ", "2024/2025"])
def test_parse_qof_year(text: str) -> None:
    assert QofYear.parse(text) == QofYear(2024)


def test_parse_qof_year_across_a_century() -> None:
    assert QofYear.parse("1999/00") == QofYear(1999)


@pytest.mark.parametrize("text", ["2024/26", "2024-2026", "24/25", "", "twenty", "2024/5"])
def test_parse_qof_year_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        QofYear.parse(text)


def test_qof_years_order() -> None:
    assert sorted([QofYear(2025), QofYear(2023), QofYear(2024)]) == [
        QofYear(2023),
        QofYear(2024),
        QofYear(2025),
    ]


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_every_date_is_in_exactly_its_own_year(d: date) -> None:
    y = QofYear.containing(d)
    assert y.start <= d <= y.end
    assert not QofYear(y.start_year - 1).contains(d)
    assert not QofYear(y.start_year + 1).contains(d)


# --- windows (domain.md §1.1 table) ------------------------------------------------------


@pytest.mark.parametrize(
    ("months", "start"),
    [
        (6, date(2024, 10, 1)),  # lithium
        (12, date(2024, 4, 1)),  # the QOF year
        (24, date(2023, 4, 1)),  # MH011 low-risk lipids
        (3, date(2025, 1, 1)),  # "within 3 months of achievement date" (PCA)
    ],
)
def test_window_table(months: int, start: date) -> None:
    assert window_start(REF, months) == start
    assert in_window(start, REF, months)
    assert in_window(REF, REF, months)
    assert not in_window(date.fromordinal(start.toordinal() - 1), REF, months)
    assert not in_window(date(2025, 4, 1), REF, months)


def test_twelve_month_window_is_the_qof_year() -> None:
    y = QofYear(2024)
    assert window_start(y.end, 12) == y.start
