"""The record QRISK3 needs for one person at a date (services/qrisk_record.py).

A handful of indexed reads for one patient (``ix_observation_patient_element_date``): this is
for a screen or a saved check, not the whole register.
"""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from db.models import ClinicalCondition, Observation, Patient, SmiDiagnosis
from facilitator_app.domain import codes
from facilitator_app.domain.checks import Element
from facilitator_app.domain.qrisk_mapping import SBP_SD_YEARS
from facilitator_app.services.qrisk_record import (
    SMOKING_STATUS_CODES,
    SYSTOLIC_CODES,
    QriskFacts,
    SystolicReading,
)

# When one day holds two statuses (an import and a form, say), the one with more risk wins.
_STATUS_RANK = {codes.SMOKER: 0, codes.EX_SMOKER: 1, codes.NEVER_SMOKED: 2}


class SqlQriskQueries:
    def __init__(self, session: Session) -> None:
        self._session = session

    def qrisk_facts(self, patient_id: int, at: date) -> QriskFacts | None:
        s = self._session
        patient = s.execute(
            select(Patient.date_of_birth, Patient.sex, Patient.ethnicity)
            .where(Patient.id == patient_id)
        ).first()
        if patient is None:
            return None
        smi_on = s.scalar(
            select(func.min(SmiDiagnosis.diagnosed_on))
            .where(SmiDiagnosis.patient_id == patient_id, SmiDiagnosis.diagnosed_on <= at)
        )

        def on_or_before(*codes_: str) -> list[tuple[str, float | None, date]]:
            rows = s.execute(
                select(Observation.code, Observation.value, Observation.observed_on)
                .where(Observation.patient_id == patient_id, Observation.code.in_(codes_),
                       Observation.observed_on <= at)
                .order_by(Observation.observed_on.desc(), Observation.id.desc())
                .limit(20)
            ).all()
            return [(c, v, d) for c, v, d in rows]

        smoking: tuple[str, date] | None = None
        cigarettes: float | None = None
        statuses = on_or_before(*SMOKING_STATUS_CODES)
        if statuses:
            latest_on = statuses[0][2]
            status = min((c for c, _, d in statuses if d == latest_on),
                         key=lambda c: _STATUS_RANK[c])
            smoking = (status, latest_on)
            cigarettes = s.scalar(
                select(Observation.value).where(
                    Observation.patient_id == patient_id,
                    Observation.code == codes.CIGARETTES_PER_DAY,
                    Observation.observed_on == latest_on,
                )
            )

        bmi_rows = [(v, d) for _, v, d in on_or_before(codes.BMI) if v is not None]
        hdl = aliased(Observation)
        lipids_row = s.execute(
            select(Observation.value, hdl.value, Observation.observed_on)
            .join(hdl, and_(hdl.patient_id == Observation.patient_id,
                            hdl.observed_on == Observation.observed_on,
                            hdl.code == codes.HDL_CHOLESTEROL))
            .where(Observation.patient_id == patient_id,
                   Observation.element == Element.LIPIDS.value,
                   Observation.code == codes.TOTAL_CHOLESTEROL,
                   Observation.observed_on <= at,
                   Observation.value.is_not(None), hdl.value.is_not(None))
            .order_by(Observation.observed_on.desc())
            .limit(1)
        ).first()

        lipids: tuple[float, float, date] | None = None
        if lipids_row is not None and lipids_row[0] is not None and lipids_row[1] is not None:
            lipids = (float(lipids_row[0]), float(lipids_row[1]), lipids_row[2])

        since = at - relativedelta(years=SBP_SD_YEARS)
        systolic = s.execute(
            select(Observation.value, Observation.observed_on, Observation.code)
            .where(Observation.patient_id == patient_id,
                   Observation.element == Element.BLOOD_PRESSURE.value,
                   Observation.code.in_(SYSTOLIC_CODES),
                   Observation.observed_on > since, Observation.observed_on <= at,
                   Observation.value.is_not(None))
        ).all()
        readings = sorted(
            (SystolicReading(float(v), d, c) for v, d, c in systolic if v is not None),
            key=lambda r: (r.observed_on, r.code == codes.SYSTOLIC_BP), reverse=True,
        )

        latest: dict[str, tuple[bool, date]] = {}
        for condition, present, recorded_on in s.execute(
            select(ClinicalCondition.condition, ClinicalCondition.present,
                   ClinicalCondition.recorded_on)
            .where(ClinicalCondition.patient_id == patient_id,
                   ClinicalCondition.recorded_on <= at)
            .order_by(ClinicalCondition.recorded_on)
        ):
            latest[condition] = (present, recorded_on)

        return QriskFacts(
            date_of_birth=patient.date_of_birth,
            sex=patient.sex,
            ethnicity=patient.ethnicity,
            smi_diagnosed_on=smi_on,
            smoking=smoking,
            cigarettes_per_day=cigarettes,
            bmi=bmi_rows[0] if bmi_rows else None,
            lipids=lipids,
            systolic=tuple(readings),
            conditions=tuple((c, p, d) for c, (p, d) in latest.items()),
        )
