"""Maintains ``patient.core_check_oldest_on``, the one date per patient that recall status
(overdue / due soon / up to date) is a comparison on. Call it in the same transaction as any
write of observations, for the patients written."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, func, select, update
from sqlalchemy.orm import Session

from db.models import Observation, Patient
from facilitator_app.domain.checks import CORE_ELEMENTS

CORE = [e.value for e in CORE_ELEMENTS]


def refresh_recall_anchor(session: Session, patient_ids: Select[Any] | None = None) -> None:
    """Set-based: for each patient, the latest date of each core element, then the oldest of
    those, or NULL when any core element has never been recorded."""
    latest_per_element = (
        select(func.max(Observation.observed_on).label("last_on"))
        .where(Observation.patient_id == Patient.id, Observation.element.in_(CORE))
        .group_by(Observation.element)
        .correlate(Patient)
        .subquery("latest_per_element")
    )
    oldest = (
        select(case((func.count() == len(CORE), func.min(latest_per_element.c.last_on))))
        .select_from(latest_per_element)
        .scalar_subquery()
    )
    stmt = update(Patient).values(core_check_oldest_on=oldest)
    if patient_ids is not None:
        stmt = stmt.where(Patient.id.in_(patient_ids))
    session.execute(stmt.execution_options(synchronize_session=False))
