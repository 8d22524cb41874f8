"""Plausible ranges and abnormal thresholds for physical health check results (domain.md §3.1).

Two separate jobs, kept apart because they fail differently:

* **Plausibility** is hard input validation. A value outside the accepted range is a typing or
  unit error (400 mmHg, a weight in pounds), so it is refused, never stored. The ranges are app
  rules taken from clinician-agreed EHR limits (Exeter-Diabetes/EHRBiomarkr
  ``biomarker_acceptable_limits.yaml``, [S19]); ranges domain.md marks "app rule" are labelled so
  below. ``check_plausible`` raises for single entry; ``plausibility_problem`` returns the message
  instead, so an importer can collect every problem in a file before reporting.
* **Abnormal thresholds** turn a plausible result into a ``Finding``: what is wrong in clinician
  wording, the agreed follow-up action from §3.1, patient-letter wording and a follow-up interval.

Every cut-off lives in the small ``THRESHOLDS`` table (plus the ethnicity sets for BMI) rather
than in the code, because several are marked "unverified" in domain.md and must be easy to find,
review and update. The ``assess_*`` functions take plain numbers (no ORM) and every one returns
``tuple[Finding, ...]``, empty when nothing needs action, so callers treat them all alike.

The ``assess_*`` functions assume the values have already passed ``check_plausible``; they do
not validate again. Units are those of domain.md §10 (mmol/L, mmol/mol IFCC, mmHg, kg/m², kg,
beats/min). Wording is British English (§10).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from facilitator_app.domain import codes
from facilitator_app.domain.checks import Element

__all__ = [
    "BMI_LOWER_OBESE_ETHNICITIES",
    "BMI_LOWER_OVERWEIGHT_ETHNICITIES",
    "FOLLOW_UP_DAYS",
    "PLAUSIBLE",
    "THRESHOLDS",
    "WEIGHT_GAIN_WINDOW_DAYS",
    "Finding",
    "ImplausibleValue",
    "PlausibleRange",
    "Severity",
    "Threshold",
    "assess_audit_c",
    "assess_blood_pressure",
    "assess_bmi",
    "assess_glucose",
    "assess_hba1c",
    "assess_lipids",
    "assess_pulse",
    "assess_smoking",
    "assess_weight_gain",
    "check_plausible",
    "plausibility_problem",
]


# --- Number formatting ------------------------------------------------------------------------


def _fmt(value: float, min_dp: int = 0) -> str:
    """Show a number as entered: no float noise, no needless trailing zeros ("400", "0.5",
    "270.1"), but at least ``min_dp`` decimals where the convention expects them ("7.0" mmol/L).

    ``repr`` is used rather than ``:g`` because ``:g`` rounds to 6 significant figures, which
    could show a refused 270.0001 as "270" - inside the accepted range it is quoted against.
    """
    if not math.isfinite(value):
        return str(value)
    text = repr(float(value))
    if "e" in text or "E" in text:
        return text
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    frac = frac.ljust(min_dp, "0")
    return f"{whole}.{frac}" if frac else whole


def _with_unit(text: str, unit: str) -> str:
    """Append the unit ("400 mmHg"); scores carry no unit word ("AUDIT-C score 13")."""
    return text if unit in ("", "score") else f"{text} {unit}"


# --- Plausibility -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlausibleRange:
    """Inclusive accepted range for one observation code; outside it the value is refused.

    ``label`` and ``unit`` name the quantity in the refusal message. ``whole_numbers`` marks
    scores that only exist as integers (AUDIT-C 0-12, domain.md §3.1), so 3.5 is refused too.
    """

    low: float
    high: float
    unit: str
    label: str
    whole_numbers: bool = False

    def describe(self) -> str:
        """The accepted range as quoted in messages: "40–270 mmHg", "whole numbers 0–12"."""
        span = _with_unit(f"{_fmt(self.low)}–{_fmt(self.high)}", self.unit)
        return f"whole numbers {span}" if self.whole_numbers else span


def _range(code: str, low: float, high: float, *, whole_numbers: bool = False) -> PlausibleRange:
    # Label and unit come from CODES so a code is named the same way everywhere in the app.
    info = codes.CODES[code]
    return PlausibleRange(low, high, info.unit, info.label, whole_numbers)


PLAUSIBLE: Mapping[str, PlausibleRange] = {
    # BMI, weight, height: [S19].
    codes.BMI: _range(codes.BMI, 15, 100),
    codes.WEIGHT: _range(codes.WEIGHT, 40, 350),
    codes.HEIGHT: _range(codes.HEIGHT, 60, 225),
    # Waist: app rule (domain.md §3.1).
    codes.WAIST: _range(codes.WAIST, 40, 200),
    # Blood pressure: [S19].
    codes.SYSTOLIC_BP: _range(codes.SYSTOLIC_BP, 40, 270),
    codes.DIASTOLIC_BP: _range(codes.DIASTOLIC_BP, 20, 200),
    # Pulse: app rule.
    codes.PULSE: _range(codes.PULSE, 20, 250),
    # Lipids: TC, HDL, TG [S19]. Non-HDL has no published limit: 0.1-20 is an app rule (it is
    # TC - HDL, so it cannot exceed the TC maximum of 20).
    codes.TOTAL_CHOLESTEROL: _range(codes.TOTAL_CHOLESTEROL, 0.5, 20),
    codes.HDL_CHOLESTEROL: _range(codes.HDL_CHOLESTEROL, 0.2, 10),
    codes.TRIGLYCERIDES: _range(codes.TRIGLYCERIDES, 0.1, 40),
    codes.NON_HDL_CHOLESTEROL: _range(codes.NON_HDL_CHOLESTEROL, 0.1, 20),
    # HbA1c (IFCC mmol/mol) and fasting glucose [S19]; the same glucose range is applied to
    # random plasma glucose (app rule).
    codes.HBA1C: _range(codes.HBA1C, 20, 195),
    codes.FASTING_GLUCOSE: _range(codes.FASTING_GLUCOSE, 2.5, 30),
    codes.PLASMA_GLUCOSE: _range(codes.PLASMA_GLUCOSE, 2.5, 30),
    # AUDIT-C: integers 0-12 by construction of the questionnaire [S23].
    codes.AUDIT_C: _range(codes.AUDIT_C, 0, 12, whole_numbers=True),
    # QRISK3 is a percentage (app rule).
    codes.QRISK3_SCORE: _range(codes.QRISK3_SCORE, 0, 100),
}
"""Accepted ranges keyed by SNOMED CT code (domain.md §3.1, §9). Inclusive at both ends."""


class ImplausibleValue(ValueError):
    """A measured value outside its accepted range; ``message`` is fit to show the user."""

    def __init__(self, code: str, value: float, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.value = value
        self.message = message


def _plausible_range(code: str) -> PlausibleRange:
    try:
        return PLAUSIBLE[code]
    except KeyError:
        # A code without a range is a programming error (or a coded status such as "smoker"),
        # not bad data: fail loudly rather than let an unchecked value through.
        raise ValueError(f"unknown code {code!r}: no plausible range is defined") from None


def plausibility_problem(code: str, value: float) -> str | None:
    """The refusal message for ``value``, or None if it is acceptable.

    For importers, which collect every problem in a file before reporting. Raises ValueError
    ("unknown code ...") only for a code with no range, which is a caller bug.
    """
    accepted = _plausible_range(code)
    if not math.isfinite(value):
        return f"{accepted.label} is not a number (accepted {accepted.describe()})"
    if accepted.whole_numbers and not float(value).is_integer():
        return (
            f"{accepted.label} {_fmt(value)} is not a whole number (accepted {accepted.describe()})"
        )
    if accepted.low <= value <= accepted.high:
        return None
    shown = _with_unit(_fmt(value), accepted.unit)
    return f"{accepted.label} {shown} is implausible (accepted {accepted.describe()})"


def check_plausible(code: str, value: float) -> None:
    """Refuse an implausible value with ``ImplausibleValue`` naming quantity, value, unit and
    range, e.g. "Systolic blood pressure 400 mmHg is implausible (accepted 40–270 mmHg)"."""
    problem = plausibility_problem(code, value)
    if problem is not None:
        raise ImplausibleValue(code, value, problem)


# --- Thresholds -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Threshold:
    """One cut-off from domain.md §3.1.

    ``inclusive`` says whether the cut-off value itself is abnormal (≥ rather than >);
    ``below`` flips the direction for low limits (pulse < 50). ``source`` cites domain.md's
    source or says "unverified"/"app rule", so reviewers can see which numbers need checking.
    """

    value: float
    inclusive: bool
    source: str
    below: bool = False

    def reached(self, x: float) -> bool:
        if self.below:
            return x <= self.value if self.inclusive else x < self.value
        return x >= self.value if self.inclusive else x > self.value


THRESHOLDS: Mapping[str, Threshold] = {
    # BMI [S20]; the obese cut-offs are unverified (check NICE CG189/NG246).
    "bmi_overweight": Threshold(25.0, True, "S20"),
    "bmi_overweight_lower": Threshold(23.0, True, "S20"),
    "bmi_obese": Threshold(30.0, True, "unverified: check NICE CG189/NG246"),
    "bmi_obese_lower": Threshold(27.5, True, "unverified: check NICE CG189/NG246"),
    "weight_gain_kg": Threshold(5.0, False, "S20"),
    # Blood pressure: > 140 and/or > 90 [S20, S21]; ≥ 180/120 unverified (check NG136 §1.5).
    "bp_systolic": Threshold(140.0, False, "S20"),
    "bp_diastolic": Threshold(90.0, False, "S20"),
    "bp_systolic_urgent": Threshold(180.0, True, "unverified: check NG136 §1.5"),
    "bp_diastolic_urgent": Threshold(120.0, True, "unverified: check NG136 §1.5"),
    # Pulse: app rule, unverified (check local protocol).
    "pulse_low": Threshold(50.0, False, "app rule; unverified: check local protocol", below=True),
    "pulse_high": Threshold(100.0, False, "app rule; unverified: check local protocol"),
    # Lipids: statin discussion at ≥ 10 % [S47, S22]; FH / specialist unverified (check NG238).
    "qrisk_statin": Threshold(10.0, True, "S47, S22"),
    "tc_consider_fh": Threshold(7.5, False, "unverified: check NG238"),
    "tc_specialist": Threshold(9.0, False, "unverified: check NG238"),
    "non_hdl_specialist": Threshold(7.5, False, "unverified: check NG238"),
    # Glucose [S20].
    "hba1c_high_risk": Threshold(42.0, True, "S20"),
    "hba1c_diabetes": Threshold(48.0, True, "S20"),
    "fpg_high_risk": Threshold(5.5, True, "S20"),
    "fpg_diabetes": Threshold(7.0, True, "S20"),
    "random_glucose_diabetes": Threshold(11.1, True, "S20"),
    # Alcohol [S23].
    "audit_c_positive": Threshold(5.0, True, "S23"),
}
"""Every abnormal cut-off used below, by name. Edit here, not in the functions."""

WEIGHT_GAIN_WINDOW_DAYS = 92
"""§3.1 says "over 3 months"; 92 days is the longest three calendar months (e.g. 1 July to
1 October), so no gain within three calendar months is missed (app rule)."""

BMI_LOWER_OVERWEIGHT_ETHNICITIES: frozenset[str] = frozenset({"H", "J", "K", "R"})
"""NHS ethnic categories given the ≥ 23 overweight cut-off: §3.1 says "South Asian or Chinese",
read as H Indian, J Pakistani, K Bangladeshi and R Chinese. L (any other Asian background) is
not assumed to be South Asian; mixed categories (D-G) use the general cut-offs. Both choices are
app rules to review with the clinical lead (NICE PH46 applies lower cut-offs more widely)."""

BMI_LOWER_OBESE_ETHNICITIES: frozenset[str] = frozenset({"H", "J", "K", "L", "M", "N", "P", "R"})
"""Categories given the ≥ 27.5 obese cut-off: §3.1 lists South Asian, Chinese, other Asian and
Black African/Caribbean (H, J, K, R; L; M Caribbean, N African, P any other Black background).
Unverified: check NICE CG189/NG246."""


# --- Findings ---------------------------------------------------------------------------------


class Severity(StrEnum):
    """How soon a finding must be acted on; the value is the wording shown to staff."""

    ATTENTION = "needs attention"
    URGENT = "urgent"


FOLLOW_UP_DAYS: Mapping[Severity, int] = {
    Severity.URGENT: 0,  # same day (app rule)
    Severity.ATTENTION: 28,  # within four weeks (app rule)
}


@dataclass(frozen=True)
class Finding:
    """One abnormal result and what to do about it.

    ``summary`` is for clinicians and quotes the value and cut-off; ``action`` is the agreed
    follow-up from domain.md §3.1; ``plain_english`` goes in the patient letter (British
    English, no abbreviations or units beyond everyday ones); ``follow_up_days`` is how soon
    someone must act (``FOLLOW_UP_DAYS``).
    """

    element: Element
    severity: Severity
    summary: str
    action: str
    plain_english: str
    follow_up_days: int


def _finding(
    element: Element, severity: Severity, summary: str, action: str, plain_english: str
) -> Finding:
    return Finding(element, severity, summary, action, plain_english, FOLLOW_UP_DAYS[severity])


def _t(name: str) -> Threshold:
    return THRESHOLDS[name]


def _cut(name: str, min_dp: int = 0) -> str:
    return _fmt(THRESHOLDS[name].value, min_dp)


# --- Assessments ------------------------------------------------------------------------------

# Each assessment is pure and its findings immutable, so each is memoised: an import of a
# million results judges a few thousand distinct values over and over.
_memo = lru_cache(maxsize=1 << 12)

_WEIGHT_ACTION = "Lifestyle advice; medication review; NICE obesity pathway"


@_memo
def assess_bmi(bmi: float, ethnicity_code: str) -> tuple[Finding, ...]:
    """BMI ≥ 25 (≥ 23 South Asian or Chinese) overweight; ≥ 30 (≥ 27.5 for the groups in
    ``BMI_LOWER_OBESE_ETHNICITIES``) obese; both → lifestyle advice, medication review, NICE
    obesity pathway (domain.md §3.1, [S20]).

    BMI is compared after rounding to 1 dp, the precision it is stored and shown at (§3.1), so
    the number in the summary always agrees with the decision. ``ethnicity_code`` is the NHS
    Data Dictionary ethnic category letter; blank or unknown uses the general cut-offs.
    """
    bmi = round(bmi, 1)
    ethnicity = ethnicity_code.strip().upper()
    lower_overweight = ethnicity in BMI_LOWER_OVERWEIGHT_ETHNICITIES
    lower_obese = ethnicity in BMI_LOWER_OBESE_ETHNICITIES
    obese = _t("bmi_obese_lower" if lower_obese else "bmi_obese")
    overweight = _t("bmi_overweight_lower" if lower_overweight else "bmi_overweight")
    shown = f"BMI {_fmt(bmi, 1)} kg/m²"
    if obese.reached(bmi):
        note = " (lower cut-off for this ethnic group)" if lower_obese else ""
        summary = f"{shown} is at or above {_fmt(obese.value)}: obese{note}"
        plain = (
            "Your weight is in a range that is likely to harm your health. We would like to "
            "talk to you about support to help you lose weight, and check whether any of your "
            "medicines could be adding to it."
        )
    elif overweight.reached(bmi):
        note = " (lower cut-off for this ethnic group)" if lower_overweight else ""
        summary = f"{shown} is at or above {_fmt(overweight.value)}: overweight{note}"
        plain = (
            "Your weight is above the healthy range. We would like to talk to you about healthy "
            "eating and being more active, and check whether any of your medicines could be "
            "affecting your weight."
        )
    else:
        return ()
    return (_finding(Element.BMI, Severity.ATTENTION, summary, _WEIGHT_ACTION, plain),)


@_memo
def assess_weight_gain(kg_then: float, kg_now: float, days_between: int) -> tuple[Finding, ...]:
    """Weight gain > 5 kg within about 3 months (``WEIGHT_GAIN_WINDOW_DAYS``) → lifestyle advice
    and medication review (domain.md §3.1, [S20]); rapid gain is a recognised effect of
    antipsychotics. The gain is rounded to 0.1 kg (scale precision) so float noise such as
    5.000000001 kg cannot raise a flag."""
    if days_between < 0:
        raise ValueError("days_between must not be negative")
    gain = round(kg_now - kg_then, 1)
    if days_between > WEIGHT_GAIN_WINDOW_DAYS or not _t("weight_gain_kg").reached(gain):
        return ()
    summary = (
        f"Weight gain of {_fmt(gain, 1)} kg in {days_between} days "
        f"(more than {_cut('weight_gain_kg')} kg in 3 months)"
    )
    plain = (
        f"Your weight has gone up by {_fmt(gain, 1)} kg in a short time. Some medicines can "
        "cause this. We would like to review your medicines and talk to you about support with "
        "eating and activity."
    )
    return (_finding(Element.WEIGHT, Severity.ATTENTION, summary, _WEIGHT_ACTION, plain),)


@_memo
def assess_blood_pressure(systolic: float, diastolic: float) -> tuple[Finding, ...]:
    """> 140 systolic and/or > 90 diastolic → GP review, confirm with ambulatory or home
    monitoring [S20, S21]; ≥ 180 systolic or ≥ 120 diastolic → same-day clinician review
    (unverified: check NG136 §1.5). Only the more severe finding is returned."""
    shown = f"Blood pressure {_fmt(systolic)}/{_fmt(diastolic)} mmHg"
    if _t("bp_systolic_urgent").reached(systolic) or _t("bp_diastolic_urgent").reached(diastolic):
        limit = f"{_cut('bp_systolic_urgent')}/{_cut('bp_diastolic_urgent')}"
        return (
            _finding(
                Element.BLOOD_PRESSURE,
                Severity.URGENT,
                f"{shown} is very high ({limit} or above)",
                "Same-day clinician review",
                "Your blood pressure is very high. You need to see a doctor today. If you "
                "cannot, please call NHS 111.",
            ),
        )
    if _t("bp_systolic").reached(systolic) or _t("bp_diastolic").reached(diastolic):
        return (
            _finding(
                Element.BLOOD_PRESSURE,
                Severity.ATTENTION,
                f"{shown} is above {_cut('bp_systolic')}/{_cut('bp_diastolic')}",
                "GP review; confirm with ambulatory or home blood pressure monitoring",
                "Your blood pressure was higher than it should be. We would like you to see "
                "your GP, who may ask you to check your blood pressure at home for a few days.",
            ),
        )
    return ()


@_memo
def assess_pulse(bpm: float) -> tuple[Finding, ...]:
    """Pulse < 50 or > 100 beats/min → flag to GP (app rule, unverified: check local protocol).
    A fast pulse is flagged with clozapine in mind, which commonly causes tachycardia (§3.1)."""
    shown = f"Pulse {_fmt(bpm)} beats/min"
    if _t("pulse_low").reached(bpm):
        summary = f"{shown} is below {_cut('pulse_low')}"
        action = "Flag to GP for review"
        plain = "Your heart rate was slower than usual. We have asked your GP to look at this."
    elif _t("pulse_high").reached(bpm):
        summary = f"{shown} is above {_cut('pulse_high')}"
        action = "Flag to GP for review; consider clozapine-related tachycardia"
        plain = (
            "Your heart rate was faster than usual. Some medicines can cause this. We have "
            "asked your GP to look at this."
        )
    else:
        return ()
    return (_finding(Element.PULSE, Severity.ATTENTION, summary, action, plain),)


@_memo
def assess_lipids(
    total: float, hdl: float | None, qrisk_score: float | None
) -> tuple[Finding, ...]:
    """Up to two findings: one for 10-year CVD risk ≥ 10 % → statin discussion [S47, S22], one
    for the cholesterol level: TC > 9.0 or non-HDL > 7.5 → lipid specialist, otherwise
    TC > 7.5 → consider familial hypercholesterolaemia (unverified: check NG238). The specialist
    finding replaces the FH one, since the specialist assesses FH anyway.

    Non-HDL is TC − HDL rounded to 2 dp (lipids are reported to 2 dp, §3.1), which also stops
    float noise (8.8 − 1.3 = 7.500000000000001) tripping the > 7.5 cut-off. The older Lester
    cut-offs (TC > 6.0, QRISK > 20 %) are superseded by NICE's 10 % and not applied.
    """
    findings: list[Finding] = []
    if qrisk_score is not None and _t("qrisk_statin").reached(qrisk_score):
        findings.append(
            _finding(
                Element.LIPIDS,
                Severity.ATTENTION,
                f"10-year CVD risk {_fmt(qrisk_score)} % is at or above {_cut('qrisk_statin')} %",
                "Discuss statin treatment (NICE NG238)",
                f"Your chance of having a heart attack or stroke in the next 10 years is about "
                f"{_fmt(round(qrisk_score))} in 100. We would like to talk to you about a "
                "medicine called a statin, which lowers cholesterol and this risk.",
            )
        )
    total = round(total, 2)
    non_hdl = None if hdl is None else round(total - hdl, 2)
    high: list[str] = []
    if _t("tc_specialist").reached(total):
        high.append(
            f"Total cholesterol {_fmt(total, 1)} mmol/L is above {_cut('tc_specialist', 1)}"
        )
    if non_hdl is not None and _t("non_hdl_specialist").reached(non_hdl):
        high.append(
            f"Non-HDL cholesterol {_fmt(non_hdl, 1)} mmol/L is above "
            f"{_cut('non_hdl_specialist', 1)}"
        )
    if high:
        findings.append(
            _finding(
                Element.LIPIDS,
                Severity.ATTENTION,
                "; ".join(high),
                "Refer to a lipid specialist",
                "Your cholesterol level is very high. Your GP will talk to you about seeing a "
                "specialist.",
            )
        )
    elif _t("tc_consider_fh").reached(total):
        findings.append(
            _finding(
                Element.LIPIDS,
                Severity.ATTENTION,
                f"Total cholesterol {_fmt(total, 1)} mmol/L is above {_cut('tc_consider_fh', 1)}",
                "Consider familial hypercholesterolaemia: ask about family history of "
                "premature coronary heart disease",
                "Your cholesterol level is high. High cholesterol sometimes runs in families, so "
                "your GP may ask about your family's health.",
            )
        )
    return tuple(findings)


_HIGH_RISK_ACTION = (
    "High risk of diabetes: intensive lifestyle programme (NHS Diabetes Prevention Programme); "
    "consider metformin if ineffective"
)
_HIGH_RISK_PLAIN = (
    "Your blood sugar level is higher than normal, which means you are at high risk of "
    "developing type 2 diabetes. The free NHS Diabetes Prevention Programme can help you lower "
    "this risk through healthy eating and being more active."
)
_DIABETES_ACTION = "Possible diabetes: GP or endocrine review"
_DIABETES_PLAIN = (
    "Your blood sugar level is in the range seen in diabetes. Your GP will talk to you about "
    "this and may repeat the test."
)


@_memo
def assess_hba1c(mmol_mol: float) -> tuple[Finding, ...]:
    """HbA1c (IFCC) 42–47 mmol/mol → high risk, NHS DPP; ≥ 48 → diabetes, GP review [S20].
    Values between 47 and 48 count as high risk: the band is "≥ 42 and < 48"."""
    shown = f"HbA1c {_fmt(mmol_mol)} mmol/mol"
    if _t("hba1c_diabetes").reached(mmol_mol):
        summary = f"{shown} is at or above {_cut('hba1c_diabetes')} (diabetes range)"
        return (
            _finding(
                Element.GLUCOSE, Severity.ATTENTION, summary, _DIABETES_ACTION, _DIABETES_PLAIN
            ),
        )
    if _t("hba1c_high_risk").reached(mmol_mol):
        summary = (
            f"{shown} is in the high-risk range "
            f"({_cut('hba1c_high_risk')}–{_fmt(_t('hba1c_diabetes').value - 1)})"
        )
        return (
            _finding(
                Element.GLUCOSE, Severity.ATTENTION, summary, _HIGH_RISK_ACTION, _HIGH_RISK_PLAIN
            ),
        )
    return ()


@_memo
def assess_glucose(mmol_l: float, fasting: bool) -> tuple[Finding, ...]:
    """Fasting plasma glucose 5.5–6.9 mmol/L → high risk; ≥ 7.0 fasting or ≥ 11.1 random →
    diabetes [S20]. A random glucose below 11.1 has no high-risk band in §3.1, so no finding."""
    kind = "Fasting plasma glucose" if fasting else "Random plasma glucose"
    shown = f"{kind} {_fmt(mmol_l, 1)} mmol/L"
    diabetes = "fpg_diabetes" if fasting else "random_glucose_diabetes"
    if _t(diabetes).reached(mmol_l):
        summary = f"{shown} is at or above {_cut(diabetes, 1)} (diabetes range)"
        return (
            _finding(
                Element.GLUCOSE, Severity.ATTENTION, summary, _DIABETES_ACTION, _DIABETES_PLAIN
            ),
        )
    if fasting and _t("fpg_high_risk").reached(mmol_l):
        summary = (
            f"{shown} is in the high-risk range "
            f"({_cut('fpg_high_risk', 1)}–{_fmt(_t('fpg_diabetes').value - 0.1, 1)})"
        )
        return (
            _finding(
                Element.GLUCOSE, Severity.ATTENTION, summary, _HIGH_RISK_ACTION, _HIGH_RISK_PLAIN
            ),
        )
    return ()


@_memo
def assess_audit_c(score: int) -> tuple[Finding, ...]:
    """AUDIT-C ≥ 5 is positive → complete the full AUDIT, whose zones then set the
    intervention (8–15 brief advice, 16–19 brief counselling, ≥ 20 specialist referral) [S23]."""
    if not _t("audit_c_positive").reached(score):
        return ()
    return (
        _finding(
            Element.ALCOHOL,
            Severity.ATTENTION,
            f"AUDIT-C score {score} is at or above {_cut('audit_c_positive')} (positive screen)",
            "Complete the full AUDIT: 8–15 brief advice; 16–19 brief counselling; "
            "20 or more specialist referral",
            "Your answers about drinking suggest that alcohol may be affecting your health. We "
            "would like to ask you a few more questions about how much you drink.",
        ),
    )


@_memo
def assess_smoking(is_current_smoker: bool) -> tuple[Finding, ...]:
    """Current smoker → very brief advice, referral to the stop-smoking service, NRT or
    varenicline [S20]. Stopping smoking can raise clozapine and olanzapine blood levels, so the
    prescriber must be told (unverified: check BNF clozapine monograph)."""
    if not is_current_smoker:
        return ()
    return (
        _finding(
            Element.SMOKING,
            Severity.ATTENTION,
            "Current smoker",
            "Very brief advice; refer to the stop-smoking service; offer nicotine replacement "
            "therapy or varenicline. Stopping smoking can raise clozapine and olanzapine "
            "levels: tell the prescriber",
            "Stopping smoking is one of the best things you can do for your health. We can "
            "refer you to the free NHS stop smoking service, which can offer medicines to help. "
            "If you take clozapine or olanzapine, please tell your doctor before you stop, "
            "because your dose may need to change.",
        ),
    )
