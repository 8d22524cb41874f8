"""Hand-built registers for tests: a few patients whose every date is chosen on purpose."""

from __future__ import annotations

from datetime import date
from typing import cast

import facilitator_app.domain.codes as codes
from db.models import (
    FollowUp,
    MedicationIssue,
    Observation,
    Patient,
    Practice,
    Remission,
    SmiDiagnosis,
)
from db.queries.recall import refresh_recall_anchor
from db.unit_of_work import SqlAlchemyUnitOfWork
from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.checks import CORE_ELEMENTS, Element
from facilitator_app.domain.names import name_sort_key
from facilitator_app.domain.nhs_number import nhs_number_from_serial

# One representative code per core element, for tests that only care about dates.
CORE_CODE = {
    Element.BMI: codes.BMI,
    Element.BLOOD_PRESSURE: codes.SYSTOLIC_BP,
    Element.LIPIDS: codes.TOTAL_CHOLESTEROL,
    Element.GLUCOSE: codes.HBA1C,
    Element.ALCOHOL: codes.AUDIT_C,
    Element.SMOKING: codes.NEVER_SMOKED,
}


class RegisterBuilder:
    def __init__(self, ctx: AppContext) -> None:
        self.uow = cast(SqlAlchemyUnitOfWork, ctx.new_uow()).__enter__()
        self.session = self.uow.session
        self._serial = 0
        self.practices: dict[str, Practice] = {}

    def practice(self, code: str = "A00001", name: str = "Test Surgery") -> Practice:
        if code not in self.practices:
            p = Practice(code=code, name=name, address="1 Test Street\nTestville", phone="")
            self.session.add(p)
            self.session.flush()
            self.practices[code] = p
        return self.practices[code]

    def patient(
        self,
        family: str = "Smith",
        given: str = "Alex",
        *,
        practice: str = "A00001",
        dob: date = date(1970, 5, 17),
        sex: str = "F",
        diagnosed: date | None = date(2010, 3, 12),
        nhs_number: str | None = None,
    ) -> Patient:
        if nhs_number is None:
            nhs_number = nhs_number_from_serial(self._serial)
            self._serial += 1
        p = Patient(
            practice_id=self.practice(practice).id, nhs_number=nhs_number, given_name=given,
            family_name=family, sort_name=name_sort_key(family, given), date_of_birth=dob,
            sex=sex, ethnicity="A", address="2 Test Road\nTestville", postcode="TE1 1ST",
            registered_on=date(2000, 1, 1),
        )
        self.session.add(p)
        self.session.flush()
        if diagnosed:
            self.diagnosis(p, diagnosed)
        return p

    def diagnosis(self, p: Patient, on: date, code: str = "58214004") -> None:
        self.session.add(SmiDiagnosis(patient_id=p.id, code=code, category="schizophrenia",
                                      diagnosed_on=on))

    def remission(self, p: Patient, on: date) -> None:
        self.session.add(Remission(patient_id=p.id, code="999006091000230105", recorded_on=on))

    def lithium(self, p: Patient, on: date, *, stopped: bool = False) -> None:
        self.session.add(MedicationIssue(patient_id=p.id, drug="lithium", issued_on=on,
                                         stopped=stopped))

    def observation(self, p: Patient, code: str, value: float | None, on: date) -> None:
        info = codes.CODES[code]
        self.session.add(Observation(patient_id=p.id, element=info.element.value, code=code,
                                     value=value, unit=info.unit, observed_on=on))

    def full_check(self, p: Patient, on: date) -> None:
        for element in CORE_ELEMENTS:
            code = CORE_CODE[element]
            self.observation(p, code, None if element is Element.SMOKING else 1.0, on)

    def follow_up(self, p: Patient, due: date, done: date | None = None) -> None:
        self.session.add(FollowUp(patient_id=p.id, action="GP review", assigned_to="GP",
                                  due_on=due, done_on=done))

    def commit(self) -> None:
        self.session.flush()
        refresh_recall_anchor(self.session)
        self.uow.commit()
        self.uow.__exit__(None, None, None)
