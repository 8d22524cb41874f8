"""The whole-check form: validation, derived values, care adjustments (domain.md §3)."""

from __future__ import annotations

from datetime import date

import pytest

from facilitator_app.domain import codes
from facilitator_app.domain.check_form import (
    FIELD_LABELS,
    CheckForm,
    CheckRecord,
    FieldError,
    adjustment_field,
    audit_c_score,
    parse_number,
    validate_check_form,
)
from facilitator_app.domain.checks import Element

TODAY = date(2026, 11, 22)


def _ok(form: CheckForm, **kwargs: object) -> CheckRecord:
    result = validate_check_form(form, TODAY, **kwargs)  # type: ignore[arg-type]
    assert isinstance(result, CheckRecord), result
    return result


def _errors(form: CheckForm) -> list[FieldError]:
    result = validate_check_form(form, TODAY)
    assert isinstance(result, list), result
    return result


def _fields(form: CheckForm) -> list[str]:
    return [e.field for e in _errors(form)]


def test_bmi_is_calculated_from_height_and_weight_to_one_decimal() -> None:
    record = _ok(CheckForm("01/11/2026", height_cm="172", weight_kg="81.3"))
    assert record.values() == {codes.HEIGHT: 172, codes.WEIGHT: 81.3, codes.BMI: 27.5}
    assert record.derived.bmi == 27.5 and record.derived.bmi_calculated
    assert record.observed_on == date(2026, 11, 1)
    (code, finding), = record.findings
    assert code == codes.BMI and "overweight" in finding.summary


def test_bmi_may_be_entered_alone_and_must_agree_with_height_and_weight() -> None:
    assert _ok(CheckForm(TODAY, bmi="22.4")).values() == {codes.BMI: 22.4}
    assert not _ok(CheckForm(TODAY, bmi="22.4")).derived.bmi_calculated
    # 81.3 / 1.72² = 27.48: 27.4 and 27.6 are within 0.1 of the stored 27.5
    assert _ok(CheckForm(TODAY, height_cm=172, weight_kg=81.3, bmi=27.4)).values()[codes.BMI] \
        == 27.4
    (error,) = _errors(CheckForm(TODAY, height_cm=172, weight_kg=81.3, bmi=30))
    assert error.field == "bmi" and "does not match height and weight (27.5" in error.message


def test_calculated_bmi_outside_the_plausible_range_is_refused() -> None:
    # each is plausible alone, but 40 kg at 2.25 m is a BMI of 7.9
    (error,) = _errors(CheckForm(TODAY, height_cm=225, weight_kg=40))
    assert error.field == "bmi"
    assert "Body mass index 7.9 kg/m² is implausible" in error.message
    assert "calculated from height and weight" in error.message


@pytest.mark.parametrize(
    ("field", "low", "high", "below", "above"),
    [
        ("height_cm", "60", "225", "59.9", "225.1"),
        ("weight_kg", "40", "350", "39.9", "350.1"),
        ("bmi", "15", "100", "14.9", "100.1"),
        ("waist_cm", "40", "200", "39", "201"),
        ("pulse", "20", "250", "19", "251"),
        ("total_cholesterol", "0.5", "20", "0.49", "20.01"),
        ("hdl_cholesterol", "0.2", "10", "0.19", "10.1"),
        ("triglycerides", "0.1", "40", "0.09", "40.1"),
        ("hba1c", "20", "195", "19", "196"),
        ("glucose", "2.5", "30", "2.4", "30.1"),
        ("cigarettes_per_day", "0", "100", "-1", "101"),
    ],
)
def test_plausible_range_edges(field: str, low: str, high: str, below: str,
                               above: str) -> None:
    extra = {"smoking": "current"} if field == "cigarettes_per_day" else {}
    for value in (low, high):
        _ok(CheckForm(TODAY, **{field: value}, **extra))  # type: ignore[arg-type]
    for value in (below, above):
        (error,) = _errors(CheckForm(TODAY, **{field: value}, **extra))  # type: ignore[arg-type]
        assert error.field == field
        assert "is implausible (accepted" in error.message


def test_blood_pressure_edges_and_message_names_the_field() -> None:
    _ok(CheckForm(TODAY, systolic="270", diastolic="200"))
    _ok(CheckForm(TODAY, systolic="40", diastolic="20"))
    (error,) = _errors(CheckForm(TODAY, systolic="400", diastolic="90"))
    assert error == FieldError(
        "systolic", "Systolic blood pressure 400 mmHg is implausible (accepted 40–270 mmHg)")
    (error,) = _errors(CheckForm(TODAY, systolic="120", diastolic="19"))
    assert error.field == "diastolic" and error.message.startswith("Diastolic blood pressure")


