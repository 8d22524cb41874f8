"""SNOMED CT concept ids the app reads and writes (domain.md §9).

Only ids found in public material are listed; anything domain.md marks "unverified" (the
remission code, lithium substance ids, the TC/HDL ratio, "check declined") is deliberately absent
and must come from configuration data once confirmed, not be guessed here.

Codes are strings: SNOMED ids are identifiers, up to 18 digits, and must never be treated as
numbers (leading digits, float rounding, SQL integer overflow).
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

# Personalised Care Adjustment evidence for the MH indicators (domain.md §2.2).
PCA_UNSUITABLE = "716301000000102"  # MHPCAPU_COD: care unsuitable (clinical judgement)
PCA_DECLINED = "717051000000101"  # MHPCADEC_COD: informed dissent
MH_INVITATION = "1110951000000105"  # MHINVITE_COD: QOF MH quality-indicator invitation
