"""Recording a whole physical health check from the form, in one transaction.

Everything the check produces is written together or not at all: the readings, the care
adjustments ("declined" / "unsuitable"), the QRISK3 conditions, the 10-year CVD risk score from
the record, one follow-up per abnormal finding, the recall anchor and an audit event. An invalid
form raises ``CheckFormInvalid`` carrying every field error, and nothing is written.

Saving the same form again changes nothing: a reading of the same code on the same day is
updated in place (the unique key is patient, code, date), adjustments and conditions are
matched on element/condition and date, and a follow-up that already exists for the same
reading and action is not added twice. When a corrected reading no longer warrants an open
follow-up, that follow-up is closed with an outcome saying why rather than deleted, so the
record shows what was once asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Protocol

from facilitator_app.domain import codes
from facilitator_app.domain.access import Permission
from facilitator_app.domain.assessment import assignee_for, follow_up_for
from facilitator_app.domain.check_form import (
    CheckForm,
    CheckRecord,
    FieldError,
    validate_check_form,
)
from facilitator_app.domain.checks import Element
from facilitator_app.domain.dates import format_uk_date, parse_date
from facilitator_app.domain.thresholds import WEIGHT_GAIN_WINDOW_DAYS, Finding
from facilitator_app.services import audit
from facilitator_app.services.access import require_patient
from facilitator_app.services.patients import PatientNotFound
from facilitator_app.services.ports import UnitOfWork
from facilitator_app.services.qrisk_record import (
    QriskFromRecord,
    QriskQueries,
    overlay_readings,
    qrisk_from_facts,
)

__all__ = [
    "CheckFormInvalid",
    "CheckPatient",
    "CheckPreview",
    "CheckSaved",
    "CheckWriter",
    "ExistingFollowUp",
    "FollowUpRow",
    "ObservationRow",
    "preview_check",
    "record_check",
]

SOURCE = "form"


@dataclass(frozen=True)
class CheckPatient:
    date_of_birth: date
    sex: str
    ethnicity: str


@dataclass(frozen=True)
class ObservationRow:
    code: str
    element: str
    value: float | None
    unit: str


@dataclass(frozen=True)
class FollowUpRow:
    observation_id: int | None
    action: str
    assigned_to: str
    due_on: date


@dataclass(frozen=True)
class ExistingFollowUp:
    id: int
    observation_id: int | None
    action: str
    done_on: date | None


class CheckWriter(QriskQueries, Protocol):
    """Storage for recording a check (db/queries/checks.py), and reading the record QRISK3
    needs (``uow.checks.qrisk_facts``)."""

    def patient(self, patient_id: int) -> CheckPatient | None: ...

    def upsert_observations(
        self, patient_id: int, observed_on: date, rows: Sequence[ObservationRow], source: str
    ) -> tuple[dict[str, int], int, int]:
        """Insert, or update in place when (patient, code, date) exists. Returns the id of
        each code's observation, and how many were added and changed."""
        ...

    def upsert_adjustments(self, patient_id: int, recorded_on: date,
                           rows: Sequence[tuple[str, str, str]]) -> int:
        """(element, reason, code) per row, matched on element and date. Returns how many
        were added or changed."""
        ...

    def upsert_conditions(self, patient_id: int, recorded_on: date,
                          rows: Sequence[tuple[str, bool]]) -> int: ...

    def latest_weight_before(self, patient_id: int, before: date,
                             since: date) -> tuple[float, date] | None: ...

    def follow_ups_for(self, patient_id: int,
                       observation_ids: Sequence[int]) -> list[ExistingFollowUp]: ...

    def add_follow_ups(self, patient_id: int, rows: Sequence[FollowUpRow]) -> None: ...

    def close_follow_ups(self, ids: Sequence[int], done_on: date, outcome: str) -> None: ...

    def refresh_recall_anchor(self, patient_id: int) -> None: ...

    def claim_patient(self, patient_id: int, expected_version: int | None) -> bool:
        """Bump the patient's version, only if it is still ``expected_version`` (None: any).
        False when someone else got there first. Done first, so a second writer waits on the
        row and then finds the version moved on."""
        ...

    def readings_on(self, patient_id: int, observed_on: date,
                    codes: Sequence[str]) -> dict[str, tuple[float | None, str | None]]:
        """The values already recorded for these codes on that date (the audit's "before")."""
        ...