def test_blood_pressure_halves_belong_together() -> None:
    (error,) = _errors(CheckForm(TODAY, systolic="130"))
    assert error.field == "diastolic" and "needed with the systolic" in error.message
    (error,) = _errors(CheckForm(TODAY, systolic="80", diastolic="120"))
    assert error.field == "diastolic" and "wrong way round" in error.message
    assert _fields(CheckForm(TODAY, systolic_2="130", diastolic_2="80")) == ["systolic"]


def test_two_readings_keep_the_lower_as_the_clinic_blood_pressure() -> None:
    record = _ok(CheckForm(TODAY, systolic="152", diastolic="94", systolic_2="138",
                           diastolic_2="86"))
    values = record.values()
    assert (values[codes.SYSTOLIC_BP], values[codes.DIASTOLIC_BP]) == (138, 86)
    assert (values[codes.SYSTOLIC_BP_OTHER], values[codes.DIASTOLIC_BP_OTHER]) == (152, 94)
    assert record.derived.clinic_bp == (138, 86)
    assert record.findings == ()  # 138/86 is not above 140/90
    (error,) = _errors(CheckForm(TODAY, systolic="152", diastolic="94", systolic_2="300",
                                 diastolic_2="86"))
    assert error.field == "systolic_2" and error.message.startswith("Second reading: Systolic")


def test_lipids_derive_non_hdl_and_ratio() -> None:
    record = _ok(CheckForm(TODAY, total_cholesterol="5.6", hdl_cholesterol="1.4",
                           triglycerides="1.7"))
    assert record.values()[codes.NON_HDL_CHOLESTEROL] == 4.2
    assert record.derived.chol_hdl_ratio == 4.0
    assert codes.TRIGLYCERIDES in record.values()
    (error,) = _errors(CheckForm(TODAY, total_cholesterol="1.2", hdl_cholesterol="1.4"))
    assert error.field == "hdl_cholesterol"


def test_glucose_is_stored_under_the_fasting_or_random_code() -> None:
    assert codes.FASTING_GLUCOSE in _ok(CheckForm(TODAY, glucose="6.1",
                                                  glucose_fasting=True)).values()
    random = _ok(CheckForm(TODAY, glucose="6.1"))
    assert codes.PLASMA_GLUCOSE in random.values() and random.findings == ()
    fasting = _ok(CheckForm(TODAY, glucose="6.1", glucose_fasting=True))
    assert [c for c, _ in fasting.findings] == [codes.FASTING_GLUCOSE]  # 5.5–6.9 high risk


def test_audit_c_items_give_the_score() -> None:
    record = _ok(CheckForm(TODAY, audit_c_q1="2", audit_c_q2="1", audit_c_q3="2"))
    values = record.values()
    assert values[codes.AUDIT_C] == 5 and record.derived.audit_c == 5
    assert [values[c] for c in (codes.AUDIT_C_Q1, codes.AUDIT_C_Q2, codes.AUDIT_C_Q3)] == [2, 1, 2]
    assert [c for c, _ in record.findings] == [codes.AUDIT_C]  # ≥ 5 positive
    assert audit_c_score("4", "4", "4") == 12
    assert audit_c_score("4", "", "4") is None
    assert audit_c_score("5", "0", "0") is None


def test_audit_c_item_errors() -> None:
    assert _fields(CheckForm(TODAY, audit_c_q1="2")) == ["audit_c_q2", "audit_c_q3"]
    (error,) = _errors(CheckForm(TODAY, audit_c_q1="5", audit_c_q2="0", audit_c_q3="0"))
    assert error.field == "audit_c_q1" and "accepted whole numbers 0–4" in error.message
    (error,) = _errors(CheckForm(TODAY, audit_c_q1="1.5", audit_c_q2="0", audit_c_q3="0"))
    assert "not a whole number" in error.message
    (error,) = _errors(CheckForm(TODAY, audit_c_q1="1", audit_c_q2="1", audit_c_q3="1",
                                 audit_c_total="7"))
    assert error.field == "audit_c_total" and "add up to 3" in error.message
    assert _ok(CheckForm(TODAY, audit_c_total="6")).values() == {codes.AUDIT_C: 6}
    assert _fields(CheckForm(TODAY, audit_c_total="13")) == ["audit_c_total"]


def test_smoking_and_cigarettes_per_day() -> None:
    record = _ok(CheckForm(TODAY, smoking="current", cigarettes_per_day="15"))
    assert record.values() == {codes.SMOKER: None, codes.CIGARETTES_PER_DAY: 15}
    assert [c for c, _ in record.findings] == [codes.SMOKER]
    assert _ok(CheckForm(TODAY, smoking="never")).values() == {codes.NEVER_SMOKED: None}
    assert _fields(CheckForm(TODAY, smoking="ex", cigarettes_per_day="5")) == [
        "cigarettes_per_day"]
    assert _fields(CheckForm(TODAY, smoking="sometimes")) == ["smoking"]


