"""A4 letters with ReportLab platypus: the practice letterhead, the patient's address where a
window envelope shows it, and the body - a results table (which breaks across pages with its
header repeated), a paragraph for each result that needs attention, 10-year CVD risk with its
disclaimer, services signposted to, and a signature block. Every page carries the patient's
NHS number and "page X of Y" of that letter, also when many letters share one PDF.

Three kinds share the frame: the review letter to the patient (plain English), the same
results for the record (clinical wording, QRISK3 inputs listed) and an invitation to book.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import IO, Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from facilitator_app.domain.dates import format_uk_date
from facilitator_app.domain.nhs_number import format_nhs_number
from facilitator_app.render.pdf_common import (
    FONT,
    FONT_BOLD,
    MARGIN,
    DocumentStart,
    NumberedCanvas,
    register_fonts,
)
from facilitator_app.services.letters import Letter, LetterKind, ResultStatus

__all__ = ["render_letter", "render_letters"]

_BODY = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=14, spaceAfter=6)
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=8.5, leading=11, spaceAfter=3)
_HEADING = ParagraphStyle("heading", parent=_BODY, fontName=FONT_BOLD, fontSize=11.5,
                          leading=15, spaceBefore=6, spaceAfter=4)
_CELL = ParagraphStyle("cell", parent=_BODY, fontSize=9.5, leading=12, spaceAfter=0)
_RIGHT = ParagraphStyle("right", parent=_SMALL, alignment=2)
_STATUS_COLOURS = {ResultStatus.ATTENTION: colors.HexColor("#fde2e1"),
                   ResultStatus.NOT_DONE: colors.HexColor("#fff4cc"),
                   ResultStatus.DECLINED: colors.HexColor("#eeeeee")}
TITLES = {LetterKind.REVIEW: "Your physical health check",
          LetterKind.RECORD: "Physical health review (SMI): record copy",
          LetterKind.INVITATION: "Your annual physical health check is due"}


def _p(text: str, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph(escape(text), style)


def _lines(*parts: str) -> str:
    return "<br/>".join(escape(p) for p in parts if p)


def render_letter(letter: Letter, out: IO[bytes]) -> None:
    render_letters([letter], out)


def render_letters(letters: Sequence[Letter], out: IO[bytes]) -> None:
    """One PDF holding ``letters``, each starting on a new page and numbering its own pages."""
    if not letters:
        raise ValueError("No letters to render.")
    register_fonts()
    first = letters[0]
    title = TITLES[first.kind] if len(letters) == 1 else f"{len(letters)} letters"
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN + 6 * mm,
                            title=title, author=first.letterhead.name)
    story: list[Any] = []
    for i, letter in enumerate(letters):
        if i:
            story.append(PageBreak())
        story.append(DocumentStart(f"NHS number {format_nhs_number(letter.nhs_number)}"))
        story += _header(letter) + _body(letter) + _signature(letter)
    doc.build(story, canvasmaker=NumberedCanvas)


def _header(letter: Letter) -> list[Any]:
    head = letter.letterhead
    practice = Paragraph(
        f"<b>{escape(head.name)}</b><br/>{_lines(*head.address.splitlines())}"
        + (f"<br/>Telephone {escape(head.phone)}" if head.phone else ""), _RIGHT)
    logo: Any = ""
    if head.logo:
        logo = Image(io.BytesIO(head.logo), width=35 * mm, height=20 * mm, kind="proportional")
    top = Table([[logo, practice]], colWidths=[60 * mm, None])
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                             ("LEFTPADDING", (0, 0), (-1, -1), 0),
                             ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    name = f"{letter.given_name} {letter.family_name}"
    # Where a DL window envelope shows the address: about 45 mm from the top of the page.
    address = Paragraph(_lines(name, *letter.address.splitlines(), letter.postcode), _BODY)
    details = Paragraph(
        f"Date: {format_uk_date(letter.written_on)}<br/>"
        f"NHS number: {format_nhs_number(letter.nhs_number)}<br/>"
        f"Date of birth: {format_uk_date(letter.date_of_birth)}", _BODY)
    block = Table([[address, details]], colWidths=[95 * mm, None])
    block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return [top, Spacer(1, 8 * mm), block, Spacer(1, 6 * mm),
            Paragraph(escape(TITLES[letter.kind]), _HEADING)]


def _body(letter: Letter) -> list[Any]:
    if letter.kind is LetterKind.INVITATION:
        return _invitation(letter)
    record = letter.kind is LetterKind.RECORD
    when = format_uk_date(letter.check_date) if letter.check_date else None
    story: list[Any] = []
    if record:
        story.append(_p(f"Physical health review for {letter.given_name} "
                        f"{letter.family_name.upper()}"
                        + (f", latest check {when}." if when else ": no check recorded in the "
                           "last 12 months.")))
    else:
        story.append(_p(f"Dear {letter.given_name} {letter.family_name},"))
        story.append(_p(
            f"Thank you for coming for your physical health check on {when}. These are your "
            "results and what happens next." if when else
            "We do not have results from a physical health check for you in the last 12 "
            "months. Please contact the surgery to book one: it is free and takes about "
            "30 minutes."))
    story.append(_results_table(letter))
    attention = [r for r in letter.results if r.status is ResultStatus.ATTENTION]
    if attention:
        story.append(Paragraph("Results that need attention" if record else
                               "What your results mean", _HEADING))
        for r in attention:
            text = " ".join(r.clinical if record else r.plain)
            story.append(Paragraph(f"<b>{escape(r.label)}:</b> {escape(text)}", _BODY))
    elif letter.check_date and not record:
        story.append(_p("None of your results need any action. Well done for keeping up "
                        "with your checks."))
    story += _qrisk(letter, record)
    story.append(Paragraph("Services you were referred or signposted to", _HEADING))
    story.append(_p(", ".join(letter.signposted) if letter.signposted else "None recorded."))
    if not record:
        phone = letter.letterhead.phone
        story.append(_p("If you have any questions about these results, please contact the "
                        f"surgery{' on ' + phone if phone else ''}."))
    return story


def _results_table(letter: Letter) -> Table:
    rows: list[list[Any]] = [["Check", "Result", "Date", "Status"]]
    style: list[Any] = [("FONT", (0, 0), (-1, 0), FONT_BOLD, 9.5),
             ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dfe6ee")),
             ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
             ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    for i, r in enumerate(letter.results, start=1):
        rows.append([Paragraph(escape(r.label), _CELL), Paragraph(escape(r.value or "—"), _CELL),
                     format_uk_date(r.on) if r.on else "—",
                     Paragraph(escape(r.status.value.capitalize()), _CELL)])
        if r.status in _STATUS_COLOURS:
            style.append(("BACKGROUND", (3, i), (3, i), _STATUS_COLOURS[r.status]))
    table = Table(rows, colWidths=[42 * mm, 70 * mm, 25 * mm, None], repeatRows=1)
    table.setStyle(TableStyle([*style, ("FONT", (0, 1), (-1, -1), FONT, 9.5)]))
    return table


def _qrisk(letter: Letter, record: bool) -> list[Any]:
    if not letter.qrisk_headline:
        return []
    story: list[Any] = [Paragraph("Heart and circulation: 10-year risk", _HEADING),
                        _p(letter.qrisk_headline + ("" if record else
                           ". This is the chance of having a heart attack or stroke in the next "
                           "10 years, worked out from your results."))]
    if record and letter.qrisk_inputs:
        story.append(Paragraph(_lines("Inputs used:", *letter.qrisk_inputs), _SMALL))
    for note in letter.qrisk_notes:
        story.append(_p(note, _SMALL))
    return [KeepTogether(story)]


def _invitation(letter: Letter) -> list[Any]:
    due = ", ".join(letter.due_elements) or "your annual checks"
    phone = letter.letterhead.phone
    return [
        _p(f"Dear {letter.given_name} {letter.family_name},"),
        _p("People with a severe mental illness are offered a free physical health check "
           "every year, because problems such as high blood pressure, diabetes and high "
           "cholesterol are easier to treat when they are found early."),
        _p(f"Your check is now due. At the appointment we will look at: {due}."),
        _p("Please contact the surgery to book"
           + (f" on {phone}" if phone else "") + ". If you need a longer appointment, someone "
           "to come with you, or a reminder nearer the time, just let us know."),
    ]


def _signature(letter: Letter) -> list[Any]:
    return [KeepTogether([Spacer(1, 6 * mm), _p("Yours sincerely,"), Spacer(1, 12 * mm),
                          _p(letter.signed_by), _p(f"On behalf of {letter.letterhead.name}")])]
