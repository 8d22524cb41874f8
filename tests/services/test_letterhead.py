"""Letterhead settings per practice: validated, versioned (a stale save is refused), printed."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from facilitator_app.bootstrap import AppContext
from facilitator_app.services.caseload import UnknownPractice
from facilitator_app.services.letterhead import (
    InvalidLetterhead,
    LetterheadChanged,
    practice_letterhead,
    save_letterhead,
)
from facilitator_app.services.letters import Letterhead, LetterKind, write_patient_letter
from tests.builders import RegisterBuilder
from tests.conftest import TODAY


def png(width: int = 120, height: int = 60) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (0, 94, 184)).save(out, format="PNG")
    return out.getvalue()


def _practice(ctx: AppContext) -> int:
    b = RegisterBuilder(ctx)
    p = b.patient(dob=date(1980, 1, 1))
    patient_id = p.id
    b.commit()
    return patient_id


def test_saved_letterhead_is_printed_with_its_logo(ctx: AppContext, tmp_path: Path) -> None:
    patient_id = _practice(ctx)
    current = practice_letterhead(ctx.new_uow(), "A00001")
    assert current.letterhead.name == "Test Surgery" and current.letterhead.logo is None
    saved = save_letterhead(ctx.new_uow(), "A00001", Letterhead(
        "  Riverside Medical Practice ", "1 River Lane\n\n  Anytown \nAT1 1AA", "01632 960001",
        png()), current.version)
    assert saved.version == current.version + 1
    head = saved.letterhead
    assert head.name == "Riverside Medical Practice"
    assert head.address == "1 River Lane\nAnytown\nAT1 1AA"  # blank lines and spaces trimmed
    assert head.logo == png()
    path = write_patient_letter(ctx.new_uow, patient_id, LetterKind.REVIEW, TODAY,
                                tmp_path / "l.pdf")
    page = PdfReader(path).pages[0]
    text = page.extract_text()
    assert "Riverside Medical Practice" in text and "Telephone 01632 960001" in text
    assert len(page.images) == 1  # the logo


def test_invalid_letterhead_names_every_field_and_saves_nothing(ctx: AppContext) -> None:
    _practice(ctx)
    current = practice_letterhead(ctx.new_uow(), "A00001")
    with pytest.raises(InvalidLetterhead) as caught:
        save_letterhead(ctx.new_uow(), "A00001",
                        Letterhead("", "x" * 90, "0" * 50, b"GIF89a"), current.version)
    assert [p.field for p in caught.value.problems] == ["name", "address", "phone", "logo"]
    assert practice_letterhead(ctx.new_uow(), "A00001") == current


def test_a_damaged_image_is_refused(ctx: AppContext) -> None:
    _practice(ctx)
    current = practice_letterhead(ctx.new_uow(), "A00001")
    with pytest.raises(InvalidLetterhead, match="damaged"):
        save_letterhead(ctx.new_uow(), "A00001", Letterhead(
            "Surgery", "", "", png()[:30]), current.version)


def test_a_stale_save_is_refused_not_overwritten(ctx: AppContext) -> None:
    _practice(ctx)
    first = practice_letterhead(ctx.new_uow(), "A00001")
    second = practice_letterhead(ctx.new_uow(), "A00001")
    save_letterhead(ctx.new_uow(), "A00001", Letterhead("Mine", "", "", None), first.version)
    with pytest.raises(LetterheadChanged):
        save_letterhead(ctx.new_uow(), "A00001", Letterhead("Theirs", "", "", None),
                        second.version)
    assert practice_letterhead(ctx.new_uow(), "A00001").letterhead.name == "Mine"


def test_unknown_practice(ctx: AppContext) -> None:
    with pytest.raises(UnknownPractice):
        practice_letterhead(ctx.new_uow(), "Z00000")
    with pytest.raises(UnknownPractice):
        save_letterhead(ctx.new_uow(), "Z00000", Letterhead("X", "", "", None), 1)
