"""Plausible ranges and abnormal thresholds (domain.md §3.1, §10)."""

from __future__ import annotations

import math
import re

import pytest

from facilitator_app.domain import codes
from facilitator_app.domain.checks import Element
from facilitator_app.domain.thresholds import (
    FOLLOW_UP_DAYS,
    PLAUSIBLE,
    THRESHOLDS,
    Finding,
    ImplausibleValue,
    Severity,
    assess_audit_c,
    assess_blood_pressure,
    assess_bmi,
    assess_glucose,
    assess_hba1c,
    assess_lipids,
    assess_pulse,
    assess_smoking,
    assess_weight_gain,
    check_plausible,
    plausibility_problem,
)

ATTENTION, URGENT = Severity.ATTENTION, Severity.URGENT


def severities(findings: tuple[Finding, ...]) -> list[Severity]:
    return [f.severity for f in findings]


# --- Plausibility -----------------------------------------------------------------------------


def test_plausible_table_matches_codes_and_domain_ranges() -> None:
    expected = {
        codes.BMI: (15, 100),
        codes.WEIGHT: (40, 350),
        codes.HEIGHT: (60, 225),
        codes.WAIST: (40, 200),
        codes.SYSTOLIC_BP: (40, 270),
        codes.DIASTOLIC_BP: (20, 200),
        codes.PULSE: (20, 250),
        codes.TOTAL_CHOLESTEROL: (0.5, 20),
        codes.HDL_CHOLESTEROL: (0.2, 10),
        codes.TRIGLYCERIDES: (0.1, 40),
        codes.NON_HDL_CHOLESTEROL: (0.1, 20),
        codes.HBA1C: (20, 195),
        codes.FASTING_GLUCOSE: (2.5, 30),
        codes.PLASMA_GLUCOSE: (2.5, 30),
        codes.AUDIT_C: (0, 12),
        codes.QRISK3_SCORE: (0, 100),
    }
    assert {code: (r.low, r.high) for code, r in PLAUSIBLE.items()} == expected
    for code, accepted in PLAUSIBLE.items():
        assert accepted.label == codes.CODES[code].label
        assert accepted.unit == codes.CODES[code].unit
        assert accepted.whole_numbers == (code == codes.AUDIT_C)


@pytest.mark.parametrize("value", [40, 40.0, 120, 270, 270.0])
def test_systolic_edges_accepted(value: float) -> None:
    check_plausible(codes.SYSTOLIC_BP, value)
    assert plausibility_problem(codes.SYSTOLIC_BP, value) is None


@pytest.mark.parametrize("value", [39.9, 270.1, 0, -120, 400])
def test_systolic_outside_refused(value: float) -> None:
    with pytest.raises(ImplausibleValue) as caught:
        check_plausible(codes.SYSTOLIC_BP, value)
    assert caught.value.code == codes.SYSTOLIC_BP
    assert caught.value.value == value
    assert str(caught.value) == caught.value.message
    assert caught.value.message == plausibility_problem(codes.SYSTOLIC_BP, value)
    assert isinstance(caught.value, ValueError)


def test_message_names_quantity_value_unit_and_range() -> None:
    assert plausibility_problem(codes.SYSTOLIC_BP, 400) == (
        "Systolic blood pressure 400 mmHg is implausible (accepted 40–270 mmHg)"
    )
    assert plausibility_problem(codes.SYSTOLIC_BP, 270.1) == (
        "Systolic blood pressure 270.1 mmHg is implausible (accepted 40–270 mmHg)"
    )
    assert plausibility_problem(codes.TOTAL_CHOLESTEROL, 0.4) == (
        "Total cholesterol 0.4 mmol/L is implausible (accepted 0.5–20 mmol/L)"
    )
    assert plausibility_problem(codes.BMI, 12.5) == (
        "Body mass index 12.5 kg/m² is implausible (accepted 15–100 kg/m²)"
    )
    assert plausibility_problem(codes.AUDIT_C, 13) == (
        "AUDIT-C score 13 is implausible (accepted whole numbers 0–12)"
    )


def test_message_never_rounds_a_refused_value_into_the_range() -> None:
    message = plausibility_problem(codes.SYSTOLIC_BP, 270.0001)
    assert message is not None and "270.0001 mmHg" in message


@pytest.mark.parametrize(
    ("code", "low", "high"),
    [(code, r.low, r.high) for code, r in PLAUSIBLE.items()],
)
def test_every_range_is_inclusive_at_both_ends(code: str, low: float, high: float) -> None:
    check_plausible(code, low)
    check_plausible(code, high)
    step = 1 if code == codes.AUDIT_C else 0.01
    with pytest.raises(ImplausibleValue):
        check_plausible(code, low - step)
    with pytest.raises(ImplausibleValue):
        check_plausible(code, high + step)


