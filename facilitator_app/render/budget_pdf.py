"""The pathway-budget statement as an A4 PDF: the position by line and by provider, a chart of
cumulative spend by month against the budget, and the outcome table per provider.
Aggregate only; small numbers suppressed (see services/budget_statement.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from reportlab.graphics.shapes import Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from facilitator_app.domain.dates import format_uk_date
from facilitator_app.domain.money import format_pounds
from facilitator_app.render.pdf_common import (
    FONT,
    FONT_BOLD,
    MARGIN,
    NumberedCanvas,
    register_fonts,
)
from facilitator_app.services.budget_statement import (
    OUTCOME_HEADERS,
    POSITION_HEADERS,
    BudgetStatement,
    position_cells,
)

__all__ = ["write_budget_pdf"]

_BODY = ParagraphStyle("budget-body", fontName=FONT, fontSize=9.5, leading=12.5, spaceAfter=4)
_SMALL = ParagraphStyle("budget-small", parent=_BODY, fontSize=8, leading=10)
_TITLE = ParagraphStyle("budget-title", parent=_BODY, fontName=FONT_BOLD, fontSize=16,
                        leading=20, spaceAfter=6)
_HEADING = ParagraphStyle("budget-heading", parent=_BODY, fontName=FONT_BOLD, fontSize=11.5,
                          leading=15, spaceBefore=8, spaceAfter=4)
_CELL = ParagraphStyle("budget-cell", parent=_BODY, fontSize=8, leading=9.5, spaceAfter=0)
_HEAD_CELL = ParagraphStyle("budget-head", parent=_CELL, fontName=FONT_BOLD, fontSize=7,
                            leading=8.5)
_NUMBER = ParagraphStyle("budget-number", parent=_CELL, alignment=2)
_HEADER = colors.HexColor("#dfe6ee")
_SPEND = colors.HexColor("#1f5fa8")
_BUDGET = colors.HexColor("#9a9a9a")


def write_budget_pdf(statement: BudgetStatement, path: Path) -> None:
    register_fonts()
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN + 6 * mm,
                            title=statement.title, author="Facilitator",
                            subject="Pathway budget statement (aggregate, no patient "
                                    "identifiers)")
    below = statement.suppress_below
    story: list[Any] = [
        Paragraph(statement.title, _TITLE),
        Paragraph(f"Financial year {format_uk_date(statement.year.start)} to "
                  f"{format_uk_date(statement.year.end)}. Produced "
                  f"{format_uk_date(statement.produced_on)}. Aggregate figures only: no names "
                  f"or NHS numbers; counts from 1 to {below - 1} are shown as “&lt;{below}”.",
                  _SMALL),
    ]
    total = statement.total
    if statement.lines:
        story.append(Paragraph(
            f"<b>Budget</b> {format_pounds(total.budget)} · <b>committed</b> "
            f"{format_pounds(total.committed)} · <b>spent</b> {format_pounds(total.spent)} · "
            f"<b>remaining</b> {format_pounds(total.remaining)} · <b>forecast outturn</b> "
            f"{format_pounds(total.forecast)}", _BODY))
        story.append(Paragraph("Budget lines", _HEADING))
        story.append(_table(POSITION_HEADERS, [*(position_cells(r) for r in statement.lines),
                                               position_cells(total)], total_row=True))
    story.append(Paragraph("Providers", _HEADING))
    provider_rows = [[r[0], r[2], r[3], r[5]] for r in
                     (position_cells(p, with_budget=False) for p in statement.providers)]
    story.append(_table(("Provider", "Committed", "Spent", "Forecast outturn"),
                        provider_rows or [["No commitments this year", "", "", ""]]))
    story.append(KeepTogether([Paragraph("Cumulative spend by month"
                                         + (" against the budget" if statement.lines else ""),
                                         _HEADING), _chart(statement)]))
    story.append(Paragraph("What the money achieved", _HEADING))
    headers = [h for i, h in enumerate(OUTCOME_HEADERS) if i != _SPEND_COLUMN]
    outcome_rows = [[c for i, c in enumerate(o.cells(below)) if i != _SPEND_COLUMN]
                    for o in statement.outcomes]
    story.append(_table(headers, outcome_rows or [
        ["No patients referred this year", *[""] * (len(headers) - 1)]],
        widths=_OUTCOME_WIDTHS))
    story.append(Spacer(1, 3 * mm))
    story.append(Paragraph(
        "Referred: patients with a commitment starting this year. Started: an attended "
        "session. Completed: the episode ended with at least 2 attended sessions. Recovered "
        "and reliably improved: NHS Talking Therapies definitions from the first and last "
        "PHQ-9 and GAD-7. Spend: invoices approved this year, VAT included. Committed: the "
        "year's share of live commitments (split by days across financial years) not yet "
        "invoiced. A unit cost is not shown where its count is suppressed.", _SMALL))
    doc.build(story, onFirstPage=_footer(statement), onLaterPages=_footer(statement),
              canvasmaker=NumberedCanvas)


_OUTCOME_WIDTHS = [34 * mm, *[17.5 * mm] * 8]  # 174 mm: the page less its margins
_SPEND_COLUMN = OUTCOME_HEADERS.index("Spend")  # in the providers table already


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], *,
           total_row: bool = False, widths: Sequence[float] | None = None) -> Table:
    data = [[Paragraph(h, _HEAD_CELL) for h in headers],
            *([Paragraph(c, _CELL if i == 0 else _NUMBER) for i, c in enumerate(row)]
              for row in rows)]
    first = 30 * mm if len(headers) > 6 else 60 * mm
    rest = (A4[0] - 2 * MARGIN - first) / (len(headers) - 1)
    table = Table(data, colWidths=list(widths or [first, *[rest] * (len(headers) - 1)]),
                  repeatRows=1)
    style: list[Any] = [("BACKGROUND", (0, 0), (-1, 0), _HEADER),
                        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                        ("LEFTPADDING", (0, 0), (-1, -1), 3),
                        ("RIGHTPADDING", (0, 0), (-1, -1), 3)]
    if total_row:
        style.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f1f1f1")))
    table.setStyle(TableStyle(style))
    return table


def _chart(statement: BudgetStatement) -> Drawing:
    """Cumulative spend per month as bars; the budget spread evenly over the year as a line."""
    width, height, left, bottom = A4[0] - 2 * MARGIN, 62 * mm, 22 * mm, 10 * mm
    drawing = Drawing(width, height)
    months = statement.monthly_spend
    cumulative, running = [], 0
    for _, pence in months:
        running += pence
        cumulative.append(running)
    budget = statement.total.budget if statement.lines else 0
    top = max([*cumulative, budget, 1])
    plot_w, plot_h = width - left - 4 * mm, height - bottom - 6 * mm
    step = plot_w / len(months)
    for fraction in (0, 0.5, 1):
        y = bottom + plot_h * fraction
        drawing.add(Line(left, y, left + plot_w, y, strokeColor=colors.HexColor("#dddddd")))
        drawing.add(String(left - 2, y - 3, format_pounds(round(top * fraction)),
                           fontName=FONT, fontSize=6.5, textAnchor="end"))
    for i, ((month, _), value) in enumerate(zip(months, cumulative, strict=True)):
        x = left + i * step
        bar = Rect(x + step * 0.15, bottom, step * 0.7, plot_h * value / top)
        bar.fillColor, bar.strokeColor = _SPEND, None
        drawing.add(bar)
        drawing.add(String(x + step / 2, bottom - 8, month.strftime("%b %y"), fontName=FONT,
                           fontSize=6.5, textAnchor="middle"))
    if budget:
        points: list[float] = []
        for i in range(len(months) + 1):
            points += [left + i * step, bottom + plot_h * (budget * i / len(months)) / top]
        drawing.add(PolyLine(points, strokeColor=_BUDGET, strokeWidth=1.5,
                             strokeDashArray=[3, 2]))
        drawing.add(String(left + plot_w, bottom + plot_h + 2, "- - budget, spread evenly",
                           fontName=FONT, fontSize=7, textAnchor="end", fillColor=_BUDGET))
    drawing.add(String(left, bottom + plot_h + 2, "■ spend to the end of each month",
                       fontName=FONT, fontSize=7, fillColor=_SPEND))
    return drawing


def _footer(statement: BudgetStatement) -> Callable[[Any, Any], None]:
    def draw(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(MARGIN, 10 * mm, f"Facilitator · {statement.title} · aggregate "
                          "figures only: no patient identifiers")
        canvas.restoreState()
    return draw