class CheckClashed(RuntimeError):
    """Someone else saved to this patient's record after the form was opened."""

    def __init__(self) -> None:
        super().__init__("Someone else saved to this patient's record after you opened the "
                         "form, so nothing was saved. Close the form, look at the record again "
                         "and enter the check once more.")


class CheckFormInvalid(ValueError):
    """The form cannot be saved; ``errors`` names every field and why, in screen order."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = tuple(errors)


@dataclass(frozen=True)
class CheckSaved:
    observed_on: date
    observations_added: int
    observations_changed: int
    adjustments: int
    conditions: int
    follow_ups_created: int
    follow_ups_withdrawn: int
    findings: tuple[Finding, ...]
    qrisk: QriskFromRecord

    @property
    def summary(self) -> str:
        """One line for a status bar."""
        parts = [f"Check of {format_uk_date(self.observed_on)} saved: "
                 f"{self.observations_added} result(s) added, "
                 f"{self.observations_changed} updated"]
        if self.adjustments:
            parts.append(f"{self.adjustments} declined/unsuitable recorded")
        if self.follow_ups_created:
            parts.append(f"{self.follow_ups_created} follow-up(s) created")
        if self.follow_ups_withdrawn:
            parts.append(f"{self.follow_ups_withdrawn} follow-up(s) withdrawn")
        return "; ".join(parts) + "."


@dataclass(frozen=True)
class CheckPreview:
    """What saving would do: every error, or the record, its findings and the score."""

    errors: tuple[FieldError, ...]
    record: CheckRecord | None
    qrisk: QriskFromRecord | None


WITHDRAWN = "Withdrawn: the result was corrected on {when} and no longer needs this action"


def _patient_errors(record: CheckRecord, patient: CheckPatient) -> list[FieldError]:
    """Rules that need the patient as well as the form."""
    errors: list[FieldError] = []
    if record.observed_on < patient.date_of_birth:
        errors.append(FieldError("check_date", f"Date of check {format_uk_date(record.observed_on)}"
                                 " is before the date of birth"))
    if patient.sex != "M" and ("erectile_dysfunction", True) in record.conditions:
        errors.append(FieldError("conditions", "Conditions: erectile dysfunction is recorded for "
                                 "men only"))
    return errors


def _validate(form: CheckForm, patient: CheckPatient, today: date) -> (
        tuple[CheckRecord | None, list[FieldError]]):
    result = validate_check_form(form, today, ethnicity_code=patient.ethnicity)
    if isinstance(result, list):
        return None, result
    errors = _patient_errors(result, patient)
    return (None, errors) if errors else (result, [])


def preview_check(uow: UnitOfWork, patient_id: int, form: CheckForm, today: date) -> CheckPreview:
    """Validate and score without writing: the record as it would be after saving the form."""
    with uow:
        require_patient(uow, Permission.RECORD_CHECKS, patient_id)
        patient = uow.checks.patient(patient_id)
        if patient is None:
            raise PatientNotFound("That patient is no longer in this register.")
        record, errors = _validate(form, patient, today)
        if record is None:
            # An empty form is not "wrong" yet: show the score the record already gives.
            if [e.field for e in errors] == ["form"]:
                at = _form_date(form)
                facts = uow.checks.qrisk_facts(patient_id, at)
                qrisk = qrisk_from_facts(facts, at) if facts else None
                return CheckPreview(tuple(errors), None, qrisk)
            return CheckPreview(tuple(errors), None, None)
        facts = uow.checks.qrisk_facts(patient_id, record.observed_on)
    if facts is None:
        raise PatientNotFound("That patient is no longer in this register.")
    qrisk = qrisk_from_facts(
        overlay_readings(facts, record.observed_on, record.values(), record.conditions),
        record.observed_on,
    )
    findings = record.assess(ethnicity_code=patient.ethnicity, qrisk_score=qrisk.score)
    return CheckPreview((), _with_findings(record, findings), qrisk)


def _form_date(form: CheckForm) -> date:
    """The check date of a form whose date has already been accepted."""
    raw = form.check_date
    return raw if isinstance(raw, date) else parse_date(raw)


def _with_findings(record: CheckRecord, findings: tuple[tuple[str, Finding], ...]) -> CheckRecord:
    return replace(record, findings=findings)


def record_check(
    uow: UnitOfWork, patient_id: int, form: CheckForm, today: date, recorded_by: str,
    *, expected_version: int | None = None,
) -> CheckSaved:
    """Validate and store one check. Raises ``CheckFormInvalid`` (nothing written),
    ``PatientNotFound``, or ``CheckClashed`` when ``expected_version`` (the version of the record
    the form was opened on) is stale: two users' checks of one patient never overwrite each
    other silently."""
    with uow:
        require_patient(uow, Permission.RECORD_CHECKS, patient_id)
        writer = uow.checks
        patient = writer.patient(patient_id)
        if patient is None:
            raise PatientNotFound("That patient is no longer in this register.")
        record, errors = _validate(form, patient, today)
        if record is None:
            raise CheckFormInvalid(errors)
        if not writer.claim_patient(patient_id, expected_version):
            raise CheckClashed()
        on = record.observed_on

        rows = [ObservationRow(r.code, r.element.value, r.value, r.unit) for r in record.readings]
        before = writer.readings_on(patient_id, on, [r.code for r in rows])
        ids, added, changed = writer.upsert_observations(patient_id, on, rows, SOURCE)
        adjustments = writer.upsert_adjustments(
            patient_id, on, [(a.element.value, a.reason, a.code) for a in record.adjustments])
        conditions = writer.upsert_conditions(patient_id, on, record.conditions)

        facts = writer.qrisk_facts(patient_id, on)
        assert facts is not None  # the patient was read in this transaction
        qrisk = qrisk_from_facts(facts, on)
        if qrisk.score is not None:
            info = codes.CODES[codes.QRISK3_SCORE]
            score_row = ObservationRow(codes.QRISK3_SCORE, Element.QRISK.value, qrisk.score,
                                       info.unit)
            score_ids, score_added, score_changed = writer.upsert_observations(
                patient_id, on, [score_row], SOURCE)
            ids |= score_ids
            added, changed = added + score_added, changed + score_changed

        earlier: tuple[float, int] | None = None
        weight = record.values().get(codes.WEIGHT)
        if weight is not None:
            found = writer.latest_weight_before(
                patient_id, on, on - timedelta(days=WEIGHT_GAIN_WINDOW_DAYS))
            if found is not None:
                earlier = (found[0], (on - found[1]).days)
        findings = record.assess(ethnicity_code=patient.ethnicity, qrisk_score=qrisk.score,
                                 earlier_weight=earlier)

        created, withdrawn = _follow_ups(writer, patient_id, ids, findings, on, today)
        writer.refresh_recall_anchor(patient_id)
        audit.record(uow, "record_check", "patient", patient_id, check_date=on,
                     recorded_by=recorded_by, before=before,
                     after={r.code: (r.value, r.unit) for r in rows},
                     counts={"added": added, "updated": changed, "adjustments": adjustments,
                             "follow_ups": created, "withdrawn": withdrawn})
        uow.commit()
    return CheckSaved(
        observed_on=on,
        observations_added=added,
        observations_changed=changed,
        adjustments=adjustments,
        conditions=conditions,
        follow_ups_created=created,
        follow_ups_withdrawn=withdrawn,
        findings=tuple(f for _, f in findings),
        qrisk=qrisk,
    )


def _follow_ups(
    writer: CheckWriter,
    patient_id: int,
    ids: dict[str, int],
    findings: tuple[tuple[str, Finding], ...],
    on: date,
    today: date,
) -> tuple[int, int]:
    """One follow-up per finding, unless the same reading already has the same action; open
    follow-ups of these readings that no finding asks for any more are withdrawn."""
    existing = writer.follow_ups_for(patient_id, sorted(set(ids.values())))
    have = {(f.observation_id, f.action) for f in existing}
    wanted: list[FollowUpRow] = []
    for code, finding in findings:
        action, due_on = follow_up_for(finding, on)
        row = FollowUpRow(ids.get(code), action, assignee_for(finding), due_on)
        if (row.observation_id, row.action) not in have:
            wanted.append(row)
            have.add((row.observation_id, row.action))
    still_wanted = {(ids.get(code), follow_up_for(f, on)[0]) for code, f in findings}
    stale = [f.id for f in existing
             if f.done_on is None and (f.observation_id, f.action) not in still_wanted]
    writer.add_follow_ups(patient_id, wanted)
    if stale:
        writer.close_follow_ups(stale, today, WITHDRAWN.format(when=format_uk_date(today)))
    return len(wanted), len(stale)
