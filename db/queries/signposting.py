"""The service directory and signpostings. The due list is one indexed statement."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from db.models import LocalService, Patient, Practice, Signposting
from db.queries.versioned import flush_versioned
from facilitator_app.domain.signposting import SignpostOutcome
from facilitator_app.services.signposting import (
    LocalServiceView,
    ServiceEntry,
    SignpostingDue,
    SignpostingView,
)


def _service_view(s: LocalService) -> LocalServiceView:
    return LocalServiceView(s.id, s.version, ServiceEntry(
        s.name, s.category, s.contact, s.eligibility, s.purchased, s.active))


class SqlSignpostingQueries:
    def __init__(self, session: Session) -> None:
        self._session = session

    def services(self, category: str | None, include_inactive: bool) -> list[LocalServiceView]:
        stmt = select(LocalService).order_by(LocalService.category, LocalService.name)
        if category is not None:
            stmt = stmt.where(LocalService.category == category)
        if not include_inactive:
            stmt = stmt.where(LocalService.active.is_(True))
        return [_service_view(s) for s in self._session.scalars(stmt)]

    def service(self, service_id: int) -> LocalServiceView | None:
        s = self._session.get(LocalService, service_id)
        return None if s is None else _service_view(s)

    def add_service(self, entry: ServiceEntry) -> int:
        s = LocalService(name=entry.name, category=entry.category, contact=entry.contact,
                         eligibility=entry.eligibility, purchased=entry.purchased,
                         active=entry.active)
        self._session.add(s)
        self._session.flush()
        return s.id

    def update_service(self, service_id: int, entry: ServiceEntry,
                       expected_version: int) -> bool:
        s = self._session.get(LocalService, service_id)
        if s is None or s.version != expected_version:
            return False
        s.name, s.category, s.contact = entry.name, entry.category, entry.contact
        s.eligibility, s.purchased, s.active = entry.eligibility, entry.purchased, entry.active
        return flush_versioned(self._session)

    def patient_birth_date(self, patient_id: int) -> date | None:
        return self._session.scalar(select(Patient.date_of_birth).where(Patient.id == patient_id))

    def add_signposting(self, patient_id: int, service_id: int, on: date, reason: str,
                        follow_up_on: date | None) -> int:
        s = Signposting(patient_id=patient_id, service_id=service_id, signposted_on=on,
                        reason=reason, follow_up_on=follow_up_on)
        self._session.add(s)
        self._session.flush()
        return s.id

    def _views(self, where: list[object]) -> list[SignpostingView]:
        rows = self._session.execute(
            select(Signposting.id, Signposting.version, Signposting.service_id,
                   LocalService.name, LocalService.category, Signposting.signposted_on,
                   Signposting.reason, Signposting.follow_up_on, Signposting.outcome,
                   Signposting.outcome_on, Signposting.patient_id)
            .join(LocalService, LocalService.id == Signposting.service_id)
            .where(*where)  # type: ignore[arg-type]
            .order_by(Signposting.signposted_on.desc(), Signposting.id.desc()))
        return [SignpostingView(*tuple(row)) for row in rows]

    def signposting(self, signposting_id: int) -> SignpostingView | None:
        found = self._views([Signposting.id == signposting_id])
        return found[0] if found else None

    def set_outcome(self, signposting_id: int, outcome: str, on: date,
                    follow_up_on: date | None, expected_version: int) -> bool:
        s = self._session.get(Signposting, signposting_id)
        if s is None or s.version != expected_version:
            return False
        s.outcome, s.outcome_on, s.follow_up_on = outcome, on, follow_up_on
        return flush_versioned(self._session)

    def for_patient(self, patient_id: int, since: date | None) -> list[SignpostingView]:
        where: list[object] = [Signposting.patient_id == patient_id]
        if since is not None:
            where.append(Signposting.signposted_on >= since)
        return self._views(where)

    def due(self, as_of: date, practice_code: str | None) -> list[SignpostingDue]:
        stmt = (
            select(Signposting.id, Signposting.version, Patient.id, Patient.nhs_number,
                   Patient.given_name, Patient.family_name, Practice.code, LocalService.name,
                   LocalService.category, Signposting.signposted_on, Signposting.follow_up_on,
                   Signposting.outcome)
            .join(Patient, Patient.id == Signposting.patient_id)
            .join(Practice, Practice.id == Patient.practice_id)
            .join(LocalService, LocalService.id == Signposting.service_id)
            .where(Signposting.follow_up_on <= as_of,
                   or_(Signposting.outcome.is_(None),
                       Signposting.outcome == SignpostOutcome.WAITING.value))
            .order_by(Signposting.follow_up_on, Signposting.id))
        if practice_code is not None:
            stmt = stmt.where(Practice.code == practice_code)
        return [SignpostingDue(*tuple(row)) for row in self._session.execute(stmt)]
