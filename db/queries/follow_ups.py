"""Open follow-up actions across the caseload, and recording one as done.

The list is one indexed query (``ix_follow_up_open_due``: open ones, soonest due first)
joined to the patient, the practice and the result that raised it; it streams rows rather than
building ORM objects. Completing uses the row's ``version``: a follow-up changed by someone
else since it was read is reported, never overwritten.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db.models import FollowUp, Observation, Patient, Practice, utcnow


def _filtered(stmt: Any, practice_code: str | None, due_before: date | None,
              assigned_to: str | None) -> Any:
    stmt = stmt.where(FollowUp.done_on.is_(None))
    if practice_code:
        stmt = stmt.where(Practice.code == practice_code)
    if due_before is not None:
        stmt = stmt.where(FollowUp.due_on < due_before)
    if assigned_to:
        stmt = stmt.where(FollowUp.assigned_to == assigned_to)
    return stmt


class SqlFollowUpQueries:
    def __init__(self, session: Session) -> None:
        self._session = session

    def count_open(self, practice_code: str | None, due_before: date | None,
                   assigned_to: str | None) -> int:
        stmt = (select(func.count()).select_from(FollowUp)
                .join(Patient, Patient.id == FollowUp.patient_id)
                .join(Practice, Practice.id == Patient.practice_id))
        return self._session.scalar(_filtered(stmt, practice_code, due_before, assigned_to)) or 0

    def open_rows(self, practice_code: str | None, due_before: date | None,
                  assigned_to: str | None) -> Iterator[dict[str, Any]]:
        stmt = (
            select(FollowUp.id, FollowUp.version, FollowUp.patient_id, Patient.nhs_number,
                   Patient.given_name, Patient.family_name, Practice.code.label("practice_code"),
                   FollowUp.action, FollowUp.assigned_to, FollowUp.due_on,
                   Observation.code.label("result_code"), Observation.value.label("result_value"),
                   Observation.unit.label("result_unit"),
                   Observation.observed_on.label("result_on"))
            .join(Patient, Patient.id == FollowUp.patient_id)
            .join(Practice, Practice.id == Patient.practice_id)
            .outerjoin(Observation, Observation.id == FollowUp.observation_id)
            .order_by(FollowUp.due_on, Patient.sort_name, FollowUp.id)
        )
        stmt = _filtered(stmt, practice_code, due_before, assigned_to)
        for row in self._session.execute(stmt.execution_options(yield_per=2000)).mappings():
            yield dict(row)

    def state(self, follow_up_id: int) -> tuple[int, date | None, date] | None:
        """(version, done_on, created on) of one follow-up, or None if there is none."""
        row = self._session.execute(
            select(FollowUp.version, FollowUp.done_on, FollowUp.created_at)
            .where(FollowUp.id == follow_up_id)).first()
        return None if row is None else (row[0], row[1], row[2].date())

    def complete(self, follow_up_id: int, done_on: date, outcome: str,
                 expected_version: int) -> bool:
        """Record it as done if it is still at ``expected_version`` and open; False if not."""
        self._session.execute(
            update(FollowUp)
            .where(FollowUp.id == follow_up_id, FollowUp.version == expected_version,
                   FollowUp.done_on.is_(None))
            .values(done_on=done_on, outcome=outcome, version=FollowUp.version + 1,
                    updated_at=utcnow())
            .execution_options(synchronize_session=False))
        # Read back rather than trust a driver's rowcount: ours is the only change that could
        # have moved the version to expected + 1 with this date and outcome.
        after = self._session.execute(
            select(FollowUp.version, FollowUp.done_on, FollowUp.outcome)
            .where(FollowUp.id == follow_up_id)).first()
        return after is not None and tuple(after) == (expected_version + 1, done_on, outcome)
