"""The QOF summary as an A4 PDF for practice managers (ReportLab platypus).

Per practice: name and code, year, as-of date and date produced, the register and the national
physical health check cohort, one table for the mental health indicators, and a chart of each
indicator's achievement against its thresholds. A last page lists where every number in the
rules came from. Aggregate figures only: no patient identifiers.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from facilitator_app.domain.dates import format_uk_date
from facilitator_app.domain.money import format_pounds
from facilitator_app.domain.qof.evaluate import PCA_REASONS
from facilitator_app.render.pdf_common import NumberedCanvas
from facilitator_app.services.qof import NATIONAL_PHC_TARGET, PracticeQof, QofSummary

__all__ = ["write_qof_pdf"]

MARGIN = 15 * mm
_STYLES = getSampleStyleSheet()
_SMALL = ParagraphStyle("small", parent=_STYLES["Normal"], fontSize=8, leading=10)
_CELL = ParagraphStyle("cell", parent=_STYLES["Normal"], fontSize=8, leading=9.5)
_GREY = colors.HexColor("#555555")
_HEADER = colors.HexColor("#dfe6ee")


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def write_qof_pdf(summary: QofSummary, path: Path) -> None:
    doc = SimpleDocTemplate(
        str(path), pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN + 5 * mm, title=f"QOF mental health summary {summary.year.label}",
        author="Facilitator", subject="QOF summary (aggregate, no patient identifiers)",
    )
    story: list[Any] = []
    for i, practice in enumerate(summary.practices):
        if i:
            story.append(PageBreak())
        story += _practice_pages(summary, practice)
    story.append(PageBreak())
    story += _sources(summary)
    doc.build(story, onFirstPage=_footer(summary), onLaterPages=_footer(summary),
              canvasmaker=NumberedCanvas)


def _practice_pages(summary: QofSummary, practice: PracticeQof) -> list[Any]:
    rules = summary.rules
    title = Paragraph(f"QOF mental health summary {summary.year.label}", _STYLES["Title"])
    heading = Paragraph(f"{practice.name} ({practice.code})", _STYLES["Heading2"])
    running = summary.as_of < summary.ref
    facts = Paragraph(
        f"Achievement date {format_uk_date(summary.ref)}; records up to "
        f"{format_uk_date(summary.as_of)}{' (the year is still running)' if running else ''}. "
        f"Produced {format_uk_date(summary.produced_on)}. Business rules {rules.business_rules}; "
        f"value of a point {format_pounds(rules.point_value_pence)}.", _SMALL)
    phc = practice.phc_percent
    cohort = Paragraph(
        f"<b>SMI register (MH001):</b> {practice.register:,} patients. "
        f"<b>Indicator cohort</b> (diagnosis, not in remission): {practice.cohort:,}. "
        f"<b>National SMI physical health check measure</b> (all six checks in 12 months, "
        f"remission excluded, before personalised care adjustments): "
        f"{practice.phc_all_six:,} of {practice.cohort:,} ({_percent(phc)}; target "
        f"{NATIONAL_PHC_TARGET:.0f}%). <b>Patients still needing something before "
        f"{format_uk_date(summary.ref)}:</b> {practice.patients_outstanding:,}.", _STYLES["Normal"])
    points = Paragraph(
        f"<b>Points:</b> {practice.points:.2f} of {practice.max_points:g} "
        f"({format_pounds(summary.pence(practice.points))} earned; "
        f"{format_pounds(summary.pence(practice.max_points - practice.points))} still "
        f"available).", _STYLES["Normal"])
    return [title, heading, facts, Spacer(1, 4 * mm), cohort, Spacer(1, 2 * mm), points,
            Spacer(1, 4 * mm), Paragraph("Mental health indicators", _STYLES["Heading3"]),
            _indicator_table(summary, practice), Spacer(1, 4 * mm),
            Paragraph("Exceptions (personalised care adjustments) by reason",
                      _STYLES["Heading3"]),
            _exceptions_table(practice), Spacer(1, 6 * mm),
            KeepTogether([Paragraph("Achievement against thresholds", _STYLES["Heading3"]),
                          _chart(practice)])]


def _indicator_table(summary: QofSummary, practice: PracticeQof) -> Table:
    header = ["Indicator", "Denom-\ninator", "Excep-\ntions", "Numer-\nator", "Achieve-\nment",
              "Thresh-\nolds", "Points", "£ earned", "£ still\navailable", "Out-\nstanding",
              "Points if\ndue seen"]
    rows: list[list[Any]] = [header]
    year_over = summary.produced_on > summary.ref  # nobody can still be seen for it
    for r in practice.indicators:
        ind = r.indicator
        rows.append([
            Paragraph(f"<b>{ind.id}</b> {ind.title}", _CELL), f"{r.denominator:,}",
            f"{r.excepted:,}", f"{r.numerator:,}", _percent(r.achievement),
            f"{ind.lower:g}–{ind.upper:g}%", f"{r.points:.2f} / {ind.points:g}",
            format_pounds(r.pence(r.points)), format_pounds(r.pence(r.points_available)),
            f"{r.outstanding:,}",
            "—" if year_over else f"{r.points_if_due_seen:.2f}"])
    # 180 mm: the A4 width inside the margins
    widths = [44 * mm, 12 * mm, 12 * mm, 12 * mm, 13 * mm, 13 * mm, 15 * mm, 15 * mm,
              16 * mm, 13 * mm, 15 * mm]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.5),
        ("FONT", (1, 1), (-1, -1), "Helvetica", 8),
        ("BACKGROUND", (0, 0), (-1, 0), _HEADER),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
    ]))
    return table


def _exceptions_table(practice: PracticeQof) -> Table:
    """Who was removed from each denominator, and why (domain.md §2.2)."""
    reasons = list(PCA_REASONS)
    rows: list[list[Any]] = [["Indicator", *[Paragraph(PCA_REASONS[r], _CELL) for r in reasons],
                              "PCA rate"]]
    for r in practice.indicators:
        rate = r.pca_rate
        rows.append([r.indicator.id, *[f"{r.exceptions[k]:,}" for k in reasons],
                     "n/a" if rate is None else f"{rate:.1f}%"])
    table = Table(rows, colWidths=[20 * mm, *[29 * mm] * len(reasons), 15 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.5),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("BACKGROUND", (0, 0), (-1, 0), _HEADER),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
    ]))
    return table


def _chart(practice: PracticeQof) -> Drawing:
    """One bar per indicator; the lower and upper thresholds as marks on each bar's track."""
    bar_height, gap, label_width, width = 10, 6, 40, 170 * mm
    results = practice.indicators
    height = len(results) * (bar_height + gap) + 24
    drawing = Drawing(width, height)
    track = width - label_width - 40
    for i, r in enumerate(results):
        y = height - 14 - (i + 1) * (bar_height + gap)
        drawing.add(String(0, y + 2, r.indicator.id, fontName="Helvetica-Bold", fontSize=8))
        drawing.add(_bar(label_width, y, track, bar_height, "#eeeeee"))
        achieved = r.achievement or 0.0
        lower, upper = r.indicator.lower or 0.0, r.indicator.upper or 100.0
        fill = ("#2e7d32" if achieved >= upper else "#f9a825" if achieved > lower
                else "#c62828")
        drawing.add(_bar(label_width, y, track * achieved / 100, bar_height, fill))
        for mark in (lower, upper):
            x = label_width + track * mark / 100
            drawing.add(Line(x, y - 2, x, y + bar_height + 2, strokeColor=colors.black,
                             strokeWidth=1))
        drawing.add(String(label_width + track + 4, y + 2, _percent(r.achievement),
                           fontName="Helvetica", fontSize=8))
    for pct in (0, 50, 100):
        x = label_width + track * pct / 100
        drawing.add(String(x - 6, height - 10, f"{pct}%", fontName="Helvetica", fontSize=7,
                           fillColor=_GREY))
    return drawing


