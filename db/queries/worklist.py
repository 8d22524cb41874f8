"""The recall worklist as set-based SQL over the whole register (services/worklist.py).

One statement answers for every patient at once:

1. ``facts`` (a materialised CTE): the cohort, MH1_REG at ``as_of`` and not in remission
   (``register_columns``), with the last date of each core element up to ``as_of``.
2. Over those rows: each element's state, by plain date comparisons against the cut-offs the
   service computed; the number outstanding; a sort key (the oldest of the six last-done
   dates, never recorded counting as older than any date: for anyone with something
   outstanding, that is the oldest outstanding element, see ``_outstanding_before``).
3. Care adjustments in the QOF year, as one text per patient from a correlated subquery that
   runs only where the kept latest adjustment date is in the year (``_adjustments_text``).

The rows come straight from the driver (``db.queries.driver_rows``), so every column is an
integer or a text: dates travel as ISO text and are parsed here.

Why a materialised CTE: every later expression reads each last-done date several times (state,
outstanding, sort), and SQLite would otherwise flatten the subquery and recompute the lookups
for each use, six times slower. ``AS MATERIALIZED`` needs SQLite 3.35 or PostgreSQL 12.

"Done in the QOF year" needs no aggregate of its own: dates after ``as_of`` are ignored, so
while the year is open (``as_of`` <= 31 March) the element was done in the year iff its last
date is on or after 1 April. Once the year has ended nothing is "needed" any more.

Two ways of finding the last dates give the same answer (tests run both):

* ``lookup`` (the default, both databases): the dates kept on the patient row
  (``db.queries.latest``); only a patient with a record dated after ``as_of`` costs a seek of
  the covering index ``ix_observation_patient_element_date_code``. The whole statement is one
  pass over ``patient`` plus the sort.
* ``scan``: one pass over the observation index grouped by patient, one conditional ``max``
  per element, from the records alone: the cross-check of the kept dates.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any, Literal

from sqlalchemy import CTE, ColumnElement, Select, case, func, literal, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.types import Date

from db.models import CareAdjustment, Observation, Patient, Practice
from db.queries import latest
from db.queries.driver_rows import driver_rows
from db.queries.register import register_columns
from db.sql_functions import date_list_text, iso_date_text, least
from facilitator_app.domain.checks import CORE_ELEMENTS, Element
from facilitator_app.domain.qof.evaluate import INVITATION
from facilitator_app.services.worklist import (
    CODE_BITS,
    STATE_CODE,
    CareAdjustmentNote,
    ElementState,
    WorklistRow,
    WorklistSpec,
    WorklistSummary,
)

CORE = [e.value for e in CORE_ELEMENTS]
STREAM_CHUNK = 2000
NEVER_KEY = date(1, 1, 1)  # never recorded sorts before any real date

Strategy = Literal["lookup", "scan"]



def _last(e: str) -> str:
    return f"{e}__last"


class SqlWorklistQueries:
    def __init__(self, session: Session, strategy: Strategy | None = None) -> None:
        self._session = session
        self._strategy = strategy

    def practice_exists(self, code: str) -> bool:
        return self._session.scalar(select(Practice.id).where(Practice.code == code)) is not None

    # -- the statement ---------------------------------------------------------------------------

    def _strategy_for_dialect(self) -> Strategy:
        return self._strategy or "lookup"

    def _facts(self, spec: WorklistSpec) -> CTE:
        reg = register_columns(spec.as_of)
        stmt = (
            select(
                Patient.id.label("patient_id"),
                Patient.practice_id,
                Patient.sort_name,
                Patient.nhs_number,
                Patient.family_name,
                Patient.given_name,
                Patient.date_of_birth,
                # the kept latest adjustment date says who has any to look up (few do)
                (Patient.last_care_adjustment_on >= spec.year_start).label("pca_recent"),
            )
            .where(reg["on_mh1"], ~reg["in_remission"])
        )
        practice = None
        if spec.practice_code:
            practice = select(Practice.id).where(Practice.code == spec.practice_code)
            stmt = stmt.where(Patient.practice_id == practice.scalar_subquery())
        if self._strategy_for_dialect() == "lookup":
            stmt = stmt.add_columns(
                *(latest.element_last_on(e, spec.as_of).label(_last(e)) for e in CORE))
        else:
            grouped = select(
                Observation.patient_id,
                *(
                    func.max(case((Observation.element == e, Observation.observed_on))).label(
                        _last(e)
                    )
                    for e in CORE
                ),
            ).where(Observation.element.in_(CORE), Observation.observed_on <= spec.as_of)
            if practice is not None:
                grouped = grouped.where(
                    Observation.patient_id.in_(
                        select(Patient.id).where(Patient.practice_id == practice.scalar_subquery())
                    )
                )
            last_dates = grouped.group_by(Observation.patient_id).subquery("last_dates")
            stmt = stmt.outerjoin(last_dates, last_dates.c.patient_id == Patient.id).add_columns(
                *(last_dates.c[_last(e)] for e in CORE)
            )
        return stmt.cte("facts").prefix_with("MATERIALIZED")

    @staticmethod
    def _done_in_year(last: ColumnElement[Any], spec: WorklistSpec) -> ColumnElement[bool]:
        return last >= spec.year_start  # see the module docstring: valid while the year is open

    def _state(self, last: ColumnElement[Any], spec: WorklistSpec) -> ColumnElement[int]:
        """The element's state as a small code (``STATE_CODE``): narrow rows sort faster."""
        whens: list[tuple[ColumnElement[bool], int]] = [
            (last.is_(None), STATE_CODE[ElementState.NEVER]),
            (last < spec.overdue_before, STATE_CODE[ElementState.OVERDUE]),
            (last < spec.due_soon_before, STATE_CODE[ElementState.DUE_SOON]),
        ]
        if spec.year_open:
            whens.append((~self._done_in_year(last, spec), STATE_CODE[ElementState.NEEDED]))
        return case(*whens, else_=STATE_CODE[ElementState.DONE])

    @staticmethod
    def _outstanding_before(spec: WorklistSpec) -> date:
        """An element is outstanding iff never recorded or last done before this date: due
        soon or overdue (before ``due_soon_before``) or, while the year is open, not yet done
        in it (before 1 April). One comparison per element, so the SQL stays cheap."""
        if spec.year_open:
            return max(spec.due_soon_before, spec.year_start)
        return spec.due_soon_before

    def _is_outstanding(self, last: ColumnElement[Any], spec: WorklistSpec) -> ColumnElement[bool]:
        return or_(last.is_(None), last < self._outstanding_before(spec))

    def _outstanding_count(self, facts: CTE, spec: WorklistSpec) -> ColumnElement[int]:
        parts = [case((self._is_outstanding(facts.c[_last(e)], spec), 1), else_=0) for e in CORE]
        total: ColumnElement[int] = parts[0]
        for part in parts[1:]:
            total = total + part
        return total

    def _needed(self, last: ColumnElement[Any], spec: WorklistSpec) -> ColumnElement[int]:
        if not spec.year_open:
            return literal(0)
        return case((self._done_in_year(last, spec), 0), else_=1)

    @staticmethod
    def _sort_key(facts: CTE) -> ColumnElement[date]:
        """The oldest last-done date, never recorded counting as older than any date. For a
        patient with anything outstanding that is the oldest outstanding element (outstanding
        means last done before one cut-off), so it orders by the longest overdue."""
        return least(*(func.coalesce(facts.c[_last(e)], literal(NEVER_KEY, Date())) for e in CORE))

    # -- the use cases ---------------------------------------------------------------------------

    def rows(self, spec: WorklistSpec) -> Iterator[WorklistRow]:
        facts = self._facts(spec)
        outstanding = self._outstanding_count(facts, spec)
        outstanding_col = outstanding.label("outstanding")
        sort_key = self._sort_key(facts)
        # Each element's state and "needed" flag packed into one integer, four bits per
        # element: the driver hands back one value instead of twelve for every row.
        codes: ColumnElement[int] = literal(0)
        for i, e in enumerate(CORE):
            last = facts.c[_last(e)]
            code = self._state(last, spec) * 2 + self._needed(last, spec)
            codes = codes + code * (1 << (CODE_BITS * i))
        stmt: Select[Any] = (
            select(
                facts.c.patient_id,
                Practice.code.label("practice_code"),
                facts.c.nhs_number,
                facts.c.family_name,
                facts.c.given_name,
                iso_date_text(facts.c.date_of_birth),  # never NULL
                date_list_text(*(facts.c[_last(e)] for e in CORE)).label("last_done_text"),
                codes.label("element_codes"),
                outstanding_col,
                case((facts.c.pca_recent == true(), _adjustments_text(facts, spec)))
                .label("adjustments"),
            )
            .select_from(facts)
            .join(Practice, Practice.id == facts.c.practice_id)
            .order_by(outstanding_col.desc(), sort_key, facts.c.sort_name, facts.c.patient_id)
        )
        if spec.outstanding_only:
            stmt = stmt.where(outstanding > 0)
        # Driver rows, not ORM or even Core rows: nothing here is an entity, every column is an
        # integer or a text, and each layer of row objects cost a good part of the time.
        year_end = spec.year_end
        for r in driver_rows(self._session, stmt, STREAM_CHUNK):
            yield WorklistRow(r[0], r[1], r[2], r[3], r[4], date.fromisoformat(r[5]), r[6], r[7],
                              year_end, r[8], _notes(r[9]))

    def summary(self, spec: WorklistSpec) -> WorklistSummary:
        facts = self._facts(spec)
        outstanding = self._outstanding_count(facts, spec)
        columns: list[Any] = [
            func.count().label("cohort"),
            func.sum(case((outstanding > 0, 1), else_=0)).label("outstanding"),
        ]
        for e in CORE:
            last = facts.c[_last(e)]
            columns += [
                func.sum(case((self._is_outstanding(last, spec), 1), else_=0)).label(
                    f"{e}__outstanding"
                ),
                func.sum(self._needed(last, spec)).label(f"{e}__needed"),
            ]
        r = self._session.execute(select(*columns).select_from(facts)).mappings().one()
        return WorklistSummary(
            cohort=int(r["cohort"]),
            with_outstanding=int(r["outstanding"] or 0),
            outstanding_by_element={Element(e): int(r[f"{e}__outstanding"] or 0) for e in CORE},
            needed_by_element={Element(e): int(r[f"{e}__needed"] or 0) for e in CORE},
        )


