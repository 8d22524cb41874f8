"""UK dates, QOF years and "in the last N months" windows (domain.md §1.1, §10).

Dates are shown dd/mm/yyyy everywhere and never read as US mm/dd: in a clinical record
03/04/2025 is 3 April, and a silent swap would move a check into the wrong QOF year.

Month arithmetic always uses ``relativedelta``, never ``timedelta(days=365)``, because QOF rules
are written in calendar months and the two disagree around 29 February and month ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Self

from dateutil.relativedelta import relativedelta

__all__ = [
    "UK_DATE_FORMAT",
    "QofYear",
    "format_uk_date",
    "in_window",
    "parse_date",
    "qof_year_end",
    "window_start",
]

UK_DATE_FORMAT = "%d/%m/%Y"

# [0-9] rather than \d: \d also matches non-ASCII digits, which are never a typed date.
_UK_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_ACCEPTED = "dd/mm/yyyy (e.g. 31/03/2025) or yyyy-mm-dd (e.g. 2025-03-31)"

_QOF_YEAR = re.compile(r"([0-9]{4})(?:\s*[/-]\s*([0-9]{2}|[0-9]{4}))?")


def format_uk_date(d: date | None) -> str:
    """dd/mm/yyyy, or "" for a missing date so a blank cell stays blank rather than "None"."""
    return "" if d is None else d.strftime(UK_DATE_FORMAT)


def parse_date(text: str) -> date:
    """Read a date typed as dd/mm/yyyy (or d/m/yyyy) or ISO yyyy-mm-dd.

    Only these two shapes are accepted, and the slash form is always day first: 12/31/2025 is
    refused (there is no month 31), never reinterpreted as US month/day. Two-digit years are
    refused because "25" could be 1925 for a date of birth. Raises ValueError naming the text and
    the accepted forms.
    """
    stripped = text.strip()
    if m := _UK_DATE.fullmatch(stripped):
        day, month, year = (int(g) for g in m.groups())
    elif m := _ISO_DATE.fullmatch(stripped):
        year, month, day = (int(g) for g in m.groups())
    else:
        raise ValueError(f"Cannot read {text!r} as a date: use {_ACCEPTED}")
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"{text.strip()!r} is not a real date ({exc}): use {_ACCEPTED}") from None


@dataclass(frozen=True, order=True)
class QofYear:
    """A QOF year, 1 April ``start_year`` to 31 March ``start_year + 1`` (label "2024/25").

    Ordered and hashable so years can key dictionaries of thresholds and points, which change
    from year to year and are kept as data.
    """

    start_year: int

    @property
    def start(self) -> date:
        return date(self.start_year, 4, 1)

    @property
    def end(self) -> date:
        """31 March: the achievement date (``ref``) of the year."""
        return date(self.start_year + 1, 3, 31)

    @property
    def label(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    def __str__(self) -> str:
        return self.label

    @classmethod
    def containing(cls, d: date) -> Self:
        """The QOF year a date falls in: from April it is this calendar year's, before April last
        year's (domain.md §10)."""
        return cls(d.year if d.month >= 4 else d.year - 1)

    @classmethod
    def parse(cls, text: str) -> Self:
        """Accepts "2024/25", "2024-25", "2024" (and "2024/2025"); the second year, if given,
        must follow the first so a typo such as "2024/26" is refused, not guessed."""
        m = _QOF_YEAR.fullmatch(text.strip())
        if m is None:
            raise ValueError(f"Cannot read {text!r} as a QOF year: use e.g. 2024/25")
        start = int(m.group(1))
        second = m.group(2)
        if second is not None:
            expected = f"{start + 1:04d}" if len(second) == 4 else f"{(start + 1) % 100:02d}"
            if second != expected:
                raise ValueError(
                    f"{text.strip()!r} is not a QOF year: a QOF year starting in {start} "
                    f"is {start}/{(start + 1) % 100:02d}"
                )
        return cls(start)

    def contains(self, d: date) -> bool:
        """Both ends inclusive: checks on 01/04 and on 31/03 count for this year."""
        return self.start <= d <= self.end


def qof_year_end(d: date) -> date:
    """31 March ending the QOF year that contains ``d``."""
    return QofYear.containing(d).end


def window_start(ref: date, months: int) -> date:
    """First day of "the N months up to and including ``ref``": ref - N months + 1 day.

    At ref 31/03/2025: 6 months -> 01/10/2024, 12 -> 01/04/2024, 24 -> 01/04/2023, 3 ->
    01/01/2025 (domain.md §1.1). The +1 day is what makes 12 months equal one QOF year exactly.
    """
    return ref - relativedelta(months=months) + timedelta(days=1)


def in_window(d: date, ref: date, months: int) -> bool:
    """True iff ``d`` is in the N months up to and including ``ref`` (both ends inclusive)."""
    return window_start(ref, months) <= d <= ref
