"""Maintains the denormalised dates on ``patient``: the latest date of each core check element
and of the care plan (with the latest BMI value and smoking status), ``core_check_oldest_on``
(the one date recall status is a comparison on), the first and latest dates of the register
records (diagnosis, remission, lithium issue and stop) and the latest care adjustment. Call it
in the same transaction as any write of those records, for the patients written;
``db.queries.latest`` explains how whole-register statements read them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    case,
    cast,
    false,
    func,
    literal_column,
    null,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import Date, Float

from db.models import (
    NEVER_RECORDED_KEY,
    CareAdjustment,
    MedicationIssue,
    Observation,
    Patient,
    Remission,
    SmiDiagnosis,
)
from db.sql_functions import iso_date_text, least, real_text
from facilitator_app.domain import codes
from facilitator_app.domain.checks import CORE_ELEMENTS, Element

CORE = [e.value for e in CORE_ELEMENTS]
KEPT_ELEMENTS = [*CORE, Element.CARE_PLAN.value]  # elements whose latest date patient keeps
LITHIUM = "lithium"


def recall_key() -> ColumnElement[Any]:
    """``RECALL_KEY_SQL`` as an expression of queries: the literal is written inline, not
    bound, since an expression index is used only for the very same expression."""
    return func.coalesce(Patient.core_check_oldest_on,
                         literal_column(f"'{NEVER_RECORDED_KEY}'"), type_=Date())


def element_column(element: str) -> Any:
    """The patient column holding the latest date ever recorded of a kept element."""
    return Patient.__table__.c[f"{element}_last_on"]


SOURCES = frozenset({"observations", "register", "adjustments"})


REFRESH_BATCH = 20_000  # patients refreshed per statement


def refresh_recall_anchor(session: Session, patient_ids: Select[Any] | None = None, *,
                          written: frozenset[str] = SOURCES, none_deleted: bool = False) -> None:
    """Set-based, one grouped pass per source table: for each patient (all of them, or those
    ``patient_ids`` selects) the latest date of each kept element with the recall anchor (the
    oldest of the six core latest dates, NULL when any was never recorded), of each register
    record, and of care adjustments. ``written`` names the kinds of record the caller wrote
    (``SOURCES``); the others cannot have changed and are not recomputed. ``none_deleted``
    says the caller only added records or changed their values (an import): then no patient
    can have lost the last record of a kind, and the pass that clears such dates, a read of
    every patient row in scope, is skipped.

    A grouped subquery joined by UPDATE ... FROM (SQLite 3.33+, PostgreSQL) reads each table
    once, where one correlated lookup per column and patient would seek an index a dozen times
    per patient.

    In batches of ``REFRESH_BATCH`` patients by id: SQLite materialises the grouped subquery of
    an UPDATE ... FROM, in RAM on an encrypted register, and a million patients' worth would
    be hundreds of megabytes."""
    assert written <= SOURCES, written
    ids = select(Patient.id) if patient_ids is None else patient_ids
    column = ids.selected_columns[0]
    # the ranges are read to the end before the first write, off a cursor on the same connection
    for low, high in list(_id_ranges(session, ids, REFRESH_BATCH)):
        _refresh_batch(session, ids.where(column.between(low, high)), written, none_deleted)


def _id_ranges(session: Session, ids: Select[Any], size: int) -> Iterator[tuple[int, int]]:
    """(lowest, highest) of each run of ``size`` consecutive ids ``ids`` selects, read as a
    stream."""
    column = ids.selected_columns[0]
    low = high = count = 0
    for (patient_id,) in session.connection().execute(
            ids.where(column.is_not(None)).order_by(column).execution_options(yield_per=size)):
        if count == 0:
            low = patient_id
        high, count = patient_id, count + 1
        if count == size:
            yield low, high
            count = 0
    if count:
        yield low, high


def _refresh_batch(session: Session, patient_ids: Select[Any], written: frozenset[str],
                   none_deleted: bool) -> None:
    def refresh(patient_id: Any, where: ColumnElement[bool] | None,
                columns: dict[str, ColumnElement[Any]]) -> None:
        _refresh(session, patient_id, where, columns, patient_ids, none_deleted)

    if "observations" in written:
        o = Observation
        latest: dict[str, ColumnElement[Any]] = {
            element_column(e).name: func.max(case((o.element == e, o.observed_on)))
            for e in KEPT_ELEMENTS}
        core = [latest[element_column(e).name] for e in CORE]
        all_recorded: ColumnElement[bool] = core[0].is_not(None)
        for last in core[1:]:
            all_recorded = all_recorded & last.is_not(None)
        # the anchor in the same pass and the same write
        latest["core_check_oldest_on"] = case((all_recorded, least(*core)))
        # and what the latest BMI and smoking records said (MH011's higher-risk test)
        latest["bmi_last_value"] = cast(func.nullif(
            _text_of_latest(o.observed_on, real_text(o.value), o.code == codes.BMI), ""), Float)
        latest["smoking_last_code"] = _text_of_latest(o.observed_on, o.code,
                                                      o.element == Element.SMOKING.value)
        refresh(o.patient_id, o.element.in_(KEPT_ELEMENTS), latest)
    if "register" in written:
        d = SmiDiagnosis
        refresh(d.patient_id, None, {"first_diagnosis_on": func.min(d.diagnosed_on),
                                     "last_diagnosis_on": func.max(d.diagnosed_on)})
        r = Remission
        refresh(r.patient_id, None, {"last_remission_on": func.max(r.recorded_on)})
        m = MedicationIssue
        refresh(m.patient_id, m.drug == LITHIUM,
                {"last_lithium_issue_on": func.max(case((m.stopped == false(), m.issued_on))),
                 "last_lithium_stop_on": func.max(case((m.stopped == true(), m.issued_on)))})
    if "adjustments" in written:
        a = CareAdjustment
        refresh(a.patient_id, None, {"last_care_adjustment_on": func.max(a.recorded_on)})


def _text_of_latest(on: Any, text: Any, where: ColumnElement[bool]) -> ColumnElement[str]:
    """``text`` of the latest row matching ``where`` (the greatest ``text`` on a tie), as an
    aggregate of the same grouped pass: max() of 'YYYY-MM-DD' || text, less its date. SQLite's
    bare columns and PostgreSQL's DISTINCT ON would each do it one way; a second pass with a
    seek per patient would cost an import a lookup per patient."""
    return func.substr(func.max(case((where, iso_date_text(on).concat(text)))), 11)


def _refresh(session: Session, patient_id: Any, where: ColumnElement[bool] | None,
             columns: dict[str, ColumnElement[Any]], patient_ids: Select[Any] | None,
             none_deleted: bool) -> None:
    """Patient columns ``columns`` (name -> aggregate over the source table, grouped by its
    ``patient_id``, rows matching ``where``)."""
    conditions = [] if where is None else [where]
    scope = [] if patient_ids is None else [Patient.id.in_(patient_ids)]
    # Whoever has a stored date but no rows left (a record deleted) goes back to NULL. Fresh
    # rows are NULL already, so a first fill skips the lookup; nothing deleted, no pass.
    if not none_deleted:
        stored = [Patient.__table__.c[name].is_not(None) for name in columns]
        gone = ~select(patient_id).where(patient_id == Patient.id, *conditions).exists()
        session.execute(update(Patient).values({name: null() for name in columns})
                        .where(or_(*stored), gone, *scope)
                        .execution_options(synchronize_session=False))
    agg = (select(patient_id.label("patient_id"),
                  *[value.label(name) for name, value in columns.items()])
           .where(*conditions, *([patient_id.in_(patient_ids)] if patient_ids is not None
                                 else []))
           .group_by(patient_id).subquery("agg"))
    session.execute(update(Patient).where(Patient.id == agg.c.patient_id)
                    .values({name: agg.c[name] for name in columns})
                    .execution_options(synchronize_session=False))
