"""Use cases behind the caseload screen and ``register list``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

from facilitator_app.domain.access import Permission
from facilitator_app.domain.checks import due_soon_before, next_due, overdue_before, recall_status
from facilitator_app.services.access import practice_scope, signed_in
from facilitator_app.services.ports import (
    CaseloadQuery,
    CaseloadRow,
    PracticeRow,
    RecallCutoffs,
    RegisterEntry,
    UnitOfWork,
)


class UnknownPractice(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(f"No practice with code '{code}' in this register.")


def recall_cutoffs(today: date) -> RecallCutoffs:
    return RecallCutoffs(overdue_before(today), due_soon_before(today))


def list_practices(uow: UnitOfWork) -> list[PracticeRow]:
    """The practices the signed-in user covers: all of them, or their own."""
    actor = signed_in(uow)
    with uow:
        practices = uow.caseload.practices()
    if actor.role.practice_bound:
        return [p for p in practices if p.code == actor.practice_code]
    return practices


def _scoped(uow: UnitOfWork, query: CaseloadQuery) -> CaseloadQuery:
    return replace(query, practice_code=practice_scope(uow, Permission.VIEW_REGISTER,
                                                       query.practice_code))


def count_caseload(uow: UnitOfWork, query: CaseloadQuery, today: date) -> int:
    query = _scoped(uow, query)
    with uow:
        return uow.caseload.count(query, recall_cutoffs(today))


def caseload_page(
    uow: UnitOfWork, query: CaseloadQuery, today: date, offset: int, limit: int, total: int
) -> list[CaseloadRow]:
    """One page of the caseload in the query's order, with each row's recall status."""
    query = _scoped(uow, query)
    with uow:
        rows = uow.caseload.page(query, recall_cutoffs(today), offset, limit, total)
    return [
        replace(
            row,
            status=recall_status(row.core_check_oldest_on, today),
            next_due=next_due(row.core_check_oldest_on) if row.core_check_oldest_on else None,
        )
        for row in rows
    ]


def register_entries(
    uow: UnitOfWork, practice_code: str | None, ref: date
) -> Iterator[RegisterEntry]:
    """Everyone on the SMI register (MH001) at ``ref``, streamed in practice and name order.
    An unknown practice is reported here, before the first row is written anywhere."""
    practice_code = practice_scope(uow, Permission.VIEW_REGISTER, practice_code)
    if practice_code:
        with uow:
            if not uow.register.practice_exists(practice_code):
                raise UnknownPractice(practice_code)
    return _stream_register(uow, practice_code, ref)


def _stream_register(
    uow: UnitOfWork, practice_code: str | None, ref: date
) -> Iterator[RegisterEntry]:
    with uow:
        yield from uow.register.entries(practice_code, ref)
