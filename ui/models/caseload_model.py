"""The caseload table: every patient the query matches, read a page at a time as rows are shown.

``rowCount`` is the true total, not the rows read so far, so the scroll bar is honest and End
jumps straight to the last patient. Pages are read on demand and kept in a small LRU cache: a
1,000,000-row register never sits in memory, and the service reads pages past the middle from
the other end, so the last page costs what the first does.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from facilitator_app.domain.dates import format_uk_date
from facilitator_app.domain.nhs_number import format_nhs_number
from facilitator_app.services.ports import CaseloadQuery, CaseloadRow, CaseloadSort
from ui import status_style

CountRows = Callable[[CaseloadQuery], int]
# (query, offset, limit, total): rows offset..offset+limit in the query's order
FetchPage = Callable[[CaseloadQuery, int, int, int], list[CaseloadRow]]

PAGE_SIZE = 200
MAX_PAGES = 50
NEVER_DONE = "never done"

_ROOT = QModelIndex()
_Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    NHS_NUMBER = 0
    NAME = 1
    DATE_OF_BIRTH = 2
    PRACTICE = 3
    STATUS = 4
    NEXT_DUE = 5

    @property
    def title(self) -> str:
        return _TITLES[self]


_TITLES = {
    Column.NHS_NUMBER: "NHS number",
    Column.NAME: "Name",
    Column.DATE_OF_BIRTH: "Date of birth",
    Column.PRACTICE: "Practice",
    Column.STATUS: "Status",
    Column.NEXT_DUE: "Next due",
}

# The service sorts by what its indexes cover; Practice and Next due borrow the nearest order.
SORT_FOR_COLUMN: dict[Column, CaseloadSort] = {
    Column.NHS_NUMBER: CaseloadSort.NHS_NUMBER,
    Column.NAME: CaseloadSort.NAME,
    Column.DATE_OF_BIRTH: CaseloadSort.DATE_OF_BIRTH,
    Column.PRACTICE: CaseloadSort.NAME,
    Column.STATUS: CaseloadSort.RECALL,
    Column.NEXT_DUE: CaseloadSort.RECALL,
}


def display_name(family_name: str, given_name: str) -> str:
    """The NHS patient-banner form, "FAMILY, Given", so a name is never misread either way."""
    return f"{family_name.upper()}, {given_name}"


def cell_text(row: CaseloadRow, column: Column) -> str:
    if column is Column.NHS_NUMBER:
        return format_nhs_number(row.nhs_number)
    if column is Column.NAME:
        return display_name(row.family_name, row.given_name)
    if column is Column.DATE_OF_BIRTH:
        return format_uk_date(row.date_of_birth)
    if column is Column.PRACTICE:
        return row.practice_code
    if column is Column.STATUS:
        return status_style.status_text(row.status, row.open_follow_ups)
    return format_uk_date(row.next_due) if row.next_due else NEVER_DONE


class CaseloadModel(QAbstractTableModel):
    """Read-only rows for one ``CaseloadQuery``; ``set_query`` swaps the query and resets."""

    def __init__(
        self,
        count: CountRows,
        page: FetchPage,
        query: CaseloadQuery | None = None,
        *,
        page_size: int = PAGE_SIZE,
        max_pages: int = MAX_PAGES,
    ) -> None:
        super().__init__()
        self._count, self._page = count, page
        self._page_size, self._max_pages = page_size, max_pages
        self._pages: OrderedDict[int, list[CaseloadRow]] = OrderedDict()
        self._query = query or CaseloadQuery()
        self._total = count(self._query)

    # -- the query -----------------------------------------------------------------------------

    @property
    def query(self) -> CaseloadQuery:
        return self._query

    def set_query(self, query: CaseloadQuery) -> None:
        """A new filter or order: forget every page and count again."""
        self.beginResetModel()
        self._query = query
        self._pages.clear()
        self._total = self._count(query)
        self.endResetModel()

    def refresh(self) -> None:
        """Read the same query again, e.g. after the register was written to."""
        self.set_query(self._query)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(Column):
            return
        query = replace(
            self._query,
            sort=SORT_FOR_COLUMN[Column(column)],
            descending=order == Qt.SortOrder.DescendingOrder,
        )
        if query != self._query:
            self.set_query(query)

    # -- rows ----------------------------------------------------------------------------------

    def row(self, row: int) -> CaseloadRow | None:
        """The patient at ``row``, reading its page if it is not cached."""
        if not 0 <= row < self._total:
            return None
        number, at = divmod(row, self._page_size)
        rows = self._pages.get(number)
        if rows is None:
            rows = self._page(self._query, number * self._page_size, self._page_size, self._total)
            self._pages[number] = rows
            while len(self._pages) > self._max_pages:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        return rows[at] if at < len(rows) else None

    def patient_id(self, row: int) -> int | None:
        found = self.row(row)
        return found.patient_id if found else None

    @property
    def cached_pages(self) -> int:
        return len(self._pages)

    # -- QAbstractTableModel -------------------------------------------------------------------

    def rowCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return Column(section).title if 0 <= section < len(Column) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        found = self.row(index.row())
        if found is None:
            return None
        column = Column(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return cell_text(found, column)
        if role == Qt.ItemDataRole.BackgroundRole:
            if column is Column.STATUS and found.open_follow_ups > 0:
                return status_style.FOLLOW_UP_BACKGROUND
            return status_style.BACKGROUND[found.status]
        if role == Qt.ItemDataRole.ForegroundRole:
            return status_style.TEXT
        if role == Qt.ItemDataRole.ToolTipRole and column is Column.STATUS:
            return status_style.status_tooltip(found.status, found.open_follow_ups)
        return None
