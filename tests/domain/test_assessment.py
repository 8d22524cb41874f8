"""Findings from the readings of one date, and how follow-ups are worded (domain.md §3.1)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pytest

from facilitator_app.domain import codes
from facilitator_app.domain.assessment import (
    assess_readings,
    assignee_for,
    bmi_from,
    follow_up_for,
    waist_to_height_ratio,
)
from facilitator_app.domain.checks import Element
from facilitator_app.domain.thresholds import Severity, assess_blood_pressure

NORMAL: dict[str, float | None] = {
    codes.HEIGHT: 170,
    codes.WEIGHT: 65,
    codes.BMI: 22.5,
    codes.WAIST: 80,
    codes.SYSTOLIC_BP: 124,
    codes.DIASTOLIC_BP: 78,
    codes.PULSE: 72,
    codes.TOTAL_CHOLESTEROL: 4.8,
    codes.HDL_CHOLESTEROL: 1.4,
    codes.HBA1C: 36,
    codes.AUDIT_C: 2,
    codes.NEVER_SMOKED: None,
    codes.SUBSTANCE_USE_NEGATIVE: None,
    codes.CANCER_SCREENING_UP_TO_DATE: None,
    codes.MEDICATION_REVIEW_DONE: None,
}


def _keys(readings: Mapping[str, float | None], *, qrisk_score: float | None = None,
          fasting_glucose: bool = False,
          earlier_weight: tuple[float, int] | None = None) -> list[str]:
    found = assess_readings(readings, ethnicity_code="A", qrisk_score=qrisk_score,
                            fasting_glucose=fasting_glucose, earlier_weight=earlier_weight)
    return [code for code, _ in found]


def test_a_normal_check_needs_nothing() -> None:
    assert assess_readings(NORMAL, ethnicity_code="A") == []
    assert assess_readings({}, ethnicity_code="Z") == []


def test_each_abnormal_result_is_keyed_by_the_code_that_triggered_it() -> None:
    readings = {
        **NORMAL,
        codes.BMI: 31.0,
        codes.WAIST: 110,  # 110 / 170 = 0.65
        codes.SYSTOLIC_BP: 150,
        codes.PULSE: 112,
        codes.TOTAL_CHOLESTEROL: 9.5,
        codes.HBA1C: 50,
        codes.AUDIT_C: 7,
        codes.SUBSTANCE_USE_POSITIVE: None,
        codes.CANCER_SCREENING_DUE: None,
        codes.SMOKER: None,
    }
    found = assess_readings(readings, ethnicity_code="A")
    assert [code for code, _ in found] == [
        codes.BMI,
        codes.WAIST,
        codes.SYSTOLIC_BP,
        codes.PULSE,
        codes.TOTAL_CHOLESTEROL,
        codes.HBA1C,
        codes.AUDIT_C,
        codes.SMOKER,
        codes.SUBSTANCE_USE_POSITIVE,
        codes.CANCER_SCREENING_DUE,
    ]
    by_code = dict(found)
    assert by_code[codes.SYSTOLIC_BP] == assess_blood_pressure(150, 78)[0]
    assert "high risk" in by_code[codes.WAIST].summary
    assert by_code[codes.SUBSTANCE_USE_POSITIVE].element is Element.SUBSTANCE
    assert by_code[codes.CANCER_SCREENING_DUE].element is Element.CANCER_SCREENING


def test_bmi_uses_the_ethnicity_cut_off() -> None:
    readings = {codes.BMI: 24.0}
    assert assess_readings(readings, ethnicity_code="A") == []
    (code, finding), = assess_readings(readings, ethnicity_code="H")  # Indian: ≥ 23
    assert code == codes.BMI and "overweight" in finding.summary


def test_bmi_is_derived_from_height_and_weight_when_not_recorded() -> None:
    assert bmi_from(170, 80) == 27.7
    (code, finding), = assess_readings({codes.HEIGHT: 170, codes.WEIGHT: 80}, ethnicity_code="A")
    assert code == codes.WEIGHT and "BMI 27.7" in finding.summary
    # A recorded BMI wins over the derived one (the clinician may have used another height).
    assert assess_readings({codes.HEIGHT: 170, codes.WEIGHT: 80, codes.BMI: 24.0},
                           ethnicity_code="A") == []


def test_weight_gain_needs_an_earlier_weight() -> None:
    readings = {codes.WEIGHT: 80.0}
    assert _keys(readings) == []
    assert _keys(readings, earlier_weight=(74.9, 60)) == [codes.WEIGHT]  # 5.1 kg in 60 days
    assert _keys(readings, earlier_weight=(75.0, 60)) == []  # exactly 5 kg is not "> 5"
    assert _keys(readings, earlier_weight=(70.0, 200)) == []  # too long ago


def test_waist_to_height_ratio_edges() -> None:
    assert waist_to_height_ratio(85, 170) == 0.5
    assert _keys({codes.WAIST: 85, codes.HEIGHT: 170}) == [codes.WAIST]  # ≥ 0.5
    assert _keys({codes.WAIST: 84, codes.HEIGHT: 170}) == []  # 0.49
    assert _keys({codes.WAIST: 120}) == []  # no height that day: no ratio


def test_blood_pressure_needs_both_halves_and_urgent_goes_to_the_gp() -> None:
    assert _keys({codes.SYSTOLIC_BP: 200}) == []
    (code, finding), = assess_readings({codes.SYSTOLIC_BP: 182, codes.DIASTOLIC_BP: 100},
                                       ethnicity_code="A")
    assert code == codes.SYSTOLIC_BP and finding.severity is Severity.URGENT
    assert assignee_for(finding) == "GP"
    assert follow_up_for(finding, date(2026, 5, 1))[1] == date(2026, 5, 1)  # same day


def test_qrisk_score_flags_a_statin_discussion_keyed_by_the_score() -> None:
    assert _keys({codes.TOTAL_CHOLESTEROL: 5.0}, qrisk_score=9.9) == []
    assert _keys({codes.TOTAL_CHOLESTEROL: 5.0}, qrisk_score=10.0) == [codes.QRISK3_SCORE]
    assert _keys({codes.QRISK3_SCORE: 12.3}) == [codes.QRISK3_SCORE]  # score recorded that day
    # both a high risk and a high cholesterol: one follow-up each
    assert _keys({codes.TOTAL_CHOLESTEROL: 8.0, codes.HDL_CHOLESTEROL: 1.2},
                 qrisk_score=15) == [codes.QRISK3_SCORE, codes.TOTAL_CHOLESTEROL]


@pytest.mark.parametrize(
    ("code", "value", "fasting", "flagged"),
    [
        (codes.FASTING_GLUCOSE, 5.5, False, True),  # fasting code: always fasting rules
        (codes.FASTING_GLUCOSE, 5.4, False, False),
        (codes.PLASMA_GLUCOSE, 6.0, False, False),  # random: no high-risk band
        (codes.PLASMA_GLUCOSE, 6.0, True, True),  # caller says it was fasting
        (codes.PLASMA_GLUCOSE, 11.1, False, True),
        (codes.HBA1C, 41, False, False),
        (codes.HBA1C, 42, False, True),
    ],
)
def test_glucose(code: str, value: float, fasting: bool, flagged: bool) -> None:
    assert bool(_keys({code: value}, fasting_glucose=fasting)) is flagged


def test_follow_up_wording_and_assignee() -> None:
    (_, audit), = assess_readings({codes.AUDIT_C: 5}, ethnicity_code="A")
    action, due = follow_up_for(audit, date(2026, 3, 10))
    assert action == f"{audit.summary}: {audit.action}"
    assert due == date(2026, 4, 7)  # 28 days
    assert assignee_for(audit) == "Facilitator"
    (_, pulse), = assess_readings({codes.PULSE: 45}, ethnicity_code="A")
    assert assignee_for(pulse) == "GP"
