"""Physical health review letters: for the patient, for the record, and invitations.

``letter_for`` gathers everything one letter says into a plain, picklable ``Letter`` (so a
batch can be rendered in other processes); ``run_letter_batch`` is the batch use case the CLI
and the GUI share: it picks the patients, gathers their letters in this process and renders
them in chunks on worker processes, one PDF per patient or one merged PDF.

Each result's status is worded for the reader: normal / needs attention / not done / declined.
"Needs attention" comes from the same assessment as the follow-ups (domain/assessment.py), so
the letter and the follow-up list never disagree; the agreed action is the follow-up that was
raised for that reading, where there is one.
"""

from __future__ import annotations

import io
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from multiprocessing import get_context
from pathlib import Path
from typing import Protocol

from dateutil.relativedelta import relativedelta

from facilitator_app.domain.access import Permission
from facilitator_app.domain.assessment import assess_readings
from facilitator_app.domain.checks import (
    CORE_ELEMENTS,
    ELEMENT_LABELS,
    Element,
    RecallStatus,
    due_soon_before,
    recall_status,
)
from facilitator_app.domain.dates import format_uk_date
from facilitator_app.services import audit
from facilitator_app.services.access import practice_scope, require_patient
from facilitator_app.services.caseload import UnknownPractice
from facilitator_app.services.jobs import CancelToken, Progress, no_progress
from facilitator_app.services.patients import PatientNotFound, describe
from facilitator_app.services.ports import ObservationFact, UnitOfWork
from facilitator_app.services.qrisk_record import qrisk_from_record

__all__ = [
    "AgreedAction",
    "Letter",
    "LetterBatch",
    "LetterBatchOutcome",
    "LetterKind",
    "LetterQueries",
    "LetterResult",
    "Letterhead",
    "ResultStatus",
    "letter_for",
    "letter_patients",
    "run_letter_batch",
    "write_letters",
    "write_patient_letter",
]

LETTER_ELEMENTS: tuple[Element, ...] = (*CORE_ELEMENTS, Element.PULSE, Element.WAIST)
"""The results table: the core six, then the extras a check usually measures."""

PARALLEL_FROM = 40  # letters; below this, starting worker processes costs more than it saves
CHUNK = 25  # letters one worker renders into one PDF: the font is embedded once per chunk


@dataclass(frozen=True)
class AgreedAction:
    """A follow-up raised for one reading: what was agreed, who does it and by when."""

    element: str
    observed_on: date
    action: str
    assigned_to: str
    due_on: date
    done_on: date | None
    outcome: str


@dataclass(frozen=True)
class Letterhead:
    name: str
    address: str
    phone: str
    logo: bytes | None = None  # PNG or JPEG


class LetterQueries(Protocol):
    def letterhead(self, patient_id: int) -> Letterhead | None: ...
    def adjustments_since(self, patient_id: int,
                          since: date) -> list[tuple[str, str | None, date]]: ...
    def agreed_actions(self, patient_id: int, since: date) -> list[AgreedAction]: ...
    def checked_between(self, practice_code: str, start: date, end: date) -> list[int]: ...
    def due(self, practice_code: str, due_before: date, today: date) -> list[int]: ...


class LetterKind(StrEnum):
    REVIEW = "review"  # to the patient, plain English
    RECORD = "record"  # to the record, clinical wording
    INVITATION = "invitation"  # the check is due: please book


class ResultStatus(StrEnum):
    NORMAL = "normal"
    ATTENTION = "needs attention"
    NOT_DONE = "not done"
    DECLINED = "declined"


@dataclass(frozen=True)
class LetterResult:
    label: str
    value: str
    on: date | None
    status: ResultStatus
    plain: tuple[str, ...] = ()  # for the patient: what the result means and what happens next
    clinical: tuple[str, ...] = ()  # for the record: finding and agreed action


@dataclass(frozen=True)
class Letter:
    kind: LetterKind
    letterhead: Letterhead
    written_on: date
    nhs_number: str
    given_name: str
    family_name: str
    address: str
    postcode: str
    date_of_birth: date
    check_date: date | None
    results: tuple[LetterResult, ...]
    qrisk_headline: str | None = None
    qrisk_inputs: tuple[str, ...] = ()
    qrisk_notes: tuple[str, ...] = ()  # the disclaimer, which carries NICE's note on SMI
    signposted: tuple[str, ...] = ()
    due_elements: tuple[str, ...] = ()  # invitation: what is due
    signed_by: str = "Mental health facilitator"

    @property
    def file_stem(self) -> str:
        """Names files by NHS number and kind (no names in file names)."""
        return f"{self.nhs_number}-{self.kind.value}-{self.written_on.isoformat()}"


