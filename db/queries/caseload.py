"""Caseload paging: filter, sort and count the register with indexed range predicates.

Recall status is a comparison of ``patient.core_check_oldest_on`` with two cut-off dates the
service computes from the recall rule, so filtering and sorting by status use an index instead
of aggregating observations for every patient on every scroll. The comparisons are on
``recall_key``, the anchor with never-recorded as a date before any real one, which is what
the recall indexes hold: "overdue" (never recorded, or last done before the cut-off) is then
one index range, read and counted from either end, not a scan of the whole index.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import UnaryExpression

from db.models import FollowUp, Patient, Practice
from db.queries.patient_columns import PATIENT_LIST_COLUMNS
from db.queries.recall import recall_key
from facilitator_app.domain.checks import RecallStatus
from facilitator_app.domain.names import search_prefix_key
from facilitator_app.services.ports import (
    CaseloadFilter,
    CaseloadQuery,
    CaseloadRow,
    CaseloadSort,
    PracticeRow,
    RecallCutoffs,
)


def _prefix_range(column: Any, prefix: str) -> ColumnElement[bool]:
    """``column LIKE 'prefix%'`` as a range both SQLite and PostgreSQL answer from an index."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < upper)


def open_follow_up_patients() -> Select[Any]:
    return select(FollowUp.patient_id).where(FollowUp.done_on.is_(None))


class SqlCaseloadQueries:
    def __init__(self, session: Session) -> None:
        self._session = session

    def practices(self) -> list[PracticeRow]:
        counts = (
            select(Patient.practice_id, func.count().label("n"))
            .group_by(Patient.practice_id)
            .subquery()
        )
        stmt = (
            select(Practice.code, Practice.name, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.practice_id == Practice.id)
            .order_by(Practice.name)
        )
        return [PracticeRow(code, name, n) for code, name, n in self._session.execute(stmt)]

    def _conditions(
        self, query: CaseloadQuery, cutoffs: RecallCutoffs
    ) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if query.practice_code:
            practice_id = self._session.scalar(
                select(Practice.id).where(Practice.code == query.practice_code)
            )
            conditions.append(Patient.practice_id == (practice_id or -1))
        text = query.text.strip()
        if text:
            digits = text.replace(" ", "").replace("-", "")
            if digits.isdigit():
                conditions.append(_prefix_range(Patient.nhs_number, digits))
            else:
                conditions.append(_prefix_range(Patient.sort_name, search_prefix_key(text)))
        anchor = recall_key()
        if query.status is CaseloadFilter.OVERDUE:
            conditions.append(anchor < cutoffs.overdue_before)
        elif query.status is CaseloadFilter.DUE:
            conditions.append(
                and_(anchor >= cutoffs.overdue_before, anchor < cutoffs.due_soon_before)
            )
        elif query.status is CaseloadFilter.DONE:
            conditions.append(anchor >= cutoffs.due_soon_before)
        elif query.status is CaseloadFilter.FOLLOW_UP:
            conditions.append(Patient.id.in_(open_follow_up_patients()))
        return conditions

    def count(self, query: CaseloadQuery, cutoffs: RecallCutoffs) -> int:
        stmt = select(func.count()).select_from(Patient).where(*self._conditions(query, cutoffs))
        return int(self._session.scalar(stmt) or 0)

    def page(
        self, query: CaseloadQuery, cutoffs: RecallCutoffs, offset: int, limit: int, total: int
    ) -> list[CaseloadRow]:
        """OFFSET costs the rows skipped, so pages past the middle are read from the other end
        in reverse order: the last page of 1,000,000 costs what the first does."""
        if limit <= 0 or offset >= total:
            return []
        limit = min(limit, total - offset)
        from_end = offset > total // 2
        descending = query.descending != from_end
        if from_end:
            offset = total - offset - limit
        open_count = (
            select(func.count())
            .where(FollowUp.patient_id == Patient.id, FollowUp.done_on.is_(None))
            .scalar_subquery()
        )
        stmt = (
            select(
                Patient.id.label("patient_id"),
                *PATIENT_LIST_COLUMNS,
                open_count.label("open_follow_ups"),
            )
            .join(Practice, Practice.id == Patient.practice_id)
            .where(*self._conditions(query, cutoffs))
            .order_by(*_order(query.sort, descending))
            .offset(offset)
            .limit(limit)
        )
        rows = [
            # status and next_due are placeholders: the service owns the recall rule
            CaseloadRow(**r, status=RecallStatus.OVERDUE, next_due=None)
            for r in self._session.execute(stmt).mappings()
        ]
        if from_end:
            rows.reverse()
        return rows


def _order(sort: CaseloadSort, descending: bool) -> list[UnaryExpression[Any]]:
    column: Any = {
        CaseloadSort.NAME: Patient.sort_name,
        CaseloadSort.NHS_NUMBER: Patient.nhs_number,
        CaseloadSort.DATE_OF_BIRTH: Patient.date_of_birth,
        CaseloadSort.RECALL: recall_key(),  # never recorded, the most overdue, first
    }[sort]
    if descending:
        return [column.desc(), Patient.id.desc()]
    return [column.asc(), Patient.id.asc()]
