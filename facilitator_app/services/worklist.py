"""The recall worklist: who needs which check element, now or before 31 March (domain.md §3.2).

For every patient who should have SMI physical health checks at the as-of date (on MH1_REG and
not in remission; lithium-only patients are not counted, domain.md §1) and for each of the core
six elements, storage answers in one set-based statement: the last date it was recorded, its
state and whether it is still needed in the selected QOF year. This module owns the rule that
turns "today" into the date cut-offs the SQL compares with, and the wording people read.

An element's state, worst first:

* never recorded, overdue (more than 12 months since last done), due soon (within 30 days):
  the clinical recall rule of ``domain.checks``;
* needed: clinically up to date, but not yet recorded in the QOF year, which has not ended,
  so it must still be done by 31 March to count;
* done: nothing to do.

A patient is on the worklist when at least one element is not done. Personalised care
adjustments are shown beside the row, never used to hide it: a facilitator decides what a
decline means for the next invitation.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple, Protocol

from facilitator_app.domain.access import Permission
from facilitator_app.domain.checks import (
    CORE_ELEMENTS,
    ELEMENT_LABELS,
    Element,
    RecallStatus,
    due_soon_before,
    next_due,
    overdue_before,
)
from facilitator_app.domain.dates import QofYear, format_uk_date
from facilitator_app.domain.nhs_number import format_nhs_number
from facilitator_app.services import audit
from facilitator_app.services.access import practice_scope
from facilitator_app.services.caseload import UnknownPractice
from facilitator_app.services.jobs import CancelToken, Progress, no_progress
from facilitator_app.services.ports import UnitOfWork

__all__ = [
    "TABLE_WIDTHS",
    "CareAdjustmentNote",
    "ElementState",
    "ElementStatus",
    "ExportFormat",
    "UnknownPractice",
    "WorklistQueries",
    "WorklistQuery",
    "WorklistRow",
    "WorklistSpec",
    "WorklistSummary",
    "export_worklist",
    "recall_worklist",
    "text_cells",
    "worklist_cells",
    "worklist_headers",
    "worklist_spec",
    "worklist_summary",
    "write_worklist",
]


class ElementState(StrEnum):
    """One core element's state for one patient; the value is what the SQL returns."""

    NEVER = "never"
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    NEEDED = "needed"
    DONE = "done"

    @property
    def outstanding(self) -> bool:
        return self is not ElementState.DONE

    @property
    def recall_status(self) -> RecallStatus:
        """The recall colour family, so screens reuse ``ui.status_style``: never and overdue
        are overdue; due soon and needed-before-31-March both want doing soon."""
        if self in (ElementState.NEVER, ElementState.OVERDUE):
            return RecallStatus.OVERDUE
        if self in (ElementState.DUE_SOON, ElementState.NEEDED):
            return RecallStatus.DUE_SOON
        return RecallStatus.DONE


# Worst first: the row's colour and the order states are explained in.
STATE_SEVERITY: dict[ElementState, int] = {
    ElementState.NEVER: 4,
    ElementState.OVERDUE: 3,
    ElementState.DUE_SOON: 2,
    ElementState.NEEDED: 1,
    ElementState.DONE: 0,
}

PCA_REASON_LABELS = {
    "declined": "Declined",
    "unsuitable": "Unsuitable",
    "no_response": "No response to invitations",
}


# ---------------------------------------------------------------------------------------------
# What the caller asks, and what storage is asked


@dataclass(frozen=True)
class WorklistQuery:
    as_of: date
    year: QofYear | None = None  # None: the QOF year containing ``as_of``
    practice_code: str | None = None  # None: every practice
    outstanding_only: bool = True  # False: everyone who should have checks, done or not

    @property
    def qof_year(self) -> QofYear:
        return self.year or QofYear.containing(self.as_of)


@dataclass(frozen=True)
class WorklistSpec:
    """The query as plain dates, so the SQL is comparisons only (see ``domain.checks``):
    last done < overdue_before -> overdue; < due_soon_before -> due soon. ``year_open`` is
    false once ``as_of`` is past 31 March of the year: nothing can still be "needed" then."""

    as_of: date
    year_start: date
    year_end: date
    overdue_before: date
    due_soon_before: date
    practice_code: str | None
    outstanding_only: bool

    @property
    def year_open(self) -> bool:
        return self.as_of <= self.year_end


def worklist_spec(query: WorklistQuery) -> WorklistSpec:
    year = query.qof_year
    return WorklistSpec(
        as_of=query.as_of,
        year_start=year.start,
        year_end=year.end,
        overdue_before=overdue_before(query.as_of),
        due_soon_before=due_soon_before(query.as_of),
        practice_code=query.practice_code or None,
        outstanding_only=query.outstanding_only,
    )


@dataclass(frozen=True, slots=True)
class CareAdjustmentNote:
    reason: str  # declined, unsuitable, no_response
    element: Element | None  # None: every element
    recorded_on: date

    @property
    def text(self) -> str:
        reason = PCA_REASON_LABELS.get(self.reason, self.reason.replace("_", " ").capitalize())
        scope = ELEMENT_LABELS[self.element] if self.element else "all elements"
        return f"{reason} ({scope}) {format_uk_date(self.recorded_on)}"


