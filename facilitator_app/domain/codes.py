"""SNOMED CT concept ids the app reads and writes (domain.md §9).

Only ids found in public material are listed; anything domain.md marks "unverified" (the
remission code, lithium substance ids, the TC/HDL ratio, "check declined") is deliberately absent
and must come from configuration data once confirmed, not be guessed here.

Codes are strings: SNOMED ids are identifiers, up to 18 digits, and must never be treated as
numbers (leading digits, float rounding, SQL integer overflow).

App-local codes
---------------
The full physical health check records things domain.md §9 has no verified SNOMED id for: the
three AUDIT-C questions, cigarettes per day, substance use asked (positive / negative),
medication review done, cancer screening up to date or not, and the other blood pressure reading
of a visit where two were taken. These get **app-local codes** in ``LOCAL_CODES``, always
starting ``FAC-`` (``APP_LOCAL_PREFIX``) and never all digits, so no one can mistake one for a
SNOMED id or send it to a practice system as one. They are kept out of ``CODES`` on purpose:
``CODES`` is what a practice extract may contain (the importer resolves codes and labels from
it and checks values against ``thresholds.PLAUSIBLE``), and a practice system never sends a
``FAC-`` code. ``ALL_CODES`` / ``code_info`` look up either kind. When a verified SNOMED id is
found for one of them, move it into ``CODES`` (and give valued ones a ``PLAUSIBLE`` range).
"""

from __future__ import annotations

from dataclasses import dataclass

from facilitator_app.domain.checks import Element

__all__ = [
    "AUDIT_C",
    "BMI",
    "CODES",
    "DIASTOLIC_BP",
    "EX_SMOKER",
    "FASTING_GLUCOSE",
    "HBA1C",
    "HDL_CHOLESTEROL",
    "CARE_PLAN_CLUSTER",
    "LITHIUM_CLUSTER",
    "REMISSION_CLUSTER",
    "SMI_CATEGORIES",
    "HEIGHT",
    "MH_INVITATION",
    "NEVER_SMOKED",
    "NON_HDL_CHOLESTEROL",
    "PCA_DECLINED",
    "PCA_UNSUITABLE",
    "PLASMA_GLUCOSE",
    "PULSE",
    "QRISK3_SCORE",
    "SMI_DIAGNOSES",
    "SMOKER",
    "SYSTOLIC_BP",
    "TOTAL_CHOLESTEROL",
    "TRIGLYCERIDES",
    "WAIST",
    "WEIGHT",
    "CodeInfo",
    "ALL_CODES",
    "APP_LOCAL_PREFIX",
    "AUDIT_C_Q1",
    "AUDIT_C_Q2",
    "AUDIT_C_Q3",
    "CANCER_SCREENING_DUE",
    "CANCER_SCREENING_UP_TO_DATE",
    "CIGARETTES_PER_DAY",
    "DIASTOLIC_BP_OTHER",
    "LOCAL_CODES",
    "MEDICATION_REVIEW_DONE",
    "SUBSTANCE_USE_NEGATIVE",
    "SUBSTANCE_USE_POSITIVE",
    "SYSTOLIC_BP_OTHER",
    "code_info",
    "is_app_local",
]


@dataclass(frozen=True)
class CodeInfo:
    """What an observation code measures: the check element it counts towards, a display label
    and the unit values are stored in ("" for coded statuses such as smoking)."""

    code: str
    element: Element
    label: str
    unit: str


BMI = "60621009"
WEIGHT = "27113001"
HEIGHT = "50373000"
WAIST = "276361009"
SYSTOLIC_BP = "271649006"
DIASTOLIC_BP = "271650006"
PULSE = "78564009"
TOTAL_CHOLESTEROL = "1005671000000105"
HDL_CHOLESTEROL = "1005681000000107"
NON_HDL_CHOLESTEROL = "1006191000000106"
TRIGLYCERIDES = "1005691000000109"
HBA1C = "999791000000106"
PLASMA_GLUCOSE = "1010671000000102"
FASTING_GLUCOSE = "1003141000000105"
AUDIT_C = "763256006"
SMOKER = "77176002"
EX_SMOKER = "8517006"
NEVER_SMOKED = "266919005"
QRISK3_SCORE = "1085871000000105"
CARE_PLAN_CLUSTER = "999013411000230100"  # MHP_COD: comprehensive care plan (QOF MH002)