def _bar(x: float, y: float, width: float, height: float, colour: str) -> Rect:
    bar = Rect(x, y, width, height)
    bar.fillColor = colors.HexColor(colour)
    bar.strokeColor = None
    return bar


def _sources(summary: QofSummary) -> list[Any]:
    rules = summary.rules
    out: list[Any] = [Paragraph(f"Where the numbers come from ({summary.year.label}, business "
                                f"rules {rules.business_rules})", _STYLES["Heading2"]),
                      Paragraph(f"Value of a point: {rules.point_value_source}", _SMALL)]
    for indicator in rules.indicators:
        out.append(Paragraph(f"<b>{indicator.id}</b> ({indicator.points:g} points): "
                             f"{indicator.source}", _SMALL))
    for note in rules.notes:
        out.append(Paragraph(note, _SMALL))
    out.append(Spacer(1, 4 * mm))
    out.append(Paragraph(
        "Thresholds marked unverified are stored as data and must be checked against NHS "
        "England's QOF guidance for the year before payment decisions are made. Personalised "
        "care adjustments remove a patient from a denominator only when the indicator was not "
        "achieved. Points are linear between the lower and upper thresholds and are shown to "
        "2 decimal places; payments also depend on prevalence and list size, not shown here.",
        _SMALL))
    return out


def _footer(summary: QofSummary) -> Callable[[Any, Any], None]:
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(_GREY)
        canvas.drawString(MARGIN, 10 * mm, f"Facilitator · QOF {summary.year.label} · "
                          "aggregate figures only: no patient identifiers")
        canvas.restoreState()
    return draw
