"""Latest dates as of a cut-off, read from the patient row where it can answer.

``patient`` keeps the latest date ever recorded of each core check element and of each register
record, and the latest BMI value and smoking status (``db.queries.recall`` refreshes them with
every write). For a cut-off on or after that
date - every patient, when the cut-off is today - the stored date *is* the latest on or before
the cut-off, and reading it costs nothing beyond the patient row. Only a patient with a record
dated after the cut-off (a past QOF year, an as-of date in the past) needs the records
themselves: one seek of a covering index, inside a CASE so that it runs for that patient only.

The earliest diagnosis needs no lookup at all: on or before the cut-off it is the stored one,
or there is none.

Every expression correlates with ``Patient``: use them in a statement that selects from it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, case, false, select, true
from sqlalchemy.orm import aliased

from db.models import MedicationIssue, Observation, Patient, Remission, SmiDiagnosis
from db.queries.recall import LITHIUM, element_column
from facilitator_app.domain import codes
from facilitator_app.domain.checks import Element


def _stored_or(stored: Any, cut: date, lookup: ColumnElement[Any], *,
               kept: Any = None) -> ColumnElement[Any]:
    """The kept ``stored`` date (or the ``kept`` value recorded on it) while it is on or before
    ``cut``, else ``lookup``."""
    return case((stored.is_(None), None), (stored <= cut, stored if kept is None else kept),
                else_=lookup)


def element_last_on(element: str, cut: date) -> ColumnElement[date]:
    """Latest date ``element`` was recorded on or before ``cut``, NULL when never."""
    o = aliased(Observation)
    lookup = (select(o.observed_on).where(o.patient_id == Patient.id, o.element == element,
                                          o.observed_on <= cut)
              .order_by(o.observed_on.desc()).limit(1).correlate(Patient).scalar_subquery())
    return _stored_or(element_column(element), cut, lookup)


def bmi_value(cut: date) -> ColumnElement[float]:
    """Value of the latest BMI recorded on or before ``cut``. The kept value answers when no
    BMI-element record is later than ``cut`` (the BMI code's latest date is never later than
    the element's)."""
    o = aliased(Observation)
    lookup = (select(o.value).where(o.patient_id == Patient.id, o.code == codes.BMI,
                                    o.observed_on <= cut)
              .order_by(o.observed_on.desc()).limit(1).correlate(Patient).scalar_subquery())
    return _stored_or(Patient.bmi_last_on, cut, lookup, kept=Patient.bmi_last_value)


def smoking_code(cut: date) -> ColumnElement[str]:
    """Code of the latest smoking status on or before ``cut`` (the greatest, on a tie)."""
    o = aliased(Observation)
    lookup = (select(o.code).where(o.patient_id == Patient.id,
                                   o.element == Element.SMOKING.value, o.observed_on <= cut)
              .order_by(o.observed_on.desc(), o.code.desc()).limit(1)
              .correlate(Patient).scalar_subquery())
    return _stored_or(Patient.smoking_last_on, cut, lookup, kept=Patient.smoking_last_code)


def last_diagnosis_on(cut: date) -> ColumnElement[date]:
    d = aliased(SmiDiagnosis)
    lookup = (select(d.diagnosed_on).where(d.patient_id == Patient.id, d.diagnosed_on <= cut)
              .order_by(d.diagnosed_on.desc()).limit(1).correlate(Patient).scalar_subquery())
    return _stored_or(Patient.last_diagnosis_on, cut, lookup)


def first_diagnosis_on(cut: date) -> ColumnElement[date]:
    return case((Patient.first_diagnosis_on <= cut, Patient.first_diagnosis_on))


def last_remission_on(cut: date) -> ColumnElement[date]:
    r = aliased(Remission)
    lookup = (select(r.recorded_on).where(r.patient_id == Patient.id, r.recorded_on <= cut)
              .order_by(r.recorded_on.desc()).limit(1).correlate(Patient).scalar_subquery())
    return _stored_or(Patient.last_remission_on, cut, lookup)


def last_lithium_on(cut: date, *, stopped: bool) -> ColumnElement[date]:
    """Latest lithium issue (``stopped`` False) or stop record (True) on or before ``cut``."""
    m = aliased(MedicationIssue)
    lookup = (select(m.issued_on)
              .where(m.patient_id == Patient.id, m.drug == LITHIUM,
                     m.stopped == (true() if stopped else false()), m.issued_on <= cut)
              .order_by(m.issued_on.desc()).limit(1).correlate(Patient).scalar_subquery())
    stored = Patient.last_lithium_stop_on if stopped else Patient.last_lithium_issue_on
    return _stored_or(stored, cut, lookup)
