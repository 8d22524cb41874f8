"""Writes for recording one physical health check (services/record_check.py).

One patient, one date, a few dozen rows: the ORM is used so the ``version`` column guards
updates (a reading someone else changed meanwhile raises rather than being overwritten).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select, update

from db.models import CareAdjustment, ClinicalCondition, FollowUp, Observation, Patient
from db.queries.qrisk import SqlQriskQueries
from db.queries.recall import refresh_recall_anchor
from facilitator_app.domain import codes
from facilitator_app.domain.checks import Element
from facilitator_app.services.record_check import (
    CheckPatient,
    ExistingFollowUp,
    FollowUpRow,
    ObservationRow,
)


class SqlCheckWriter(SqlQriskQueries):
    """Also answers ``qrisk_facts`` (SqlQriskQueries): the score of a check is computed from
    the record inside the transaction that writes the check."""

    def patient(self, patient_id: int) -> CheckPatient | None:
        row = self._session.execute(
            select(Patient.date_of_birth, Patient.sex, Patient.ethnicity)
            .where(Patient.id == patient_id)
        ).first()
        return None if row is None else CheckPatient(row[0], row[1], row[2])

    def upsert_observations(
        self, patient_id: int, observed_on: date, rows: Sequence[ObservationRow], source: str
    ) -> tuple[dict[str, int], int, int]:
        s = self._session
        existing = {
            o.code: o
            for o in s.scalars(
                select(Observation).where(
                    Observation.patient_id == patient_id,
                    Observation.observed_on == observed_on,
                    Observation.code.in_([r.code for r in rows]),
                )
            )
        }
        added = changed = 0
        kept: dict[str, Observation] = {}
        for r in rows:
            obs = existing.get(r.code)
            if obs is None:
                obs = Observation(patient_id=patient_id, element=r.element, code=r.code,
                                  value=r.value, unit=r.unit, observed_on=observed_on,
                                  source=source)
                s.add(obs)
                added += 1
            elif (obs.value, obs.unit, obs.element) != (r.value, r.unit, r.element):
                obs.value, obs.unit, obs.element, obs.source = r.value, r.unit, r.element, source
                changed += 1
            kept[r.code] = obs
        s.flush()
        return {code: obs.id for code, obs in kept.items()}, added, changed

    def upsert_adjustments(self, patient_id: int, recorded_on: date,
                           rows: Sequence[tuple[str, str, str]]) -> int:
        s = self._session
        existing = {
            a.element: a
            for a in s.scalars(
                select(CareAdjustment).where(
                    CareAdjustment.patient_id == patient_id,
                    CareAdjustment.recorded_on == recorded_on,
                    CareAdjustment.element.in_([element for element, _, _ in rows]),
                )
            )
        }
        written = 0
        for element, reason, code in rows:
            adj = existing.get(element)
            if adj is None:
                s.add(CareAdjustment(patient_id=patient_id, reason=reason, code=code,
                                     element=element, recorded_on=recorded_on))
                written += 1
            elif (adj.reason, adj.code) != (reason, code):
                adj.reason, adj.code = reason, code
                written += 1
        s.flush()
        return written

    def upsert_conditions(self, patient_id: int, recorded_on: date,
                          rows: Sequence[tuple[str, bool]]) -> int:
        s = self._session
        existing = {
            c.condition: c
            for c in s.scalars(
                select(ClinicalCondition).where(
                    ClinicalCondition.patient_id == patient_id,
                    ClinicalCondition.recorded_on == recorded_on,
                    ClinicalCondition.condition.in_([name for name, _ in rows]),
                )
            )
        }
        written = 0
        for name, present in rows:
            cond = existing.get(name)
            if cond is None:
                s.add(ClinicalCondition(patient_id=patient_id, condition=name, present=present,
                                        recorded_on=recorded_on))
                written += 1
            elif cond.present != present:
                cond.present = present
                written += 1
        s.flush()
        return written

    def latest_weight_before(self, patient_id: int, before: date,
                             since: date) -> tuple[float, date] | None:
        row = self._session.execute(
            select(Observation.value, Observation.observed_on)
            .where(Observation.patient_id == patient_id,
                   Observation.element == Element.WEIGHT.value,
                   Observation.code == codes.WEIGHT,
                   Observation.observed_on < before, Observation.observed_on >= since,
                   Observation.value.is_not(None))
            .order_by(Observation.observed_on.desc())
            .limit(1)
        ).first()
        return None if row is None or row[0] is None else (float(row[0]), row[1])

    def follow_ups_for(self, patient_id: int,
                       observation_ids: Sequence[int]) -> list[ExistingFollowUp]:
        if not observation_ids:
            return []
        rows = self._session.execute(
            select(FollowUp.id, FollowUp.observation_id, FollowUp.action, FollowUp.done_on)
            .where(FollowUp.patient_id == patient_id,
                   FollowUp.observation_id.in_(observation_ids))
        ).all()
        return [ExistingFollowUp(i, o, a, d) for i, o, a, d in rows]

    def add_follow_ups(self, patient_id: int, rows: Sequence[FollowUpRow]) -> None:
        self._session.add_all(
            FollowUp(patient_id=patient_id, observation_id=r.observation_id, action=r.action,
                     assigned_to=r.assigned_to, due_on=r.due_on)
            for r in rows
        )
        self._session.flush()

    def close_follow_ups(self, ids: Sequence[int], done_on: date, outcome: str) -> None:
        self._session.execute(
            update(FollowUp)
            .where(FollowUp.id.in_(ids), FollowUp.done_on.is_(None))
            .values(done_on=done_on, outcome=outcome, version=FollowUp.version + 1)
            .execution_options(synchronize_session=False)
        )

    def refresh_recall_anchor(self, patient_id: int) -> None:
        refresh_recall_anchor(self._session, select(Patient.id).where(Patient.id == patient_id))

    def claim_patient(self, patient_id: int, expected_version: int | None) -> bool:
        stmt = update(Patient).where(Patient.id == patient_id).values(version=Patient.version + 1)
        if expected_version is not None:
            stmt = stmt.where(Patient.version == expected_version)
        result = self._session.execute(stmt.execution_options(synchronize_session=False))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def readings_on(self, patient_id: int, observed_on: date,
                    codes: Sequence[str]) -> dict[str, tuple[float | None, str | None]]:
        rows = self._session.execute(
            select(Observation.code, Observation.value, Observation.unit).where(
                Observation.patient_id == patient_id, Observation.observed_on == observed_on,
                Observation.code.in_(codes)))
        return {code: (value, unit) for code, value, unit in rows}
