"""The follow-up list across the caseload: every action an abnormal result raised that is not
yet done, soonest due first (so the most overdue lead), and recording one as done.

A follow-up stays open until someone records it as done with an outcome. Two people may have
the same follow-up open; whoever saves second is told it changed, and never silently
overwrites what the first recorded.

The caseload may hold 100,000+ open follow-ups, so the list is counted and read a page at a
time (``count_open_follow_ups`` + ``follow_up_page``, as the caseload is) or streamed
(``open_follow_ups``), never loaded whole.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Protocol

from facilitator_app.domain.access import Permission
from facilitator_app.domain.codes import code_info
from facilitator_app.domain.dates import format_uk_date
from facilitator_app.services import audit
from facilitator_app.services.access import practice_scope, require, require_patient
from facilitator_app.services.caseload import UnknownPractice
from facilitator_app.services.ports import UnitOfWork

__all__ = [
    "DUE_SOON_DAYS",
    "FollowUpAlreadyDone",
    "FollowUpChanged",
    "FollowUpFilter",
    "FollowUpQuery",
    "FollowUpRow",
    "FollowUpSelection",
    "FollowUpState",
    "FollowUpsQueries",
    "complete_follow_up",
    "count_open_follow_ups",
    "count_overdue_follow_ups",
    "due_text",
    "follow_up_page",
    "follow_up_state",
    "open_follow_ups",
]

DUE_SOON_DAYS = 14


@dataclass(frozen=True)
class FollowUpSelection:
    """Which open follow-ups, in the terms the database answers: every open one whose due date
    is before ``due_before`` (None: any), for one practice or all, optionally one assignee."""

    practice_code: str | None = None
    due_before: date | None = None
    assigned_to: str | None = None


@dataclass(frozen=True)
class FollowUpState:
    version: int
    done_on: date | None
    result_on: date | None  # the date of the result that raised it, if one is linked
    patient_id: int = 0


class FollowUpsQueries(Protocol):
    def count_open(self, selection: FollowUpSelection) -> int: ...

    def page(self, selection: FollowUpSelection, offset: int, limit: int,
             total: int) -> list[Mapping[Any, Any]]: ...

    def open_rows(self, selection: FollowUpSelection) -> Iterator[Mapping[Any, Any]]: ...

    def state(self, follow_up_id: int) -> FollowUpState | None: ...

    def complete(self, follow_up_id: int, done_on: date, outcome: str,
                 expected_version: int) -> bool: ...


class FollowUpFilter(StrEnum):
    OPEN = "open"
    OVERDUE = "overdue"  # due before the as-of date
    DUE_SOON = "due_soon"  # overdue, or due within ``due_within_days`` of the as-of date

    @property
    def label(self) -> str:
        return {"open": "All open", "overdue": "Overdue only",
                "due_soon": f"Overdue or due in {DUE_SOON_DAYS} days"}[self.value]


@dataclass(frozen=True)
class FollowUpQuery:
    as_of: date
    practice_code: str | None = None
    show: FollowUpFilter = FollowUpFilter.OPEN
    due_within_days: int = DUE_SOON_DAYS
    assigned_to: str | None = None

    def __post_init__(self) -> None:
        if self.due_within_days < 0:
            raise ValueError("The number of days ahead cannot be negative.")

    @property
    def selection(self) -> FollowUpSelection:
        due_before = None
        if self.show is FollowUpFilter.OVERDUE:
            due_before = self.as_of
        elif self.show is FollowUpFilter.DUE_SOON:  # "within 14 days" includes day 14
            due_before = self.as_of + timedelta(days=self.due_within_days + 1)
        return FollowUpSelection(self.practice_code or None, due_before,
                                 self.assigned_to or None)

    @property
    def overdue_selection(self) -> FollowUpSelection:
        """The overdue part of this query, for "n shown, m overdue"."""
        return FollowUpSelection(self.practice_code or None, self.as_of,
                                 self.assigned_to or None)


@dataclass(frozen=True)
class FollowUpRow:
    follow_up_id: int
    version: int  # as read: give it back to complete_follow_up
    patient_id: int
    nhs_number: str
    given_name: str
    family_name: str
    practice_code: str
    action: str
    assigned_to: str
    due_on: date
    days_overdue: int  # 0 when not yet overdue
    days_until_due: int  # negative when overdue
    result_label: str  # the result that raised it; "" when none is linked
    result_value: float | None
    result_unit: str
    result_on: date | None

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0

    @property
    def state_text(self) -> str:
        return due_text(self.days_until_due)

    @property
    def result_text(self) -> str:
        """E.g. "HbA1c 52 mmol/mol on 03/09/2026"; "" when no result is linked."""
        if not self.result_label:
            return ""
        shown = "" if self.result_value is None else f" {self.result_value:g}"
        if shown and self.result_unit:
            shown += f" {self.result_unit}"
        on = f" on {format_uk_date(self.result_on)}" if self.result_on else ""
        return f"{self.result_label}{shown}{on}"


def due_text(days_until_due: int) -> str:
    """The state in words, so colour is never the only cue."""
    if days_until_due < 0:
        days = -days_until_due
        return f"Overdue by {days} day" + ("" if days == 1 else "s")
    if days_until_due == 0:
        return "Due today"
    if days_until_due == 1:
        return "Due tomorrow"
    return f"Due in {days_until_due} days"


class FollowUpChanged(Exception):
    """The follow-up was changed (perhaps closed) by someone else since it was read."""

    def __init__(self) -> None:
        super().__init__("This follow-up was changed by someone else since you opened it; "
                         "reload the list to see what they recorded.")


class FollowUpAlreadyDone(ValueError):
    def __init__(self, done_on: date) -> None:
        super().__init__("This follow-up is already recorded as done "
                         f"(on {format_uk_date(done_on)}).")
        self.done_on = done_on


def _check_practice(uow: UnitOfWork, practice_code: str | None) -> None:
    if practice_code and not uow.register.practice_exists(practice_code):
        raise UnknownPractice(practice_code)


def _scoped(uow: UnitOfWork, query: FollowUpQuery) -> FollowUpQuery:
    """A practice-bound user's lists cover their own practice only."""
    return replace(query, practice_code=practice_scope(uow, Permission.VIEW_REGISTER,
                                                       query.practice_code or None))


