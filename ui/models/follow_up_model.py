"""The open follow-ups table: every follow-up the query matches, read a page at a time.

``rowCount`` is the true total, so the scroll bar is honest and End jumps to the last row;
pages are read on demand into a small LRU cache, as the caseload does, so 100,000 open
follow-ups never sit in memory. The state is written out ("Overdue by 52 days") and coloured
too: colour is only ever the second cue.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from facilitator_app.domain.checks import RecallStatus
from facilitator_app.domain.dates import format_uk_date
from facilitator_app.domain.nhs_number import format_nhs_number
from facilitator_app.services.follow_ups import DUE_SOON_DAYS, FollowUpQuery, FollowUpRow
from ui import status_style

CountRows = Callable[[FollowUpQuery], int]
# (query, offset, limit, total): rows offset..offset+limit in the list's order
FetchPage = Callable[[FollowUpQuery, int, int, int], list[FollowUpRow]]

PAGE_SIZE = 200
MAX_PAGES = 50

_ROOT = QModelIndex()
_Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    DUE = 0
    STATE = 1
    PRACTICE = 2
    NHS_NUMBER = 3
    NAME = 4
    ASSIGNED_TO = 5
    ACTION = 6
    RESULT = 7

    @property
    def title(self) -> str:
        return _TITLES[self]


_TITLES = {
    Column.DUE: "Due",
    Column.STATE: "State",
    Column.PRACTICE: "Practice",
    Column.NHS_NUMBER: "NHS number",
    Column.NAME: "Name",
    Column.ASSIGNED_TO: "For",
    Column.ACTION: "Action",
    Column.RESULT: "Result that raised it",
}


def cell_text(row: FollowUpRow, column: Column) -> str:
    if column is Column.DUE:
        return format_uk_date(row.due_on)
    if column is Column.STATE:
        return row.state_text
    if column is Column.PRACTICE:
        return row.practice_code
    if column is Column.NHS_NUMBER:
        return format_nhs_number(row.nhs_number)
    if column is Column.NAME:
        return f"{row.family_name.upper()}, {row.given_name}"
    if column is Column.ASSIGNED_TO:
        return row.assigned_to
    if column is Column.ACTION:
        return row.action
    return row.result_text


def row_status(row: FollowUpRow) -> RecallStatus | None:
    """The recall colours, reused: red overdue, amber due within 14 days, none otherwise."""
    if row.overdue:
        return RecallStatus.OVERDUE
    if row.days_until_due <= DUE_SOON_DAYS:
        return RecallStatus.DUE_SOON
    return None


class FollowUpModel(QAbstractTableModel):
    """Read-only rows for one ``FollowUpQuery``; ``set_query`` swaps the query and resets."""

    def __init__(self, count: CountRows, page: FetchPage, query: FollowUpQuery | None = None,
                 *, page_size: int = PAGE_SIZE, max_pages: int = MAX_PAGES) -> None:
        super().__init__()
        self._count, self._page = count, page
        self._page_size, self._max_pages = page_size, max_pages
        self._pages: OrderedDict[int, list[FollowUpRow]] = OrderedDict()
        self._query = query
        self._total = count(query) if query is not None else 0

    @property
    def query(self) -> FollowUpQuery | None:
        return self._query

    def set_query(self, query: FollowUpQuery) -> None:
        """A new filter (or the same one after a change): forget every page and count again."""
        self.beginResetModel()
        self._query = query
        self._pages.clear()
        self._total = self._count(query)
        self.endResetModel()

    def refresh(self) -> None:
        if self._query is not None:
            self.set_query(self._query)

    def row(self, row: int) -> FollowUpRow | None:
        """The follow-up at ``row``, reading its page if it is not cached."""
        if self._query is None or not 0 <= row < self._total:
            return None
        number, at = divmod(row, self._page_size)
        rows = self._pages.get(number)
        if rows is None:
            rows = self._page(self._query, number * self._page_size, self._page_size,
                              self._total)
            self._pages[number] = rows
            while len(self._pages) > self._max_pages:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        return rows[at] if at < len(rows) else None

    @property
    def cached_pages(self) -> int:
        return len(self._pages)

    def rowCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
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
        status = row_status(found)
        if role == Qt.ItemDataRole.BackgroundRole:
            return status_style.BACKGROUND[status] if status else None
        if role == Qt.ItemDataRole.ForegroundRole and status:
            return status_style.TEXT
        if role == Qt.ItemDataRole.ToolTipRole and column in (Column.ACTION, Column.RESULT):
            return cell_text(found, column) or None
        return None
