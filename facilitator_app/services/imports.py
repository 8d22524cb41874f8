"""Importing practice extracts: the register file and the results file.

All or nothing. Every row is read and checked, then the rows are checked against each other
and the register; if anything is wrong the report lists every problem (row, column, value,
why) and nothing is written. Only a clean file is applied, in one transaction with the record
of the import (file hash, counts, who, when). ``dry_run`` does all of that, reports what would
change, and rolls back.

Re-importing the same file changes nothing: patients are matched by NHS number and only
updated where a detail differs; results are matched on (patient, code, date) and only added
when new or updated when the value differs.

Abnormal results in the last 12 months that an import adds get the same follow-up actions a
check recorded on the form gets.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from itertools import groupby, islice
from operator import itemgetter
from pathlib import Path
from typing import Any, Protocol

from dateutil.relativedelta import relativedelta

from facilitator_app.domain.access import Permission
from facilitator_app.domain.assessment import assess_readings, assignee_for, follow_up_for
from facilitator_app.domain.import_format import (
    ColumnMapping,
    ImportKind,
    map_header,
    sniff_delimiter,
)
from facilitator_app.domain.import_rows import (
    RegisterRow,
    ResultRow,
    RowError,
    row_reader,
)
from facilitator_app.services import audit
from facilitator_app.services.access import require
from facilitator_app.services.gc_pause import collector_paused
from facilitator_app.services.jobs import CancelToken, Progress, no_progress
from facilitator_app.services.ports import UnitOfWork

__all__ = [
    "ExtractPreview",
    "ImportLogEntry",
    "ImportReport",
    "ImportWriter",
    "import_file",
    "preview_file",
    "error_rows",
    "recent_imports",
]

CHUNK_ROWS = 20_000  # rows staged per round trip; also how often progress and cancel are checked
PREVIEW_ROWS = 5
FOLLOW_UP_MONTHS = 12  # imported abnormal results older than this are history, not actions


class ImportWriter(Protocol):
    """Storage for imports (db/queries/imports.py)."""

    def start_results(self) -> None: ...
    def start_register(self) -> None: ...
    def stage_results(self, rows: Sequence[ResultRow]) -> None: ...
    def stage_register(self, rows: Sequence[RegisterRow]) -> None: ...
    def result_problems(self) -> Iterator[RowError]: ...
    def register_problems(self) -> Iterator[RowError]: ...
    def apply_results(self) -> tuple[int, int, int, int]: ...
    def apply_register(self) -> tuple[int, int, int, int]: ...
    def new_results_since(
        self, since: date
    ) -> Iterator[tuple[int, str, date, str, float | None]]: ...
    def add_follow_ups(self, rows: Sequence[tuple[int, str, date, str, str, date]]) -> None: ...
    def record_import(self, kind: str, file_name: str, sha256: str, by: str, rows: int,
                      added: int, updated: int, unchanged: int) -> None: ...
    def imports_of(self, sha256: str) -> list[tuple[datetime, str, str]]: ...
    def recent_imports(self, limit: int) -> list[tuple[Any, ...]]: ...


@dataclass(frozen=True)
class ImportReport:
    """What an import found and did. ``errors`` non-empty means nothing was written."""

    kind: ImportKind
    file_name: str
    sha256: str
    encoding: str
    delimiter: str
    mapping: ColumnMapping | None
    rows: int = 0
    errors: tuple[RowError, ...] = ()
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0  # rows repeating an earlier row of the same file exactly
    records_added: int = 0  # register: diagnoses, remissions and lithium issues added
    follow_ups: int = 0
    dry_run: bool = False
    written: bool = False
    seconds: float = 0.0
    imported_before: tuple[tuple[datetime, str], ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        """One paragraph for the status bar and the CLI."""
        noun = "patients" if self.kind is ImportKind.REGISTER else "results"
        if self.errors:
            bad_rows = len({e.row for e in self.errors})
            return (f"{self.file_name}: {len(self.errors):,} problem(s) in {bad_rows:,} row(s) "
                    f"of {self.rows:,}. Nothing was imported.")
        verb = "would be" if self.dry_run else "were"
        text = (f"{self.file_name}: {self.rows:,} rows read. {noun.capitalize()}: "
                f"{self.added:,} added, {self.updated:,} updated, {self.unchanged:,} already "
                f"up to date")
        if self.duplicates:
            text += f"; {self.duplicates:,} repeated rows ignored"
        text += "."
        if self.records_added:
            text += f" {self.records_added:,} diagnosis, remission or lithium records {verb} added."
        if self.follow_ups:
            text += f" {self.follow_ups:,} follow-up(s) {verb} created for abnormal results."
        if self.dry_run:
            text += " Dry run: nothing was written."
        if self.imported_before:
            when, who = self.imported_before[0]
            text += (f" This file was imported before, on {when:%d/%m/%Y at %H:%M} by {who}.")
        return text


@dataclass(frozen=True)
class ExtractPreview:
    """The first rows of a file and how its columns will be read, before anything happens."""

    kind: ImportKind
    encoding: str
    delimiter: str
    mapping: ColumnMapping
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class ImportLogEntry:
    imported_at: datetime
    imported_by: str
    kind: str
    file_name: str
    rows: int
    added: int
    updated: int
    unchanged: int


class _Unreadable(ValueError):
    """The file is not a CSV this importer can read at all; carries the one error."""

    def __init__(self, error: RowError) -> None:
        super().__init__(error.reason)
        self.error = error
        self.sha256 = ""


# --- reading the file ---------------------------------------------------------------------------


READ_CHUNK = 1 << 20  # bytes read at a time: the file is streamed, never held whole


def _scan(path: Path) -> tuple[str, str]:
    """(SHA-256 of the bytes, encoding), in one streamed pass: UTF-8 (with or without the
    byte-order mark Excel writes) or, failing that, Windows-1252, which Excel's plain "CSV"
    uses on English Windows. A million-row extract is never held in memory."""
    digest = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    ok = True
    with path.open("rb") as f:
        while chunk := f.read(READ_CHUNK):
            digest.update(chunk)
            if ok:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    ok = False
        if ok:
            try:
                utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                ok = False
    if ok:
        return digest.hexdigest(), "UTF-8"
    cp1252 = codecs.getincrementaldecoder("cp1252")()
    lines = 0
    with path.open("rb") as f:
        while chunk := f.read(READ_CHUNK):
            try:
                cp1252.decode(chunk)
            except UnicodeDecodeError as exc:
                line = lines + chunk.count(b"\n", 0, exc.start) + 1
                error = _Unreadable(RowError(line, "", "", "the file is not text (neither UTF-8 "
                                             "nor Windows-1252): save it as CSV UTF-8"))
                error.sha256 = digest.hexdigest()
                raise error from None
            lines += chunk.count(b"\n")
    return digest.hexdigest(), "Windows-1252"


PYTHON_CODEC = {"UTF-8": "utf-8-sig", "Windows-1252": "cp1252"}


@contextmanager
def _open_rows(path: Path, encoding: str
               ) -> Iterator[tuple[str, list[str], Iterator[tuple[int, list[str]]],
                                   Callable[[], int]]]:
    """(delimiter, header, numbered non-blank rows, bytes read so far), read from the file as
    it is consumed. The byte count is the file's position below its text decoder, ahead of the
    rows by at most one read buffer: near enough for a progress bar, and free, where summing
    cell lengths cost a second per million rows."""
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding=PYTHON_CODEC[encoding],
                                                  newline="") as f:
        first_line = f.readline().split("\n", 1)[0].rstrip("\r")
        if not first_line.strip():
            raise _Unreadable(RowError(1, "", "", "the file is empty or its first line is "
                                       "blank: the first line must be the column headers"))
        f.seek(0)
        delimiter = sniff_delimiter(first_line)
        reader = csv.reader(f, delimiter=delimiter)
        header = next(reader)

        def numbered() -> Iterator[tuple[int, list[str]]]:
            for number, cells in enumerate(reader, start=2):
                if any(map(str.strip, cells)):
                    yield number, cells

        yield delimiter, header, numbered(), raw.tell


def preview_file(kind: ImportKind, path: Path) -> ExtractPreview:
    """Header mapping and first rows, for the import dialog (reads the file, writes nothing).
    Raises ValueError when the file cannot be read as text."""
    _, encoding = _scan(path)
    with _open_rows(path, encoding) as (delimiter, header, rows, _):
        first = tuple(tuple(cells) for _, (_, cells) in zip(range(PREVIEW_ROWS), rows,
                                                            strict=False))
    return ExtractPreview(kind, encoding, delimiter, map_header(kind, header), first)


# --- the import ---------------------------------------------------------------------------------


def import_file(
    uow: UnitOfWork,
    kind: ImportKind,
    path: Path,
    today: date,
    *,
    dry_run: bool = False,
    imported_by: str | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> ImportReport:
    """Validate ``path`` completely and, if it is clean and not a dry run, apply it."""
    require(uow, Permission.IMPORT_DATA)
    started = time.perf_counter()
    base = ImportReport(kind, path.name, "", "", "", None, dry_run=dry_run)
    try:
        sha256, encoding = _scan(path)
    except _Unreadable as exc:
        return _finish(replace(base, sha256=exc.sha256), started, errors=(exc.error,))
    base = replace(base, sha256=sha256, encoding=encoding)
    try:
        with _open_rows(path, encoding) as (delimiter, header, rows, position):
            mapping = map_header(kind, header)
            base = replace(base, delimiter=delimiter, mapping=mapping)
            if not mapping.ok:
                return _finish(base, started, errors=tuple(
                    RowError(1, "", "", problem) for problem in mapping.problems()))
            with collector_paused():
                return _import_rows(uow, kind, path, today, base, started, header, delimiter,
                                    mapping, rows, position, dry_run=dry_run,
                                    imported_by=imported_by, progress=progress, cancel=cancel)
    except _Unreadable as exc:
        return _finish(base, started, errors=(exc.error,))


def _import_rows(uow: UnitOfWork, kind: ImportKind, path: Path, today: date,
                 base: ImportReport, started: float, header: list[str], delimiter: str,
                 mapping: ColumnMapping, rows: Iterator[tuple[int, list[str]]],
                 position: Callable[[], int], *,
                 dry_run: bool, imported_by: str | None, progress: Progress,
                 cancel: CancelToken | None) -> ImportReport:
    sha256 = base.sha256
    total_bytes = max(1, path.stat().st_size)
    token = cancel or CancelToken()
    with uow:
        writer = uow.imports
        errors: list[RowError] = []
        count = 0
        read = row_reader(kind, mapping, today)
        stage: Callable[[list[Any]], None]
        if kind is ImportKind.REGISTER:
            writer.start_register()
            stage = writer.stage_register
        else:
            writer.start_results()
            stage = writer.stage_results
        width = len(header)
        # a chunk at a time, each read by one comprehension: a statement per row in this loop
        # cost more than the reading
        while chunk := list(islice(rows, CHUNK_ROWS)):
            count += len(chunk)
            read_rows: list[Any] = [
                read(number, cells) if len(cells) == width
                else [_wrong_length(number, cells, header, delimiter)]
                for number, cells in chunk]
            bad = [problems for problems in read_rows if problems.__class__ is list]
            if bad:  # the file has failed: keep checking rows, stop staging them
                errors.extend(error for problems in bad for error in problems)
            elif not errors:
                stage(read_rows)
            token.raise_if_cancelled()
            progress(min(position(), total_bytes), total_bytes)
        if not errors:
            problems = (writer.register_problems() if kind is ImportKind.REGISTER
                        else writer.result_problems())
            errors.extend(problems)
        if errors:
            errors.sort(key=lambda e: e.row)
            return _finish(base, started, rows=count, errors=tuple(errors))
        token.raise_if_cancelled()
        progress(total_bytes, total_bytes)
        if kind is ImportKind.REGISTER:
            added, updated, unchanged, records = writer.apply_register()
            duplicates, follow_ups = count - added - updated - unchanged, 0
        else:
            added, updated, unchanged, duplicates = writer.apply_results()
            records = 0
            follow_ups = _flag_abnormal(writer, today)
        before = tuple((when, who) for when, who, _ in writer.imports_of(sha256))
        token.raise_if_cancelled()
        if not dry_run:
            writer.record_import(kind.value, path.name, sha256, imported_by or _who(uow), count,
                                 added, updated, unchanged)
            audit.record(uow, "import", kind.value, sha256=sha256, rows=count, added=added,
                         updated=updated, unchanged=unchanged, follow_ups=follow_ups)
            uow.commit()
    return _finish(base, started, rows=count, added=added, updated=updated,
                   unchanged=unchanged, duplicates=duplicates, records_added=records,
                   follow_ups=follow_ups, written=not dry_run, imported_before=before)


def _wrong_length(number: int, cells: Sequence[str], header: Sequence[str],
                  delimiter: str) -> RowError:
    return RowError(number, "", "", f"the row has {len(cells)} fields but the header has "
                    f"{len(header)}: check for a stray {delimiter!r} or a missing quote")


def _flag_abnormal(writer: ImportWriter, today: date) -> int:
    """Follow-ups for abnormal results this import added from the last 12 months, assessed per
    patient and date exactly as a check saved on the form is."""
    since = today - relativedelta(months=FOLLOW_UP_MONTHS)
    follow_ups: list[tuple[int, str, date, str, str, date]] = []
    written = 0
    for (patient_id, ethnicity, observed_on), group in groupby(
        writer.new_results_since(since), key=itemgetter(0, 1, 2)
    ):
        values = {code: value for *_, code, value in group}
        for code, finding in assess_readings(values, ethnicity_code=ethnicity):
            action, due_on = follow_up_for(finding, observed_on)
            follow_ups.append((patient_id, code, observed_on, action, assignee_for(finding),
                               due_on))
        if len(follow_ups) >= CHUNK_ROWS:  # written as they come: memory stays flat
            writer.add_follow_ups(follow_ups)
            written += len(follow_ups)
            follow_ups = []
    writer.add_follow_ups(follow_ups)
    return written + len(follow_ups)


def _who(uow: UnitOfWork) -> str:
    """The signed-in account that imported it."""
    return uow.actor.username if uow.actor else "unknown"


def _finish(report: ImportReport, started: float, **changes: Any) -> ImportReport:
    return replace(report, seconds=time.perf_counter() - started, **changes)


def recent_imports(uow: UnitOfWork, limit: int = 50) -> list[ImportLogEntry]:
    require(uow, Permission.IMPORT_DATA)
    with uow:
        return [ImportLogEntry(*row) for row in uow.imports.recent_imports(limit)]


ERROR_HEADERS = ("Row", "Column", "Value", "Problem")


def error_rows(errors: Sequence[RowError]) -> Iterator[list[str]]:
    """The error list as table rows (row, column, value, problem): shown in the import dialog,
    printed by the CLI and saved as CSV for fixing the file in a spreadsheet."""
    for e in errors:
        yield [str(e.row), e.column, e.value, e.reason]