def count_open_follow_ups(uow: UnitOfWork, query: FollowUpQuery) -> int:
    query = _scoped(uow, query)
    with uow:
        _check_practice(uow, query.practice_code)
        return uow.follow_ups.count_open(query.selection)


def count_overdue_follow_ups(uow: UnitOfWork, query: FollowUpQuery) -> int:
    """How many of the query's practice (and assignee) are overdue, whatever it shows."""
    query = _scoped(uow, query)
    with uow:
        _check_practice(uow, query.practice_code)
        return uow.follow_ups.count_open(query.overdue_selection)


def follow_up_page(uow: UnitOfWork, query: FollowUpQuery, offset: int, limit: int,
                   total: int) -> list[FollowUpRow]:
    """Rows offset..offset+limit of the list, soonest due first; ``total`` is the count."""
    query = _scoped(uow, query)
    with uow:
        rows = uow.follow_ups.page(query.selection, offset, limit, total)
    return [_row(r, query.as_of) for r in rows]


def open_follow_ups(uow: UnitOfWork, query: FollowUpQuery) -> Iterator[FollowUpRow]:
    """Every matching follow-up, soonest due first, streamed. An unknown practice is reported
    here, before the first row is written anywhere."""
    query = _scoped(uow, query)
    if query.practice_code:
        with uow:
            _check_practice(uow, query.practice_code)
    return _stream(uow, query)


def _stream(uow: UnitOfWork, query: FollowUpQuery) -> Iterator[FollowUpRow]:
    with uow:
        for r in uow.follow_ups.open_rows(query.selection):
            yield _row(r, query.as_of)


def _row(r: Mapping[Any, Any], as_of: date) -> FollowUpRow:
    until = (r["due_on"] - as_of).days
    code = r["result_code"]
    info = code_info(code) if code else None
    return FollowUpRow(
        follow_up_id=r["follow_up_id"], version=r["version"], patient_id=r["patient_id"],
        nhs_number=r["nhs_number"], given_name=r["given_name"], family_name=r["family_name"],
        practice_code=r["practice_code"], action=r["action"], assigned_to=r["assigned_to"],
        due_on=r["due_on"], days_overdue=max(0, -until), days_until_due=until,
        result_label=(info.label if info else code) if code else "",
        result_value=r["result_value"], result_unit=r["result_unit"] or "",
        result_on=r["result_on"],
    )


def complete_follow_up(uow: UnitOfWork, follow_up_id: int, done_on: date, outcome: str,
                       expected_version: int, *, today: date | None = None) -> None:
    """Record a follow-up as done on ``done_on`` with what was done.

    ``expected_version`` is the version the user was shown (``FollowUpRow.version``). Raises
    FollowUpChanged if the follow-up changed since then (including someone else closing it),
    FollowUpAlreadyDone if it was already done at that version, and ValueError for a missing
    outcome, a date in the future or before the result that raised it, or an unknown id.

    The date is not checked against when the row was created: follow-ups imported or built
    for the demo are created today for results months old, and may rightly be done earlier.
    """
    today = today or date.today()
    outcome = outcome.strip()
    if not outcome:
        raise ValueError("Say what was done (the outcome) before recording it as done.")
    if done_on > today:
        raise ValueError(f"The date done ({format_uk_date(done_on)}) is in the future.")
    with uow:
        state = uow.follow_ups.state(follow_up_id)
        if state is None:
            raise ValueError(f"There is no follow-up {follow_up_id}.")
        require_patient(uow, Permission.RECORD_CHECKS, state.patient_id)
        if state.version != expected_version:
            raise FollowUpChanged()
        if state.done_on is not None:
            raise FollowUpAlreadyDone(state.done_on)
        if state.result_on is not None and done_on < state.result_on:
            raise ValueError(f"The date done ({format_uk_date(done_on)}) is before the result "
                             f"that raised it ({format_uk_date(state.result_on)}).")
        if not uow.follow_ups.complete(follow_up_id, done_on, outcome, expected_version):
            raise FollowUpChanged()
        audit.record(uow, "update", "follow_up", follow_up_id,
                     before={"done_on": None}, after={"done_on": done_on,
                                                         "outcome_chars": len(outcome)})
        uow.commit()


def follow_up_state(uow: UnitOfWork, follow_up_id: int) -> FollowUpState:
    """The follow-up's current version and whether it is done; ValueError if there is none."""
    require(uow, Permission.VIEW_REGISTER)
    with uow:
        state = uow.follow_ups.state(follow_up_id)
        if state is None:
            raise ValueError(f"There is no follow-up {follow_up_id}.")
        require_patient(uow, Permission.VIEW_REGISTER, state.patient_id)
    return state
