"""From facts in the record to QRISK3 inputs (domain.md §4.2), without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from facilitator_app.domain import codes
from facilitator_app.domain.demographics import ETHNIC_CATEGORIES
from facilitator_app.domain.qrisk3 import DISCLAIMER
from facilitator_app.domain.qrisk_mapping import (
    CONDITION_FIELDS,
    CONDITION_LABELS,
    QRISK_ETHNICITY,
    SMOKER_AMOUNT_UNKNOWN,
    qrisk_ethnicity,
    sbp_standard_deviation,
    smoke_category,
)
from facilitator_app.services.qrisk_record import (
    QriskFacts,
    SystolicReading,
    overlay_readings,
    qrisk_from_facts,
)

AT = date(2026, 11, 1)


def test_every_nhs_ethnic_category_maps_to_a_qrisk_code() -> None:
    assert set(QRISK_ETHNICITY) == set(ETHNIC_CATEGORIES)
    assert [qrisk_ethnicity(c) for c in "ABCHJKLMNRS"] == [1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert {qrisk_ethnicity(c) for c in "DEFGP"} == {9}  # mixed and other Black: "Other"
    assert qrisk_ethnicity("Z") == qrisk_ethnicity("") == qrisk_ethnicity("?") == 1
    assert qrisk_ethnicity(" h ") == 2


@pytest.mark.parametrize(
    ("status", "per_day", "expected"),
    [
        (codes.NEVER_SMOKED, None, 0),
        (codes.EX_SMOKER, None, 1),
        (codes.SMOKER, 0, 2),
        (codes.SMOKER, 9, 2),
        (codes.SMOKER, 10, 3),
        (codes.SMOKER, 19, 3),
        (codes.SMOKER, 20, 4),
        (codes.SMOKER, 60, 4),
    ],
)
def test_smoking_category(status: str, per_day: float | None, expected: int) -> None:
    assert smoke_category(status, per_day) == (expected, None)


def test_smoking_assumptions_are_said() -> None:
    cat, note = smoke_category(codes.SMOKER, None)
    assert cat == SMOKER_AMOUNT_UNKNOWN == 3
    assert note is not None and "moderate" in note and "not recorded" in note
    cat, note = smoke_category(None, None)
    assert cat == 0 and note is not None and "not recorded" in note


def test_sbp_standard_deviation() -> None:
    assert sbp_standard_deviation([]) is None
    assert sbp_standard_deviation([120]) is None
    assert sbp_standard_deviation([110, 120, 130]) == pytest.approx(10)


def test_conditions_asked() -> None:
    assert "smi" not in CONDITION_FIELDS and "cvd" in CONDITION_FIELDS
    assert set(CONDITION_FIELDS) <= set(CONDITION_LABELS)


# Vector A (domain.md §4.4): F 75, White, non-smoker, BMI 70/1.7², TC/HDL 4.0, SBP 120,
# SBP SD 10, no conditions → 18.1.
VECTOR_A = QriskFacts(
    date_of_birth=date(1951, 6, 1),
    sex="F",
    ethnicity="A",
    smi_diagnosed_on=None,
    smoking=(codes.NEVER_SMOKED, date(2026, 1, 5)),
    cigarettes_per_day=None,
    bmi=(70 / 1.7**2, date(2026, 2, 1)),
    lipids=(5.2, 1.3, date(2026, 3, 1)),
    systolic=(
        SystolicReading(120, date(2026, 10, 1), codes.SYSTOLIC_BP),
        SystolicReading(130, date(2025, 10, 1), codes.SYSTOLIC_BP),
        SystolicReading(110, date(2024, 10, 1), codes.SYSTOLIC_BP),
    ),
    conditions=(("af", False, date(2026, 1, 5)),),
)


def test_vector_a_from_facts_with_every_input_dated() -> None:
    q = qrisk_from_facts(VECTOR_A, AT)
    assert q.result is not None and q.result.display == "18.1%"
    assert q.score == 18.1 and not q.missing
    used = {u.label: u for u in q.inputs_used}
    assert used["Age"].value == "75 years"
    assert used["Ethnicity"].value == "White or not stated"
    assert used["Smoking"].source_on == date(2026, 1, 5)
    assert used["BMI"].value == "24.2 kg/m²" and used["BMI"].source_on == date(2026, 2, 1)
    assert used["Cholesterol/HDL ratio"].value.startswith("4.0")
    assert used["Systolic blood pressure"].value == "120 mmHg"
    assert used["Systolic blood pressure variability"].value.startswith("10.0 mmHg")
    assert used["Atrial fibrillation"].value == "no"
    assert (used["Migraine"].value, used["Migraine"].source_text) == (
        "no", "not recorded: taken as no")
    assert used["Sex"].source_text == "patient details"
    assert "Erectile dysfunction (men)" not in used  # male-only input
    assert q.disclaimer == DISCLAIMER and "underestimate" in q.smi_note
    assert q.headline == "10-year CVD risk 18.1% (QRISK3, 01/11/2026)"


def test_smi_and_antipsychotic_raise_the_score() -> None:
    # Vector H (domain.md §4.4): as A but aged 55 → 3.4; + SMI + atypical antipsychotic → 4.9.
    h = replace(VECTOR_A, date_of_birth=date(1971, 6, 1))
    assert qrisk_from_facts(h, AT).score == 3.4
    flagged = replace(h, smi_diagnosed_on=date(2010, 1, 1),
                      conditions=(("atypical_antipsychotic", True, date(2026, 1, 1)),))
    assert qrisk_from_facts(flagged, AT).score == 4.9


def test_no_score_lists_every_missing_input_and_never_imputes() -> None:
    q = qrisk_from_facts(replace(VECTOR_A, bmi=None, lipids=None, systolic=()), AT)
    assert q.result is None and q.score is None
    assert q.missing == ("BMI is not recorded",
                         "total and HDL cholesterol from the same day are not recorded",
                         "systolic blood pressure is not recorded")
    assert q.headline.startswith("No 10-year CVD risk score on 01/11/2026: BMI is not recorded")


def test_qrisk_does_not_apply() -> None:
    assert "age 85 is outside 25–84" in qrisk_from_facts(
        replace(VECTOR_A, date_of_birth=date(1941, 1, 1)), AT).missing[0]
    assert "age 24" in qrisk_from_facts(
        replace(VECTOR_A, date_of_birth=date(2001, 11, 2)), AT).missing[0]
    assert "female or male" in qrisk_from_facts(replace(VECTOR_A, sex="U"), AT).missing[0]
    cvd = replace(VECTOR_A, conditions=(("cvd", True, date(2020, 1, 1)),))
    assert "cardiovascular disease" in qrisk_from_facts(cvd, AT).missing[0]


def test_one_systolic_reading_means_no_variability_and_says_so() -> None:
    q = qrisk_from_facts(replace(VECTOR_A, systolic=VECTOR_A.systolic[:1]), AT)
    assert q.result is not None
    assert any("variability taken as 0" in n for n in q.notes)


def test_clamped_inputs_are_reported() -> None:
    q = qrisk_from_facts(replace(VECTOR_A, bmi=(45.0, date(2026, 2, 1))), AT)
    assert q.result is not None and q.result.corrected
    assert "corrected data" in q.headline


def test_overlay_is_the_record_after_saving() -> None:
    facts = overlay_readings(
        VECTOR_A, AT,
        {codes.SMOKER: None, codes.CIGARETTES_PER_DAY: 25, codes.BMI: 30.0,
         codes.TOTAL_CHOLESTEROL: 6.0, codes.HDL_CHOLESTEROL: 1.5, codes.SYSTOLIC_BP: 140,
         codes.SYSTOLIC_BP_OTHER: 150},
        [("type2", True)],
    )
    assert facts.smoking == (codes.SMOKER, AT) and facts.cigarettes_per_day == 25
    assert facts.bmi == (30.0, AT) and facts.lipids == (6.0, 1.5, AT)
    assert [(r.value, r.code) for r in facts.systolic[:2]] == [
        (140, codes.SYSTOLIC_BP), (150, codes.SYSTOLIC_BP_OTHER)]
    assert ("type2", True, AT) in facts.conditions
    q = qrisk_from_facts(facts, AT)
    assert {u.label: u.value for u in q.inputs_used}["Smoking"].startswith("heavy smoker")