_NOTE_SEP, _FIELD_SEP = ";", "|"  # neither occurs in a reason or element code


def _adjustments_text(facts: CTE, spec: WorklistSpec) -> ColumnElement[str]:
    """The patient's care adjustments in the QOF year up to ``as_of``, as one text of
    'reason|element|YYYY-MM-DD' entries: asked only for the few patients whose kept latest
    adjustment is in the year, and one row per patient, where an outer join gave a patient
    with two adjustments two rows to fold together again."""
    a = CareAdjustment
    entry = (a.reason.concat(_FIELD_SEP).concat(func.coalesce(a.element, ""))
             .concat(_FIELD_SEP).concat(iso_date_text(a.recorded_on)))
    return (select(func.aggregate_strings(entry, _NOTE_SEP))
            .where(a.patient_id == facts.c.patient_id,
                   a.recorded_on >= spec.year_start,
                   a.recorded_on <= spec.year_end,
                   a.recorded_on <= spec.as_of,
                   a.reason != INVITATION)  # an invitation is not an adjustment
            .correlate(facts).scalar_subquery())


def _notes(text: str | None) -> tuple[CareAdjustmentNote, ...]:
    """The notes of ``_adjustments_text``, oldest first (the aggregate keeps no order)."""
    if not text:
        return ()
    notes = []
    for entry in text.split(_NOTE_SEP):
        reason, element, on = entry.split(_FIELD_SEP)
        notes.append(CareAdjustmentNote(reason, Element(element) if element else None,
                                        date.fromisoformat(on)))
    return tuple(sorted(notes, key=lambda n: (n.recorded_on, n.reason, n.element or "")))