def _agreed_texts(actions: Sequence[AgreedAction],
                  today: date) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(for the patient, for the record) sentences about the follow-ups of one reading."""
    plain, clinical = [], []
    for a in actions:
        who = a.assigned_to or "The practice"
        if a.done_on:
            plain.append(f"This was followed up on {format_uk_date(a.done_on)}.")
            clinical.append(f"Agreed action: {a.action} ({who}); done "
                            f"{format_uk_date(a.done_on)}: {a.outcome or 'no outcome recorded'}.")
        elif a.due_on < today:  # still open past its date: no promise of a date gone by
            plain.append(f"{who} has been asked to follow this up.")
        else:
            plain.append(f"{who} will follow this up by {format_uk_date(a.due_on)}.")
            clinical.append(f"Agreed action: {a.action} ({who}), due "
                            f"{format_uk_date(a.due_on)}.")
    return tuple(plain), tuple(clinical)


def _status(element: Element, readings: list[ObservationFact],
            declines: Sequence[tuple[str, str | None, date]], actions: Sequence[AgreedAction],
            today: date, ethnicity: str) -> LetterResult:
    label = ELEMENT_LABELS[element]
    on = max((o.observed_on for o in readings), default=None)
    current = [o for o in readings if o.observed_on == on]
    recent = on is not None and recall_status(on, today) is not RecallStatus.OVERDUE
    if not recent:
        refused = [d for reason, el, d in declines if el in (None, element.value)]
        if refused:
            return LetterResult(label, "", max(refused), ResultStatus.DECLINED,
                                plain=(f"You chose not to have this checked "
                                       f"({format_uk_date(max(refused))}).",),
                                clinical=(f"Declined {format_uk_date(max(refused))}.",))
        return LetterResult(label, describe(element, current) if current else "", on,
                            ResultStatus.NOT_DONE)
    findings = [f for _, f in assess_readings({o.code: o.value for o in current},
                                              ethnicity_code=ethnicity)
                if f.element is element]
    if not findings:
        return LetterResult(label, describe(element, current), on, ResultStatus.NORMAL)
    agreed = [a for a in actions if a.element == element.value and a.observed_on == on]
    plain_next, clinical_next = _agreed_texts(agreed, today)
    plain = tuple(f.plain_english for f in findings) + plain_next
    clinical = tuple(f.summary + "." for f in findings) + (
        clinical_next or tuple(f"Suggested action: {f.action}." for f in findings))
    return LetterResult(label, describe(element, current), on, ResultStatus.ATTENTION,
                        plain=plain, clinical=clinical)


def letter_for(uow_factory: Callable[[], UnitOfWork], patient_id: int, kind: LetterKind,
               today: date, *, signed_by: str | None = None) -> Letter:
    """Everything one letter says. Raises PatientNotFound."""
    year_ago = today - relativedelta(months=12)
    uow = uow_factory()
    with uow:
        require_patient(uow, Permission.PRINT_LETTERS, patient_id)
        facts = uow.patients.facts(patient_id)
        head = uow.letters.letterhead(patient_id)
        declines = uow.letters.adjustments_since(patient_id, year_ago)
        actions = uow.letters.agreed_actions(patient_id, year_ago)
        signposted = uow.signposting.for_patient(patient_id, year_ago)
    if facts is None or head is None:
        raise PatientNotFound("That patient is no longer in this register.")
    by_element: dict[Element, list[ObservationFact]] = {}
    for obs in facts.latest_observations:
        try:
            by_element.setdefault(Element(obs.element), []).append(obs)
        except ValueError:
            continue  # an element the letter does not list
    results = tuple(_status(e, by_element.get(e, []), declines, actions, today, facts.ethnicity)
                    for e in LETTER_ELEMENTS)
    check_date = max((r.on for r in results if r.on and r.status in (
        ResultStatus.NORMAL, ResultStatus.ATTENTION)), default=None)
    qrisk = (qrisk_from_record(uow_factory(), patient_id, today,
                               permission=Permission.PRINT_LETTERS)
             if kind is not LetterKind.INVITATION else None)
    scored = qrisk is not None and qrisk.result is not None
    due = tuple(r.label for r in results[: len(CORE_ELEMENTS)]
                if r.on is None or recall_status(r.on, today) is not RecallStatus.DONE)
    return Letter(
        kind=kind, letterhead=head, written_on=today,
        nhs_number=facts.nhs_number, given_name=facts.given_name,
        family_name=facts.family_name, address=facts.address, postcode=facts.postcode,
        date_of_birth=facts.date_of_birth, check_date=check_date, results=results,
        qrisk_headline=qrisk.headline if qrisk and scored else None,
        qrisk_inputs=tuple(f"{i.label}: {i.value} ({i.source_text})" for i in qrisk.inputs_used)
        if qrisk and scored else (),
        qrisk_notes=(qrisk.disclaimer,) if qrisk and scored else (),
        signposted=tuple(f"{s.summary}, {format_uk_date(s.signposted_on)}"
                         for s in reversed(signposted)),
        due_elements=due, signed_by=signed_by or "Mental health facilitator",
    )


def letter_patients(uow: UnitOfWork, practice_code: str, today: date, *,
                    checked_between: tuple[date, date] | None = None,
                    due: bool = False) -> list[int]:
    """The patients a batch is for: a check in a date range, or a check due (overdue or due
    within 30 days), for one practice."""
    if (checked_between is None) == (not due):
        raise ValueError("Choose either a date range of checks or the patients who are due.")
    practice_scope(uow, Permission.PRINT_LETTERS, practice_code)
    with uow:
        if not uow.register.practice_exists(practice_code):
            raise UnknownPractice(practice_code)
        if checked_between:
            start, end = checked_between
            if end < start:
                raise ValueError(f"The range ends ({format_uk_date(end)}) before it starts "
                                 f"({format_uk_date(start)}).")
            return uow.letters.checked_between(practice_code, start, end)
        return uow.letters.due(practice_code, due_soon_before(today), today)


# -- rendering ------------------------------------------------------------------------------


def _render_chunk(letters: Sequence[Letter], merged: bool) -> list[bytes]:
    """One PDF of all ``letters`` (merged) or one PDF each. Runs in worker processes."""
    from facilitator_app.render.letter_pdf import render_letters

    def pdf(group: Sequence[Letter]) -> bytes:
        out = io.BytesIO()
        render_letters(group, out)
        return out.getvalue()

    return [pdf(letters)] if merged else [pdf([letter]) for letter in letters]


def _chunks(letters: Iterable[Letter], size: int,
            cancel: CancelToken) -> Iterator[list[Letter]]:
    chunk: list[Letter] = []
    for letter in letters:
        cancel.raise_if_cancelled()
        chunk.append(letter)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _rendered(letters: Iterable[Letter], count: int, merged: bool, cancel: CancelToken,
              workers: int | None) -> Iterator[tuple[list[Letter], list[bytes]]]:
    """Chunks of letters with their PDFs, in order. Big batches render on worker processes
    while this process gathers the next letters; at most two chunks per worker are in flight,
    so memory stays flat however big the batch."""
    processes = min(workers or os.cpu_count() or 1, 8)
    if count < PARALLEL_FROM or processes < 2:
        for chunk in _chunks(letters, CHUNK, cancel):
            yield chunk, _render_chunk(chunk, merged)
        return
    size = max(1, min(CHUNK, -(-count // (processes * 2))))
    pending: deque[tuple[list[Letter], Future[list[bytes]]]] = deque()
    with ProcessPoolExecutor(processes, mp_context=get_context("spawn"),
                             initializer=_exit_with_parent,
                             initargs=(os.getpid(),)) as pool:
        try:
            for chunk in _chunks(letters, size, cancel):
                pending.append((chunk, pool.submit(_render_chunk, chunk, merged)))
                while len(pending) > processes * 2 or (pending and pending[0][1].done()):
                    done_chunk, future = pending.popleft()
                    yield done_chunk, future.result()
            while pending:
                cancel.raise_if_cancelled()
                done_chunk, future = pending.popleft()
                yield done_chunk, future.result()
        finally:
            for _, future in pending:
                future.cancel()


def _write_whole(path: Path, data: bytes) -> None:
    """Under a temporary name, synced, then renamed: a letter under its real name is whole,
    whatever stops the process (a kill, a power cut)."""
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _exit_with_parent(parent: int) -> None:
    """Worker initializer: a render worker whose batch process was killed has nobody to
    render for, so it leaves instead of waiting for work for ever."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def write_letters(letters: Iterable[Letter], count: int, out: Path, *, merged: bool,
                  progress: Progress = no_progress, cancel: CancelToken | None = None,
                  workers: int | None = None) -> list[Path]:
    """Render ``count`` letters into ``out``: a folder of one PDF per patient, or one merged
    PDF (written to a temporary name and renamed, so a half-written file never has the real
    name). Each letter numbers its own pages. Returns the files written; on cancel or error,
    every file this batch wrote is removed."""
    token = cancel or CancelToken()
    written: list[Path] = []
    merged_pages = None
    if merged:
        from pypdf import PdfWriter

        merged_pages = PdfWriter()
        out.parent.mkdir(parents=True, exist_ok=True)
    else:
        out.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    done = 0
    try:
        for chunk, pdfs in _rendered(letters, count, merged, token, workers):
            token.raise_if_cancelled()
            if merged_pages is not None:
                from pypdf import PdfReader

                merged_pages.append(PdfReader(io.BytesIO(pdfs[0])))
            else:
                for letter, pdf in zip(chunk, pdfs, strict=True):
                    path = out / f"{letter.file_stem}.pdf"
                    _write_whole(path, pdf)
                    written.append(path)
            done += len(chunk)
            progress(done, count)
        token.raise_if_cancelled()
        if merged_pages is not None:
            with partial.open("wb") as f:
                merged_pages.write(f)
                f.flush()
                os.fsync(f.fileno())
            partial.replace(out)
            written.append(out)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
        raise
    return written