def test_extras() -> None:
    record = _ok(CheckForm(TODAY, substance_use="yes", medication_review_done=True,
                           cancer_screening="not_up_to_date"))
    assert set(record.values()) == {codes.SUBSTANCE_USE_POSITIVE, codes.MEDICATION_REVIEW_DONE,
                                    codes.CANCER_SCREENING_DUE}
    assert {c for c, _ in record.findings} == {codes.SUBSTANCE_USE_POSITIVE,
                                               codes.CANCER_SCREENING_DUE}
    quiet = _ok(CheckForm(TODAY, substance_use="no", cancer_screening="up_to_date"))
    assert quiet.findings == ()


def test_waist_to_height_ratio_is_derived_and_flagged() -> None:
    record = _ok(CheckForm(TODAY, height_cm="160", waist_cm="100"))
    assert record.derived.waist_to_height == 0.62
    assert [c for c, _ in record.findings] == [codes.WAIST]


def test_declined_and_unsuitable_become_care_adjustments() -> None:
    record = _ok(CheckForm(TODAY, systolic="120", diastolic="70",
                           adjustments={Element.LIPIDS: "declined",
                                        Element.GLUCOSE: "unsuitable"}))
    assert [(a.element, a.reason, a.code) for a in record.adjustments] == [
        (Element.LIPIDS, "declined", codes.PCA_DECLINED),
        (Element.GLUCOSE, "unsuitable", codes.PCA_UNSUITABLE),
    ]
    only = _ok(CheckForm(TODAY, adjustments={Element.BLOOD_PRESSURE: "declined"}))
    assert only.readings == () and len(only.adjustments) == 1


def test_a_value_and_a_decline_on_one_element_contradict() -> None:
    (error,) = _errors(CheckForm(TODAY, total_cholesterol="5",
                                 adjustments={Element.LIPIDS: "declined"}))
    assert error.field == adjustment_field(Element.LIPIDS)
    assert error.message.startswith("Lipids is recorded as declined but Total cholesterol")
    assert _fields(CheckForm(TODAY, adjustments={Element.LIPIDS: "maybe"})) == [
        adjustment_field(Element.LIPIDS)]


def test_conditions_are_recorded_yes_and_no() -> None:
    record = _ok(CheckForm(TODAY, conditions={"type2": True, "af": False, "cvd": False}))
    assert record.conditions == (("cvd", False), ("af", False), ("type2", True))
    assert _fields(CheckForm(TODAY, conditions={"smi": True})) == ["conditions"]


def test_future_date_refused_and_date_forms() -> None:
    (error,) = _errors(CheckForm("23/11/2026", pulse="70"))
    assert error.field == "check_date"
    assert error.message == "Date of check 23/11/2026 is in the future (today is 22/11/2026)"
    assert _ok(CheckForm("2026-11-22", pulse="70")).observed_on == TODAY
    assert _fields(CheckForm("11/31/2026", pulse="70")) == ["check_date"]
    assert _fields(CheckForm("", pulse="70")) == ["check_date"]


def test_an_empty_form_saves_nothing() -> None:
    (error,) = _errors(CheckForm(TODAY))
    assert error.field == "form" and "Nothing to save" in error.message


def test_every_problem_is_reported_in_screen_order_naming_its_field() -> None:
    errors = _errors(CheckForm("01/01/2030", height_cm="abc", systolic="400", diastolic="90",
                               hba1c="300", audit_c_q1="9", audit_c_q2="0", audit_c_q3="0"))
    assert [e.field for e in errors] == ["check_date", "height_cm", "systolic", "hba1c",
                                         "audit_c_q1"]
    assert errors[1].message == "Height (cm): 'abc' is not a number"
    for e in errors:
        label = FIELD_LABELS[e.field].split(" (")[0].split(" question")[0]
        assert label.split()[0].lower() in e.message.lower()


def test_parse_number() -> None:
    assert parse_number(" 5.2 ") == 5.2 and parse_number(".5") == 0.5
    assert parse_number("") is None and parse_number(None) is None and parse_number(3) == 3.0
    for bad in ("5,2", "1e3", "12 kg", "nan"):
        with pytest.raises(ValueError):
            parse_number(bad)
    with pytest.raises(ValueError):
        parse_number(float("inf"))


def test_findings_with_what_the_caller_knows() -> None:
    record = _ok(CheckForm(TODAY, weight_kg="80", total_cholesterol="5"), ethnicity_code="A",
                 qrisk_score=12.0, earlier_weight=(74.0, 60))
    assert [c for c, _ in record.findings] == [codes.WEIGHT, codes.QRISK3_SCORE]
    assert [c for c, _ in record.assess(ethnicity_code="A")] == []
