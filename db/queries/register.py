"""The SMI register (QOF MH001) as one set-based statement.

This is the SQL twin of ``facilitator_app.domain.register.register_status``; a test builds random
registers and checks that both give the same answer for every patient.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import Subquery, and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from db.models import MedicationIssue, Patient, Practice, Remission, SmiDiagnosis
from db.queries.patient_columns import PATIENT_LIST_COLUMNS
from facilitator_app.domain.dates import window_start
from facilitator_app.services.ports import RegisterEntry

LITHIUM = "lithium"
LITHIUM_WINDOW_MONTHS = 6


def register_membership(ref: date) -> Subquery:
    """One row per patient on the register at ``ref``: patient_id, on_mh1, on_mh2, in_remission,
    and the first and latest diagnosis dates (first_dx, last_dx; NULL for lithium only).

    Records dated after ``ref`` are ignored. Remission: latest remission code on or after the
    latest diagnosis code (same-day tie counts as remission). MH2: latest lithium issue within
    the 6 months up to ``ref`` and no stop record on or after it.
    """
    dx = (
        select(SmiDiagnosis.patient_id, func.max(SmiDiagnosis.diagnosed_on).label("last_dx"),
               func.min(SmiDiagnosis.diagnosed_on).label("first_dx"))
        .where(SmiDiagnosis.diagnosed_on <= ref)
        .group_by(SmiDiagnosis.patient_id)
        .subquery("dx")
    )
    rem = (
        select(Remission.patient_id, func.max(Remission.recorded_on).label("last_rem"))
        .where(Remission.recorded_on <= ref)
        .group_by(Remission.patient_id)
        .subquery("rem")
    )
    li = (
        select(
            MedicationIssue.patient_id,
            func.max(case((MedicationIssue.stopped == false(), MedicationIssue.issued_on))).label(
                "last_issue"
            ),
            func.max(case((MedicationIssue.stopped, MedicationIssue.issued_on))).label(
                "last_stop"
            ),
        )
        .where(MedicationIssue.drug == LITHIUM, MedicationIssue.issued_on <= ref)
        .group_by(MedicationIssue.patient_id)
        .subquery("li")
    )
    on_mh1 = dx.c.last_dx.is_not(None)
    on_mh2 = and_(
        li.c.last_issue >= window_start(ref, LITHIUM_WINDOW_MONTHS),
        or_(li.c.last_stop.is_(None), li.c.last_stop < li.c.last_issue),
    )
    in_remission = and_(on_mh1, rem.c.last_rem.is_not(None), rem.c.last_rem >= dx.c.last_dx)
    return (
        select(
            Patient.id.label("patient_id"),
            case((on_mh1, True), else_=False).label("on_mh1"),
            case((on_mh2, True), else_=False).label("on_mh2"),
            case((in_remission, True), else_=False).label("in_remission"),
            dx.c.first_dx,
            dx.c.last_dx,
        )
        .outerjoin(dx, dx.c.patient_id == Patient.id)
        .outerjoin(rem, rem.c.patient_id == Patient.id)
        .outerjoin(li, li.c.patient_id == Patient.id)
        .where(or_(on_mh1, on_mh2))
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
