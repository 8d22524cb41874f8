"""QOF summary exports: PDF (A4), XLSX and CSV, chosen by the file's extension.

The CSV and the XLSX "Summary" sheet are aggregate figures only. The XLSX adds one sheet per
indicator listing the patients still outstanding - identifiable, for the practice only - and
a "Sources" sheet saying where each number in the year's rules came from.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from facilitator_app.domain.access import Permission
from facilitator_app.domain.dates import QofYear
from facilitator_app.domain.nhs_number import format_nhs_number
from facilitator_app.domain.qof.evaluate import PCA_REASONS
from facilitator_app.services import audit
from facilitator_app.services.ports import UnitOfWork

if TYPE_CHECKING:
    from facilitator_app.render.xlsx import CellValue
from facilitator_app.services.qof import (
    OutstandingPatient,
    QofSummary,
    outstanding_patients,
    qof_summary,
)

__all__ = ["QofFormat", "SUMMARY_HEADERS", "export_qof", "qof_format_for", "summary_rows"]


class QofFormat(StrEnum):
    PDF = "pdf"
    XLSX = "xlsx"
    CSV = "csv"


def qof_format_for(path: Path) -> QofFormat:
    try:
        return QofFormat(path.suffix.lower().lstrip("."))
    except ValueError:
        raise ValueError(f"{path.name}: the summary is written as .pdf, .xlsx or .csv") from None


SUMMARY_HEADERS = (
    "Practice code", "Practice", "QOF year", "Indicator", "Description", "Eligible",
    *[f"Excepted: {text}" for text in PCA_REASONS.values()], "Denominator", "Numerator",
    "Achievement %", "Lower threshold %", "Upper threshold %", "Points", "Maximum points",
    "Points still available", "£ earned", "£ still available", "Patients outstanding",
    "Outstanding due this month", "Points if those due this month are seen", "PCA rate %",
)


def _round(value: float | None, places: int = 2) -> float | None:
    return None if value is None else round(value, places)


def summary_rows(summary: QofSummary) -> Iterator[list[CellValue]]:
    """One row per practice and indicator, MH001 first; no patient identifiers."""
    year = summary.year.label
    for p in summary.practices:
        register = next((i for i in summary.rules.indicators if i not in summary.rules.scored),
                        None)
        if register is not None:
            yield [p.code, p.name, year, register.id, register.title, p.register,
                   *[None] * len(PCA_REASONS), None, p.register, None, None, None,
                   p.register_points, register.points, register.points - p.register_points,
                   summary.pence(p.register_points) / 100,
                   summary.pence(register.points - p.register_points) / 100,
                   None, None, None, None]
        for r in p.indicators:
            ind = r.indicator
            yield [p.code, p.name, year, ind.id, ind.title, r.eligible,
                   *[r.exceptions[k] for k in PCA_REASONS], r.denominator, r.numerator,
                   _round(r.achievement), ind.lower, ind.upper, _round(r.points, 4), ind.points,
                   _round(r.points_available, 4), r.pence(r.points) / 100,
                   r.pence(r.points_available) / 100, r.outstanding, r.due_this_month,
                   _round(r.points_if_due_seen, 4), _round(r.pca_rate)]


OUTSTANDING_HEADERS = ("Practice code", "NHS number", "Family name", "Given name",
                       "Date of birth", "Outstanding indicators", "Still needs")


def _outstanding_rows(rows: Iterator[OutstandingPatient]) -> Iterator[list[CellValue]]:
    for r in rows:
        yield [r.practice_code, format_nhs_number(r.nhs_number), r.family_name, r.given_name,
               r.date_of_birth, ", ".join(r.outstanding), ", ".join(r.needs)]


def export_qof(uow_factory: Callable[[], UnitOfWork], year: QofYear, today: date, path: Path, *,
               practice_code: str | None = None, as_of: date | None = None) -> QofSummary:
    """Write the summary to ``path`` in the format its extension names; returns the summary.
    A partly written file is removed if anything fails. The XLSX workbook lists the patients
    outstanding per indicator only for users who may see patient lists (not commissioners)."""
    # ReportLab and openpyxl are loaded when a file is written, not when the app starts
    from facilitator_app.render.qof_pdf import write_qof_pdf
    from facilitator_app.render.xlsx import Sheet, sheet_title, write_xlsx

    fmt = qof_format_for(path)
    uow = uow_factory()
    summary = qof_summary(uow, year, today, practice_code=practice_code, as_of=as_of)
    identifiable = fmt is QofFormat.XLSX and uow.actor is not None \
        and uow.actor.can(Permission.VIEW_REGISTER)
    try:
        if fmt is QofFormat.PDF:
            write_qof_pdf(summary, path)
        elif fmt is QofFormat.CSV:
            with path.open("w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out, lineterminator="\n")
                writer.writerow(SUMMARY_HEADERS)
                writer.writerows(["" if v is None else v for v in row]
                                 for row in summary_rows(summary))
        else:
            sheets = [Sheet("Summary", SUMMARY_HEADERS, summary_rows(summary))]
            for indicator in summary.rules.scored if identifiable else ():
                rows = outstanding_patients(uow_factory(), year, today,
                                            practice_code=practice_code,
                                            indicator_id=indicator.id, as_of=as_of)
                sheets.append(Sheet(sheet_title(f"{indicator.id} outstanding"),
                                    OUTSTANDING_HEADERS, _outstanding_rows(rows)))
            sheets.append(Sheet("Sources", ("Item", "Source"), _source_rows(summary)))
            write_xlsx(path, sheets)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    audit.note_export(uow_factory(), "qof_summary", len(summary.practices), fmt.value,
                      identifiable=identifiable)
    return summary


def _source_rows(summary: QofSummary) -> Iterator[list[CellValue]]:
    rules = summary.rules
    yield ["Business rules", rules.business_rules]
    yield ["Value of a point", rules.point_value_source]
    for indicator in rules.indicators:
        yield [indicator.id, indicator.source]
    for note in rules.notes:
        yield ["Note", note]
