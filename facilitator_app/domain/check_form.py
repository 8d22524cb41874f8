"""One whole physical health check as typed on the form: checked, derived and assembled
(domain.md §3).

The form holds raw inputs (text as typed, or numbers from tests and other callers).
``validate_check_form`` either returns a ``CheckRecord`` - the readings to store, keyed by
observation code, the personalised care adjustments, the QRISK3 conditions answered and the
abnormal findings - or a list of ``FieldError`` naming *every* problem at once, each with the
field it belongs to, so the screen can show each message beside its field and all of them in a
summary. Nothing is half-accepted: one bad field and nothing is returned to store.

Rules, and why:

* Plausible ranges come from ``thresholds.PLAUSIBLE`` (their messages too), so the form refuses
  exactly what an import refuses. The app-local codes (``codes.LOCAL_CODES``) have their ranges
  in ``LOCAL_PLAUSIBLE``: AUDIT-C questions score 0-4 by construction of the questionnaire;
  cigarettes a day 0-100 is domain.md's app rule.
* BMI is calculated from height and weight (1 dp) when both are given; a BMI typed as well must
  agree to 0.1, because two different BMIs on one date would make the record contradict itself.
  BMI may be typed alone (measured elsewhere, §3.1 "or BMI value").
* Two blood pressure readings: the lower (by systolic, then diastolic) is kept as the clinic
  blood pressure, the other is stored as "other reading, same visit" (app rule following NICE
  NG136 §1.2, "record the lower of the last two measurements"; unverified: check NG136). Both
  count towards the systolic variability QRISK3 uses.
* Derived values are stored only where a code exists: non-HDL cholesterol (SNOMED) yes; the
  TC/HDL ratio (no verified code, §9) and the waist-to-height ratio are shown, not stored.
* AUDIT-C: the three questions (0-4 each) give the score (0-12); a total may be typed alone
  when only the score is known (a paper form), and must match the questions if both are given.
* "Declined" or "Unsuitable" on an element records a personalised care adjustment instead of a
  value; a value and an adjustment on the same element is refused as contradictory.
* The date of the check may not be in the future (a result cannot precede its measurement).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Final

from facilitator_app.domain import codes
from facilitator_app.domain.assessment import assess_readings, bmi_from, waist_to_height_ratio
from facilitator_app.domain.checks import ELEMENT_LABELS, Element
from facilitator_app.domain.dates import format_uk_date, parse_date
from facilitator_app.domain.qrisk_mapping import CONDITION_FIELDS
from facilitator_app.domain.thresholds import Finding, PlausibleRange, plausibility_problem

__all__ = [
    "ADJUSTABLE_ELEMENTS",
    "ADJUSTMENT_REASONS",
    "AUDIT_C_QUESTIONS",
    "CANCER_SCREENING_CHOICES",
    "ELEMENT_FIELDS",
    "FIELD_LABELS",
    "LOCAL_PLAUSIBLE",
    "SMOKING_CHOICES",
    "SUBSTANCE_CHOICES",
    "Adjustment",
    "CheckForm",
    "CheckRecord",
    "Derived",
    "FieldError",
    "Raw",
    "Reading",
    "adjustment_field",
    "audit_c_score",
    "parse_number",
    "validate_check_form",
]

Raw = str | float | int | None
"""A raw numeric input: text as typed ("" or None for blank) or a number."""

DECLINED: Final = "declined"
UNSUITABLE: Final = "unsuitable"
ADJUSTMENT_REASONS: Mapping[str, str] = {DECLINED: codes.PCA_DECLINED,
                                         UNSUITABLE: codes.PCA_UNSUITABLE}
"""Personalised care adjustment reason → code (domain.md §2.2, §9)."""

SMOKING_CHOICES: Mapping[str, str] = {
    "current": codes.SMOKER,
    "ex": codes.EX_SMOKER,
    "never": codes.NEVER_SMOKED,
}
SUBSTANCE_CHOICES: Mapping[str, str] = {
    "yes": codes.SUBSTANCE_USE_POSITIVE,
    "no": codes.SUBSTANCE_USE_NEGATIVE,
}
CANCER_SCREENING_CHOICES: Mapping[str, str] = {
    "up_to_date": codes.CANCER_SCREENING_UP_TO_DATE,
    "not_up_to_date": codes.CANCER_SCREENING_DUE,
}

AUDIT_C_QUESTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # The AUDIT-C questions and answers scored 0-4 (WHO AUDIT, UK units wording [S23]).
    ("How often do you have a drink containing alcohol?",
     ("Never", "Monthly or less", "2 to 4 times a month", "2 to 3 times a week",
      "4 or more times a week")),
    ("How many units of alcohol do you drink on a typical day when you are drinking?",
     ("1 to 2", "3 to 4", "5 to 6", "7 to 9", "10 or more")),
    ("How often have you had 6 or more units if female, or 8 or more if male, on a single "
     "occasion in the last year?",
     ("Never", "Less than monthly", "Monthly", "Weekly", "Daily or almost daily")),
)

LOCAL_PLAUSIBLE: Mapping[str, PlausibleRange] = {
    codes.AUDIT_C_Q1: PlausibleRange(0, 4, "score", "AUDIT-C question 1 score",
                                     whole_numbers=True),
    codes.AUDIT_C_Q2: PlausibleRange(0, 4, "score", "AUDIT-C question 2 score",
                                     whole_numbers=True),
    codes.AUDIT_C_Q3: PlausibleRange(0, 4, "score", "AUDIT-C question 3 score",
                                     whole_numbers=True),
    codes.CIGARETTES_PER_DAY: PlausibleRange(0, 100, "cigarettes/day", "Cigarettes per day",
                                             whole_numbers=True),
}
"""Accepted ranges of the app-local codes that carry a value (inclusive)."""

FIELD_LABELS: Mapping[str, str] = {
    "check_date": "Date of check",
    "height_cm": "Height (cm)",
    "weight_kg": "Weight (kg)",
    "bmi": "BMI (kg/m²)",
    "waist_cm": "Waist (cm)",
    "systolic": "Systolic blood pressure (mmHg)",
    "diastolic": "Diastolic blood pressure (mmHg)",
    "systolic_2": "Second systolic reading (mmHg)",
    "diastolic_2": "Second diastolic reading (mmHg)",
    "pulse": "Pulse (beats/min)",
    "total_cholesterol": "Total cholesterol (mmol/L)",
    "hdl_cholesterol": "HDL cholesterol (mmol/L)",
    "triglycerides": "Triglycerides (mmol/L)",
    "hba1c": "HbA1c (mmol/mol)",
    "glucose": "Plasma glucose (mmol/L)",
    "audit_c_q1": "AUDIT-C question 1",
    "audit_c_q2": "AUDIT-C question 2",
    "audit_c_q3": "AUDIT-C question 3",
    "audit_c_total": "AUDIT-C score",
    "smoking": "Smoking status",
    "cigarettes_per_day": "Cigarettes per day",
    "substance_use": "Substance use",
    "medication_review_done": "Medication review",
    "cancer_screening": "Cancer screening",
    "conditions": "Conditions",
    "form": "Check",
}
"""What each form field is called on screen and in error messages."""

ELEMENT_FIELDS: Mapping[Element, tuple[str, ...]] = {
    Element.BMI: ("height_cm", "weight_kg", "bmi"),
    Element.WAIST: ("waist_cm",),
    Element.BLOOD_PRESSURE: ("systolic", "diastolic", "systolic_2", "diastolic_2"),
    Element.PULSE: ("pulse",),
    Element.LIPIDS: ("total_cholesterol", "hdl_cholesterol", "triglycerides"),
    Element.GLUCOSE: ("hba1c", "glucose"),
    Element.ALCOHOL: ("audit_c_q1", "audit_c_q2", "audit_c_q3", "audit_c_total"),
    Element.SMOKING: ("smoking", "cigarettes_per_day"),
    Element.SUBSTANCE: ("substance_use",),
    Element.MEDICATION_REVIEW: ("medication_review_done",),
    Element.CANCER_SCREENING: ("cancer_screening",),
}
"""The fields of each element of the form, in screen order; each can be declined instead."""

ADJUSTABLE_ELEMENTS: tuple[Element, ...] = tuple(ELEMENT_FIELDS)

_BMI_TOLERANCE = 0.1


def adjustment_field(element: Element) -> str:
    """The error key of an element's "Declined"/"Unsuitable" choice."""
    return f"{element.value}_adjustment"


