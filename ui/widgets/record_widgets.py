"""The pieces a patient's record is shown with (``patient_panel``, and ``care_panel`` inside
it): headings, the labels that show a value, and short tables that grow to show every row, so
the record scrolls as one page in its narrow panel at any width and text scale.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableView,
)

from ui.widgets.fields import wrapped

__all__ = ["bullets", "heading", "record_table", "value_label"]


def heading(text: str, scale: float = 1.0) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * scale)  # relative to the system font, never pixels
    label.setFont(font)
    label.setWordWrap(True)
    return label


def value_label(name: str = "") -> QLabel:
    """A value of the record: wrapped, and selectable to copy into another system."""
    return wrapped(name=name)


def bullets(items: Iterable[str]) -> str:
    return "\n".join(f"• {item}" for item in items)


def record_table(model: QAbstractItemModel, name: str, description: str,
                 stretch_column: int) -> QTableView:
    """A short table that grows to show every row, so the record scrolls as one page."""
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setAccessibleDescription(description)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setTabKeyNavigation(False)
    view.verticalHeader().hide()
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
    view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    view.setWordWrap(True)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    # The free-text column takes the room that is left and wraps, so dates and statuses stay
    # in view at any width and text scale.
    header.setSectionResizeMode(stretch_column, QHeaderView.ResizeMode.Stretch)
    return view
