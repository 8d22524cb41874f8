"""NHS numbers: validation, display and synthetic test numbers (domain.md §8).

An NHS number is ten digits; the tenth is a modulus 11 check digit over the first nine. We store
the ten digits only and display them 3-3-4 ("943 476 5919"), the way they are printed on NHS
letters and cards, so a facilitator can read one aloud over the phone without losing their place.

Synthetic data (demo registers, tests) must never collide with a real person, so it uses the
999 000 0000 - 999 999 9999 range: valid by checksum but never issued.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections.abc import Iterator
from functools import cache

__all__ = [
    "InvalidNhsNumber",
    "TEST_RANGE_CAPACITY",
    "check_digit",
    "format_nhs_number",
    "is_test_range",
    "is_valid_nhs_number",
    "normalise_nhs_number",
    "nhs_number_from_serial",
    "nhs_numbers_in_test_range",
]

# Weights for digits 1-9 (domain.md §8, step 1).
_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)

# People type NHS numbers with spaces ("943 476 5919") or hyphens ("943-476-5919"); both are
# separators only. Anything else is a typing error we should name rather than silently drop.
_SEPARATORS = re.compile(r"[ \-]")
# ASCII digits only: str.isdigit() also accepts e.g. Arabic-Indic or superscript digits, which
# int() would quietly convert or reject - neither belongs in an NHS number.
_TEN_ASCII_DIGITS = re.compile(r"[0-9]{10}")
_ASCII_DIGITS = re.compile(r"[0-9]*")

_TEST_PREFIX = "999"
_TEST_FIRST_STEM = 999_000_000
_TEST_STEMS = 1_000_000  # 999 000 000 .. 999 999 999


class InvalidNhsNumber(ValueError):
    """Raised with a message a receptionist can act on ("must have 10 digits, got 9"), because
    the message is shown as-is wherever an NHS number is typed in."""


def check_digit(first_nine: str) -> int | None:
    """The modulus 11 check digit for the first nine digits, or None if there is none.

    Weights 10..2, remainder of the sum mod 11, check = 11 - remainder; 11 becomes 0 and 10 means
    no valid NHS number starts with these nine digits (e.g. 999 123 456 - domain.md §8's trap),
    which is why the return type admits None rather than a digit that would look plausible.
    """
    if not _ASCII_DIGITS.fullmatch(first_nine) or len(first_nine) != 9:
        raise ValueError(f"check_digit needs exactly 9 digits, got {first_nine!r}")
    total = sum(int(ch) * w for ch, w in zip(first_nine, _WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise_nhs_number(text: str) -> str:
    """The ten digits of a typed NHS number, or InvalidNhsNumber saying what is wrong.

    Surrounding whitespace and inner spaces/hyphens are separators and are removed. Checks run in
    the order a person would fix them: stray characters, length, all zeros, then the checksum.
    All zeros passes the modulus 11 check arithmetically but is a placeholder some systems write
    for "unknown", so it is rejected (app rule, domain.md §8).
    """
    digits = _SEPARATORS.sub("", text.strip())
    if not _ASCII_DIGITS.fullmatch(digits):
        raise InvalidNhsNumber("NHS number may contain only digits and spaces")
    if len(digits) != 10:
        raise InvalidNhsNumber(f"NHS number must have 10 digits, got {len(digits)}")
    if digits == "0000000000":
        raise InvalidNhsNumber("NHS number cannot be all zeros")
    expected = check_digit(digits[:9])
    if expected is None:
        raise InvalidNhsNumber(
            f"NHS number {format_nhs_number(digits)} fails the modulus 11 check "
            f"(no valid NHS number begins {digits[:3]} {digits[3:6]} {digits[6:9]})"
        )
    if expected != int(digits[9]):
        raise InvalidNhsNumber(f"NHS number {format_nhs_number(digits)} fails the modulus 11 check")
    return digits


def is_valid_nhs_number(text: str) -> bool:
    """True iff ``normalise_nhs_number`` accepts the text (separators allowed)."""
    try:
        normalise_nhs_number(text)
    except InvalidNhsNumber:
        return False
    return True


def format_nhs_number(digits: str) -> str:
    """Display form 3-3-4, e.g. "943 476 5919".

    Accepts already spaced or hyphenated input. Anything that is not ten digits is returned
    unchanged: this runs while painting tables and letters, where a crash would hide the whole
    record, and showing the bad value is what lets someone correct it. It does not validate the
    checksum for the same reason.
    """
    compact = _SEPARATORS.sub("", digits.strip())
    if not _TEN_ASCII_DIGITS.fullmatch(compact):
        return digits
    return f"{compact[:3]} {compact[3:6]} {compact[6:]}"


def is_test_range(digits: str) -> bool:
    """True iff the number is in the never-issued 999 range (ten digits starting 999).

    Used to prove that synthetic data cannot be mistaken for a real patient. It checks the range
    only; combine with ``is_valid_nhs_number`` for a usable number.
    """
    compact = _SEPARATORS.sub("", digits.strip())
    return bool(_TEN_ASCII_DIGITS.fullmatch(compact)) and compact.startswith(_TEST_PREFIX)


# --- Synthetic numbers -------------------------------------------------------------------------
#
# Stems (first nine digits) 999 000 000 .. 999 999 999 are grouped into 100,000 blocks of ten that
# share their first eight digits. Within a block the last stem digit has weight 2, and 2*d mod 11
# takes ten different values for d = 0..9, so at most one stem per block has no check digit:
# every block holds 9 or 10 valid numbers. A cumulative count per block (built once, ~0.1 s,
# under 1 MB) lets ``nhs_number_from_serial`` find the block with one bisect and the stem by
# arithmetic, so a million calls stay cheap and any serial can be produced without walking.

_BLOCKS = _TEST_STEMS // 10
_FIRST_BLOCK = _TEST_FIRST_STEM // 10  # 99 900 000: the first eight digits of the first stem


def _block_partial(block: int) -> int:
    """Weighted sum (weights 10..3) of the first eight stem digits of ``block``."""
    first_eight = _FIRST_BLOCK + block
    total = 0
    for weight in range(3, 11):
        first_eight, digit = divmod(first_eight, 10)
        total += digit * weight
    return total


def _skipped_last_digit(partial: int) -> int | None:
    """The last stem digit (0-9) whose check digit would be 10 in a block with this partial sum,
    or None when every stem in the block is valid."""
    # Need (partial + 2*d) % 11 == 1; 6 is the inverse of 2 modulo 11.
    d = ((1 - partial) * 6) % 11
    return d if d < 10 else None


def _number_in_block(block: int, partial: int, last: int) -> str:
    check = (11 - (partial + 2 * last) % 11) % 11
    assert check != 10, "skipped stems never reach here"
    return f"{_TEST_FIRST_STEM + block * 10 + last}{check}"


@cache
def _valid_before_block() -> array[int]:
    """valid_before[b] = number of valid test-range numbers in blocks 0..b-1 (length B+1)."""
    counts = array("l", [0])
    running = 0
    for block in range(_BLOCKS):
        running += 10 if _skipped_last_digit(_block_partial(block)) is None else 9
        counts.append(running)
    return counts


TEST_RANGE_CAPACITY = 909_091
"""How many valid numbers the 999 range holds (checked against the block table in the tests)."""


def nhs_number_from_serial(serial: int) -> str:
    """The ``serial``-th valid NHS number in the 999 test range, counting from 0.

    Deterministic and strictly increasing in ``serial``: 0 -> 9990000018, 1 -> 9990000026, ...
    (999 000 000 itself has no check digit and is skipped). O(log n) per call after a one-off
    table build. Raises ValueError for a negative serial or once the range is exhausted.
    """
    if serial < 0:
        raise ValueError(f"serial must be 0 or more, got {serial}")
    if serial >= TEST_RANGE_CAPACITY:
        raise ValueError(
            f"the 999 test range holds {TEST_RANGE_CAPACITY} valid NHS numbers; "
            f"serial {serial} is past the end"
        )
    table = _valid_before_block()
    block = bisect_right(table, serial) - 1
    offset = serial - table[block]
    partial = _block_partial(block)
    skipped = _skipped_last_digit(partial)
    last = offset + 1 if skipped is not None and offset >= skipped else offset
    return _number_in_block(block, partial, last)


def nhs_numbers_in_test_range(count: int, start: int = 0) -> Iterator[str]:
    """``count`` successive test-range numbers, the same as ``nhs_number_from_serial(start)``,
    ``nhs_number_from_serial(start + 1)``, ... but found by walking the stems linearly.

    Arguments are checked when called (not on first ``next()``), so a request larger than the
    range fails before any data is written.
    """
    if count < 0 or start < 0:
        raise ValueError(f"count and start must be 0 or more, got count={count}, start={start}")
    if start + count > TEST_RANGE_CAPACITY:
        raise ValueError(
            f"the 999 test range holds {TEST_RANGE_CAPACITY} valid NHS numbers; "
            f"cannot give {count} starting at serial {start}"
        )
    return _walk_test_range(count, start)


def _walk_test_range(count: int, start: int) -> Iterator[str]:
    table = _valid_before_block()
    block = bisect_right(table, start) - 1
    offset = start - table[block]  # valid numbers of the first block to skip
    remaining = count
    while remaining > 0:
        partial = _block_partial(block)
        skipped = _skipped_last_digit(partial)
        for last in range(10):
            if last == skipped:
                continue
            if offset:
                offset -= 1
                continue
            yield _number_in_block(block, partial, last)
            remaining -= 1
            if remaining == 0:
                return
        block += 1