# -- the use cases the CLI and the GUI share ------------------------------------------------


@dataclass(frozen=True)
class LetterBatch:
    """A batch for one practice: every patient with a check in ``checked_between``, or every
    patient whose check is due (``due``). ``out`` ending in .pdf means one merged PDF;
    anything else is a folder of one PDF per patient."""

    practice_code: str
    kind: LetterKind
    out: Path
    checked_between: tuple[date, date] | None = None
    due: bool = False
    signed_by: str | None = None

    @property
    def merged(self) -> bool:
        return self.out.suffix.lower() == ".pdf"


@dataclass(frozen=True)
class LetterBatchOutcome:
    letters: int
    files: tuple[Path, ...]

    def describe(self, batch: LetterBatch) -> str:
        if not self.letters:
            return "No patients match: no letters written."
        files = len(self.files)
        where = (str(batch.out) if batch.merged
                 else f"{files:,} file{'s' if files != 1 else ''} in {batch.out}")
        letters = f"letter{'s' if self.letters != 1 else ''}"
        return f"{self.letters:,} {batch.kind.value} {letters} written to {where}."


def run_letter_batch(uow_factory: Callable[[], UnitOfWork], batch: LetterBatch, today: date,
                     progress: Progress = no_progress, cancel: CancelToken | None = None,
                     workers: int | None = None) -> LetterBatchOutcome:
    """Pick the patients, gather and render their letters. Raises UnknownPractice, ValueError
    (a range that ends before it starts) or Cancelled (nothing is left behind)."""
    token = cancel or CancelToken()
    ids = letter_patients(uow_factory(), batch.practice_code, today,
                          checked_between=batch.checked_between, due=batch.due)
    if not ids:
        return LetterBatchOutcome(0, ())
    progress(0, len(ids))
    letters = (letter_for(uow_factory, patient_id, batch.kind, today,
                          signed_by=batch.signed_by) for patient_id in ids)
    files = write_letters(letters, len(ids), batch.out, merged=batch.merged,
                          progress=progress, cancel=token, workers=workers)
    note_letters(uow_factory(), ids, batch.kind)
    return LetterBatchOutcome(len(ids), tuple(files))


def note_letters(uow: UnitOfWork, patient_ids: Sequence[int], kind: LetterKind) -> None:
    """One audit entry per letter written, in one transaction, once the files exist."""
    with uow:
        for patient_id in patient_ids:
            require_patient(uow, Permission.PRINT_LETTERS, patient_id)
            audit.record(uow, "letter", "patient", patient_id, kind=kind.value)
        uow.commit()


def write_patient_letter(uow_factory: Callable[[], UnitOfWork], patient_id: int,
                         kind: LetterKind, today: date, out: Path, *,
                         signed_by: str | None = None) -> Path:
    """One patient's letter as one PDF: ``out`` itself when it ends in .pdf, otherwise a file
    in the folder ``out`` named by NHS number and kind. Raises PatientNotFound."""
    letter = letter_for(uow_factory, patient_id, kind, today, signed_by=signed_by)
    merged = out.suffix.lower() == ".pdf"
    (path,) = write_letters([letter], 1, out, merged=merged)
    note_letters(uow_factory(), [patient_id], kind)
    return path
