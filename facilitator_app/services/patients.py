"""Use cases behind the patient panel: one person's demographics, diagnoses and checks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import facilitator_app.domain.codes as codes
from facilitator_app.domain.access import Permission
from facilitator_app.domain.checks import (
    CORE_ELEMENTS,
    ELEMENT_LABELS,
    Element,
    next_due,
    overall_status,
    recall_status,
)
from facilitator_app.domain.demographics import age_on, ethnicity_label
from facilitator_app.domain.nhs_number import normalise_nhs_number
from facilitator_app.domain.register import RegisterFacts, register_status
from facilitator_app.services import audit
from facilitator_app.services.access import require, require_patient
from facilitator_app.services.ports import (
    DiagnosisView,
    ElementView,
    ObservationFact,
    PatientRecord,
    UnitOfWork,
)

# The panel lists the core six first, then the extras a comprehensive check records.
PANEL_ELEMENTS: tuple[Element, ...] = (
    *CORE_ELEMENTS,
    Element.PULSE,
    Element.WAIST,
    Element.WEIGHT,
    Element.HEIGHT,
    Element.QRISK,
    Element.SUBSTANCE,
    Element.MEDICATION_REVIEW,
    Element.CANCER_SCREENING,
)

# Where one element has several readings, clinicians write them short: "TC 5.3, HDL 1.2".
SHORT_LABELS = {
    codes.TOTAL_CHOLESTEROL: "TC",
    codes.HDL_CHOLESTEROL: "HDL",
    codes.NON_HDL_CHOLESTEROL: "non-HDL",
    codes.TRIGLYCERIDES: "TG",
    codes.HBA1C: "HbA1c",
    codes.PLASMA_GLUCOSE: "glucose",
    codes.FASTING_GLUCOSE: "fasting glucose",
}

SMOKING_LABELS = {
    codes.SMOKER: "Current smoker",
    codes.EX_SMOKER: "Ex-smoker",
    codes.NEVER_SMOKED: "Never smoked",
}


class PatientNotFound(LookupError):
    pass


def find_patient_id(uow: UnitOfWork, nhs_number_text: str) -> int:
    """Raises InvalidNhsNumber (with the reason) or PatientNotFound."""
    digits = normalise_nhs_number(nhs_number_text)
    require(uow, Permission.VIEW_REGISTER)
    with uow:
        patient_id = uow.patients.id_for_nhs_number(digits)
        if patient_id is not None and uow.actor and uow.actor.role.practice_bound \
                and uow.patients.practice_code_of(patient_id) != uow.actor.practice_code:
            patient_id = None  # another practice's patient does not exist for this user
    if patient_id is None:
        raise PatientNotFound("No patient with that NHS number in this register.")
    return patient_id


def patient_record(uow: UnitOfWork, patient_id: int, today: date) -> PatientRecord:
    """Opening the record is audited as a view."""
    with uow:
        require_patient(uow, Permission.VIEW_RECORD, patient_id)
        facts = uow.patients.facts(patient_id)
        if facts is not None:
            audit.record(uow, "view", "patient", patient_id, part="record")
            uow.commit()
    if facts is None:
        raise PatientNotFound("That patient is no longer in this register.")
    status = register_status(
        RegisterFacts(
            diagnosis_dates=tuple(d for _, _, d in facts.diagnoses),
            remission_dates=facts.remission_dates,
            lithium_issue_dates=facts.lithium_issue_dates,
            lithium_stop_dates=facts.lithium_stop_dates,
        ),
        today,
    )
    by_element: dict[Element, list[ObservationFact]] = {}
    for obs in facts.latest_observations:
        by_element.setdefault(Element(obs.element), []).append(obs)
    elements = tuple(_element_view(e, by_element.get(e, []), today) for e in PANEL_ELEMENTS)
    last_done = {v.element: v.observed_on for v in elements if v.core}
    return PatientRecord(
        version=facts.version,
        patient_id=facts.patient_id,
        nhs_number=facts.nhs_number,
        given_name=facts.given_name,
        family_name=facts.family_name,
        date_of_birth=facts.date_of_birth,
        age=age_on(facts.date_of_birth, today),
        sex=facts.sex,
        ethnicity=ethnicity_label(facts.ethnicity),
        address=facts.address,
        postcode=facts.postcode,
        practice_code=facts.practice_code,
        practice_name=facts.practice_name,
        diagnoses=tuple(
            DiagnosisView(codes.SMI_DIAGNOSES.get(code, f"SNOMED {code}"), category, on)
            for code, category, on in facts.diagnoses
        ),
        register_reasons=status.reasons,
        in_remission=status.in_remission,
        on_lithium=status.on_mh2,
        elements=elements,
        follow_ups=facts.follow_ups,
        status=overall_status(last_done, today),
    )


def _element_view(element: Element, latest: list[ObservationFact], today: date) -> ElementView:
    """The latest reading of an element, shown the way a clinician writes it."""
    observed_on = max((o.observed_on for o in latest), default=None)
    current = [o for o in latest if o.observed_on == observed_on]
    return ElementView(
        element=element,
        label=ELEMENT_LABELS[element],
        value_text=describe(element, current),
        observed_on=observed_on,
        status=recall_status(observed_on, today),
        next_due=next_due(observed_on) if observed_on else None,
        core=element in CORE_ELEMENTS,
    )


def describe(element: Element, readings: Iterable[ObservationFact]) -> str:
    by_code = {o.code: o for o in readings}
    if not by_code:
        return ""
    if element is Element.BLOOD_PRESSURE:
        sys_, dia = by_code.get(codes.SYSTOLIC_BP), by_code.get(codes.DIASTOLIC_BP)
        if sys_ and dia and sys_.value is not None and dia.value is not None:
            return f"{sys_.value:.0f}/{dia.value:.0f} mmHg"
    if element is Element.SMOKING:
        amount = by_code.pop(codes.CIGARETTES_PER_DAY, None)
        text = "; ".join(SMOKING_LABELS.get(c, _label(c)) for c in by_code)
        if amount is not None and amount.value is not None:
            text += f", {_number(amount.value)} a day"
        return text
    if element is Element.ALCOHOL and codes.AUDIT_C in by_code:
        # the three AUDIT-C answers are kept for the record; the score is what is read
        score = by_code[codes.AUDIT_C].value
        if score is not None:
            return f"AUDIT-C {_number(score)} (of 12)"
    parts = []
    for code, obs in sorted(by_code.items(), key=lambda kv: _code_order(kv[0])):
        label = SHORT_LABELS.get(code) or _label(code)
        if obs.value is None:  # a coded status: its label is the result
            parts.append(label)
            continue
        value = _number(obs.value)
        unit = f" {obs.unit}" if obs.unit else ""
        parts.append(f"{label} {value}{unit}".strip() if len(by_code) > 1 else f"{value}{unit}")
    return "; ".join(parts)


def _label(code: str) -> str:
    info = codes.code_info(code)
    if info is not None:
        return info.label
    return code if codes.is_app_local(code) else f"SNOMED {code}"


def _code_order(code: str) -> int:
    order = [codes.TOTAL_CHOLESTEROL, codes.HDL_CHOLESTEROL, codes.HBA1C, codes.FASTING_GLUCOSE]
    return order.index(code) if code in order else len(order)


def _number(value: float) -> str:
    """Stored precision without trailing zeros: 132, 27.4, 5.23."""
    return f"{value:.2f}".rstrip("0").rstrip(".")
