"""Physical health review letters: what each kind says, read back from the PDF's own text
(pypdf), on SQLite and PostgreSQL; batches merged and per patient, cancel, page numbering."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from facilitator_app.bootstrap import AppContext
from facilitator_app.domain import codes
from facilitator_app.domain.check_form import CheckForm
from facilitator_app.domain.checks import Element
from facilitator_app.domain.nhs_number import format_nhs_number
from facilitator_app.render.letter_pdf import render_letters
from facilitator_app.services.caseload import UnknownPractice
from facilitator_app.services.jobs import Cancelled, CancelToken
from facilitator_app.services.letters import (
    Letter,
    LetterBatch,
    LetterKind,
    LetterResult,
    ResultStatus,
    letter_for,
    run_letter_batch,
    write_letters,
    write_patient_letter,
)
from facilitator_app.services.patients import PatientNotFound
from facilitator_app.services.record_check import record_check
from tests.builders import RegisterBuilder
from tests.conftest import TODAY

CHECK = CheckForm(
    check_date="02/11/2026", height_cm="165", weight_kg="70", systolic="152", diastolic="94",
    pulse="76", total_cholesterol="5.2", hdl_cholesterol="1.3", hba1c="40",
    audit_c_q1="1", audit_c_q2="0", audit_c_q3="0", smoking="never",
)


def _text(pdf: Path | bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
    return [page.extract_text() for page in reader.pages]


def _squash(text: str) -> str:
    """Extracted text breaks lines where the PDF does; compare on single spaces."""
    return re.sub(r"\s+", " ", text)


def _register(ctx: AppContext) -> dict[str, int]:
    b = RegisterBuilder(ctx)
    b.practice("A00001", "Zoë's Surgery")
    checked = b.patient("Nguyễn", "Siobhán", dob=date(1971, 6, 30))
    never = b.patient("Łukasz", "Zoë")
    other = b.patient("Other", "Olive", practice="A00002")
    old = b.patient("Old", "Oscar")
    b.full_check(old, date(2025, 6, 1))  # due: more than a year ago
    ids = {"checked": checked.id, "never": never.id, "other": other.id, "old": old.id}
    b.commit()
    saved = record_check(ctx.new_uow(), ids["checked"], CHECK, TODAY, "tester")
    assert saved.follow_ups_created  # the blood pressure above 140/90
    return ids


def test_review_letter_says_each_result_in_words(ctx: AppContext, tmp_path: Path) -> None:
    ids = _register(ctx)
    letter = letter_for(ctx.new_uow, ids["checked"], LetterKind.REVIEW, TODAY)
    status = {r.label: r.status for r in letter.results}
    assert status["Blood pressure"] is ResultStatus.ATTENTION
    assert status["Lipids"] is ResultStatus.NORMAL
    assert status["Waist circumference"] is ResultStatus.NOT_DONE
    assert letter.check_date == date(2026, 11, 2)

    path = write_patient_letter(ctx.new_uow, ids["checked"], LetterKind.REVIEW, TODAY,
                                tmp_path / "letter.pdf")
    text = _squash(" ".join(_text(path)))
    nhs = format_nhs_number(letter.nhs_number)
    assert re.fullmatch(r"\d{3} \d{3} \d{4}", nhs)
    assert f"NHS number: {nhs}" in text
    assert "Siobhán Nguyễn" in text  # Unicode through the embedded font
    assert "Zoë's Surgery" in text
    assert "Date: 22/11/2026" in text and "Date of birth: 30/06/1971" in text
    assert "152/94 mmHg 02/11/2026 Needs attention" in text
    assert "02/11/2026 Normal" in text and "Not done" in text
    assert "Your blood pressure was higher than it should be" in text
    # the agreed action is the follow-up that the reading raised
    assert re.search(r"will follow this up by \d\d/\d\d/\d{4}", text)
    assert "10-year CVD risk" in text and "ClinRisk" in text
    assert "Yours sincerely" in text and "page 1 of" in text


def test_record_copy_uses_clinical_wording_and_lists_qrisk_inputs(ctx: AppContext) -> None:
    ids = _register(ctx)
    letter = letter_for(ctx.new_uow, ids["checked"], LetterKind.RECORD, TODAY,
                        signed_by="Dr A Example")
    (bp,) = [r for r in letter.results if r.label == "Blood pressure"]
    assert any(t.startswith("Agreed action:") for t in bp.clinical)
    out = io.BytesIO()
    render_letters([letter], out)
    text = _squash(" ".join(_text(out.getvalue())))
    assert "record copy" in text and "NGUYỄN" in text
    assert "Results that need attention" in text and "Agreed action:" in text
    assert "Inputs used:" in text and "Systolic blood pressure" in text
    assert "Dr A Example" in text


def test_a_patient_with_no_results_still_gets_a_sensible_letter(ctx: AppContext) -> None:
    ids = _register(ctx)
    letter = letter_for(ctx.new_uow, ids["never"], LetterKind.REVIEW, TODAY)
    assert letter.check_date is None and letter.qrisk_headline is None
    assert {r.status for r in letter.results} == {ResultStatus.NOT_DONE}
    out = io.BytesIO()
    render_letters([letter], out)
    text = _squash(" ".join(_text(out.getvalue())))
    assert "We do not have results from a physical health check for you" in text
    assert "Thank you for coming" not in text and "What your results mean" not in text
    assert "Zoë Łukasz" in text and text.count("Not done") == len(letter.results)


def test_declined_element_is_shown_as_declined(ctx: AppContext) -> None:
    ids = _register(ctx)
    form = replace(CHECK, check_date="10/11/2026", total_cholesterol="", hdl_cholesterol="",
                   adjustments={Element.LIPIDS: "declined"})
    record_check(ctx.new_uow(), ids["never"], form, TODAY, "tester")
    letter = letter_for(ctx.new_uow, ids["never"], LetterKind.REVIEW, TODAY)
    (lipids,) = [r for r in letter.results if r.label == "Lipids"]
    assert lipids.status is ResultStatus.DECLINED and lipids.on == date(2026, 11, 10)
    assert "You chose not to have this checked (10/11/2026)." in lipids.plain


def test_invitation_lists_what_is_due(ctx: AppContext) -> None:
    ids = _register(ctx)
    letter = letter_for(ctx.new_uow, ids["old"], LetterKind.INVITATION, TODAY)
    assert set(letter.due_elements) >= {"BMI", "Blood pressure", "Lipids"}
    out = io.BytesIO()
    render_letters([letter], out)
    text = _squash(" ".join(_text(out.getvalue())))
    assert "Your annual physical health check is due" in text
    assert "Your check is now due. At the appointment we will look at: BMI" in text


def test_batch_by_check_date_merged_one_letter_per_patient(ctx: AppContext,
                                                          tmp_path: Path) -> None:
    ids = _register(ctx)
    batch = LetterBatch("A00001", LetterKind.REVIEW, tmp_path / "out" / "letters.pdf",
                        checked_between=(date(2026, 11, 1), date(2026, 11, 30)))
    seen: list[tuple[int, int]] = []
    outcome = run_letter_batch(ctx.new_uow, batch, TODAY, lambda d, t: seen.append((d, t)))
    assert outcome.letters == 1 and outcome.files == (batch.out,)
    assert seen[-1] == (1, 1)
    text = _squash(" ".join(_text(batch.out)))
    assert "Nguyễn" in text and "Oscar" not in text and "Olive" not in text
    assert not list(batch.out.parent.glob("*.part"))
    # the day before the check is outside the range
    early = replace(batch, checked_between=(date(2026, 10, 1), date(2026, 11, 1)))
    assert run_letter_batch(ctx.new_uow, early, TODAY).letters == 0
    assert ids


def test_batch_of_due_patients_one_file_each(ctx: AppContext, tmp_path: Path) -> None:
    ids = _register(ctx)
    batch = LetterBatch("A00001", LetterKind.INVITATION, tmp_path / "folder", due=True)
    outcome = run_letter_batch(ctx.new_uow, batch, TODAY)
    # never checked and checked last year are due; checked this month is not
    assert outcome.letters == 2
    names = sorted(p.name for p in outcome.files)
    assert all(re.fullmatch(r"\d{10}-invitation-2026-11-22\.pdf", n) for n in names)
    assert "Nguyễn" not in " ".join(names)  # no names in file names
    texts = [_squash(" ".join(_text(p))) for p in outcome.files]
    assert sorted("Oscar" in t for t in texts) == [False, True]
    assert outcome.describe(batch) == f"2 invitation letters written to 2 files in {batch.out}."
    assert ids


def test_batch_input_errors(ctx: AppContext, tmp_path: Path) -> None:
    _register(ctx)
    with pytest.raises(UnknownPractice):
        run_letter_batch(ctx.new_uow, LetterBatch("Z00000", LetterKind.REVIEW, tmp_path,
                                                  due=True), TODAY)
    backwards = LetterBatch("A00001", LetterKind.REVIEW, tmp_path / "x.pdf",
                            checked_between=(date(2026, 11, 2), date(2026, 11, 1)))
    with pytest.raises(ValueError, match=r"ends \(01/11/2026\) before it starts"):
        run_letter_batch(ctx.new_uow, backwards, TODAY)
    with pytest.raises(PatientNotFound):
        letter_for(ctx.new_uow, 999_999, LetterKind.REVIEW, TODAY)


def _sample_letter(ctx: AppContext) -> Letter:
    ids = _register(ctx)
    return letter_for(ctx.new_uow, ids["checked"], LetterKind.REVIEW, TODAY)


@pytest.mark.parametrize("merged", [True, False])
def test_cancelled_batch_leaves_no_files(sqlite_ctx: AppContext, tmp_path: Path,
                                         merged: bool) -> None:
    letter = _sample_letter(sqlite_ctx)
    token = CancelToken()

    def progress(done: int, _total: int) -> None:
        if done >= 2:
            token.cancel()

    where = tmp_path / "letters"
    out = where / ("all.pdf" if merged else "folder")
    with pytest.raises(Cancelled):
        write_letters([letter] * 60, 60, out, merged=merged, progress=progress, cancel=token,
                      workers=1)
    assert [p for p in where.rglob("*") if p.is_file()] == []


def test_many_letters_on_worker_processes_in_order(sqlite_ctx: AppContext,
                                                   tmp_path: Path) -> None:
    """Big enough to use two worker processes; each letter keeps its own page numbers."""
    base = _sample_letter(sqlite_ctx)
    letters = [replace(base, nhs_number=f"999000{i:04d}") for i in range(45)]
    out = tmp_path / "merged.pdf"
    write_letters(letters, len(letters), out, merged=True, workers=2)
    pages = _text(out)
    numbers = [m.group(1) for p in pages if (m := re.search(r"NHS number: (\d{3} \d{3} \d{4})",
                                                            p))]
    assert numbers == [format_nhs_number(letter.nhs_number) for letter in letters]
    per_letter = len(pages) // len(letters)
    assert all(f"page 1 of {per_letter}" in pages[i * per_letter] for i in range(len(letters)))


def test_long_results_table_breaks_across_pages_with_its_header(sqlite_ctx: AppContext) -> None:
    base = _sample_letter(sqlite_ctx)
    rows = tuple(LetterResult(f"Reading {i}", f"{i} units", date(2026, 11, 2),
                              ResultStatus.NORMAL) for i in range(90))
    out = io.BytesIO()
    render_letters([replace(base, results=rows)], out)
    pages = _text(out.getvalue())
    assert len(pages) >= 3
    with_table = [p for p in pages if "Reading " in p]
    assert len(with_table) >= 2
    assert all("Check Result Date Status" in _squash(p) for p in with_table)
    total = len(pages)
    assert all(f"page {i} of {total}" in p for i, p in enumerate(pages, start=1))


def test_letter_status_uses_the_twelve_month_window(ctx: AppContext) -> None:
    """A reading 12 months and 1 day old is no longer a result: the letter says not done."""
    b = RegisterBuilder(ctx)
    p = b.patient()
    b.observation(p, codes.BMI, 24.0, date(2025, 11, 22))  # next due 22/11/2026 = today
    b.observation(p, codes.AUDIT_C, 2.0, date(2025, 11, 21))  # due yesterday
    patient_id = p.id
    b.commit()
    letter = letter_for(ctx.new_uow, patient_id, LetterKind.REVIEW, TODAY)
    status = {r.label: r.status for r in letter.results}
    assert status["BMI"] is ResultStatus.NORMAL
    assert status["Alcohol"] is ResultStatus.NOT_DONE


def test_an_open_follow_up_past_its_date_makes_no_promise_of_that_date(ctx: AppContext) -> None:
    ids = _register(ctx)
    (bp,) = [r for r in letter_for(ctx.new_uow, ids["checked"], LetterKind.REVIEW,
                                   date(2026, 12, 5)).results if r.label == "Blood pressure"]
    assert bp.plain[-1].endswith("has been asked to follow this up.")
    assert not any("will follow this up by" in t for t in bp.plain)
