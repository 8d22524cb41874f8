"""What letters need beyond the patient record: the practice letterhead, recent declines, and
which patients a batch is for (set-based: one statement per batch, not one per patient)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import exists, false, select, true
from sqlalchemy.orm import Session

from db.models import CareAdjustment, FollowUp, Observation, Patient, Practice
from db.queries.recall import recall_key
from db.queries.register import register_membership
from db.queries.versioned import flush_versioned
from facilitator_app.domain.checks import CORE_ELEMENTS
from facilitator_app.services.letterhead import LetterheadSettings
from facilitator_app.services.letters import AgreedAction, Letterhead

CORE = [e.value for e in CORE_ELEMENTS]


class SqlLetterQueries:
    def __init__(self, session: Session) -> None:
        self._session = session

    def letterhead(self, patient_id: int) -> Letterhead | None:
        """The letterhead of the patient's practice."""
        row = self._session.execute(
            select(Practice.name, Practice.address, Practice.phone, Practice.logo)
            .join(Patient, Patient.practice_id == Practice.id)
            .where(Patient.id == patient_id)).first()
        return None if row is None else Letterhead(row[0], row[1], row[2], row[3])

    def agreed_actions(self, patient_id: int, since: date) -> list[AgreedAction]:
        """Follow-ups raised for readings taken since ``since``, with the reading's element
        and date, so each result that needs attention can say what was agreed."""
        rows = self._session.execute(
            select(Observation.element, Observation.observed_on, FollowUp.action,
                   FollowUp.assigned_to, FollowUp.due_on, FollowUp.done_on, FollowUp.outcome)
            .join(Observation, Observation.id == FollowUp.observation_id)
            .where(FollowUp.patient_id == patient_id, Observation.observed_on >= since)
            .order_by(FollowUp.due_on, FollowUp.id))
        return [AgreedAction(*row) for row in rows]

    def adjustments_since(self, patient_id: int, since: date) -> list[tuple[str, str | None, date]]:
        """Declined / unsuitable records since ``since``: (reason, element or None, date)."""
        return [(r, e, d) for r, e, d in self._session.execute(
            select(CareAdjustment.reason, CareAdjustment.element, CareAdjustment.recorded_on)
            .where(CareAdjustment.patient_id == patient_id, CareAdjustment.recorded_on >= since,
                   CareAdjustment.reason.in_(("declined", "unsuitable"))))]

    def checked_between(self, practice_code: str, start: date, end: date) -> list[int]:
        """Patients of one practice with any core check element recorded in [start, end]."""
        stmt: Any = (
            select(Patient.id)
            .join(Practice, Practice.id == Patient.practice_id)
            .where(Practice.code == practice_code,
                   exists(select(Observation.id).where(
                       Observation.patient_id == Patient.id, Observation.element.in_(CORE),
                       Observation.observed_on.between(start, end))))
            .order_by(Patient.sort_name, Patient.id))
        return list(self._session.scalars(stmt))

    def due(self, practice_code: str, due_before: date, today: date) -> list[int]:
        """Patients of one practice who should have checks (diagnosis, not in remission) and
        whose oldest core element falls due before ``due_before`` (never done included)."""
        reg = register_membership(today)
        stmt: Any = (
            select(Patient.id)
            .join(Practice, Practice.id == Patient.practice_id)
            .join(reg, reg.c.patient_id == Patient.id)
            .where(Practice.code == practice_code, reg.c.on_mh1 == true(),
                   reg.c.in_remission == false(),
                   recall_key() < due_before)
            .order_by(Patient.sort_name, Patient.id))
        return list(self._session.scalars(stmt))


class SqlLetterheadStore:
    def __init__(self, session: Session) -> None:
        self._session = session

    def practice_letterhead(self, practice_code: str) -> LetterheadSettings | None:
        practice = self._session.scalars(
            select(Practice).where(Practice.code == practice_code)).one_or_none()
        if practice is None:
            return None
        return LetterheadSettings(practice.code, Letterhead(
            practice.name, practice.address, practice.phone, practice.logo), practice.version)

    def save_letterhead(self, practice_code: str, letterhead: Letterhead,
                        expected_version: int) -> bool:
        """Writes it if the row is still at ``expected_version``; False if someone else saved
        first (checked here and by the ORM's versioned UPDATE, which matches no row then)."""
        practice = self._session.scalars(
            select(Practice).where(Practice.code == practice_code)).one_or_none()
        if practice is None or practice.version != expected_version:
            return False
        practice.name = letterhead.name
        practice.address = letterhead.address
        practice.phone = letterhead.phone
        practice.logo = letterhead.logo
        return flush_versioned(self._session)
