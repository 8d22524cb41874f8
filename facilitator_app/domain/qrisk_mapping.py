"""How facts held in the record become QRISK3 inputs (domain.md §4.2).

The record holds NHS ethnic category letters, smoking status codes with an optional cigarette
count and a series of blood pressure readings; QRISK3 wants an ethnicity code 1-9, a smoking
category 0-4 and the standard deviation of recent systolic readings. These translations are
pure rules, kept here so they are tested once and used by every screen and letter that shows a
score from the record (``services/qrisk_record.py``).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Final

from facilitator_app.domain import codes
from facilitator_app.domain.qrisk3 import FLAG_FIELDS

__all__ = [
    "CONDITION_FIELDS",
    "CONDITION_LABELS",
    "CVD",
    "NOT_STATED_ETHNICITY",
    "QRISK_ETHNICITY",
    "QRISK_ETHNICITY_LABELS",
    "SBP_SD_YEARS",
    "SMI_NOTE",
    "SMOKE_CAT_LABELS",
    "SMOKER_AMOUNT_UNKNOWN",
    "qrisk_ethnicity",
    "sbp_standard_deviation",
    "smoke_category",
]

QRISK_ETHNICITY: Mapping[str, int] = {
    # NHS Data Dictionary ethnic category -> QRISK3 ethnicity (domain.md §4.2): 1 White or not
    # stated, 2 Indian, 3 Pakistani, 4 Bangladeshi, 5 Other Asian, 6 Black Caribbean,
    # 7 Black African, 8 Chinese, 9 Other (mixed, other Black, other).
    "A": 1, "B": 1, "C": 1,  # White British / Irish / any other White
    "D": 9, "E": 9, "F": 9, "G": 9,  # Mixed
    "H": 2,  # Indian
    "J": 3,  # Pakistani
    "K": 4,  # Bangladeshi
    "L": 5,  # any other Asian background
    "M": 6,  # Black Caribbean
    "N": 7,  # Black African
    "P": 9,  # any other Black background
    "R": 8,  # Chinese
    "S": 9,  # any other ethnic group
    "Z": 1,  # not stated
}
"""Every NHS ethnic category letter. Blank or unknown letters are treated as "not stated"."""

NOT_STATED_ETHNICITY: Final = 1

QRISK_ETHNICITY_LABELS: Mapping[int, str] = {
    1: "White or not stated",
    2: "Indian",
    3: "Pakistani",
    4: "Bangladeshi",
    5: "Other Asian",
    6: "Black Caribbean",
    7: "Black African",
    8: "Chinese",
    9: "Other ethnic group",
}

SMOKE_CAT_LABELS: Mapping[int, str] = {
    0: "non-smoker",
    1: "ex-smoker",
    2: "light smoker (fewer than 10 a day)",
    3: "moderate smoker (10 to 19 a day)",
    4: "heavy smoker (20 or more a day)",
}

SMOKER_AMOUNT_UNKNOWN: Final = 3
"""Category used for a current smoker whose daily amount is not recorded (app rule). QRISK3
has no "smoker, amount unknown" category and the app does not impute, so a choice has to be
made and shown: moderate, the middle category. Light would understate the risk of most
smokers; heavy would overstate it for many. The score says this was assumed, and asks for the
number of cigarettes a day. Review with the clinical safety officer."""

SBP_SD_YEARS: Final = 5
"""QRISK3's ``sbps5``: the variability of systolic blood pressure over the last five years."""

CVD: Final = "cvd"
"""Condition name for existing cardiovascular disease (angina, heart attack, stroke or TIA,
peripheral arterial disease). Not a QRISK3 input: QRISK3 is for people *without* CVD, so when
it is recorded as present no score is given (domain.md §4.2, "Prior CVD → no score")."""

CONDITION_FIELDS: tuple[str, ...] = (CVD, *(f for f in FLAG_FIELDS if f != "smi"))
"""Conditions a check asks about and records (``ClinicalCondition.condition``). ``smi`` is not
asked: it comes from the SMI register."""

CONDITION_LABELS: Mapping[str, str] = {
    CVD: "Existing cardiovascular disease (angina, heart attack, stroke, TIA, PAD)",
    "af": "Atrial fibrillation",
    "atypical_antipsychotic": "Taking an atypical antipsychotic",
    "corticosteroids": "Regular oral corticosteroids",
    "erectile_dysfunction": "Erectile dysfunction (men)",
    "migraine": "Migraine",
    "ra": "Rheumatoid arthritis",
    "ckd345": "Chronic kidney disease stage 3 to 5",
    "smi": "Severe mental illness",
    "sle": "Systemic lupus erythematosus (SLE)",
    "treated_hypertension": "Treated high blood pressure",
    "type1": "Type 1 diabetes",
    "type2": "Type 2 diabetes",
    "fh_cvd": "Angina or heart attack in a parent, brother or sister under 60",
}

SMI_NOTE: Final = (
    "NICE: QRISK3 may underestimate cardiovascular risk in people with schizophrenia, bipolar "
    "disorder or other psychoses (its severe mental illness group included moderate or severe "
    "depression). Use clinical judgement."
)
"""Shown beside every score the app displays (domain.md §4.4, NICE NG238)."""


def qrisk_ethnicity(nhs_category: str) -> int:
    """QRISK3 ethnicity code for an NHS ethnic category letter; blank or unknown → 1 (White or
    not stated), the model's baseline for "not stated"."""
    return QRISK_ETHNICITY.get(nhs_category.strip().upper(), NOT_STATED_ETHNICITY)


def smoke_category(status_code: str | None, cigarettes_per_day: float | None) -> (
        tuple[int, str | None]):
    """QRISK3 ``smoke_cat`` from the latest smoking status and, for a current smoker, the
    number of cigarettes a day: < 10 light (2), 10-19 moderate (3), ≥ 20 heavy (4).

    Returns the category and a note to show with the score when something was assumed: no
    status recorded → 0 (QRISK3: "unknown → 0"); current smoker with no amount →
    ``SMOKER_AMOUNT_UNKNOWN``.
    """
    if status_code == codes.SMOKER:
        if cigarettes_per_day is None:
            return SMOKER_AMOUNT_UNKNOWN, (
                "Current smoker, number of cigarettes a day not recorded: scored as a "
                f"{SMOKE_CAT_LABELS[SMOKER_AMOUNT_UNKNOWN]}. Record the amount for an "
                "accurate score."
            )
        if cigarettes_per_day < 10:
            return 2, None
        if cigarettes_per_day < 20:
            return 3, None
        return 4, None
    if status_code == codes.EX_SMOKER:
        return 1, None
    if status_code == codes.NEVER_SMOKED:
        return 0, None
    return 0, "Smoking status not recorded: scored as a non-smoker, as QRISK3 does."


def sbp_standard_deviation(readings: Sequence[float]) -> float | None:
    """Sample standard deviation of systolic readings, or None with fewer than two (QRISK3
    then uses 0, domain.md §4.2)."""
    if len(readings) < 2:
        return None
    return statistics.stdev(readings)
