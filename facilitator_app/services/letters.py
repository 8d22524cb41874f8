"""Physical health review letters: for the patient, for the record, and invitations.

``letter_for`` gathers everything one letter says into a plain, picklable ``Letter`` (so a
batch can be rendered in other processes); ``write_letters`` renders a batch, one PDF per
patient or one merged PDF, using worker processes where a batch is big enough to pay for them.

Each result's status is worded for the reader: normal / needs attention / not done / declined.
"Needs attention" comes from the same assessment as the follow-ups (domain/assessment.py), so
the letter and the follow-up list never disagree.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from multiprocessing import get_context
from pathlib import Path
from typing import Protocol

from dateutil.relativedelta import relativedelta

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
from facilitator_app.services.caseload import UnknownPractice
from facilitator_app.services.jobs import CancelToken, Progress, no_progress
from facilitator_app.services.patients import PatientNotFound, describe
from facilitator_app.services.ports import ObservationFact, UnitOfWork
from facilitator_app.services.qrisk_record import qrisk_from_record

__all__ = [
    "Letter",
    "LetterKind",
    "LetterQueries",
    "LetterResult",
    "Letterhead",
    "letter_for",
    "letter_patients",
    "write_letters",
]

LETTER_ELEMENTS: tuple[Element, ...] = (*CORE_ELEMENTS, Element.PULSE, Element.WAIST)
"""The results table: the core six, then the extras a check usually measures."""

PARALLEL_FROM = 40  # letters; below this, starting worker processes costs more than it saves


class LetterQueries(Protocol):
    def letterhead(self, patient_id: int) -> tuple[str, str, str] | None: ...
    def adjustments_since(self, patient_id: int,
                          since: date) -> list[tuple[str, str | None, date]]: ...
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
class Letterhead:
    name: str
    address: str
    phone: str
    logo: Path | None = None


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
    qrisk_notes: tuple[str, ...] = ()  # disclaimer and the NICE note on SMI
    signposted: tuple[str, ...] = ()
    due_elements: tuple[str, ...] = ()  # invitation: what is due
    signed_by: str = "Mental health facilitator"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def file_stem(self) -> str:
        """Names files by NHS number and kind (no names in file names)."""
        return f"{self.nhs_number}-{self.kind.value}-{self.written_on.isoformat()}"


def _status(element: Element, readings: list[ObservationFact], declines: Sequence[tuple[
        str, str | None, date]], today: date, ethnicity: str) -> LetterResult:
    label = ELEMENT_LABELS[element]
    on = max((o.observed_on for o in readings), default=None)
    current = [o for o in readings if o.observed_on == on]
    recent = on is not None and recall_status(on, today) is not RecallStatus.OVERDUE
    if not recent:
        refused = [d for reason, el, d in declines if el in (None, element.value)]
        if refused:
            return LetterResult(label, "", max(refused), ResultStatus.DECLINED,
                                plain=(f"You chose not to have this checked "
                                       f"({format_uk_date(max(refused))}).",))
        return LetterResult(label, describe(element, current) if current else "", on,
                            ResultStatus.NOT_DONE)
    findings = [f for _, f in assess_readings({o.code: o.value for o in current},
                                              ethnicity_code=ethnicity)
                if f.element is element]
    status = ResultStatus.ATTENTION if findings else ResultStatus.NORMAL
    return LetterResult(label, describe(element, current), on, status,
                        plain=tuple(f.plain_english for f in findings),
                        clinical=tuple(f"{f.summary}. Action: {f.action}." for f in findings))


def letter_for(uow_factory: Callable[[], UnitOfWork], patient_id: int, kind: LetterKind,
               today: date, *, signed_by: str | None = None,
               logo: Path | None = None) -> Letter:
    """Everything one letter says. Raises PatientNotFound."""
    uow = uow_factory()
    with uow:
        facts = uow.patients.facts(patient_id)
        head = uow.letters.letterhead(patient_id)
        declines = uow.letters.adjustments_since(patient_id, today - relativedelta(months=12))
    if facts is None or head is None:
        raise PatientNotFound("That patient is no longer in this register.")
    by_element: dict[Element, list[ObservationFact]] = {}
    for obs in facts.latest_observations:
        try:
            by_element.setdefault(Element(obs.element), []).append(obs)
        except ValueError:
            continue  # an element the letter does not list
    results = tuple(_status(e, by_element.get(e, []), declines, today, facts.ethnicity)
                    for e in LETTER_ELEMENTS)
    check_date = max((r.on for r in results if r.on and r.status in (
        ResultStatus.NORMAL, ResultStatus.ATTENTION)), default=None)
    qrisk = qrisk_from_record(uow_factory(), patient_id, today) if kind is not (
        LetterKind.INVITATION) else None
    due = tuple(r.label for r in results[: len(CORE_ELEMENTS)]
                if r.on is None or recall_status(r.on, today) is not RecallStatus.DONE)
    return Letter(
        kind=kind, letterhead=Letterhead(head[0], head[1], head[2], logo), written_on=today,
        nhs_number=facts.nhs_number, given_name=facts.given_name,
        family_name=facts.family_name, address=facts.address, postcode=facts.postcode,
        date_of_birth=facts.date_of_birth, check_date=check_date, results=results,
        qrisk_headline=qrisk.headline if qrisk and qrisk.result else None,
        qrisk_inputs=tuple(f"{i.label}: {i.value} ({i.source_text})" for i in qrisk.inputs_used)
        if qrisk and qrisk.result else (),
        qrisk_notes=(qrisk.disclaimer, qrisk.smi_note) if qrisk and qrisk.result else (),
        due_elements=due, signed_by=signed_by or "Mental health facilitator",
    )


def letter_patients(uow: UnitOfWork, practice_code: str, today: date, *,
                    checked_between: tuple[date, date] | None = None,
                    due: bool = False) -> list[int]:
    """The patients a batch is for: a check in a date range, or a check due (overdue or due
    within 30 days), for one practice."""
    if (checked_between is None) == (not due):
        raise ValueError("Choose either a date range of checks or the patients who are due.")
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


def _render(letter: Letter) -> bytes:
    from facilitator_app.render.letter_pdf import render_letter

    out = io.BytesIO()
    render_letter(letter, out)
    return out.getvalue()


def write_letters(letters: Iterable[Letter], count: int, out: Path, *, merged: bool,
                  progress: Progress = no_progress, cancel: CancelToken | None = None,
                  workers: int | None = None) -> list[Path]:
    """Render ``count`` letters into ``out``: a folder of one PDF per patient, or one merged
    PDF. Uses up to ``workers`` processes (default: the machine's cores) for big batches.
    Returns the files written; on cancel or error, the files of this batch are removed."""
    token = cancel or CancelToken()
    written: list[Path] = []
    merger = None
    if merged:
        from pypdf import PdfWriter

        merger = PdfWriter()
    else:
        out.mkdir(parents=True, exist_ok=True)
    processes = min(workers or os.cpu_count() or 1, 8)
    pool = (ProcessPoolExecutor(processes, mp_context=get_context("spawn"))
            if count >= PARALLEL_FROM and processes > 1 else None)
    try:
        pairs: Iterable[tuple[Letter, bytes]]
        if pool:
            batch = list(letters)
            pairs = zip(batch, pool.map(_render, batch, chunksize=8), strict=True)
        else:
            pairs = ((letter, _render(letter)) for letter in letters)
        for done, (letter, pdf) in enumerate(pairs, start=1):
            token.raise_if_cancelled()
            if merger is not None:
                from pypdf import PdfReader

                merger.append(PdfReader(io.BytesIO(pdf)))
            else:
                path = out / f"{letter.file_stem}.pdf"
                path.write_bytes(pdf)
                written.append(path)
            progress(done, count)
        if merger is not None:
            with out.open("wb") as f:
                merger.write(f)
            written.append(out)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        if merged:
            out.unlink(missing_ok=True)
        raise
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
    return written