@dataclass(frozen=True)
class WorklistSummary:
    """Counts for the same cohort and year: everyone who should have checks, those with
    something outstanding, and per element how many are outstanding and how many are still
    needed before 31 March."""

    cohort: int
    with_outstanding: int
    outstanding_by_element: dict[Element, int]
    needed_by_element: dict[Element, int]


# ---------------------------------------------------------------------------------------------
# What people read


@dataclass(frozen=True, slots=True)
class ElementStatus:
    element: Element
    state: ElementState
    last_done: date | None
    needed_by: date | None  # 31 March of the year when not yet recorded in it; else None

    @property
    def next_due(self) -> date | None:
        return next_due(self.last_done) if self.last_done else None

    @property
    def text(self) -> str:
        """The state in words, with the date that matters for it."""
        due = format_uk_date(self.next_due)
        if self.state is ElementState.NEVER:
            return "Never recorded"
        if self.state is ElementState.OVERDUE:
            return f"Overdue (due {due})"
        if self.state is ElementState.DUE_SOON:
            return f"Due {due}"
        last = format_uk_date(self.last_done)
        if self.state is ElementState.NEEDED:  # the 31 March date heads its own column
            return f"Needed (last {last})"
        return f"Done {last}"


# An element's state and its "needed before 31 March" flag travel from the SQL packed into one
# integer, CODE_BITS per element in CORE_ELEMENTS order (code = state position * 2 + needed):
# one value per row instead of twelve, and decoded only when a row is read.
STATES = tuple(ElementState)
CODE_BITS = 4
assert len(STATES) * 2 <= 1 << CODE_BITS
STATE_CODE = {state: code for code, state in enumerate(STATES)}
_CODE_MASK = (1 << CODE_BITS) - 1


# ElementStatus is frozen and most (element, code, date, year end) combinations repeat across a
# register: one shared instance each, so decoding a row allocates nothing new.
_SHARED_STATUS: dict[tuple[int, int, str, date], ElementStatus] = {}


def _status(i: int, code: int, last: str, year_end: date) -> ElementStatus:
    key = (i, code, last, year_end)
    found = _SHARED_STATUS.get(key)
    if found is None:
        if len(_SHARED_STATUS) > 100_000:  # a few years of dates: bounded anyway, but be safe
            _SHARED_STATUS.clear()
        found = _SHARED_STATUS[key] = ElementStatus(
            CORE_ELEMENTS[i], STATES[code >> 1], date.fromisoformat(last) if last else None,
            year_end if code & 1 else None)
    return found


class WorklistRow(NamedTuple):
    """One patient on the worklist. The six element statuses are kept as the SQL returned
    them, two narrow columns (the last-done dates as one text, the states as one packed
    integer), and decoded when read: a screen of 60,000 rows shows a few dozen at a time, and
    fetching twelve columns fewer per row is a third of the worklist's time. A named tuple,
    because building one costs a third of a frozen dataclass."""

    patient_id: int
    practice_code: str
    nhs_number: str
    family_name: str
    given_name: str
    date_of_birth: date
    last_done_text: str  # "YYYY-MM-DD" or "" per core element, comma-separated
    element_codes: int  # CODE_BITS per core element
    year_end: date  # 31 March of the QOF year: the "needed by" date
    outstanding: int
    adjustments: tuple[CareAdjustmentNote, ...]

    @property
    def elements(self) -> tuple[ElementStatus, ...]:
        """Each core element's status, in CORE_ELEMENTS order."""
        codes, year_end = self.element_codes, self.year_end
        return tuple([_status(i, (codes >> (CODE_BITS * i)) & _CODE_MASK, last, year_end)
                      for i, last in enumerate(self.last_done_text.split(","))])

    @property
    def name(self) -> str:
        """The NHS patient-banner form, "FAMILY, Given"."""
        return f"{self.family_name.upper()}, {self.given_name}"

    @property
    def never_recorded(self) -> bool:
        return any(e.state is ElementState.NEVER for e in self.elements)

    @property
    def needed_before_year_end(self) -> tuple[Element, ...]:
        return tuple(e.element for e in self.elements if e.needed_by is not None)

    @property
    def worst(self) -> ElementState:
        return max((e.state for e in self.elements), key=STATE_SEVERITY.__getitem__)

    @property
    def oldest_due(self) -> date | None:
        """When the longest-outstanding recorded element fell (or falls) due. Recall is
        monotone in the last-done date, so that is the oldest outstanding last-done date."""
        oldest = min(
            (e.last_done for e in self.elements if e.state.outstanding and e.last_done),
            default=None,
        )
        return next_due(oldest) if oldest else None

    @property
    def oldest_due_text(self) -> str:
        if self.never_recorded:
            return "Never recorded"
        return format_uk_date(self.oldest_due)

    @property
    def adjustments_text(self) -> str:
        return "; ".join(a.text for a in self.adjustments)