def test_audit_c_whole_numbers_only() -> None:
    check_plausible(codes.AUDIT_C, 0)
    check_plausible(codes.AUDIT_C, 12)
    check_plausible(codes.AUDIT_C, 4.0)
    with pytest.raises(ImplausibleValue, match="not a whole number"):
        check_plausible(codes.AUDIT_C, 3.5)
    assert plausibility_problem(codes.AUDIT_C, 3.5) == (
        "AUDIT-C score 3.5 is not a whole number (accepted whole numbers 0–12)"
    )


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_values_refused(value: float) -> None:
    with pytest.raises(ImplausibleValue, match="not a number"):
        check_plausible(codes.SYSTOLIC_BP, value)


@pytest.mark.parametrize("code", ["123", codes.SMOKER, ""])
def test_unknown_code_is_a_caller_error(code: str) -> None:
    with pytest.raises(ValueError, match="unknown code") as caught:
        check_plausible(code, 1)
    assert not isinstance(caught.value, ImplausibleValue)
    with pytest.raises(ValueError, match="unknown code"):
        plausibility_problem(code, 1)


# --- Blood pressure ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("systolic", "diastolic", "expected"),
    [
        (120, 80, []),
        (140, 90, []),
        (141, 90, [ATTENTION]),
        (140, 91, [ATTENTION]),
        (179, 119, [ATTENTION]),
        (180, 100, [URGENT]),
        (150, 120, [URGENT]),
        (200, 130, [URGENT]),
    ],
)
def test_blood_pressure_boundaries(systolic: int, diastolic: int, expected: list[Severity]) -> None:
    assert severities(assess_blood_pressure(systolic, diastolic)) == expected


def test_blood_pressure_wording() -> None:
    (finding,) = assess_blood_pressure(152, 94)
    assert finding.element is Element.BLOOD_PRESSURE
    assert finding.summary == "Blood pressure 152/94 mmHg is above 140/90"
    assert finding.action == "GP review; confirm with ambulatory or home blood pressure monitoring"
    assert finding.follow_up_days == 28
    (urgent,) = assess_blood_pressure(182, 100)
    assert urgent.summary == "Blood pressure 182/100 mmHg is very high (180/120 or above)"
    assert urgent.action == "Same-day clinician review"
    assert urgent.follow_up_days == 0
    assert "today" in urgent.plain_english


# --- BMI and weight ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bmi", "ethnicity", "expected"),
    [
        (24.9, "A", None),
        (25.0, "A", "overweight"),
        (29.9, "A", "overweight"),
        (30.0, "A", "obese"),
        (22.9, "H", None),
        (23.0, "H", "overweight"),
        (23.0, "J", "overweight"),
        (23.0, "K", "overweight"),
        (23.0, "R", "overweight"),
        (23.0, "r", "overweight"),
        (27.4, "H", "overweight"),
        (27.5, "H", "obese"),
        # Other Asian and Black groups: general overweight cut-off, lower obese cut-off.
        (23.0, "L", None),
        (24.9, "N", None),
        (25.0, "M", "overweight"),
        (27.5, "L", "obese"),
        (27.5, "M", "obese"),
        (27.5, "N", "obese"),
        (27.5, "P", "obese"),
        # Mixed, other, not stated, blank: general cut-offs.
        (27.5, "F", "overweight"),
        (23.0, "F", None),
        (27.5, "Z", "overweight"),
        (27.5, "", "overweight"),
        # Compared at 1 dp, the stored precision.
        (24.94, "A", None),
        (29.96, "A", "obese"),
    ],
)
def test_bmi_boundaries(bmi: float, ethnicity: str, expected: str | None) -> None:
    findings = assess_bmi(bmi, ethnicity)
    if expected is None:
        assert findings == ()
    else:
        (finding,) = findings
        assert finding.severity is ATTENTION
        assert finding.element is Element.BMI
        assert finding.summary.endswith(expected) or f"{expected} (" in finding.summary


def test_bmi_wording() -> None:
    (finding,) = assess_bmi(26.0, "A")
    assert finding.summary == "BMI 26.0 kg/m² is at or above 25: overweight"
    assert "medication review" in finding.action and "obesity pathway" in finding.action
    (lower,) = assess_bmi(23.0, "H")
    assert lower.summary == (
        "BMI 23.0 kg/m² is at or above 23: overweight (lower cut-off for this ethnic group)"
    )


