"""The recall worklist table: one row per patient, one column per core check element.

The rows arrive whole from a background load (the worklist is sorted by what is outstanding,
which needs the whole register, so it cannot be paged by an index the way the caseload is).
Each element cell is coloured by its own state and the rest of the row by the patient's worst,
and every cell also says its state in words: colour is never the only cue.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from facilitator_app.domain.checks import CORE_ELEMENTS, ELEMENT_LABELS
from facilitator_app.domain.dates import QofYear, format_uk_date
from facilitator_app.domain.nhs_number import format_nhs_number
from facilitator_app.services.worklist import (
    ElementState,
    ElementStatus,
    WorklistRow,
    worklist_headers,
)
from ui import status_style

_ROOT = QModelIndex()
_Index = QModelIndex | QPersistentModelIndex

PRACTICE, NHS_NUMBER, NAME, DATE_OF_BIRTH = range(4)
FIRST_ELEMENT = 4
OUTSTANDING = FIRST_ELEMENT + len(CORE_ELEMENTS)
NEEDED = OUTSTANDING + 1
OLDEST_DUE = NEEDED + 1
ADJUSTMENTS = OLDEST_DUE + 1
COLUMN_COUNT = ADJUSTMENTS + 1

STATE_EXPLANATION: dict[ElementState, str] = {
    ElementState.NEVER: "Never recorded.",
    ElementState.OVERDUE: "Overdue: last recorded more than 12 months ago.",
    ElementState.DUE_SOON: "Due soon: falls due within the next 30 days.",
    ElementState.NEEDED: "Up to date clinically, but not yet recorded in this QOF year.",
    ElementState.DONE: "Done: nothing to do.",
}


def element_tooltip(status: ElementStatus, year: QofYear) -> str:
    lines = [f"{ELEMENT_LABELS[status.element]}: {STATE_EXPLANATION[status.state]}"]
    if status.last_done:
        lines.append(f"Last recorded {format_uk_date(status.last_done)}; "
                     f"next due {format_uk_date(status.next_due)}.")
    if status.needed_by:
        lines.append(f"Not yet recorded in {year.label}: needed by "
                     f"{format_uk_date(status.needed_by)} to count.")
    return "\n".join(lines)


def cell_text(row: WorklistRow, column: int) -> str:
    if column == PRACTICE:
        return row.practice_code
    if column == NHS_NUMBER:
        return format_nhs_number(row.nhs_number)
    if column == NAME:
        return row.name
    if column == DATE_OF_BIRTH:
        return format_uk_date(row.date_of_birth)
    if FIRST_ELEMENT <= column < OUTSTANDING:
        return row.elements[column - FIRST_ELEMENT].text
    if column == OUTSTANDING:
        return str(row.outstanding)
    if column == NEEDED:
        return ", ".join(ELEMENT_LABELS[e] for e in row.needed_before_year_end)
    if column == OLDEST_DUE:
        return row.oldest_due_text
    return row.adjustments_text


class WorklistModel(QAbstractTableModel):
    """Read-only rows in the service's order; ``set_rows`` replaces them all at once."""

    def __init__(self, year: QofYear) -> None:
        super().__init__()
        self._rows: list[WorklistRow] = []
        self._year = year
        self._headers = worklist_headers(year)

    @property
    def year(self) -> QofYear:
        return self._year

    @property
    def rows(self) -> Sequence[WorklistRow]:
        return self._rows

    def set_rows(self, rows: list[WorklistRow], year: QofYear) -> None:
        self.beginResetModel()
        self._rows = rows
        self._year = year
        self._headers = worklist_headers(year)
        self.endResetModel()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, COLUMN_COUNT - 1)

    def row(self, number: int) -> WorklistRow | None:
        return self._rows[number] if 0 <= number < len(self._rows) else None

    # -- QAbstractTableModel -------------------------------------------------------------------

    def rowCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else COLUMN_COUNT

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and 0 <= section < COLUMN_COUNT:
            if role == Qt.ItemDataRole.DisplayRole:
                return self._headers[section]
            if role == Qt.ItemDataRole.ToolTipRole and section == NEEDED:
                return (f"Elements not yet recorded in QOF year {self._year.label}, which must "
                        f"be done by {format_uk_date(self._year.end)} to count.")
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        found = self.row(index.row())
        if found is None:
            return None
        column = index.column()
        element = (
            found.elements[column - FIRST_ELEMENT]
            if FIRST_ELEMENT <= column < OUTSTANDING
            else None
        )
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return cell_text(found, column)
        if role == Qt.ItemDataRole.BackgroundRole:
            state = element.state if element else found.worst
            return status_style.BACKGROUND[state.recall_status]
        if role == Qt.ItemDataRole.ForegroundRole:
            return status_style.TEXT
        if role == Qt.ItemDataRole.ToolTipRole:
            if element is not None:
                return element_tooltip(element, self._year)
            if column == OUTSTANDING:
                return (f"{found.outstanding} of {len(CORE_ELEMENTS)} core elements "
                        f"outstanding. Worst: {STATE_EXPLANATION[found.worst]}")
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column == OUTSTANDING:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None
