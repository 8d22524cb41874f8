"""Everything the patient panel shows about one person, read in a handful of indexed queries."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import (
    FollowUp,
    MedicationIssue,
    Observation,
    Patient,
    Practice,
    Remission,
    SmiDiagnosis,
)
from facilitator_app.services.ports import FollowUpView, ObservationFact, PatientFacts

LITHIUM = "lithium"


class SqlPatientQueries:
    def __init__(self, session: Session) -> None:
        self._session = session

    def id_for_nhs_number(self, nhs_number: str) -> int | None:
        return self._session.scalar(select(Patient.id).where(Patient.nhs_number == nhs_number))

    def practice_code_of(self, patient_id: int) -> str | None:
        return self._session.scalar(select(Practice.code).join(Patient.practice)
                                    .where(Patient.id == patient_id))

    def facts(self, patient_id: int) -> PatientFacts | None:
        s = self._session
        row = s.execute(
            select(Patient, Practice.code, Practice.name)
            .join(Practice, Practice.id == Patient.practice_id)
            .where(Patient.id == patient_id)
        ).first()
        if row is None:
            return None
        patient, practice_code, practice_name = row
        diagnoses = s.execute(
            select(SmiDiagnosis.code, SmiDiagnosis.category, SmiDiagnosis.diagnosed_on)
            .where(SmiDiagnosis.patient_id == patient_id)
            .order_by(SmiDiagnosis.diagnosed_on)
        ).all()
        remissions = s.scalars(
            select(Remission.recorded_on).where(Remission.patient_id == patient_id)
        ).all()
        lithium = s.execute(
            select(MedicationIssue.issued_on, MedicationIssue.stopped).where(
                MedicationIssue.patient_id == patient_id, MedicationIssue.drug == LITHIUM
            )
        ).all()
        observations = s.execute(
            select(
                Observation.element,
                Observation.code,
                Observation.value,
                Observation.unit,
                Observation.observed_on,
            )
            .where(Observation.patient_id == patient_id)
            .order_by(Observation.observed_on.desc(), Observation.id.desc())
        ).all()
        latest: dict[str, ObservationFact] = {}
        for element, code, value, unit, observed_on in observations:
            latest.setdefault(code, ObservationFact(element, code, value, unit, observed_on))
        follow_ups = s.execute(
            select(FollowUp.action, FollowUp.assigned_to, FollowUp.due_on, FollowUp.done_on)
            .where(FollowUp.patient_id == patient_id)
            .order_by(FollowUp.done_on.is_not(None), FollowUp.due_on)
        ).all()
        return PatientFacts(
            version=patient.version,
            patient_id=patient.id,
            nhs_number=patient.nhs_number,
            given_name=patient.given_name,
            family_name=patient.family_name,
            date_of_birth=patient.date_of_birth,
            sex=patient.sex,
            ethnicity=patient.ethnicity,
            address=patient.address,
            postcode=patient.postcode,
            practice_code=practice_code,
            practice_name=practice_name,
            diagnoses=tuple((c, cat, d) for c, cat, d in diagnoses),
            remission_dates=tuple(remissions),
            lithium_issue_dates=tuple(d for d, stopped in lithium if not stopped),
            lithium_stop_dates=tuple(d for d, stopped in lithium if stopped),
            latest_observations=tuple(latest.values()),
            follow_ups=tuple(FollowUpView(a, who, due, done) for a, who, due, done in follow_ups),
        )
