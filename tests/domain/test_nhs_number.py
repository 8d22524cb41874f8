"""NHS number rules from domain.md §8, with its worked examples and fixtures verbatim."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitator_app.domain.nhs_number import (
    TEST_RANGE_CAPACITY,
    InvalidNhsNumber,
    _valid_before_block,
    check_digit,
    format_nhs_number,
    is_test_range,
    is_valid_nhs_number,
    nhs_number_from_serial,
    nhs_numbers_in_test_range,
    normalise_nhs_number,
)

FIXTURES = ["9990000018", "9990000026", "9990000034", "9990000107", "9991234578", "9999999999"]

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


# --- check digit ---------------------------------------------------------------------------


def test_worked_example_check_digit_is_9() -> None:
    # 9×10 + 4×9 + 3×8 + 4×7 + 7×6 + 6×5 + 5×4 + 9×3 + 1×2 = 299; 299 mod 11 = 2; 11 − 2 = 9
    assert check_digit("943476591") == 9


def test_999_123_456_has_no_check_digit() -> None:
    # sum 320, remainder 1 -> check 10 -> no valid number
    assert check_digit("999123456") is None
    for last in "0123456789":
        assert not is_valid_nhs_number(f"999123456{last}")


def test_check_11_becomes_0() -> None:
    # 000 000 000: sum 0 -> 11 - 0 = 11 -> 0
    assert check_digit("000000000") == 0
    assert check_digit("999000010") == 7  # 9990000107 fixture


@pytest.mark.parametrize("bad", ["94347659", "9434765910", "94347659x", "", "٩٤٣٤٧٦٥٩١"])
def test_check_digit_needs_nine_ascii_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="9 digits"):
        check_digit(bad)


# --- normalise / validate ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["9434765919", "943 476 5919", " 943 476 5919 ", "943-476-5919", "943  4765919\t"]
)
def test_normalise_accepts_spaces_and_hyphens(text: str) -> None:
    assert normalise_nhs_number(text) == "9434765919"
    assert is_valid_nhs_number(text)


def test_fails_modulus_11_with_the_number_in_the_message() -> None:
    with pytest.raises(InvalidNhsNumber) as exc:
        normalise_nhs_number("943 476 5910")
    assert str(exc.value) == "NHS number 943 476 5910 fails the modulus 11 check"
    assert not is_valid_nhs_number("9434765910")


def test_no_valid_form_says_so() -> None:
    expected = "modulus 11.*no valid NHS number begins 999 123 456"
    with pytest.raises(InvalidNhsNumber, match=expected):
        normalise_nhs_number("999 123 4560")  # the public README's example


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("943 476 591", "NHS number must have 10 digits, got 9"),
        ("94347659190", "NHS number must have 10 digits, got 11"),
        ("", "NHS number must have 10 digits, got 0"),
        ("   ", "NHS number must have 10 digits, got 0"),
        ("000 000 0000", "NHS number cannot be all zeros"),
        ("943/476/5919", "NHS number may contain only digits and spaces"),
        ("943.476.5919", "NHS number may contain only digits and spaces"),
        ("NHS 9434765919", "NHS number may contain only digits and spaces"),
        ("٩٤٣٤٧٦٥٩١٩", "NHS number may contain only digits and spaces"),  # Arabic-Indic digits
    ],
)
def test_rejections_say_why(text: str, message: str) -> None:
    with pytest.raises(InvalidNhsNumber) as exc:
        normalise_nhs_number(text)
    assert str(exc.value) == message
    assert not is_valid_nhs_number(text)


def test_invalid_nhs_number_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        normalise_nhs_number("123")


def test_all_zeros_passes_the_checksum_but_is_rejected() -> None:
    assert check_digit("000000000") == 0
    assert not is_valid_nhs_number("0000000000")


@pytest.mark.parametrize("fixture", FIXTURES)
def test_fixtures_are_valid_and_in_test_range(fixture: str) -> None:
    assert normalise_nhs_number(fixture) == fixture
    assert is_test_range(fixture)


@given(nine_digits)
def test_own_check_digit_is_valid_any_other_is_not(first_nine: str) -> None:
    check = check_digit(first_nine)
    for last in range(10):
        number = f"{first_nine}{last}"
        expected = check is not None and last == check and number != "0000000000"
        assert is_valid_nhs_number(number) is expected


# --- display ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("9434765919", "943 476 5919"),
        ("943 476 5919", "943 476 5919"),
        ("943-476-5919", "943 476 5919"),
        ("9434765910", "943 476 5910"),  # display does not validate the checksum
        ("943476591", "943476591"),  # not ten digits: unchanged
        ("", ""),
        ("unknown", "unknown"),
    ],
)
def test_format_is_3_3_4_and_never_raises(text: str, shown: str) -> None:
    assert format_nhs_number(text) == shown


# --- test range ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9990000018", True),
        ("999 000 0018", True),
        ("9434765919", False),
        ("999000001", False),
        ("99900000181", False),
        ("", False),
    ],
)
def test_is_test_range(text: str, expected: bool) -> None:
    assert is_test_range(text) is expected


def test_serial_starts_at_the_first_valid_999_number() -> None:
    # 999 000 000 has no check digit, so serial 0 is 999 000 0018
    assert check_digit("999000000") is None
    assert [nhs_number_from_serial(i) for i in range(3)] == FIXTURES[:3]
    assert nhs_number_from_serial(9) == "9990000107"


def test_serial_range_ends_at_9999999999() -> None:
    assert _valid_before_block()[-1] == TEST_RANGE_CAPACITY == 909_091
    assert nhs_number_from_serial(TEST_RANGE_CAPACITY - 1) == "9999999999"
    with pytest.raises(ValueError, match="past the end"):
        nhs_number_from_serial(TEST_RANGE_CAPACITY)
    with pytest.raises(ValueError, match="0 or more"):
        nhs_number_from_serial(-1)


def test_serial_matches_a_brute_force_walk_of_the_first_stems() -> None:
    brute = [
        f"{stem}{check}"
        for stem in range(999_000_000, 999_003_000)
        if (check := check_digit(str(stem))) is not None
    ]
    assert [nhs_number_from_serial(i) for i in range(len(brute))] == brute
    assert 2700 < len(brute) < 3000  # about 10 in 11 stems have a check digit


@given(st.integers(min_value=0, max_value=TEST_RANGE_CAPACITY - 2))
def test_serials_give_distinct_valid_increasing_999_numbers(serial: int) -> None:
    a, b = nhs_number_from_serial(serial), nhs_number_from_serial(serial + 1)
    assert is_valid_nhs_number(a) and is_valid_nhs_number(b)
    assert is_test_range(a) and is_test_range(b)
    assert a < b
    # consecutive: no valid number lies strictly between them
    assert all(check_digit(str(stem)) is None for stem in range(int(a[:9]) + 1, int(b[:9])))


@given(
    st.integers(min_value=0, max_value=TEST_RANGE_CAPACITY - 40),
    st.integers(min_value=0, max_value=40),
)
def test_iterator_agrees_with_serial(start: int, count: int) -> None:
    walked = list(nhs_numbers_in_test_range(count, start))
    assert walked == [nhs_number_from_serial(start + i) for i in range(count)]


def test_iterator_default_start_and_fixtures() -> None:
    numbers = list(nhs_numbers_in_test_range(10))
    assert numbers[:3] == FIXTURES[:3]
    assert numbers[9] == "9990000107"
    assert len(set(numbers)) == 10


def test_iterator_reaches_the_end_and_checks_arguments_eagerly() -> None:
    assert list(nhs_numbers_in_test_range(1, TEST_RANGE_CAPACITY - 1)) == ["9999999999"]
    assert list(nhs_numbers_in_test_range(0, TEST_RANGE_CAPACITY)) == []
    with pytest.raises(ValueError, match="cannot give 2"):
        nhs_numbers_in_test_range(2, TEST_RANGE_CAPACITY - 1)  # raises before next()
    with pytest.raises(ValueError):
        nhs_numbers_in_test_range(-1)