@pytest.mark.parametrize(
    ("then", "now", "days", "flagged"),
    [
        (80, 85, 60, False),  # exactly 5 kg is not "more than 5"
        (80, 85.1, 60, True),
        (80, 86, 92, True),
        (80, 86, 93, False),  # outside three months
        (80, 86, 0, True),
        (85, 80, 30, False),  # loss
        (80.2, 85.2, 30, False),  # float noise (5.000000000000001) must not flag
    ],
)
def test_weight_gain(then: float, now: float, days: int, flagged: bool) -> None:
    findings = assess_weight_gain(then, now, days)
    assert bool(findings) is flagged
    if findings:
        assert findings[0].element is Element.WEIGHT


def test_weight_gain_wording_and_negative_interval() -> None:
    (finding,) = assess_weight_gain(80, 86.5, 61)
    assert finding.summary == "Weight gain of 6.5 kg in 61 days (more than 5 kg in 3 months)"
    with pytest.raises(ValueError):
        assess_weight_gain(80, 90, -1)


# --- Pulse ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bpm", "flagged"), [(49, True), (50, False), (72, False), (100, False), (101, True)]
)
def test_pulse_boundaries(bpm: int, flagged: bool) -> None:
    findings = assess_pulse(bpm)
    assert bool(findings) is flagged
    assert all(f.element is Element.PULSE and f.severity is ATTENTION for f in findings)


def test_pulse_wording() -> None:
    (fast,) = assess_pulse(110)
    assert fast.summary == "Pulse 110 beats/min is above 100"
    assert "clozapine" in fast.action
    (slow,) = assess_pulse(45)
    assert slow.summary == "Pulse 45 beats/min is below 50"


# --- Lipids -----------------------------------------------------------------------------------


def actions(findings: tuple[Finding, ...]) -> list[str]:
    return [f.action for f in findings]


STATIN = "Discuss statin treatment (NICE NG238)"
SPECIALIST = "Refer to a lipid specialist"


def test_lipids_normal() -> None:
    assert assess_lipids(5.0, 1.2, 5.0) == ()
    assert assess_lipids(5.0, None, None) == ()


@pytest.mark.parametrize(("score", "flagged"), [(9.9, False), (10.0, True), (25.0, True)])
def test_qrisk_statin_boundary(score: float, flagged: bool) -> None:
    assert (STATIN in actions(assess_lipids(5.0, 1.2, score))) is flagged


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        (7.5, []),
        (7.6, ["familial hypercholesterolaemia"]),
        (9.0, ["familial hypercholesterolaemia"]),
        (9.1, ["specialist"]),
    ],
)
def test_total_cholesterol_boundaries(total: float, expected: list[str]) -> None:
    findings = assess_lipids(total, None, None)
    assert len(findings) == len(expected)
    for finding, word in zip(findings, expected, strict=True):
        assert word in finding.action
        assert finding.element is Element.LIPIDS


def test_non_hdl_boundary_and_rounding() -> None:
    assert assess_lipids(8.7, 1.2, None)[0].action != SPECIALIST  # non-HDL 7.5: FH only
    (finding,) = assess_lipids(8.8, 1.2, None)  # non-HDL 7.6
    assert finding.action == SPECIALIST
    assert finding.summary == "Non-HDL cholesterol 7.6 mmol/L is above 7.5"
    # 8.8 - 1.3 is 7.500000000000001 in floating point: must not count as above 7.5.
    assert SPECIALIST not in actions(assess_lipids(8.8, 1.3, None))


def test_lipids_can_return_two_findings() -> None:
    findings = assess_lipids(9.5, 1.0, 12.0)
    assert actions(findings) == [STATIN, SPECIALIST]
    assert findings[1].summary == (
        "Total cholesterol 9.5 mmol/L is above 9.0; Non-HDL cholesterol 8.5 mmol/L is above 7.5"
    )
    assert findings[0].summary == "10-year CVD risk 12 % is at or above 10 %"


# --- Glucose ----------------------------------------------------------------------------------

HIGH_RISK = "High risk of diabetes"
DIABETES = "Possible diabetes"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(41, None), (42, HIGH_RISK), (47, HIGH_RISK), (47.5, HIGH_RISK), (48, DIABETES)],
)
def test_hba1c_boundaries(value: float, expected: str | None) -> None:
    findings = assess_hba1c(value)
    if expected is None:
        assert findings == ()
    else:
        (finding,) = findings
        assert finding.action.startswith(expected)
        assert finding.element is Element.GLUCOSE and finding.severity is ATTENTION


def test_hba1c_wording() -> None:
    (finding,) = assess_hba1c(44)
    assert finding.summary == "HbA1c 44 mmol/mol is in the high-risk range (42–47)"
    assert "NHS Diabetes Prevention Programme" in finding.action
    assert "Diabetes Prevention Programme" in finding.plain_english


