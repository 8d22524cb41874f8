"""Bulk writer for the synthetic demo register: Core executemany inserts, never one ORM object
at a time, so that 1,000,000 patients are practical."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, exists, insert, select
from sqlalchemy.orm import Session

from db.ids import uuid7
from db.models import (
    CareAdjustment,
    FollowUp,
    MedicationIssue,
    Observation,
    Patient,
    Practice,
    Remission,
    SmiDiagnosis,
)
from db.queries.recall import refresh_recall_anchor
from facilitator_app.services.ports import DemoBatch, DemoPractice


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


class SqlDemoWriter:
    def __init__(self, session: Session) -> None:
        self._session = session

    def is_empty(self) -> bool:
        return not self._session.scalar(select(exists().where(Patient.id.is_not(None))))

    def add_practices(self, practices: Sequence[DemoPractice]) -> dict[str, int]:
        for p in practices:
            self._session.add(Practice(code=p.code, name=p.name, address=p.address, phone=p.phone))
        self._session.flush()
        rows = self._session.execute(select(Practice.code, Practice.id))
        return {code: pid for code, pid in rows}

    def add_batch(self, batch: DemoBatch) -> int:
        # created_at, updated_at and version come from the server defaults
        patients = [{**p, "global_id": uuid7()} for p in batch.patients]
        ids = self._session.scalars(
            insert(_table(Patient)).returning(
                _table(Patient).c.id, sort_by_parameter_order=True
            ),
            patients,
        ).all()
        observations = len(batch.observations)
        self._link_follow_ups(batch, ids)
        for model, rows in (
            (SmiDiagnosis, batch.diagnoses),
            (Remission, batch.remissions),
            (MedicationIssue, batch.medications),
            (Observation, batch.observations),
            (CareAdjustment, batch.adjustments),
            (FollowUp, batch.follow_ups),
        ):
            if rows:
                self._session.execute(
                    insert(_table(model)),
                    [_with_patient_id(r, ids) for r in rows],
                )
        return observations

    def _link_follow_ups(self, batch: DemoBatch, ids: Sequence[int]) -> None:
        """The readings that raised follow-ups are written first, returning their keys, so each
        follow-up points at its reading as a recorded check's does. They are a few per cent of
        the readings; the rest go in with a plain executemany."""
        positions = sorted({int(str(f["observation_index"])) for f in batch.follow_ups})
        if not positions:
            for f in batch.follow_ups:
                f.pop("observation_index", None)
            return
        readings = [_with_patient_id(batch.observations[i], ids) for i in positions]
        keys = self._session.scalars(
            insert(_table(Observation)).returning(
                _table(Observation).c.id, sort_by_parameter_order=True),
            readings,
        ).all()
        key_of = dict(zip(positions, keys, strict=True))
        for f in batch.follow_ups:
            f["observation_id"] = key_of[int(str(f.pop("observation_index")))]
        linked = set(positions)
        batch.observations = [o for i, o in enumerate(batch.observations) if i not in linked]

    def refresh_recall_anchor(self) -> None:
        refresh_recall_anchor(self._session)


def _with_patient_id(row: dict[str, object], ids: Sequence[int]) -> dict[str, object]:
    """A batch row points at its patient by position; the database wants the key. Changed in
    place: the batch is thrown away after writing, and copying a million dicts is not free."""
    index = row.pop("patient_index")
    assert isinstance(index, int)
    row["patient_id"] = ids[index]
    row["global_id"] = uuid7()
    return row
