"""The follow-up list across the caseload: every action an abnormal result raised that is not
yet done, soonest due first, and recording one as done.

A follow-up stays open until someone records it as done with an outcome. Two people may open
the same follow-up; the second to save is told it changed, never silently overwrites it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Protocol

from facilitator_app.domain.codes import code_info
from facilitator_app.services.caseload import UnknownPractice
from facilitator_app.services.ports import UnitOfWork

__all__ = [
    "FollowUpChanged",
    "FollowUpFilter",
    "FollowUpQuery",
    "FollowUpRow",
    "FollowUpsQueries",
    "complete_follow_up",
    "count_open_follow_ups",
    "open_follow_ups",
]


class FollowUpsQueries(Protocol):
    def count_open(self, practice_code: str | None, due_before: date | None,
                   assigned_to: str | None) -> int: ...

    def open_rows(self, practice_code: str | None, due_before: date | None,
                  assigned_to: str | None) -> Iterator[dict[str, Any]]: ...

    def state(self, follow_up_id: int) -> tuple[int, date | None, date] | None: ...

    def complete(self, follow_up_id: int, done_on: date, outcome: str,
                 expected_version: int) -> bool: ...


class FollowUpFilter(StrEnum):
    OPEN = "open"
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"  # overdue or due within ``due_within_days``

    @property
    def label(self) -> str:
        return {"open": "All open", "overdue": "Overdue",
                "due_soon": "Overdue or due in 14 days"}[self.value]


@dataclass(frozen=True)
class FollowUpQuery:
    as_of: date
    practice_code: str | None = None
    show: FollowUpFilter = FollowUpFilter.OPEN
    due_within_days: int = 14
    assigned_to: str | None = None

    @property
    def due_before(self) -> date | None:
        if self.show is FollowUpFilter.OVERDUE:
            return self.as_of
        if self.show is FollowUpFilter.DUE_SOON:
            return self.as_of + timedelta(days=self.due_within_days + 1)
        return None


@dataclass(frozen=True)
class FollowUpRow:
    follow_up_id: int
    version: int
    patient_id: int
    nhs_number: str
    given_name: str
    family_name: str
    practice_code: str
    action: str
    assigned_to: str
    due_on: date
    days_overdue: int  # 0 when not yet due
    result: str  # the reading that raised it, "" when none is linked

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0


class FollowUpChanged(Exception):
    """The follow-up was changed (or closed) by someone else since it was read."""


def _check_practice(uow: UnitOfWork, practice_code: str | None) -> None:
    if practice_code and not uow.register.practice_exists(practice_code):
        raise UnknownPractice(practice_code)


def count_open_follow_ups(uow: UnitOfWork, query: FollowUpQuery) -> int:
    with uow:
        _check_practice(uow, query.practice_code)
        return uow.follow_ups.count_open(query.practice_code, query.due_before,
                                         query.assigned_to)


def open_follow_ups(uow: UnitOfWork, query: FollowUpQuery) -> Iterator[FollowUpRow]:
    """Open follow-ups, soonest due first (so the most overdue lead)."""
    with uow:
        _check_practice(uow, query.practice_code)
        for r in uow.follow_ups.open_rows(query.practice_code, query.due_before,
                                          query.assigned_to):
            yield FollowUpRow(
                follow_up_id=r["id"], version=r["version"], patient_id=r["patient_id"],
                nhs_number=r["nhs_number"], given_name=r["given_name"],
                family_name=r["family_name"], practice_code=r["practice_code"],
                action=r["action"], assigned_to=r["assigned_to"], due_on=r["due_on"],
                days_overdue=max(0, (query.as_of - r["due_on"]).days),
                result=_result_text(r))


def _result_text(row: dict[str, Any]) -> str:
    code = row["result_code"]
    if code is None:
        return ""
    info = code_info(code)
    label = info.label if info else code
    value, unit = row["result_value"], row["result_unit"]
    shown = "" if value is None else f" {value:g}" + (f" {unit}" if unit else "")
    return f"{label}{shown} on {row['result_on']:%d/%m/%Y}"


def complete_follow_up(uow: UnitOfWork, follow_up_id: int, done_on: date, outcome: str,
                       expected_version: int, today: date) -> None:
    """Record a follow-up as done. Raises ValueError for bad input (future date, no outcome,
    no such follow-up, already done) and FollowUpChanged when someone else changed it."""
    outcome = outcome.strip()
    if not outcome:
        raise ValueError("Say what was done (the outcome) before closing the follow-up.")
    if done_on > today:
        raise ValueError(f"The date done ({done_on:%d/%m/%Y}) is in the future.")
    with uow:
        state = uow.follow_ups.state(follow_up_id)
        if state is None:
            raise ValueError(f"There is no follow-up {follow_up_id}.")
        version, already_done, _created_on = state
        if already_done is not None and version == expected_version:
            raise ValueError(f"This follow-up was already recorded as done on "
                             f"{already_done:%d/%m/%Y}.")
        if not uow.follow_ups.complete(follow_up_id, done_on, outcome, expected_version):
            raise FollowUpChanged("Someone else changed this follow-up since you opened it. "
                                  "Reload the list to see what they recorded.")
        uow.commit()
