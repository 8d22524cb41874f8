"""QRISK3 from what the record holds at a date, saying which inputs were used (domain.md §4).

A score is only as good as its inputs, and a facilitator or GP reading "12.3 %" must be able to
see what it was calculated from and how old each input is. So the result is the score *and*
one line per input: the value used and the date of the record it came from (or why a default
was used). Where an input the model needs is not in the record (BMI, cholesterol/HDL ratio,
systolic blood pressure) there is **no score**, with the missing inputs listed: the app does
not impute (domain.md §4.2 app rule). Outside ages 25-84, for sexes other than female/male, or
with existing cardiovascular disease recorded, QRISK3 does not apply and that is said instead.

Which record is used, and why:

* age on the date; sex and NHS ethnic category from the patient (``qrisk_mapping``);
* smoking: the latest status on or before the date, with cigarettes per day recorded the same
  day (``qrisk_mapping.smoke_category`` says what is assumed when the amount is missing);
* BMI: the latest BMI; cholesterol/HDL ratio: the latest date with both total and HDL
  cholesterol, because a ratio of results from different days mixes two blood samples;
* systolic blood pressure: the latest; its standard deviation from every systolic reading in
  the five years up to the date (QRISK3's ``sbps5``), when there are at least two, else 0;
* severe mental illness: an SMI diagnosis (MH_COD) on or before the date (MH1_REG), remission
  included: QRISK3's flag is the diagnosis, not current activity;
* the other conditions: the latest yes/no record of each (``ClinicalCondition``); never
  recorded counts as no, and the line says so.

Every displayed score carries ``DISCLAIMER`` and ``SMI_NOTE`` (domain.md §4.1, §4.4).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal, Protocol

from facilitator_app.domain import codes
from facilitator_app.domain.access import Permission
from facilitator_app.domain.dates import format_uk_date
from facilitator_app.domain.demographics import age_on
from facilitator_app.domain.qrisk3 import (
    AGE_MAX,
    AGE_MIN,
    CORRECTED_DATA_NOTE,
    DISCLAIMER,
    FLAG_FIELDS,
    Qrisk3InputError,
    Qrisk3Inputs,
    Qrisk3Result,
    qrisk3,
)
from facilitator_app.domain.qrisk_mapping import (
    CONDITION_LABELS,
    CVD,
    QRISK_ETHNICITY_LABELS,
    SMI_NOTE,
    SMOKE_CAT_LABELS,
    qrisk_ethnicity,
    sbp_standard_deviation,
    smoke_category,
)
from facilitator_app.services.access import require_patient
from facilitator_app.services.patients import PatientNotFound
from facilitator_app.services.ports import UnitOfWork

__all__ = [
    "InputUsed",
    "QriskFacts",
    "QriskFromRecord",
    "QriskQueries",
    "SystolicReading",
    "overlay_readings",
    "qrisk_from_facts",
    "qrisk_from_record",
]

SYSTOLIC_CODES: tuple[str, ...] = (codes.SYSTOLIC_BP, codes.SYSTOLIC_BP_OTHER)
SMOKING_STATUS_CODES: tuple[str, ...] = (codes.SMOKER, codes.EX_SMOKER, codes.NEVER_SMOKED)


@dataclass(frozen=True)
class SystolicReading:
    value: float
    observed_on: date
    code: str  # SYSTOLIC_BP, or SYSTOLIC_BP_OTHER for the other reading of a visit


@dataclass(frozen=True)
class QriskFacts:
    """What the record holds for one person on or before a date, as storage returns it."""

    date_of_birth: date
    sex: str
    ethnicity: str  # NHS ethnic category letter
    smi_diagnosed_on: date | None  # earliest SMI diagnosis on or before the date
    smoking: tuple[str, date] | None  # latest status code and its date
    cigarettes_per_day: float | None  # recorded the same day as that status
    bmi: tuple[float, date] | None
    lipids: tuple[float, float, date] | None  # total, HDL, their (shared) date
    systolic: tuple[SystolicReading, ...]  # the five years up to the date, newest first
    conditions: tuple[tuple[str, bool, date], ...]  # latest record per condition


class QriskQueries(Protocol):
    """Storage for QRISK3 from the record (db/queries/qrisk.py)."""

    def qrisk_facts(self, patient_id: int, at: date) -> QriskFacts | None:
        """None when there is no such patient."""
        ...


@dataclass(frozen=True)
class InputUsed:
    """One input: what it is, the value used and the date of the record it came from; with no
    dated record, ``source_note`` says where the value came from instead."""

    label: str
    value: str
    source_on: date | None
    source_note: str = ""

    @property
    def source_text(self) -> str:
        if self.source_on is not None:
            return format_uk_date(self.source_on)
        return self.source_note or "not recorded"


@dataclass(frozen=True)
class QriskFromRecord:
    """A score from the record, or why there is none. Show ``disclaimer`` and ``smi_note`` with
    every score, and ``CORRECTED_DATA_NOTE`` with the corrections when ``result.corrected``."""

    at: date
    result: Qrisk3Result | None
    inputs_used: tuple[InputUsed, ...]
    missing: tuple[str, ...]  # why there is no score; empty when there is one
    notes: tuple[str, ...]  # what was assumed (smoking amount, SBP variability, Townsend)
    disclaimer: str = DISCLAIMER
    smi_note: str = SMI_NOTE

    @property
    def score(self) -> float | None:
        """The score as stored and judged: 1 dp, as it is displayed (domain.md §4.3)."""
        return None if self.result is None else round(self.result.score, 1)

    @property
    def headline(self) -> str:
        """One line for the screen: "10-year CVD risk 12.3% (QRISK3, 22/11/2026)" or why not."""
        when = format_uk_date(self.at)
        if self.result is None:
            return f"No 10-year CVD risk score on {when}: " + "; ".join(self.missing)
        corrected = f" ({CORRECTED_DATA_NOTE.lower()})" if self.result.corrected else ""
        return f"10-year CVD risk {self.result.display} (QRISK3, {when}){corrected}"

    @property
    def corrections(self) -> tuple[str, ...]:
        return () if self.result is None else self.result.corrections


DETAILS = "patient details"


def _number(value: float, unit: str = "", dp: int | None = None) -> str:
    text = f"{value:.{dp}f}" if dp is not None else f"{value:g}"
    return f"{text} {unit}".strip()


def qrisk_from_facts(facts: QriskFacts, at: date) -> QriskFromRecord:
    """Pure: the score from ``facts`` (already limited to records on or before ``at``)."""
    used: list[InputUsed] = []
    missing: list[str] = []
    notes: list[str] = []

    sex = facts.sex if facts.sex in ("F", "M") else None
    used.append(InputUsed("Sex", {"F": "female", "M": "male"}.get(facts.sex, facts.sex), None,
                          DETAILS))
    if sex is None:
        missing.append("sex is not recorded as female or male, which QRISK3 needs")
    age = age_on(facts.date_of_birth, at)
    used.append(InputUsed("Age", f"{age} years", None, f"on {format_uk_date(at)}"))
    if not AGE_MIN <= age <= AGE_MAX:
        missing.append(f"age {age} is outside {AGE_MIN}–{AGE_MAX}: QRISK3 does not apply")
    ethnicity = qrisk_ethnicity(facts.ethnicity)
    used.append(InputUsed("Ethnicity", QRISK_ETHNICITY_LABELS[ethnicity], None, DETAILS))

    status, status_on = facts.smoking if facts.smoking else (None, None)
    smoke_cat, smoking_note = smoke_category(status, facts.cigarettes_per_day)
    amount = (f", {facts.cigarettes_per_day:g} a day"
              if status == codes.SMOKER and facts.cigarettes_per_day is not None else "")
    used.append(InputUsed("Smoking", SMOKE_CAT_LABELS[smoke_cat] + amount, status_on,
                          "not recorded: taken as non-smoker"))
    if smoking_note:
        notes.append(smoking_note)

    bmi = facts.bmi[0] if facts.bmi else None
    if facts.bmi:
        used.append(InputUsed("BMI", _number(facts.bmi[0], "kg/m²", 1), facts.bmi[1]))
    else:
        missing.append("BMI is not recorded")
    ratio: float | None = None
    if facts.lipids:
        total, hdl, lipids_on = facts.lipids
        ratio = total / hdl
        used.append(InputUsed("Cholesterol/HDL ratio",
                              f"{ratio:.1f} (total {total:g}, HDL {hdl:g} mmol/L)", lipids_on))
    else:
        missing.append("total and HDL cholesterol from the same day are not recorded")
    latest_sbp = next((r for r in facts.systolic if r.code == codes.SYSTOLIC_BP), None)
    if latest_sbp:
        used.append(InputUsed("Systolic blood pressure", _number(latest_sbp.value, "mmHg"),
                              latest_sbp.observed_on))
    else:
        missing.append("systolic blood pressure is not recorded")
    sd = sbp_standard_deviation([r.value for r in facts.systolic])
    if sd is None:
        used.append(InputUsed("Systolic blood pressure variability", "0", None,
                              "fewer than two readings in 5 years"))
        notes.append("Fewer than two systolic readings in the last five years: blood pressure "
                     "variability taken as 0, as QRISK3 does.")
    else:
        oldest = facts.systolic[-1].observed_on
        used.append(InputUsed(
            "Systolic blood pressure variability",
            f"{sd:.1f} mmHg (standard deviation of {len(facts.systolic)} readings since "
            f"{format_uk_date(oldest)})", facts.systolic[0].observed_on))
    used.append(InputUsed("Townsend deprivation score", "0", None, "not recorded"))

    smi = facts.smi_diagnosed_on is not None
    used.append(InputUsed(CONDITION_LABELS["smi"], "yes (SMI diagnosis)" if smi else "no",
                          facts.smi_diagnosed_on, "no SMI diagnosis recorded"))
    recorded = {name: (present, on) for name, present, on in facts.conditions}
    if recorded.get(CVD, (False, None))[0]:
        missing.append("existing cardiovascular disease is recorded: QRISK3 does not apply")
    flags: dict[str, bool] = {}
    for name in FLAG_FIELDS:
        if name == "smi":
            continue
        present, on = recorded.get(name, (False, None))
        if name == "erectile_dysfunction" and sex != "M":
            continue  # a male-only input: not asked of, or used for, anyone else
        flags[name] = present
        used.append(InputUsed(CONDITION_LABELS[name], "yes" if present else "no", on,
                              "not recorded: taken as no"))

    result: Qrisk3Result | None = None
    if not missing and sex is not None:
        inputs = Qrisk3Inputs(
            sex=_sex(sex), age=age, ethnicity=ethnicity, smoke_cat=smoke_cat, bmi=bmi,
            chol_hdl_ratio=ratio, sbp=latest_sbp.value if latest_sbp else None,
            sbp_sd=sd or 0.0, smi=smi, **flags,
        )
        try:
            result = qrisk3(inputs)
        except Qrisk3InputError as exc:  # the checks above should leave nothing for this
            missing.append(exc.message)
    return QriskFromRecord(at=at, result=result, inputs_used=tuple(used),
                           missing=tuple(missing), notes=tuple(notes))


def _sex(sex: str) -> Literal["F", "M"]:
    return "M" if sex == "M" else "F"


def overlay_readings(
    facts: QriskFacts,
    at: date,
    readings: Mapping[str, float | None],
    conditions: Sequence[tuple[str, bool]] = (),
) -> QriskFacts:
    """``facts`` as they will be once readings dated ``at`` are saved: for a preview before
    saving. A reading replaces one of the same code and date, as saving does."""
    smoking, cigarettes = facts.smoking, facts.cigarettes_per_day
    status = next((c for c in SMOKING_STATUS_CODES if c in readings), None)
    if status is not None:
        smoking, cigarettes = (status, at), readings.get(codes.CIGARETTES_PER_DAY)
    bmi = facts.bmi
    if (new_bmi := readings.get(codes.BMI)) is not None:
        bmi = (new_bmi, at)
    lipids = facts.lipids
    total, hdl = readings.get(codes.TOTAL_CHOLESTEROL), readings.get(codes.HDL_CHOLESTEROL)
    if total is not None and hdl is not None:
        lipids = (total, hdl, at)
    systolic = [r for r in facts.systolic if not (r.observed_on == at and r.code in readings)]
    systolic += [SystolicReading(v, at, c) for c in SYSTOLIC_CODES
                 if (v := readings.get(c)) is not None]
    systolic.sort(key=lambda r: (r.observed_on, r.code == codes.SYSTOLIC_BP), reverse=True)
    latest = {name: (present, on) for name, present, on in facts.conditions}
    for name, present in conditions:
        latest[name] = (present, at)
    return replace(
        facts, smoking=smoking, cigarettes_per_day=cigarettes, bmi=bmi, lipids=lipids,
        systolic=tuple(systolic),
        conditions=tuple((name, present, on) for name, (present, on) in latest.items()),
    )


def qrisk_from_record(uow: UnitOfWork, patient_id: int, at: date, *,
                      permission: Permission = Permission.VIEW_RECORD) -> QriskFromRecord:
    """The score from the patient's record as it stood on ``at``. Raises PatientNotFound.
    ``permission``: what the caller needs it for (a letter needs only PRINT_LETTERS)."""
    with uow:
        require_patient(uow, permission, patient_id)
        facts = uow.checks.qrisk_facts(patient_id, at)
    if facts is None:
        raise PatientNotFound("That patient is no longer in this register.")
    return qrisk_from_facts(facts, at)
