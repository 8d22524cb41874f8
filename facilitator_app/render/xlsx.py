"""Spreadsheets (XLSX) written row by row, for any export: worklists, QOF, budget statements.

openpyxl's write-only mode streams each row to the file as it comes, so a 100,000-row export
holds one row in memory, not the sheet. What a reader expects of a report is done here once:
a bold header row that stays in view when scrolling, columns wide enough to read, and dates as
real Excel dates shown dd/mm/yyyy (so they sort and filter as dates, and are never read as US
month/day).

Cells are written as values, never as formulas: a name or note beginning with "=" is shown as
typed, so a spreadsheet cannot be made to run something by what was typed into the register.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, cast

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

__all__ = ["DATE_FORMAT", "DATETIME_FORMAT", "CellValue", "Sheet", "sheet_title", "write_xlsx"]

CellValue = str | int | float | Decimal | date | datetime | None

DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"

SAMPLE_ROWS = 200  # rows read ahead to size the columns (widths must precede the first row)
MIN_WIDTH = 6
MAX_WIDTH = 60  # longer text wraps in the cell rather than making a column a screen wide
_DATE_WIDTH = 10
_TITLE_FORBIDDEN = str.maketrans({c: "-" for c in "[]:*?/\\"})


@dataclass(frozen=True)
class Sheet:
    """One worksheet. ``rows`` may be a generator: it is read once, as the file is written.
    ``widths`` are in characters; None sizes each column from its header and the first rows."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[CellValue]]
    widths: Sequence[float] | None = None


def sheet_title(text: str) -> str:
    """Excel refuses sheet names longer than 31 characters or containing []:*?/\\."""
    return (text.translate(_TITLE_FORBIDDEN).strip() or "Sheet")[:31]


def write_xlsx(target: Path | str | IO[bytes], sheets: Iterable[Sheet]) -> list[int]:
    """Write the sheets, in order, to ``target`` (a path or a binary file); returns the number
    of data rows written to each."""
    workbook = Workbook(write_only=True)
    counts = []
    for sheet in sheets:
        ws = workbook.create_sheet(sheet_title(sheet.title))
        counts.append(_write_sheet(ws, sheet))
    if not counts:  # a workbook must have a sheet to open
        workbook.create_sheet("Sheet")
    workbook.save(target)
    return counts


def _write_sheet(ws: WriteOnlyWorksheet, sheet: Sheet) -> int:
    rows = iter(sheet.rows)
    sample = list(itertools.islice(rows, SAMPLE_ROWS))
    widths = sheet.widths or _measure(sheet.headers, sample)
    # write-only sheets have column_dimensions (openpyxl copies the setup), the stubs do not
    dimensions = cast(Any, ws).column_dimensions
    for i, width in enumerate(widths, start=1):
        dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"  # the header stays in view
    bold = Font(bold=True)
    ws.append([_cell(ws, header, font=bold) for header in sheet.headers])
    count = 0
    for row in itertools.chain(sample, rows):
        ws.append([_value(ws, v) for v in row])
        count += 1
    return count


def _measure(headers: Sequence[str], sample: Sequence[Sequence[CellValue]]) -> list[float]:
    def length(value: CellValue) -> int:
        if isinstance(value, date):  # datetime too: shown as dd/mm/yyyy [hh:mm]
            return _DATE_WIDTH + (6 if isinstance(value, datetime) else 0)
        return 0 if value is None else len(str(value))

    widths = []
    for i, header in enumerate(headers):
        longest = max((length(row[i]) for row in sample if i < len(row)), default=0)
        # +2: padding, and room for Excel's filter button on the bold header
        widths.append(float(min(MAX_WIDTH, max(MIN_WIDTH, len(header) + 2, longest + 2))))
    return widths


def _cell(ws: WriteOnlyWorksheet, value: str, *, font: Font | None = None) -> Cell:
    cell = WriteOnlyCell(ws, value=_clean(value))
    cell.data_type = "s"  # never a formula
    if font is not None:
        cell.font = font
    return cell


def _value(ws: WriteOnlyWorksheet, value: CellValue) -> Any:
    """Plain values pass straight through (fast); dates and text that could be mistaken for a
    formula become styled cells."""
    if isinstance(value, datetime):
        cell = WriteOnlyCell(ws, value=value.replace(tzinfo=None))  # Excel has no time zones
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(ws, value=cast(Any, value))  # dates are accepted; stubs disagree
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, str):
        text = _clean(value)
        return _cell(ws, text) if text.startswith("=") else text
    return value


def _clean(text: str) -> str:
    """Control characters other than tab and newlines make the file unreadable to Excel."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)

