"""The columns that identify a patient in every list (caseload, register, worklists), labelled
with the DTO field names so rows map onto the DTOs by name."""

from __future__ import annotations

from db.models import Patient, Practice

PATIENT_LIST_COLUMNS = (
    Patient.nhs_number,
    Patient.family_name,
    Patient.given_name,
    Patient.date_of_birth,
    Patient.sex,
    Practice.code.label("practice_code"),
    Patient.core_check_oldest_on,
)