@pytest.mark.parametrize(
    ("value", "fasting", "expected"),
    [
        (5.4, True, None),
        (5.5, True, HIGH_RISK),
        (6.9, True, HIGH_RISK),
        (7.0, True, DIABETES),
        (6.9, False, None),  # random glucose has no high-risk band
        (11.0, False, None),
        (11.1, False, DIABETES),
        (11.0, True, DIABETES),
    ],
)
def test_glucose_boundaries(value: float, fasting: bool, expected: str | None) -> None:
    findings = assess_glucose(value, fasting)
    if expected is None:
        assert findings == ()
    else:
        (finding,) = findings
        assert finding.action.startswith(expected)


def test_glucose_wording() -> None:
    (fasting,) = assess_glucose(7, True)
    assert (
        fasting.summary == "Fasting plasma glucose 7.0 mmol/L is at or above 7.0 (diabetes range)"
    )
    (risk,) = assess_glucose(6.1, True)
    assert risk.summary == "Fasting plasma glucose 6.1 mmol/L is in the high-risk range (5.5–6.9)"
    (random,) = assess_glucose(12.4, False)
    assert random.summary.startswith("Random plasma glucose 12.4 mmol/L is at or above 11.1")


# --- Alcohol and smoking ----------------------------------------------------------------------


@pytest.mark.parametrize(("score", "flagged"), [(0, False), (4, False), (5, True), (12, True)])
def test_audit_c_boundary(score: int, flagged: bool) -> None:
    findings = assess_audit_c(score)
    assert bool(findings) is flagged
    if findings:
        assert findings[0].element is Element.ALCOHOL
        assert "full AUDIT" in findings[0].action


def test_smoking() -> None:
    assert assess_smoking(False) == ()
    (finding,) = assess_smoking(True)
    assert finding.element is Element.SMOKING
    assert "stop-smoking service" in finding.action
    assert "clozapine" in finding.action and "olanzapine" in finding.action
    assert "clozapine" in finding.plain_english


# --- Tables and wording -----------------------------------------------------------------------


def every_finding() -> list[Finding]:
    return [
        *assess_bmi(26, "A"),
        *assess_bmi(31, "A"),
        *assess_weight_gain(80, 90, 30),
        *assess_blood_pressure(150, 95),
        *assess_blood_pressure(190, 100),
        *assess_pulse(40),
        *assess_pulse(120),
        *assess_lipids(8.0, 1.0, 15),
        *assess_lipids(9.5, 1.0, None),
        *assess_hba1c(44),
        *assess_hba1c(50),
        *assess_glucose(6.0, True),
        *assess_glucose(12.0, False),
        *assess_audit_c(8),
        *assess_smoking(True),
    ]


def test_follow_up_days_follow_severity() -> None:
    assert FOLLOW_UP_DAYS == {URGENT: 0, ATTENTION: 28}
    assert Severity.ATTENTION.value == "needs attention" and Severity.URGENT.value == "urgent"
    findings = every_finding()
    assert len(findings) == 16
    for finding in findings:
        assert finding.follow_up_days == FOLLOW_UP_DAYS[finding.severity]
        assert finding.summary and finding.action and finding.plain_english


AMERICAN = re.compile(
    r"\b(program|programs|center|color|hemoglobin|anemia|liter|behavior|counseling|"
    r"specialized|organization|hypercholesterolemia|pediatric|esophag\w*|judgment)\b",
    re.IGNORECASE,
)
JARGON = re.compile(
    r"mmHg|mmol|HbA1c|QRISK|CVD|ABPM|HBPM|NRT|AUDIT|BMI|kg/m|DPP|HDL|hypertension|"
    r"tachycardia|familial|endocrin",
    re.IGNORECASE,
)


def test_wording_is_british_and_letters_avoid_jargon() -> None:
    for finding in every_finding():
        for text in (finding.summary, finding.action, finding.plain_english):
            assert not AMERICAN.search(text), text
        assert not JARGON.search(finding.plain_english), finding.plain_english
    assert any("programme" in f.action for f in every_finding())
    assert any("counselling" in f.action for f in every_finding())
    assert any("hypercholesterolaemia" in f.action for f in every_finding())


def test_thresholds_table_cites_a_source_for_every_cut_off() -> None:
    for name, threshold in THRESHOLDS.items():
        assert threshold.source, name
    assert THRESHOLDS["bp_systolic"].value == 140 and not THRESHOLDS["bp_systolic"].inclusive
    assert THRESHOLDS["pulse_low"].below
