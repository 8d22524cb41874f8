"""Imports as set-based SQL over staging tables.

The importer streams validated rows into temporary staging tables (``db.bulk.copy_rows``), then
everything that needs the register - which NHS numbers are known, which rows disagree with
each other, which results are already recorded - is a handful of statements over the staging
tables joined to the real ones, not a Python loop over patients. Writing is then three kinds of
statement: UPDATE ... FROM for what changed, INSERT ... SELECT for what is new, nothing for what
is already there, which is what makes re-importing the same file change nothing.

All of it runs in the caller's transaction. Staging tables are private to this connection, never
in the register's file, and emptied before each use: TEMPORARY tables, or on an encrypted
register an encrypted scratch database (db/scratch.py), because SQLCipher keeps TEMP tables in
RAM rather than write them to disk unencrypted.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    and_,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session, aliased

from db.bulk import copy_rows, uuid7_hex_batch, wire_date, wire_day
from db.models import (
    FollowUp,
    ImportRecord,
    MedicationIssue,
    Observation,
    Patient,
    Practice,
    Remission,
    SmiDiagnosis,
    utcnow,
)
from db.queries.recall import refresh_recall_anchor
from db.scratch import SCHEMA as SCRATCH_SCHEMA
from db.scratch import scratch_schema
from facilitator_app.domain import codes
from facilitator_app.domain.import_rows import RegisterRow, ResultRow, RowError
from facilitator_app.domain.names import name_sort_key

CHUNK = 20_000  # rows fetched at a time from a large result


@dataclass(frozen=True)
class Staging:
    """The staging tables, in one schema: TEMPORARY, or an encrypted register's scratch
    database (db/scratch.py)."""

    result_chunk: Table
    result: Table
    follow_up: Table  # follow-ups for imported results, before they are linked to them
    duplicate: Table  # (patient, code, date) keys the file gives more than once
    patient: Table
    event: Table
    touched: Table  # patients whose register records an import added


def _result_columns() -> list[Column[Any]]:
    """What a result row says, as staged (fresh Column objects each call: a Column belongs to
    one table)."""
    return [Column("element", String(30), nullable=False),
            Column("code", String(20), nullable=False),
            Column("value", Float),
            Column("unit", String(20), nullable=False),
            Column("observed_on", Date, nullable=False),
            Column("global_id", Uuid, nullable=False)]


def _staging_tables(schema: str | None) -> Staging:
    metadata = MetaData(schema=schema)
    prefixes = [] if schema else ["TEMPORARY"]
    # One chunk of the file as read; each chunk then moves to stage_result in one statement
    # that resolves its patient and any observation already recorded.
    result_chunk = Table(
        "stage_result_chunk", metadata,
        Column("row_no", Integer, primary_key=True),
        Column("nhs_number", String(10), nullable=False),
        *_result_columns(),
        prefixes=prefixes,
    )
    result = Table(
        "stage_result", metadata,
        Column("row_no", Integer, primary_key=True),
        *_result_columns(),
        Column("patient_id", Integer, nullable=False),
        Column("ethnicity", String(2), nullable=False),  # the patient's: BMI cut-offs differ
        Column("first", Boolean, nullable=False, default=True),  # first for (patient, code, date)
        Column("existing_id", Integer),  # the observation already recorded, if any
        Column("changed", Boolean, nullable=False, default=False),  # differs from existing_id
        # Kept current as chunks arrive, in key order, rather than built afterwards: building
        # it sorts every staged row at once, and on an encrypted register SQLite's sorter works
        # wholly in RAM (a million patients' results: 700 MB).
        Index("ix_stage_result_key", "patient_id", "observed_on", "code"),
        prefixes=prefixes,
    )
    # the few rows that change a recorded value, found without reading every staged row
    changed = result.c.changed == true()
    Index("ix_stage_result_changed", result.c.existing_id, sqlite_where=changed,
          postgresql_where=changed)
    follow_up = Table(
        "stage_follow_up", metadata,
        Column("id", Integer, primary_key=True),
        Column("patient_id", Integer, nullable=False),
        Column("code", String(20), nullable=False),  # of the result the follow-up arises from
        Column("observed_on", Date, nullable=False),
        Column("action", Text, nullable=False),
        Column("assigned_to", String(100), nullable=False),
        Column("due_on", Date, nullable=False),
        Column("global_id", Uuid, nullable=False),
        prefixes=prefixes,
    )
    # Found by one grouped pass over the staged results; marking the repeats and reporting
    # the conflicts then join this (usually empty) table instead of grouping them again.
    duplicate = Table(
        "stage_duplicate", metadata,
        Column("patient_id", Integer, primary_key=True),
        Column("code", String(20), primary_key=True),
        Column("observed_on", Date, primary_key=True),
        Column("first_row", Integer, nullable=False),
        prefixes=prefixes,
    )
    patient = Table(
        "stage_patient", metadata,
        Column("row_no", Integer, primary_key=True),
        Column("nhs_number", String(10), nullable=False, index=True),
        Column("given_name", String(100), nullable=False),
        Column("family_name", String(100), nullable=False),
        Column("sort_name", String(201), nullable=False),
        Column("date_of_birth", Date, nullable=False),
        Column("sex", String(1), nullable=False),
        Column("ethnicity", String(2), nullable=False),
        Column("address", Text, nullable=False),
        Column("postcode", String(10), nullable=False),
        Column("practice_code", String(10), nullable=False),
        Column("practice_name", String(200), nullable=False),
        Column("registered_on", Date),
        Column("global_id", Uuid, nullable=False),
        Column("practice_id", Integer),
        Column("patient_id", Integer),
        Column("first", Boolean, nullable=False, default=True),
        Column("existed", Boolean, nullable=False, default=False),
        Column("changed", Boolean, nullable=False, default=False),
        prefixes=prefixes,
    )
    event = Table(
        "stage_event", metadata,
        Column("id", Integer, primary_key=True),
        Column("nhs_number", String(10), nullable=False, index=True),
        Column("kind", String(20), nullable=False),  # diagnosis, remission, lithium, lithium_stop
        Column("code", String(20), nullable=False),
        Column("category", String(30), nullable=False),
        Column("on_date", Date, nullable=False),
        Column("global_id", Uuid, nullable=False),
        Column("patient_id", Integer),
        Column("is_new", Boolean, nullable=False, default=False),
        prefixes=prefixes,
    )
    touched = Table("stage_touched", metadata, Column("patient_id", Integer, primary_key=True),
                    prefixes=prefixes)
    return Staging(result_chunk, result, follow_up, duplicate, patient, event, touched)


_STAGING = {schema: _staging_tables(schema) for schema in (None, SCRATCH_SCHEMA)}

_RESULT_COLUMNS = ("row_no", "nhs_number", "element", "code", "value", "unit", "observed_on",
                   "global_id")
_PATIENT_COLUMNS = ("row_no", "nhs_number", "given_name", "family_name", "sort_name",
                    "date_of_birth", "sex", "ethnicity", "address", "postcode", "practice_code",
                    "practice_name", "registered_on", "global_id", "first", "existed", "changed")
_EVENT_COLUMNS = ("nhs_number", "kind", "code", "category", "on_date", "global_id", "is_new")
# Demographic columns the register file owns: a re-import with a new address updates it.
_DEMOGRAPHICS = ("given_name", "family_name", "sort_name", "date_of_birth", "sex", "ethnicity",
                 "address", "postcode", "practice_id", "registered_on")


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _written(conn: Connection, statement: Any) -> int:
    """Execute ``statement`` and return how many rows it wrote, as the database reports it
    (SQLAlchemy keeps an INSERT's count only when asked to)."""
    return conn.execute(statement.execution_options(preserve_rowcount=True)).rowcount


def _differs(a: Any, b: Any) -> Any:
    return a.is_distinct_from(b)


class SqlImportWriter:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._staging = _STAGING[None]
        self._result_problems: list[RowError] = []  # found while staging, reported after
        # results staged, and how many of them repeat an earlier row's patient, code and date:
        # counted as they are written, where counting afterwards reads every staged row
        self._staged = self._repeats = 0
        # practice code -> name (the least, as rows may differ), gathered while staging: a
        # handful of practices, where grouping the staged rows would sort them all
        self._practices: dict[str, str] = {}

    # -- staging -------------------------------------------------------------------------------

    def _fresh(self, *tables: str) -> None:
        """Empty staging tables ``tables`` (Staging field names), in the schema this connection
        stages in, creating them if need be."""
        conn = self._session.connection()
        self._staging = _STAGING[scratch_schema(conn)]
        for name in tables:
            table = getattr(self._staging, name)
            table.create(conn, checkfirst=True)
            conn.execute(delete(table))

    def start_results(self) -> None:
        self._fresh("result_chunk", "result", "follow_up", "duplicate")
        self._result_problems = []
        self._staged = self._repeats = 0

    def start_register(self) -> None:
        self._fresh("patient", "event")
        self._practices = {}

    def stage_results(self, rows: Sequence[ResultRow]) -> None:
        """Stage one chunk: move its rows to stage_result with their patient and any
        observation already recorded for the same code and date, and note the rows naming no
        patient on the register or dated before the patient's birth. Done per chunk so no
        statement ever touches every staged row."""
        chunk, stage_result = self._staging.result_chunk, self._staging.result
        s = self._session.connection()
        s.execute(delete(chunk))
        ids = uuid7_hex_batch(len(rows))
        copy_rows(s, chunk, _RESULT_COLUMNS, (
            (row, nhs, element, code, value, unit, wire_day(observed_on), gid)
            for (row, nhs, element, code, value, unit, observed_on), gid
            in zip(rows, ids, strict=True)))
        c, obs = chunk.c, _table(Observation)
        # in the index's order, so each chunk's entries go in together; a row naming no patient
        # on the register or dated before the patient's birth is left out, and looked for only
        # when rows were (a clean chunk is joined to patient once, not twice)
        staged = _written(s, insert(stage_result).from_select(
            ["row_no", "element", "code", "value", "unit", "observed_on", "global_id",
             "patient_id", "ethnicity", "first", "existing_id", "changed"],
            select(c.row_no, c.element, c.code, c.value, c.unit, c.observed_on, c.global_id,
                   Patient.id, Patient.ethnicity, true(), obs.c.id,
                   and_(obs.c.id.is_not(None),
                        or_(_differs(obs.c.value, c.value), _differs(obs.c.unit, c.unit))))
            .join(Patient, and_(Patient.nhs_number == c.nhs_number,
                                c.observed_on >= Patient.date_of_birth))
            .outerjoin(obs, and_(obs.c.patient_id == Patient.id, obs.c.code == c.code,
                                 obs.c.observed_on == c.observed_on))
            .order_by(Patient.id, c.observed_on, c.code)
        ))
        self._staged += staged
        if staged == len(rows):
            return
        for row_no, nhs, observed_on, patient_id in s.execute(
            select(c.row_no, c.nhs_number, c.observed_on, Patient.id)
            .outerjoin(Patient, Patient.nhs_number == c.nhs_number)
            .where(or_(Patient.id.is_(None), c.observed_on < Patient.date_of_birth))
        ):
            self._result_problems.append(
                RowError(row_no, "nhs_number", nhs, "NHS number is not on the register: "
                         "import the register file first") if patient_id is None else
                RowError(row_no, "date", f"{observed_on:%d/%m/%Y}",
                         "result date is before the patient's date of birth"))

    def stage_register(self, rows: Sequence[RegisterRow]) -> None:
        stage_patient, stage_event = self._staging.patient, self._staging.event
        for r in rows:
            name = self._practices.get(r.practice_code)
            if name is None or r.practice_name < name:
                self._practices[r.practice_code] = r.practice_name
        ids = uuid7_hex_batch(len(rows))
        copy_rows(self._session.connection(), stage_patient, _PATIENT_COLUMNS, (
            (r.row, r.nhs_number, r.given_name, r.family_name,
             name_sort_key(r.family_name, r.given_name), wire_date(r.date_of_birth), r.sex,
             r.ethnicity, r.address, r.postcode, r.practice_code, r.practice_name,
             wire_date(r.registered_on), gid, 1, 0, 0)
            for r, gid in zip(rows, ids, strict=True)
        ))
        # rows repeating a patient repeat their records: dropped here within the chunk, and
        # across chunks by _add_events (a set for the whole file would grow with it)
        events = list(dict.fromkeys(e for r in rows for e in _events(r)))
        event_ids = uuid7_hex_batch(len(events))
        copy_rows(self._session.connection(), stage_event, _EVENT_COLUMNS, (
            (nhs, kind, code, codes.SMI_CATEGORIES.get(code, kind), wire_date(on), gid, 0)
            for (nhs, kind, code, on), gid in zip(events, event_ids, strict=True)
        ))

    # -- results -------------------------------------------------------------------------------

    def result_problems(self) -> Iterator[RowError]:
        """Rows that name no patient on the register, predate the patient's birth (both found
        while staging), or disagree with an earlier row of the file."""
        yield from self._result_problems
        yield from self._conflicting_results()

    def _conflicting_results(self) -> Iterator[RowError]:
        stage_result, duplicate = self._staging.result, self._staging.duplicate
        r, d = stage_result.c, duplicate.c
        s = self._session.connection()
        s.execute(insert(duplicate).from_select(
            ["patient_id", "code", "observed_on", "first_row"],
            select(r.patient_id, r.code, r.observed_on, func.min(r.row_no))
            .group_by(r.patient_id, r.code, r.observed_on).having(func.count() > 1)))
        if not s.scalar(select(true()).select_from(duplicate).limit(1)):
            return  # the usual file: without statistics the planner would scan every result
        same_key = and_(r.patient_id == d.patient_id, r.code == d.code,
                        r.observed_on == d.observed_on, r.row_no != d.first_row)
        self._repeats = _written(s, update(stage_result).values(first=False).where(same_key))
        first = aliased(stage_result)
        conflicts = (
            select(r.row_no, r.value, d.first_row)
            .select_from(duplicate)
            .join(stage_result, same_key)
            .join(first, first.c.row_no == d.first_row)
            .where(_differs(r.value, first.c.value))
            .order_by(r.row_no)
        )
        for row_no, value, first_row in s.execute(conflicts):
            yield RowError(row_no, "value", "" if value is None else f"{value:g}",
                           f"row {first_row} has a different value for the same patient, code "
                           "and date")

    def apply_results(self) -> tuple[int, int, int, int]:
        """Write the staged results. Returns (added, updated, unchanged, duplicate rows)."""
        r = self._staging.result.c
        s = self._session.connection()
        obs = _table(Observation)
        # driven by ix_stage_result_changed: usually empty, and then no staged row is read
        updated = _written(s, update(obs).values(
            value=r.value, unit=r.unit, source="import", version=obs.c.version + 1,
            updated_at=utcnow(),
        ).where(obs.c.id == r.existing_id, r.first, r.changed == true()))
        added = _written(s, insert(obs).from_select(
            ["patient_id", "element", "code", "value", "unit", "observed_on", "source",
             "global_id"],
            select(r.patient_id, r.element, r.code, r.value, r.unit, r.observed_on,
                   literal("import"), r.global_id)
            .where(r.first, r.existing_id.is_(None))
        ))
        if added or updated:
            # every staged patient has a first row: their ids come from the index alone
            refresh_recall_anchor(self._session, select(r.patient_id).distinct(),
                                  written=frozenset({"observations"}), none_deleted=True)
        # the repeats were marked and counted by result_problems, which runs before this
        firsts = self._staged - self._repeats
        return added, updated, firsts - added - updated, self._repeats

    def new_results_since(self, since: date) -> Iterator[tuple[int, str, date, str,
                                                                 float | None]]:
        """(patient id, ethnicity, date, code, value) of the results this import adds dated on
        or after ``since``, by patient and date: the input for flagging abnormal results. Read
        from the staged rows alone, in their index's order."""
        r = self._staging.result.c
        # Core, on the connection: read as it is consumed (the caller writes follow-ups as it
        # goes), where the ORM would load every row of a million-row import first
        yield from self._session.connection().execute(
            select(r.patient_id, r.ethnicity, r.observed_on, r.code, r.value)
            .where(r.first, r.existing_id.is_(None), r.observed_on >= since)
            .order_by(r.patient_id, r.observed_on)
            .execution_options(yield_per=CHUNK)
        )

    def add_follow_ups(self, rows: Sequence[tuple[int, str, date, str, str, date]]) -> None:
        """Follow-ups for imported results: (patient id, code and date of the result, action,
        assigned to, due on). Each is linked to its observation here, by the record's key, so
        only results that need a follow-up are looked up."""
        if not rows:
            return
        staged = self._staging.follow_up
        f = staged.c
        s = self._session.connection()
        s.execute(delete(staged))
        ids = uuid7_hex_batch(len(rows))
        copy_rows(s, staged, ("patient_id", "code", "observed_on", "action", "assigned_to",
                              "due_on", "global_id"),
                  ((patient_id, code, wire_date(observed_on), action, assigned_to,
                    wire_date(due_on), gid)
                   for (patient_id, code, observed_on, action, assigned_to, due_on), gid
                   in zip(rows, ids, strict=True)))
        obs = _table(Observation)
        s.execute(insert(_table(FollowUp)).from_select(
            ["patient_id", "observation_id", "action", "assigned_to", "due_on", "outcome",
             "global_id"],
            select(f.patient_id, obs.c.id, f.action, f.assigned_to, f.due_on, literal(""),
                   f.global_id)
            .outerjoin(obs, and_(obs.c.patient_id == f.patient_id, obs.c.code == f.code,
                                 obs.c.observed_on == f.observed_on))
            .order_by(f.id)))

    # -- register ------------------------------------------------------------------------------

    def register_problems(self) -> Iterator[RowError]:
        """Rows for one NHS number must agree on who the patient is."""
        stage_patient = self._staging.patient
        s = self._session.connection()
        firsts = (select(stage_patient.c.nhs_number,
                         func.min(stage_patient.c.row_no).label("first_row"))
                  .group_by(stage_patient.c.nhs_number).having(func.count() > 1).subquery())
        s.execute(update(stage_patient).values(first=False).where(
            stage_patient.c.nhs_number == firsts.c.nhs_number,
            stage_patient.c.row_no != firsts.c.first_row))
        first = aliased(stage_patient)
        columns = ["given_name", "family_name", "date_of_birth", "sex", "ethnicity", "address",
                   "postcode", "practice_code", "registered_on"]
        rows = s.execute(
            select(stage_patient, first.c.row_no.label("first_row"),
                   *[first.c[c].label(f"first_{c}") for c in columns])
            .join(firsts, stage_patient.c.nhs_number == firsts.c.nhs_number)
            .join(first, first.c.row_no == firsts.c.first_row)
            .where(stage_patient.c.row_no != first.c.row_no,
                   or_(*[_differs(stage_patient.c[c], first.c[c]) for c in columns]))
            .order_by(stage_patient.c.row_no)
        ).mappings()
        for row in rows:
            column = next(c for c in columns if row[c] != row[f"first_{c}"])
            value = row[column]
            yield RowError(row["row_no"], column,
                           f"{value:%d/%m/%Y}" if isinstance(value, date) else str(value or ""),
                           f"row {row['first_row']} has the same NHS number with a different "
                           f"{column.replace('_', ' ')}")

    def apply_register(self) -> tuple[int, int, int, int]:
        """Write the staged register. Returns (patients added, patients updated, patients
        unchanged, clinical records added)."""
        stage_patient, stage_event = self._staging.patient, self._staging.event
        s = self._session.connection()
        self._add_practices()
        pat = _table(Patient)
        s.execute(update(stage_patient).values(
            practice_id=select(Practice.id).where(
                Practice.code == stage_patient.c.practice_code).scalar_subquery(),
            patient_id=select(pat.c.id).where(
                pat.c.nhs_number == stage_patient.c.nhs_number).scalar_subquery(),
        ))
        s.execute(update(stage_patient).values(existed=True)
                  .where(stage_patient.c.patient_id.is_not(None)))
        s.execute(update(stage_patient).values(changed=True).where(
            stage_patient.c.first, pat.c.id == stage_patient.c.patient_id,
            or_(*[_differs(pat.c[c], stage_patient.c[c]) for c in _DEMOGRAPHICS])))
        s.execute(update(pat).values(
            {**{c: stage_patient.c[c] for c in _DEMOGRAPHICS},
             "version": pat.c.version + 1, "updated_at": utcnow()}
        ).where(pat.c.id == stage_patient.c.patient_id, stage_patient.c.changed))
        added = _written(s, insert(pat).from_select(
            ["nhs_number", *_DEMOGRAPHICS, "global_id"],
            select(stage_patient.c.nhs_number, *[stage_patient.c[c] for c in _DEMOGRAPHICS],
                   stage_patient.c.global_id)
            .where(stage_patient.c.first, stage_patient.c.patient_id.is_(None))
        ))
        records = self._add_events()
        changed_patients = select(stage_patient.c.nhs_number).where(stage_patient.c.changed)
        with_new_records = (
            select(stage_event.c.nhs_number).join(
                stage_patient, stage_patient.c.nhs_number == stage_event.c.nhs_number)
            .where(stage_event.c.is_new, stage_patient.c.existed, stage_patient.c.first)
        )
        updated = s.scalar(select(func.count()).select_from(
            changed_patients.union(with_new_records).subquery())) or 0
        firsts = s.scalar(select(func.count()).where(stage_patient.c.first)) or 0
        if records:
            # the patient row keeps the latest diagnosis, remission and lithium dates
            # listed once, keyed: the refresh reads them in ranges, where each range's pick
            # from stage_event would scan it
            self._fresh("touched")
            touched = self._staging.touched
            s.execute(insert(touched).from_select(
                ["patient_id"], select(stage_event.c.patient_id).distinct()
                .where(stage_event.c.is_new)))
            refresh_recall_anchor(self._session, select(touched.c.patient_id),
                                  written=frozenset({"register"}), none_deleted=True)
        return added, updated, firsts - added - updated, records

    def _add_practices(self) -> None:
        s = self._session
        known = set(s.scalars(select(Practice.code)))
        for code, name in sorted(self._practices.items()):
            if code not in known:
                s.add(Practice(code=code, name=name[:200], address="", phone=""))
        s.flush()

    def _add_events(self) -> int:
        stage_event = self._staging.event
        s = self._session.connection()
        e = stage_event.c
        # a record repeated across chunks: the later copies go, found by a seek on the NHS
        # number each (grouping every staged record would sort them all in RAM)
        earlier = stage_event.alias("earlier")
        s.execute(delete(stage_event).where(select(earlier.c.id).where(
            earlier.c.nhs_number == e.nhs_number, earlier.c.kind == e.kind,
            earlier.c.code == e.code, earlier.c.on_date == e.on_date,
            earlier.c.id < e.id).exists()))
        pat = _table(Patient)
        s.execute(update(stage_event).values(patient_id=select(pat.c.id).where(
            pat.c.nhs_number == stage_event.c.nhs_number).scalar_subquery()))
        e = stage_event.c
        existing = {
            "diagnosis": select(SmiDiagnosis.id).where(
                SmiDiagnosis.patient_id == e.patient_id, SmiDiagnosis.code == e.code,
                SmiDiagnosis.diagnosed_on == e.on_date),
            "remission": select(Remission.id).where(
                Remission.patient_id == e.patient_id, Remission.recorded_on == e.on_date),
            "lithium": select(MedicationIssue.id).where(
                MedicationIssue.patient_id == e.patient_id, MedicationIssue.drug == "lithium",
                MedicationIssue.issued_on == e.on_date, MedicationIssue.stopped.is_(False)),
            "lithium_stop": select(MedicationIssue.id).where(
                MedicationIssue.patient_id == e.patient_id, MedicationIssue.drug == "lithium",
                MedicationIssue.issued_on == e.on_date, MedicationIssue.stopped.is_(True)),
        }
        for kind, query in existing.items():
            s.execute(update(stage_event).values(is_new=True)
                      .where(e.kind == kind, ~query.exists()))
        return sum(_written(s, statement) for statement in (
            insert(_table(SmiDiagnosis)).from_select(
                ["patient_id", "code", "category", "diagnosed_on", "global_id"],
                select(e.patient_id, e.code, e.category, e.on_date, e.global_id)
                .where(e.is_new, e.kind == "diagnosis")),
            insert(_table(Remission)).from_select(
                ["patient_id", "code", "recorded_on", "global_id"],
                select(e.patient_id, e.code, e.on_date, e.global_id)
                .where(e.is_new, e.kind == "remission")),
            insert(_table(MedicationIssue)).from_select(
                ["patient_id", "drug", "code", "issued_on", "stopped", "global_id"],
                select(e.patient_id, literal("lithium"), e.code, e.on_date,
                       e.kind == "lithium_stop", e.global_id)
                .where(e.is_new, e.kind.in_(("lithium", "lithium_stop")))),
        ))

    # -- the import record ---------------------------------------------------------------------

    def record_import(self, kind: str, file_name: str, sha256: str, by: str, rows: int,
                      added: int, updated: int, unchanged: int) -> None:
        self._session.add(ImportRecord(kind=kind, file_name=file_name[:255], file_sha256=sha256,
                                       imported_by=by[:100], rows=rows, added=added,
                                       updated=updated, unchanged=unchanged))
        self._session.flush()

    def imports_of(self, sha256: str) -> list[tuple[datetime, str, str]]:
        """Earlier imports of the same file: (when, who, kind), newest first."""
        return [(when, who, kind) for when, who, kind in self._session.execute(
            select(ImportRecord.imported_at, ImportRecord.imported_by, ImportRecord.kind)
            .where(ImportRecord.file_sha256 == sha256)
            .order_by(ImportRecord.imported_at.desc()))]

    def recent_imports(self, limit: int) -> list[tuple[Any, ...]]:
        """(when, who, kind, file name, rows, added, updated, unchanged), newest first."""
        r = ImportRecord
        return [tuple(row) for row in self._session.execute(
            select(r.imported_at, r.imported_by, r.kind, r.file_name, r.rows, r.added,
                   r.updated, r.unchanged).order_by(r.imported_at.desc()).limit(limit))]


def _events(r: RegisterRow) -> Iterator[tuple[str, str, str, date]]:
    if r.diagnosis_code and r.diagnosed_on:
        yield r.nhs_number, "diagnosis", r.diagnosis_code, r.diagnosed_on
    if r.remission_on:
        yield r.nhs_number, "remission", codes.REMISSION_CLUSTER, r.remission_on
    for issued in r.lithium_issued:
        yield r.nhs_number, "lithium", codes.LITHIUM_CLUSTER, issued
    if r.lithium_stopped_on:
        yield r.nhs_number, "lithium_stop", "LITSTP_COD", r.lithium_stopped_on