def _table(*rows: CodeInfo) -> dict[str, CodeInfo]:
    table = {row.code: row for row in rows}
    assert len(table) == len(rows), "duplicate SNOMED code in CODES"
    return table


CODES: dict[str, CodeInfo] = _table(
    CodeInfo(BMI, Element.BMI, "Body mass index", "kg/m²"),
    CodeInfo(WEIGHT, Element.WEIGHT, "Body weight", "kg"),
    CodeInfo(HEIGHT, Element.HEIGHT, "Body height", "cm"),
    CodeInfo(WAIST, Element.WAIST, "Waist circumference", "cm"),
    CodeInfo(SYSTOLIC_BP, Element.BLOOD_PRESSURE, "Systolic blood pressure", "mmHg"),
    CodeInfo(DIASTOLIC_BP, Element.BLOOD_PRESSURE, "Diastolic blood pressure", "mmHg"),
    CodeInfo(PULSE, Element.PULSE, "Pulse rate", "beats/min"),
    CodeInfo(TOTAL_CHOLESTEROL, Element.LIPIDS, "Total cholesterol", "mmol/L"),
    CodeInfo(HDL_CHOLESTEROL, Element.LIPIDS, "HDL cholesterol", "mmol/L"),
    CodeInfo(NON_HDL_CHOLESTEROL, Element.LIPIDS, "Non-HDL cholesterol", "mmol/L"),
    CodeInfo(TRIGLYCERIDES, Element.LIPIDS, "Triglycerides", "mmol/L"),
    CodeInfo(HBA1C, Element.GLUCOSE, "HbA1c", "mmol/mol"),
    CodeInfo(PLASMA_GLUCOSE, Element.GLUCOSE, "Plasma glucose", "mmol/L"),
    CodeInfo(FASTING_GLUCOSE, Element.GLUCOSE, "Fasting plasma glucose", "mmol/L"),
    CodeInfo(AUDIT_C, Element.ALCOHOL, "AUDIT-C score", "score"),
    CodeInfo(SMOKER, Element.SMOKING, "Smoker", ""),
    CodeInfo(EX_SMOKER, Element.SMOKING, "Ex-smoker", ""),
    CodeInfo(NEVER_SMOKED, Element.SMOKING, "Never smoked", ""),
    CodeInfo(QRISK3_SCORE, Element.QRISK, "QRISK3 10-year CVD risk score", "%"),
    CodeInfo(CARE_PLAN_CLUSTER, Element.CARE_PLAN, "Comprehensive care plan", ""),
)

# MH_COD members (domain.md §9, from the public PCD refset listing). Any of these dated on or
# before the reference date puts a person on MH1_REG. Some MH_COD terms elsewhere in the refset
# say "in remission" - they are still diagnosis codes, not remission codes.
SMI_DIAGNOSES: dict[str, str] = {
    "58214004": "Schizophrenia",
    "13746004": "Bipolar affective disorder",
    "191618007": "Bipolar affective disorder, current episode manic",
    "69322001": "Psychotic disorder",
    "191525009": "Non-organic psychosis",
    "1127191000000108": "First episode psychosis",
    "68890003": "Schizoaffective disorder",
}

# Broad category of each MH_COD member, stored beside the code for reports and the record.
SMI_CATEGORIES: dict[str, str] = {
    "58214004": "schizophrenia",
    "13746004": "bipolar",
    "191618007": "bipolar",
    "69322001": "psychosis",
    "191525009": "psychosis",
    "1127191000000108": "first_episode",
    "68890003": "schizoaffective",
}
assert SMI_CATEGORIES.keys() == SMI_DIAGNOSES.keys()

# Remission and lithium are recorded by cluster: domain.md has no verified member ids for
# MHREM_COD or LIT_COD, so the cluster id (or name) stands in until one is configured.
REMISSION_CLUSTER = "999006091000230105"  # MHREM_COD
LITHIUM_CLUSTER = "LIT_COD"

