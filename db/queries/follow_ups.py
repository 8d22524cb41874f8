"""Open follow-up actions across the caseload, and recording one as done.

The list walks ``ix_follow_up_open_due`` (open ones, soonest due first) joined to the patient,
the practice and the result that raised it. It is counted and read a page at a time (or
streamed, for an export) and never becomes a list of ORM objects. Completing goes through the
ORM so the mapper's ``version_id_col`` guards the UPDATE: a follow-up changed by someone else
since it was read is reported, never overwritten.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from db.models import FollowUp, Observation, Patient, Practice
from db.queries.versioned import flush_versioned
from facilitator_app.services.follow_ups import FollowUpSelection, FollowUpState

_ROW_COLUMNS = (
    FollowUp.id.label("follow_up_id"),
    FollowUp.version,
    FollowUp.patient_id,
    Patient.nhs_number,
    Patient.given_name,
    Patient.family_name,
    Practice.code.label("practice_code"),
    FollowUp.action,
    FollowUp.assigned_to,
    FollowUp.due_on,
    Observation.code.label("result_code"),
    Observation.value.label("result_value"),
    Observation.unit.label("result_unit"),
    Observation.observed_on.label("result_on"),
)


class SqlFollowUpQueries:
    def __init__(self, session: Session) -> None:
        self._session = session

    def _conditions(self, selection: FollowUpSelection) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [FollowUp.done_on.is_(None)]
        if selection.practice_code:
            # the practice's key, looked up once, so the filter needs no join to practice
            practice_id = self._session.scalar(
                select(Practice.id).where(Practice.code == selection.practice_code))
            conditions.append(Patient.practice_id == (practice_id or -1))
        if selection.due_before is not None:
            conditions.append(FollowUp.due_on < selection.due_before)
        if selection.assigned_to:
            conditions.append(FollowUp.assigned_to == selection.assigned_to)
        return conditions

    def count_open(self, selection: FollowUpSelection) -> int:
        stmt = select(func.count()).select_from(FollowUp)
        if selection.practice_code:
            stmt = stmt.join(Patient, Patient.id == FollowUp.patient_id)
        return int(self._session.scalar(stmt.where(*self._conditions(selection))) or 0)

    def _rows(self, selection: FollowUpSelection, descending: bool) -> Select[*tuple[Any, ...]]:
        order = ((FollowUp.due_on.desc(), FollowUp.id.desc()) if descending
                 else (FollowUp.due_on.asc(), FollowUp.id.asc()))
        return (
            select(*_ROW_COLUMNS)
            .join(Patient, Patient.id == FollowUp.patient_id)
            .join(Practice, Practice.id == Patient.practice_id)
            .outerjoin(Observation, Observation.id == FollowUp.observation_id)
            .where(*self._conditions(selection))
            .order_by(*order)
        )

    def page(self, selection: FollowUpSelection, offset: int, limit: int,
             total: int) -> list[Mapping[Any, Any]]:
        """Rows offset..offset+limit, soonest due first. OFFSET costs the rows it skips, so
        pages past the middle are read from the other end in reverse, as the caseload does."""
        if limit <= 0 or offset >= total:
            return []
        limit = min(limit, total - offset)
        from_end = offset > total // 2
        if from_end:
            offset = total - offset - limit
        stmt = self._rows(selection, from_end).offset(offset).limit(limit)
        rows: list[Mapping[Any, Any]] = list(self._session.execute(stmt).mappings())
        if from_end:
            rows.reverse()
        return rows

    def open_rows(self, selection: FollowUpSelection) -> Iterator[Mapping[Any, Any]]:
        """Every matching row, streamed in pages of 2,000 (for CSV and the command line)."""
        stmt = self._rows(selection, False).execution_options(yield_per=2000)
        yield from self._session.execute(stmt).mappings()

    def state(self, follow_up_id: int) -> FollowUpState | None:
        row = self._session.execute(
            select(FollowUp.version, FollowUp.done_on, Observation.observed_on,
                   FollowUp.patient_id)
            .outerjoin(Observation, Observation.id == FollowUp.observation_id)
            .where(FollowUp.id == follow_up_id)).first()
        if row is None:
            return None
        version, done_on, result_on, patient_id = row
        return FollowUpState(version=version, done_on=done_on, result_on=result_on,
                             patient_id=patient_id)

    def complete(self, follow_up_id: int, done_on: date, outcome: str,
                 expected_version: int) -> bool:
        """Record it as done if it is still open at ``expected_version``; False if not.

        The UPDATE the ORM emits carries ``WHERE version = <the version loaded>``, so a change
        committed between our read and our write matches no row and raises StaleDataError
        instead of being overwritten.
        """
        follow_up = self._session.get(FollowUp, follow_up_id)
        if (follow_up is None or follow_up.version != expected_version
                or follow_up.done_on is not None):
            return False
        follow_up.done_on = done_on
        follow_up.outcome = outcome
        return flush_versioned(self._session)
