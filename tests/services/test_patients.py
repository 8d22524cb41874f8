"""The patient panel's record: demographics, register reasons, latest value per element."""

from __future__ import annotations

from datetime import date

import pytest

import facilitator_app.domain.codes as codes
from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.checks import Element, RecallStatus
from facilitator_app.domain.nhs_number import InvalidNhsNumber
from facilitator_app.services.patients import PatientNotFound, find_patient_id, patient_record
from tests.builders import RegisterBuilder
from tests.conftest import TODAY


def test_record_shows_latest_values_and_status(ctx: AppContext) -> None:
    b = RegisterBuilder(ctx)
    p = b.patient("O'Brien", "Siobhán", dob=date(1980, 2, 29), diagnosed=date(2012, 4, 1))
    b.remission(p, date(2020, 6, 1))
    b.diagnosis(p, date(2024, 1, 5))  # relapse: out of remission again
    b.observation(p, codes.SYSTOLIC_BP, 150, date(2026, 10, 1))
    b.observation(p, codes.DIASTOLIC_BP, 95, date(2026, 10, 1))
    b.observation(p, codes.SYSTOLIC_BP, 120, date(2025, 1, 1))
    b.observation(p, codes.BMI, 27.4, date(2025, 11, 21))
    b.observation(p, codes.SMOKER, None, date(2026, 10, 1))
    b.follow_up(p, due=date(2026, 10, 29))
    nhs = p.nhs_number
    b.commit()

    record = patient_record(ctx.new_uow(), find_patient_id(ctx.new_uow(), nhs), TODAY)
    assert record.family_name == "O'Brien" and record.given_name == "Siobhán"
    assert record.age == 46
    assert not record.in_remission
    assert any("2012" in r or "2024" in r for r in record.register_reasons)
    elements = {e.element: e for e in record.elements}
    assert elements[Element.BLOOD_PRESSURE].value_text == "150/95 mmHg"
    assert elements[Element.BLOOD_PRESSURE].status is RecallStatus.DONE
    assert elements[Element.BMI].value_text == "27.4 kg/m²"
    assert elements[Element.BMI].status is RecallStatus.OVERDUE  # next due 21/11/2026
    assert elements[Element.SMOKING].value_text == "Current smoker"
    assert elements[Element.LIPIDS].observed_on is None
    assert elements[Element.LIPIDS].status is RecallStatus.OVERDUE
    assert record.status is RecallStatus.OVERDUE
    assert [f.action for f in record.follow_ups] == ["GP review"]


def test_lookup_by_nhs_number_explains_failures(ctx: AppContext) -> None:
    with pytest.raises(InvalidNhsNumber, match="modulus 11"):
        find_patient_id(ctx.new_uow(), "943 476 5910")
    with pytest.raises(PatientNotFound):
        find_patient_id(ctx.new_uow(), "943 476 5919")
