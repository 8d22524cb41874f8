"""Pathway budget arithmetic: pence, VAT, the split of a commitment across financial years,
suppression and unit costs (domain.md §7.2 worked example)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitator_app.domain.budget import (
    commitment_value,
    cost_per,
    parse_pounds,
    split_by_year,
    suppress,
    validate_commitment,
    validate_invoice,
    validate_payment,
    vat_on,
)
from facilitator_app.domain.dates import QofYear


def test_parse_pounds_is_exact() -> None:
    assert parse_pounds("£1,234.56") == 123456
    assert parse_pounds("0.1") == 10
    assert parse_pounds(" 12 ") == 1200
    for bad in ("12.345", "twelve", "", "1e3", "NaN"):
        with pytest.raises(ValueError):
            parse_pounds(bad)


def test_vat_rounds_half_up_to_the_penny() -> None:
    assert vat_on(10_000, 2000) == 2000
    assert vat_on(1, 2000) == 0  # 0.2p
    assert vat_on(3, 2000) == 1  # 0.6p
    assert vat_on(25, 2000) == 5
    assert vat_on(2_5, 500) == 1  # 1.25p → 1p
    assert vat_on(30, 500) == 2  # 1.5p → 2p (half up)
    value = commitment_value(6, 4_500, 2000)
    assert (value.net, value.vat, value.gross) == (27_000, 5_400, 32_400)


def test_a_commitment_spanning_two_financial_years_is_split_by_days() -> None:
    # 01/03/2026 - 30/04/2026: 31 days in 2025/26, 30 days in 2026/27, 61 in all
    shares = split_by_year(61_000, date(2026, 3, 1), date(2026, 4, 30))
    assert shares == {QofYear(2025): 31_000, QofYear(2026): 30_000}
    # a value that does not divide: whole pence, adding up exactly
    odd = split_by_year(10_000, date(2026, 3, 1), date(2026, 4, 30))
    assert odd == {QofYear(2025): 5_081, QofYear(2026): 4_919}
    assert sum(odd.values()) == 10_000
    assert split_by_year(500, date(2026, 4, 1), date(2026, 4, 1)) == {QofYear(2026): 500}
    # 31 March and 1 April are different years
    edge = split_by_year(200, date(2026, 3, 31), date(2026, 4, 1))
    assert edge == {QofYear(2025): 100, QofYear(2026): 100}


@given(st.integers(0, 10**9), st.dates(date(2020, 1, 1), date(2030, 1, 1)),
       st.integers(0, 1000))
def test_split_shares_add_up_and_are_never_negative(value: int, start: date,
                                                    length: int) -> None:
    from datetime import timedelta

    shares = split_by_year(value, start, start + timedelta(days=length))
    assert sum(shares.values()) == value
    assert all(v >= 0 for v in shares.values())
    assert min(shares) == QofYear.containing(start)


def test_suppression_and_unit_costs() -> None:
    assert [suppress(n) for n in (0, 1, 4, 5, 1234)] == ["0", "<5", "<5", "5", "1,234"]
    assert suppress(9, below=10) == "<10"
    # domain.md §7.2: £12,000 on 40 finished courses; 15 reliably recovered; 26 RI
    assert cost_per(1_200_000, 40) == 30_000
    assert cost_per(1_200_000, 15) == 80_000
    assert cost_per(1_200_000, 26) == 46_154
    assert cost_per(1_200_000, 0) is None
    assert cost_per(1_200_000, 3) is None  # would reveal a suppressed count


def test_validation_names_the_field() -> None:
    problems = validate_commitment(0, -1, 2500, date(2026, 5, 1), date(2026, 4, 1))
    assert [p.field for p in problems] == ["units", "unit_price", "end"]
    assert validate_commitment(6, 4500, 2000, date(2026, 4, 1), date(2026, 9, 30)) == []
    over = validate_invoice(3, 100, 20, date(2026, 5, 1), date(2026, 4, 1), 4, 6,
                            date(2026, 6, 1))
    assert [p.message for p in over] == [
        "Only 2 of the 6 units committed are left to invoice; this invoice is for 3."]
    paid = validate_payment(700, date(2026, 6, 2), 1000, 400, date(2026, 6, 1),
                            date(2026, 7, 1))
    assert [p.field for p in paid] == ["amount"]
    assert validate_payment(600, date(2026, 6, 2), 1000, 400, date(2026, 6, 1),
                            date(2026, 7, 1)) == []
    assert [p.field for p in validate_payment(100, date(2026, 6, 2), 1000, 0, None,
                                              date(2026, 7, 1))] == ["invoice"]
