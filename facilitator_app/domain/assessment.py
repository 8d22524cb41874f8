"""From the readings of one date to the abnormal findings and their follow-up actions
(domain.md §3.1).

``thresholds`` judges one quantity at a time; a check, an imported extract or the demo register
deliver *the readings of one date* keyed by code. ``assess_readings`` is the one place that
turns such a set into findings, so a result flags the same way however it arrived: typed on
the form, imported from a practice extract or generated for the demo. Each finding is keyed by
the code of the reading that triggered it, so the caller can link the follow-up to that
observation (blood pressure findings are keyed by the systolic code).

``follow_up_for`` and ``assignee_for`` word and assign the follow-up the same way for all three.

Readings combine where domain.md says so: systolic with diastolic; total cholesterol with HDL
(non-HDL); BMI from height and weight when no BMI was recorded; waist with height (waist-to-
height ratio); the 10-year CVD risk score with the lipid profile. A blood pressure is only
judged when both systolic and diastolic are present: a lone half of a reading cannot be quoted
as "150/?" to a GP, and every source the app has records the two together.

Pure: plain numbers in, ``Finding`` values out. Values are assumed plausible already
(``thresholds.plausibility_problem``); this module does not validate again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Final

from facilitator_app.domain import codes
from facilitator_app.domain.checks import Element
from facilitator_app.domain.thresholds import (
    FOLLOW_UP_DAYS,
    PLAUSIBLE,
    Finding,
    Severity,
    Threshold,
    assess_audit_c,
    assess_blood_pressure,
    assess_bmi,
    assess_glucose,
    assess_hba1c,
    assess_lipids,
    assess_pulse,
    assess_smoking,
    assess_weight_gain,
)

__all__ = [
    "ASSIGNEES",
    "FACILITATOR",
    "GP",
    "WAIST_TO_HEIGHT",
    "assess_cancer_screening",
    "assess_readings",
    "assess_substance_use",
    "assess_waist",
    "assignee_for",
    "bmi_from",
    "follow_up_for",
    "waist_to_height_ratio",
]

GP: Final = "GP"
FACILITATOR: Final = "Facilitator"

ASSIGNEES: Mapping[Element, str] = {
    # Brief interventions, referral to lifestyle services and screening prompts are the
    # facilitator's work; anything needing a diagnosis, a prescription or a medication review
    # is the GP's. App rule: review with the clinical lead.
    Element.ALCOHOL: FACILITATOR,
    Element.SMOKING: FACILITATOR,
    Element.SUBSTANCE: FACILITATOR,
    Element.CANCER_SCREENING: FACILITATOR,
}
"""Who a follow-up is assigned to, by element; anything not listed goes to the GP."""

WAIST_TO_HEIGHT: Mapping[str, Threshold] = {
    "increased": Threshold(0.5, True, "unverified: check NICE NG246 2025"),
    "high": Threshold(0.6, True, "unverified: check NICE NG246 2025"),
}
"""Waist-to-height ratio cut-offs (domain.md §3.1): ≥ 0.5 increased risk, ≥ 0.6 high."""

_WEIGHT_ACTION = "Lifestyle advice; medication review; NICE obesity pathway"


def bmi_from(height_cm: float, weight_kg: float) -> float:
    """BMI = kg / m², to 1 dp, the precision it is stored and shown at (domain.md §3.1)."""
    return round(weight_kg / (height_cm / 100) ** 2, 1)


def waist_to_height_ratio(waist_cm: float, height_cm: float) -> float:
    """Waist ÷ height, both in cm, to 2 dp."""
    return round(waist_cm / height_cm, 2)


def assess_waist(waist_cm: float, height_cm: float) -> tuple[Finding, ...]:
    """Waist-to-height ratio ≥ 0.5 increased risk, ≥ 0.6 high (domain.md §3.1, unverified).
    §3.1 names no action for waist, so the weight action of the BMI row is used (app rule):
    central fat carries the risks the obesity pathway addresses."""
    ratio = waist_to_height_ratio(waist_cm, height_cm)
    shown = f"Waist-to-height ratio {ratio:.2f} (waist {waist_cm:g} cm)"
    if WAIST_TO_HEIGHT["high"].reached(ratio):
        summary = f"{shown} is at or above 0.6: high risk"
    elif WAIST_TO_HEIGHT["increased"].reached(ratio):
        summary = f"{shown} is at or above 0.5: increased risk"
    else:
        return ()
    plain = (
        "Your waist measurement is large for your height. Carrying weight around the middle "
        "raises the chance of heart disease and diabetes. We would like to talk to you about "
        "support with eating and being more active."
    )
    return (
        Finding(Element.WAIST, Severity.ATTENTION, summary, _WEIGHT_ACTION, plain,
                FOLLOW_UP_DAYS[Severity.ATTENTION]),
    )


def assess_substance_use(positive: bool) -> tuple[Finding, ...]:
    """Substance use positive → brief intervention, local drug and alcohol service (§3.1)."""
    if not positive:
        return ()
    return (
        Finding(
            Element.SUBSTANCE,
            Severity.ATTENTION,
            "Substance use reported",
            "Brief intervention; offer referral to the local drug and alcohol service",
            "You told us you use drugs. We can give you support and put you in touch with the "
            "local drug and alcohol service if you would like.",
            FOLLOW_UP_DAYS[Severity.ATTENTION],
        ),
    )


def assess_cancer_screening(up_to_date: bool) -> tuple[Finding, ...]:
    """Not up to date for an eligible programme → prompt or refer (§3.1)."""
    if up_to_date:
        return ()
    return (
        Finding(
            Element.CANCER_SCREENING,
            Severity.ATTENTION,
            "Cancer screening not up to date",
            "Prompt the person to take up screening; help book it or refer to the programme",
            "You are due for NHS cancer screening. We can help you book it.",
            FOLLOW_UP_DAYS[Severity.ATTENTION],
        ),
    )


def _statin_only(qrisk_score: float) -> tuple[Finding, ...]:
    # ``assess_lipids`` judges risk and cholesterol together. To judge the risk on its own it
    # is given a total cholesterol at the bottom of the plausible range, below every
    # cholesterol cut-off, so only the risk can flag. Keeping the two apart keys the statin
    # follow-up to the score and the cholesterol follow-up to the cholesterol reading.
    return assess_lipids(PLAUSIBLE[codes.TOTAL_CHOLESTEROL].low, None, qrisk_score)


def assess_readings(
    readings: Mapping[str, float | None],
    *,
    ethnicity_code: str,
    qrisk_score: float | None = None,
    fasting_glucose: bool = False,
    earlier_weight: tuple[float, int] | None = None,
) -> list[tuple[str, Finding]]:
    """The findings the readings of one date trigger, each keyed by the code that triggered it.

    ``readings`` maps codes (``codes.CODES`` / ``codes.LOCAL_CODES``) to values; coded statuses
    (smoker, substance use, screening) have the value None. ``ethnicity_code`` is the NHS ethnic
    category letter (lower BMI cut-offs). ``qrisk_score`` is the 10-year CVD risk (%) to judge;
    when omitted a ``QRISK3_SCORE`` reading is used; its statin finding is keyed by
    ``QRISK3_SCORE``. ``fasting_glucose`` says a ``PLASMA_GLUCOSE`` reading was taken fasting
    (``FASTING_GLUCOSE`` always is). ``earlier_weight`` is (kg, days before this date) of an
    earlier weight, for the > 5 kg in 3 months rule. Readings no rule covers (height alone, a
    negative substance screen) produce nothing; an empty list means nothing needs action.
    """
    found: list[tuple[str, Finding]] = []

    def add(code: str, findings: tuple[Finding, ...]) -> None:
        found.extend((code, f) for f in findings)

    def value(code: str) -> float | None:
        return readings.get(code)

    bmi, weight, height = value(codes.BMI), value(codes.WEIGHT), value(codes.HEIGHT)
    if bmi is not None:
        add(codes.BMI, assess_bmi(bmi, ethnicity_code))
    elif weight is not None and height is not None:
        add(codes.WEIGHT, assess_bmi(bmi_from(height, weight), ethnicity_code))
    if weight is not None and earlier_weight is not None:
        kg_then, days_before = earlier_weight
        add(codes.WEIGHT, assess_weight_gain(kg_then, weight, days_before))
    waist = value(codes.WAIST)
    if waist is not None and height is not None:
        add(codes.WAIST, assess_waist(waist, height))

    systolic, diastolic = value(codes.SYSTOLIC_BP), value(codes.DIASTOLIC_BP)
    if systolic is not None and diastolic is not None:
        add(codes.SYSTOLIC_BP, assess_blood_pressure(systolic, diastolic))
    if (pulse := value(codes.PULSE)) is not None:
        add(codes.PULSE, assess_pulse(pulse))

    score = qrisk_score if qrisk_score is not None else value(codes.QRISK3_SCORE)
    if score is not None:
        add(codes.QRISK3_SCORE, _statin_only(score))
    if (total := value(codes.TOTAL_CHOLESTEROL)) is not None:
        add(codes.TOTAL_CHOLESTEROL, assess_lipids(total, value(codes.HDL_CHOLESTEROL), None))

    if (hba1c := value(codes.HBA1C)) is not None:
        add(codes.HBA1C, assess_hba1c(hba1c))
    if (fpg := value(codes.FASTING_GLUCOSE)) is not None:
        add(codes.FASTING_GLUCOSE, assess_glucose(fpg, fasting=True))
    if (glucose := value(codes.PLASMA_GLUCOSE)) is not None:
        add(codes.PLASMA_GLUCOSE, assess_glucose(glucose, fasting=fasting_glucose))

    if (audit_c := value(codes.AUDIT_C)) is not None:
        add(codes.AUDIT_C, assess_audit_c(round(audit_c)))
    if codes.SMOKER in readings:
        add(codes.SMOKER, assess_smoking(True))
    if codes.SUBSTANCE_USE_POSITIVE in readings:
        add(codes.SUBSTANCE_USE_POSITIVE, assess_substance_use(True))
    if codes.CANCER_SCREENING_DUE in readings:
        add(codes.CANCER_SCREENING_DUE, assess_cancer_screening(False))
    return found


def follow_up_for(finding: Finding, observed_on: date) -> tuple[str, date]:
    """The follow-up action text and due date for a finding on a result dated ``observed_on``.

    The text leads with the finding (it quotes the value and cut-off) so the action list makes
    sense on its own; the due date counts from the result, not from when it was entered, so a
    result typed in late gets no extra time (urgent: the same day).
    """
    due_on = observed_on + timedelta(days=finding.follow_up_days)
    return f"{finding.summary}: {finding.action}", due_on


def assignee_for(finding: Finding) -> str:
    """"GP" or "Facilitator" (``ASSIGNEES``); anything urgent goes to the GP."""
    if finding.severity is Severity.URGENT:
        return GP
    return ASSIGNEES.get(finding.element, GP)