# Personalised Care Adjustment evidence for the MH indicators (domain.md §2.2).
PCA_UNSUITABLE = "716301000000102"  # MHPCAPU_COD: care unsuitable (clinical judgement)
PCA_DECLINED = "717051000000101"  # MHPCADEC_COD: informed dissent
MH_INVITATION = "1110951000000105"  # MHINVITE_COD: QOF MH quality-indicator invitation


# --- App-local codes (see the module docstring): no verified SNOMED id in domain.md §9. --------

APP_LOCAL_PREFIX = "FAC-"

AUDIT_C_Q1 = "FAC-AUDITC-Q1"  # how often a drink containing alcohol (0-4)
AUDIT_C_Q2 = "FAC-AUDITC-Q2"  # units on a typical drinking day (0-4)
AUDIT_C_Q3 = "FAC-AUDITC-Q3"  # how often 6+ (women) / 8+ (men) units on one occasion (0-4)
CIGARETTES_PER_DAY = "FAC-CIGS-PER-DAY"
SUBSTANCE_USE_POSITIVE = "FAC-SUBST-POS"  # asked: uses drugs other than alcohol/tobacco
SUBSTANCE_USE_NEGATIVE = "FAC-SUBST-NEG"  # asked: does not
MEDICATION_REVIEW_DONE = "FAC-MED-REVIEW"
CANCER_SCREENING_UP_TO_DATE = "FAC-CANCER-SCR-OK"
CANCER_SCREENING_DUE = "FAC-CANCER-SCR-DUE"  # checked: not up to date for a programme
SYSTOLIC_BP_OTHER = "FAC-SBP-OTHER"  # the reading not kept as the clinic BP (two taken)
DIASTOLIC_BP_OTHER = "FAC-DBP-OTHER"


def _local_table(*rows: CodeInfo) -> dict[str, CodeInfo]:
    table = _table(*rows)
    assert all(c.startswith(APP_LOCAL_PREFIX) and len(c) <= 20 for c in table), (
        "app-local codes start FAC- and fit observation.code (20 characters)"
    )
    assert not set(table) & set(CODES), "an app-local code clashes with CODES"
    return table


LOCAL_CODES: dict[str, CodeInfo] = _local_table(
    CodeInfo(AUDIT_C_Q1, Element.ALCOHOL, "AUDIT-C question 1 (how often)", "score"),
    CodeInfo(AUDIT_C_Q2, Element.ALCOHOL, "AUDIT-C question 2 (units per day)", "score"),
    CodeInfo(AUDIT_C_Q3, Element.ALCOHOL, "AUDIT-C question 3 (heavy drinking)", "score"),
    CodeInfo(CIGARETTES_PER_DAY, Element.SMOKING, "Cigarettes per day", "cigarettes/day"),
    CodeInfo(SUBSTANCE_USE_POSITIVE, Element.SUBSTANCE, "Substance use: yes", ""),
    CodeInfo(SUBSTANCE_USE_NEGATIVE, Element.SUBSTANCE, "Substance use: no", ""),
    CodeInfo(MEDICATION_REVIEW_DONE, Element.MEDICATION_REVIEW, "Medication review done", ""),
    CodeInfo(CANCER_SCREENING_UP_TO_DATE, Element.CANCER_SCREENING,
             "Cancer screening up to date", ""),
    CodeInfo(CANCER_SCREENING_DUE, Element.CANCER_SCREENING,
             "Cancer screening not up to date", ""),
    CodeInfo(SYSTOLIC_BP_OTHER, Element.BLOOD_PRESSURE,
             "Systolic blood pressure (other reading, same visit)", "mmHg"),
    CodeInfo(DIASTOLIC_BP_OTHER, Element.BLOOD_PRESSURE,
             "Diastolic blood pressure (other reading, same visit)", "mmHg"),
)

ALL_CODES: dict[str, CodeInfo] = {**CODES, **LOCAL_CODES}
"""Every observation code the app writes: SNOMED (``CODES``) and app-local (``LOCAL_CODES``)."""


def code_info(code: str) -> CodeInfo | None:
    """What ``code`` measures, whichever table it is in; None for a code the app does not know."""
    return ALL_CODES.get(code)


def is_app_local(code: str) -> bool:
    return code.startswith(APP_LOCAL_PREFIX)