@dataclass(frozen=True)
class CheckForm:
    """Everything typed on the form for one check. Blank ("" or None) means not recorded.

    ``glucose_fasting`` says the plasma glucose was fasting. ``smoking`` is a key of
    ``SMOKING_CHOICES`` or "", ``substance_use`` of ``SUBSTANCE_CHOICES``, ``cancer_screening``
    of ``CANCER_SCREENING_CHOICES``. ``conditions`` holds the QRISK3 conditions answered
    (``qrisk_mapping.CONDITION_FIELDS`` → yes/no); unanswered ones are left out.
    ``adjustments`` maps an element to "declined" or "unsuitable".
    """

    check_date: str | date
    height_cm: Raw = None
    weight_kg: Raw = None
    bmi: Raw = None
    waist_cm: Raw = None
    systolic: Raw = None
    diastolic: Raw = None
    systolic_2: Raw = None
    diastolic_2: Raw = None
    pulse: Raw = None
    total_cholesterol: Raw = None
    hdl_cholesterol: Raw = None
    triglycerides: Raw = None
    hba1c: Raw = None
    glucose: Raw = None
    glucose_fasting: bool = False
    audit_c_q1: Raw = None
    audit_c_q2: Raw = None
    audit_c_q3: Raw = None
    audit_c_total: Raw = None
    smoking: str = ""
    cigarettes_per_day: Raw = None
    substance_use: str = ""
    medication_review_done: bool = False
    cancer_screening: str = ""
    conditions: Mapping[str, bool] = field(default_factory=dict)
    adjustments: Mapping[Element, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FieldError:
    """One problem: the form field it belongs to (a ``CheckForm`` field name, an
    ``adjustment_field``, "conditions" or "form") and a message that names the field."""

    field: str
    message: str


@dataclass(frozen=True)
class Reading:
    """One observation to store: code (``codes.ALL_CODES``) and value (None for a status)."""

    code: str
    value: float | None

    @property
    def element(self) -> Element:
        return codes.ALL_CODES[self.code].element

    @property
    def unit(self) -> str:
        return codes.ALL_CODES[self.code].unit


@dataclass(frozen=True)
class Adjustment:
    element: Element
    reason: str  # "declined" or "unsuitable"

    @property
    def code(self) -> str:
        return ADJUSTMENT_REASONS[self.reason]


@dataclass(frozen=True)
class Derived:
    """Values worked out from the inputs, for display beside the fields."""

    bmi: float | None = None
    bmi_calculated: bool = False
    waist_to_height: float | None = None
    chol_hdl_ratio: float | None = None
    non_hdl: float | None = None
    audit_c: int | None = None
    clinic_bp: tuple[float, float] | None = None  # the reading kept when two were taken


@dataclass(frozen=True)
class CheckRecord:
    """A valid check, ready to store."""

    observed_on: date
    readings: tuple[Reading, ...]
    adjustments: tuple[Adjustment, ...]
    conditions: tuple[tuple[str, bool], ...]
    derived: Derived
    glucose_fasting: bool
    findings: tuple[tuple[str, Finding], ...]

    def values(self) -> dict[str, float | None]:
        """Readings keyed by code, as ``assessment.assess_readings`` takes them."""
        return {r.code: r.value for r in self.readings}

    def assess(
        self,
        *,
        ethnicity_code: str,
        qrisk_score: float | None = None,
        earlier_weight: tuple[float, int] | None = None,
    ) -> tuple[tuple[str, Finding], ...]:
        """The findings once the caller knows more than the form (the score from the record,
        an earlier weight)."""
        return tuple(
            assess_readings(self.values(), ethnicity_code=ethnicity_code,
                            qrisk_score=qrisk_score, fasting_glucose=self.glucose_fasting,
                            earlier_weight=earlier_weight)
        )


# --- Parsing ------------------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)")


def parse_number(raw: Raw) -> float | None:
    """A typed number, or None when blank. Raises ValueError for anything else: digits with
    one decimal point only (no "1e3", no "5,2", no units typed into the box)."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError(f"{raw!r} is not a number")
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = raw.strip()
        if not text:
            return None
        if not _NUMBER.fullmatch(text):
            raise ValueError(f"{text!r} is not a number")
        value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{raw!r} is not a number")
    return value


def audit_c_score(q1: Raw, q2: Raw, q3: Raw) -> int | None:
    """The AUDIT-C score when all three answers are valid (0-4 each), else None: for a live
    total beside the questions."""
    try:
        answers = [parse_number(q) for q in (q1, q2, q3)]
    except ValueError:
        return None
    if any(a is None or not 0 <= a <= 4 or not a.is_integer() for a in answers):
        return None
    return int(sum(a for a in answers if a is not None))


def _shown(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _problem(code: str, value: float) -> str | None:
    local = LOCAL_PLAUSIBLE.get(code)
    if local is None:
        return plausibility_problem(code, value)
    unit = "" if local.unit == "score" else f" {local.unit}"
    if local.whole_numbers and not value.is_integer():
        return (f"{local.label} {_shown(value)} is not a whole number "
                f"(accepted {local.describe()})")
    if local.low <= value <= local.high:
        return None
    return f"{local.label} {_shown(value)}{unit} is implausible (accepted {local.describe()})"


class _Checker:
    """Collects errors while reading fields, so every problem is reported in one pass."""

    def __init__(self, form: CheckForm) -> None:
        self.form = form
        self.errors: list[FieldError] = []
        self.bad: set[str] = set()

    def error(self, name: str, message: str) -> None:
        self.errors.append(FieldError(name, message))
        self.bad.add(name)

    def number(self, name: str, code: str, *, prefix: str = "") -> float | None:
        """Field ``name`` as a plausible value of ``code``; None when blank or wrong."""
        raw: Raw = getattr(self.form, name)
        try:
            value = parse_number(raw)
        except ValueError as exc:
            self.error(name, f"{FIELD_LABELS[name]}: {exc}")
            return None
        if value is None:
            return None
        if problem := _problem(code, value):
            self.error(name, f"{prefix}{problem}")
            return None
        return value

    def choice(self, name: str, choices: Mapping[str, str]) -> str | None:
        raw: str = getattr(self.form, name)
        key = raw.strip()
        if not key:
            return None
        if key not in choices:
            allowed = ", ".join(choices)
            self.error(name, f"{FIELD_LABELS[name]}: {key!r} is not one of {allowed}")
            return None
        return choices[key]


def _entered(form: CheckForm, name: str) -> bool:
    raw = getattr(form, name)
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        return bool(raw.strip())
    return raw is not None


def _check_date(c: _Checker, today: date) -> date | None:
    raw = c.form.check_date
    if isinstance(raw, date):
        observed_on = raw
    else:
        if not raw.strip():
            c.error("check_date", "Date of check is needed")
            return None
        try:
            observed_on = parse_date(raw)
        except ValueError as exc:
            c.error("check_date", f"Date of check: {exc}")
            return None
    if observed_on > today:
        c.error("check_date", f"Date of check {format_uk_date(observed_on)} is in the future "
                f"(today is {format_uk_date(today)})")
        return None
    return observed_on


def validate_check_form(
    form: CheckForm,
    today: date,
    *,
    ethnicity_code: str = "Z",
    qrisk_score: float | None = None,
    earlier_weight: tuple[float, int] | None = None,
) -> CheckRecord | list[FieldError]:
    """Check every field, derive BMI, ratios and the AUDIT-C score, and assemble the readings.

    Returns the record, or every problem found (in screen order). ``ethnicity_code`` (NHS
    ethnic category) sets the BMI cut-offs of the findings; ``qrisk_score`` and
    ``earlier_weight`` add the statin and weight-gain rules when the caller knows them.
    """
    c = _Checker(form)
    observed_on = _check_date(c, today)
    readings: list[Reading] = []
    derived = Derived()

    def add(code: str, value: float | None) -> None:
        readings.append(Reading(code, value))

    # Body size -------------------------------------------------------------------------------
    height = c.number("height_cm", codes.HEIGHT)
    weight = c.number("weight_kg", codes.WEIGHT)
    bmi = c.number("bmi", codes.BMI)
    if height is not None and weight is not None:
        calculated = bmi_from(height, weight)
        if bmi is not None and abs(bmi - calculated) > _BMI_TOLERANCE + 1e-9:
            c.error("bmi", f"BMI {_shown(bmi)} kg/m² does not match height and weight "
                    f"({calculated} kg/m²): correct it, or leave BMI blank to use the "
                    "calculated value")
        elif bmi is None:
            if problem := plausibility_problem(codes.BMI, calculated):
                c.error("bmi", f"{problem}, calculated from height and weight: check both")
            else:
                bmi = calculated
                derived = replace(derived, bmi_calculated=True)
    for code, value in ((codes.HEIGHT, height), (codes.WEIGHT, weight), (codes.BMI, bmi)):
        if value is not None:
            add(code, value)
    derived = replace(derived, bmi=bmi)
    waist = c.number("waist_cm", codes.WAIST)
    if waist is not None:
        add(codes.WAIST, waist)
        if height is not None:
            derived = replace(derived, waist_to_height=waist_to_height_ratio(waist, height))

    # Blood pressure and pulse ----------------------------------------------------------------
    pairs: list[tuple[float, float]] = []
    for sys_name, dia_name, prefix in (("systolic", "diastolic", ""),
                                       ("systolic_2", "diastolic_2", "Second reading: ")):
        systolic = c.number(sys_name, codes.SYSTOLIC_BP, prefix=prefix)
        diastolic = c.number(dia_name, codes.DIASTOLIC_BP, prefix=prefix)
        for name, other in ((sys_name, dia_name), (dia_name, sys_name)):
            if _entered(form, other) and not _entered(form, name):
                c.error(name, f"{FIELD_LABELS[name]} is needed with the "
                        f"{FIELD_LABELS[other].split(' (')[0].lower()}")
        if systolic is not None and diastolic is not None:
            if diastolic >= systolic:
                c.error(dia_name, f"{FIELD_LABELS[dia_name]} {_shown(diastolic)} must be lower "
                        f"than the systolic {_shown(systolic)}: are they the wrong way round?")
            else:
                pairs.append((systolic, diastolic))
    if (_entered(form, "systolic_2") or _entered(form, "diastolic_2")) and not (
            _entered(form, "systolic") or _entered(form, "diastolic")):
        c.error("systolic", "Enter the first blood pressure reading before the second")
    if pairs:
        kept = min(pairs)  # the lower systolic; a tie goes to the lower diastolic
        add(codes.SYSTOLIC_BP, kept[0])
        add(codes.DIASTOLIC_BP, kept[1])
        derived = replace(derived, clinic_bp=kept)
        if len(pairs) == 2:
            not_kept = max(pairs)
            add(codes.SYSTOLIC_BP_OTHER, not_kept[0])
            add(codes.DIASTOLIC_BP_OTHER, not_kept[1])
    if (pulse := c.number("pulse", codes.PULSE)) is not None:
        add(codes.PULSE, pulse)

    # Lipids ----------------------------------------------------------------------------------
    total = c.number("total_cholesterol", codes.TOTAL_CHOLESTEROL)
    hdl = c.number("hdl_cholesterol", codes.HDL_CHOLESTEROL)
    triglycerides = c.number("triglycerides", codes.TRIGLYCERIDES)
    if total is not None:
        add(codes.TOTAL_CHOLESTEROL, total)
    if hdl is not None:
        add(codes.HDL_CHOLESTEROL, hdl)
    if total is not None and hdl is not None:
        if hdl >= total:
            c.error("hdl_cholesterol", f"HDL cholesterol {_shown(hdl)} mmol/L must be less than "
                    f"the total cholesterol {_shown(total)} mmol/L")
        else:
            non_hdl = round(total - hdl, 2)
            add(codes.NON_HDL_CHOLESTEROL, non_hdl)
            derived = replace(derived, non_hdl=non_hdl, chol_hdl_ratio=round(total / hdl, 1))
    if triglycerides is not None:
        add(codes.TRIGLYCERIDES, triglycerides)

    # Glucose ---------------------------------------------------------------------------------
    if (hba1c := c.number("hba1c", codes.HBA1C)) is not None:
        add(codes.HBA1C, hba1c)
    glucose_code = codes.FASTING_GLUCOSE if form.glucose_fasting else codes.PLASMA_GLUCOSE
    if (glucose := c.number("glucose", glucose_code)) is not None:
        add(glucose_code, glucose)

    # Alcohol ---------------------------------------------------------------------------------
    questions = ("audit_c_q1", "audit_c_q2", "audit_c_q3")
    item_codes = (codes.AUDIT_C_Q1, codes.AUDIT_C_Q2, codes.AUDIT_C_Q3)
    answers = [c.number(q, code) for q, code in zip(questions, item_codes, strict=True)]
    total_typed = c.number("audit_c_total", codes.AUDIT_C)
    answered = [q for q in questions if _entered(form, q)]
    audit_c: int | None = None
    if answered and len(answered) < 3:
        for q in questions:
            if q not in answered:
                c.error(q, f"{FIELD_LABELS[q]} is needed to score AUDIT-C (answer all three, "
                        "or none and type the score)")
    elif answered and all(a is not None for a in answers):
        audit_c = int(sum(a for a in answers if a is not None))
        if total_typed is not None and total_typed != audit_c:
            c.error("audit_c_total", f"AUDIT-C score {_shown(total_typed)} does not match the "
                    f"answers, which add up to {audit_c}")
        else:
            for code, answer in zip(item_codes, answers, strict=True):
                add(code, answer)
    elif not answered and total_typed is not None:
        audit_c = int(total_typed)
    if audit_c is not None and "audit_c_total" not in c.bad:
        add(codes.AUDIT_C, float(audit_c))
        derived = replace(derived, audit_c=audit_c)

    # Smoking, substance use, medication review, cancer screening -----------------------------
    smoking = c.choice("smoking", SMOKING_CHOICES)
    cigarettes = c.number("cigarettes_per_day", codes.CIGARETTES_PER_DAY)
    if smoking is not None:
        add(smoking, None)
    if _entered(form, "cigarettes_per_day") and smoking != codes.SMOKER:
        c.error("cigarettes_per_day", "Cigarettes per day is recorded for current smokers "
                "only: choose Current smoker or clear it")
    elif cigarettes is not None:
        add(codes.CIGARETTES_PER_DAY, cigarettes)
    if (substance := c.choice("substance_use", SUBSTANCE_CHOICES)) is not None:
        add(substance, None)
    if form.medication_review_done:
        add(codes.MEDICATION_REVIEW_DONE, None)
    if (screening := c.choice("cancer_screening", CANCER_SCREENING_CHOICES)) is not None:
        add(screening, None)

    # Conditions and care adjustments ---------------------------------------------------------
    conditions: list[tuple[str, bool]] = []
    for name, present in form.conditions.items():
        if name not in CONDITION_FIELDS:
            c.error("conditions", f"Conditions: {name!r} is not a condition the check records")
        else:
            conditions.append((name, bool(present)))
    conditions.sort(key=lambda nc: CONDITION_FIELDS.index(nc[0]))

    adjustments: list[Adjustment] = []
    for element, reason in form.adjustments.items():
        key = adjustment_field(element)
        label = _element_label(element)
        if element not in ELEMENT_FIELDS:
            c.error(key, f"{label} cannot be declined on this form")
        elif reason not in ADJUSTMENT_REASONS:
            c.error(key, f"{label}: {reason!r} is not declined or unsuitable")
        elif entered := [f for f in ELEMENT_FIELDS[element] if _entered(form, f)]:
            c.error(key, f"{label} is recorded as {reason} but "
                    f"{FIELD_LABELS[entered[0]].split(' (')[0]} was entered: clear the value "
                    f"or the {reason} choice")
        else:
            adjustments.append(Adjustment(element, reason))
    adjustments.sort(key=lambda a: ADJUSTABLE_ELEMENTS.index(a.element))

    if not c.errors and not readings and not adjustments and not conditions:
        c.error("form", "Nothing to save: enter at least one result, or mark an element "
                "Declined or Unsuitable")
    if c.errors or observed_on is None:
        return _in_screen_order(c.errors)
    findings = tuple(assess_readings(
        {r.code: r.value for r in readings}, ethnicity_code=ethnicity_code,
        qrisk_score=qrisk_score, fasting_glucose=form.glucose_fasting,
        earlier_weight=earlier_weight,
    ))
    return CheckRecord(
        observed_on=observed_on,
        readings=tuple(readings),
        adjustments=tuple(adjustments),
        conditions=tuple(conditions),
        derived=derived,
        glucose_fasting=form.glucose_fasting,
        findings=findings,
    )


_SCREEN_ORDER: tuple[str, ...] = (
    "check_date",
    *(f for e in ADJUSTABLE_ELEMENTS for f in (*ELEMENT_FIELDS[e], adjustment_field(e))),
    "conditions",
    "form",
)


def _in_screen_order(errors: list[FieldError]) -> list[FieldError]:
    def key(e: FieldError) -> int:
        return _SCREEN_ORDER.index(e.field) if e.field in _SCREEN_ORDER else len(_SCREEN_ORDER)
    return sorted(errors, key=key)  # stable: several errors on one field keep their order


def _element_label(element: Element) -> str:
    return ELEMENT_LABELS.get(element, element.value)
