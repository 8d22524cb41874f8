"""The SMI register (QOF MH001) as one set-based statement.

This is the SQL twin of ``facilitator_app.domain.register.register_status``; a test builds random
registers and checks that both give the same answer for every patient.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Subquery, and_, case, or_, select
from sqlalchemy.orm import Session

from db.models import Patient, Practice
from db.queries import latest
from db.queries.patient_columns import PATIENT_LIST_COLUMNS
from facilitator_app.domain.dates import window_start
from facilitator_app.services.ports import RegisterEntry

LITHIUM_WINDOW_MONTHS = 6


def register_columns(ref: date) -> dict[str, ColumnElement[Any]]:
    """Per patient (correlated with ``Patient``), as of ``ref``: on_mh1, on_mh2, in_remission
    and the first and latest diagnosis dates (first_dx, last_dx; NULL for lithium only).

    Records dated after ``ref`` are ignored. Remission: latest remission code on or after the
    latest diagnosis code (same-day tie counts as remission). MH2: latest lithium issue within
    the 6 months up to ``ref`` and no stop record on or after it. The dates come from the
    patient row (``db.queries.latest``), so the whole register is one pass over ``patient``.
    """
    last_dx = latest.last_diagnosis_on(ref)
    last_rem = latest.last_remission_on(ref)
    last_issue = latest.last_lithium_on(ref, stopped=False)
    last_stop = latest.last_lithium_on(ref, stopped=True)
    on_mh1 = last_dx.is_not(None)
    on_mh2 = and_(last_issue >= window_start(ref, LITHIUM_WINDOW_MONTHS),
                  or_(last_stop.is_(None), last_stop < last_issue))
    return {
        "on_mh1": on_mh1,
        "on_mh2": on_mh2,
        "in_remission": and_(on_mh1, last_rem.is_not(None), last_rem >= last_dx),
        "first_dx": latest.first_diagnosis_on(ref),
        "last_dx": last_dx,
    }


def register_membership(ref: date) -> Subquery:
    """One row per patient on the register at ``ref``: patient_id, on_mh1, on_mh2,
    in_remission, first_dx and last_dx (see ``register_columns``)."""
    cols = register_columns(ref)
    flags = ("on_mh1", "on_mh2", "in_remission")
    return (
        select(Patient.id.label("patient_id"),
               *[case((cols[f], True), else_=False).label(f) for f in flags],
               cols["first_dx"].label("first_dx"), cols["last_dx"].label("last_dx"))
        .where(or_(cols["on_mh1"], cols["on_mh2"]))
        .subquery("register")
    )


class SqlRegisterQueries:
    def __init__(self, session: Session) -> None:
        self._session = session

    def practice_exists(self, code: str) -> bool:
        return self._session.scalar(select(Practice.id).where(Practice.code == code)) is not None

    def entries(self, practice_code: str | None, ref: date) -> Iterator[RegisterEntry]:
        reg = register_membership(ref)
        stmt = (
            select(*PATIENT_LIST_COLUMNS, reg.c.on_mh1, reg.c.on_mh2, reg.c.in_remission)
            .join(reg, reg.c.patient_id == Patient.id)
            .join(Practice, Practice.id == Patient.practice_id)
            .order_by(Practice.code, Patient.sort_name, Patient.id)
        )
        if practice_code:
            stmt = stmt.where(Practice.code == practice_code)
        for row in self._session.execute(stmt.execution_options(yield_per=2000)).mappings():
            flags = {k: bool(row[k]) for k in ("on_mh1", "on_mh2", "in_remission")}
            yield RegisterEntry(**{**row, **flags})
