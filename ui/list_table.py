"""How every long list in the app behaves: one row per record, selected whole, read-only,
keyboard-driven, uniform row heights (so a 1,000,000-row model is never measured row by row),
and columns sized from sample text (or the header, if wider) in the current font, so they fit
at any text scale."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

Col = TypeVar("Col", bound=int)  # a column number, or an IntEnum of a model's columns


def configure_list_table(
    table: QTableView,
    model: QAbstractItemModel,
    name: str,
    description: str,
    column_samples: Mapping[Col, str],
) -> None:
    table.setModel(model)
    table.setAccessibleName(name)
    table.setAccessibleDescription(description)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(False)  # rows are coloured by status instead
    table.setTabKeyNavigation(False)  # Tab leaves the table for the next control
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    table.verticalHeader().hide()
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    metrics = table.fontMetrics()
    padding = metrics.horizontalAdvance("M") * 2  # room for a sort arrow and the margins
    header_metrics = header.fontMetrics()
    for column, sample in column_samples.items():
        title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        header.resizeSection(column, max(metrics.horizontalAdvance(sample),
                                         header_metrics.horizontalAdvance(title)) + padding)