class WorklistQueries(Protocol):
    def practice_exists(self, code: str) -> bool: ...

    def rows(self, spec: WorklistSpec) -> Iterator[WorklistRow]:
        """Streamed, most elements outstanding first, then the longest overdue (never
        recorded before any date), then name."""
        ...

    def summary(self, spec: WorklistSpec) -> WorklistSummary: ...



# ---------------------------------------------------------------------------------------------
# Use cases


def _scoped(uow: UnitOfWork, query: WorklistQuery) -> WorklistQuery:
    return replace(query, practice_code=practice_scope(uow, Permission.VIEW_REGISTER,
                                                       query.practice_code or None))


def _check_practice(uow: UnitOfWork, practice_code: str | None) -> None:
    if practice_code:
        with uow:
            if not uow.worklist.practice_exists(practice_code):
                raise UnknownPractice(practice_code)


def recall_worklist(uow: UnitOfWork, query: WorklistQuery) -> Iterator[WorklistRow]:
    """The worklist, streamed in order. An unknown practice is reported here, before the first
    row is written anywhere (the rows themselves are read lazily)."""
    query = _scoped(uow, query)
    _check_practice(uow, query.practice_code)
    return _stream(uow, worklist_spec(query))


def _stream(uow: UnitOfWork, spec: WorklistSpec) -> Iterator[WorklistRow]:
    with uow:
        yield from uow.worklist.rows(spec)


def worklist_summary(uow: UnitOfWork, query: WorklistQuery) -> WorklistSummary:
    """Counts for the same query (``outstanding_only`` does not matter here)."""
    query = _scoped(uow, query)
    _check_practice(uow, query.practice_code)
    with uow:
        return uow.worklist.summary(worklist_spec(query))


# ---------------------------------------------------------------------------------------------
# Export: one set of columns for the terminal table, CSV and XLSX

Cell = str | int | date | None


def worklist_headers(year: QofYear) -> list[str]:
    return [
        "Practice",
        "NHS number",
        "Name",
        "Date of birth",
        *(ELEMENT_LABELS[e] for e in CORE_ELEMENTS),
        "Outstanding",
        f"Needed before {format_uk_date(year.end)}",
        "Oldest due",
        "Care adjustments",
    ]


# Widths (characters) for the fixed-width terminal table, headers and usual values included.
TABLE_WIDTHS = (8, 12, 24, 13, *([24] * len(CORE_ELEMENTS)), 11, 30, 14, 30)


def worklist_cells(row: WorklistRow) -> list[Cell]:
    """Typed cells: dates stay dates (XLSX shows them as real dates); ``text_cells`` formats
    them dd/mm/yyyy for CSV and the terminal. Oldest due is "Never recorded" when an element
    has never been recorded, because that is older than any date."""
    oldest: Cell = "Never recorded" if row.never_recorded else row.oldest_due
    return [
        row.practice_code,
        format_nhs_number(row.nhs_number),
        row.name,
        row.date_of_birth,
        *(e.text for e in row.elements),
        row.outstanding,
        ", ".join(ELEMENT_LABELS[e] for e in row.needed_before_year_end),
        oldest,
        row.adjustments_text,
    ]


def text_cells(cells: Sequence[Cell]) -> list[str]:
    return [
        format_uk_date(c) if isinstance(c, date) else "" if c is None else str(c) for c in cells
    ]


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


EXPORT_CHUNK = 500


def export_worklist(
    uow: UnitOfWork,
    query: WorklistQuery,
    path: Path,
    fmt: ExportFormat,
    *,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> int:
    """Write the worklist for ``query`` to ``path`` as CSV or XLSX, streaming from the
    database (memory stays flat on a large register); returns the number of patients. An
    unknown practice is reported before the file is created."""
    rows = recall_worklist(uow, query)
    written = write_worklist(rows, query.qof_year, path, fmt, progress=progress, cancel=cancel)
    audit.note_export(uow, "worklist", written, fmt.value, identifiable=True)
    return written


def write_worklist(
    rows: Iterable[WorklistRow],
    year: QofYear,
    path: Path,
    fmt: ExportFormat,
    *,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> int:
    """Write rows already in hand (e.g. what a screen shows) to ``path``; returns the count.

    On cancel (raises ``Cancelled``) or error the partial file is removed: a half-written
    export must never be mistaken for the whole list.
    """
    cancel = cancel or CancelToken()
    written = 0

    def cells() -> Iterator[list[Cell]]:
        nonlocal written
        for row in rows:
            yield worklist_cells(row)
            written += 1
            if written % EXPORT_CHUNK == 0:
                cancel.raise_if_cancelled()
                progress(written, 0)

    headers = worklist_headers(year)
    try:
        if fmt is ExportFormat.XLSX:
            from facilitator_app.render.xlsx import Sheet, write_xlsx  # openpyxl only when used

            write_xlsx(path, [Sheet(f"Recall {year.label}", headers, cells())])
        else:
            with path.open("w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out, lineterminator="\n")
                writer.writerow(headers)
                writer.writerows(text_cells(c) for c in cells())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    progress(written, written)
    return written
