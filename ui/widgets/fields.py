"""The small pieces the app's forms are built from, made one way everywhere: dates in dd/mm/yyyy
boxes with a calendar, labels that wrap (and can be selected, to copy into another system), the
dark red line under a field that says what is wrong with it, multi-line text boxes that Tab
leaves, and a save's problems shown beside the fields they name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from PySide6.QtCore import QDate, QObject, Qt, QTimer
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

__all__ = [
    "Problem",
    "bold",
    "choose",
    "close_button",
    "date_edit",
    "date_typing_timer",
    "error_label",
    "error_labels",
    "problems_text",
    "qdate",
    "red",
    "show_field_problems",
    "text_box",
    "to_date",
    "with_error",
    "wrapped",
    "wrapping_form",
]

Problem = tuple[str | None, str]
"""(field the message is about, or None; the message)."""


# -- dates --------------------------------------------------------------------------------------


def qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def to_date(edit: QDateEdit) -> date:
    d = edit.date()
    return date(d.year(), d.month(), d.day())


def date_edit(d: date, name: str, description: str = "") -> QDateEdit:
    """A dd/mm/yyyy date box with a calendar, named for screen readers (its text part too)."""
    edit = QDateEdit(qdate(d))
    edit.setDisplayFormat("dd/MM/yyyy")
    edit.setCalendarPopup(True)
    edit.setAccessibleName(name)
    if description:
        edit.setAccessibleDescription(description)
    for editor in edit.findChildren(QLineEdit):  # the text part a screen reader lands on
        editor.setAccessibleName(f"{name} (dd/mm/yyyy)")
    return edit


def date_typing_timer(parent: QObject) -> QTimer:
    """A timer to restart on every change of a date box and act on when it fires: typing a
    date changes it digit by digit, and each digit is not worth a read of its own."""
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(400)
    return timer


# -- labels -------------------------------------------------------------------------------------


def wrapped(text: str = "", *, name: str = "", selectable: bool = True) -> QLabel:
    """A label that wraps, so nothing is cut off at large text scales; ``selectable`` text can
    be copied with the mouse."""
    label = QLabel(text)
    label.setWordWrap(True)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setAccessibleName(name)
    return label


def red(label: QLabel) -> QLabel:
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, Qt.GlobalColor.darkRed)
    label.setPalette(palette)
    return label


def bold(label: QLabel) -> QLabel:
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    return label


def error_label(name: str, *, selectable: bool = True) -> QLabel:
    """The dark red line under a field that says what is wrong with it, hidden while nothing
    is: the words are the cue, the colour only repeats them."""
    label = red(wrapped(name=name, selectable=selectable))
    label.setVisible(False)
    return label


def error_labels(whats: Mapping[str, str]) -> dict[str, QLabel]:
    """An error label for each field of ``{field: what it is}``, named "Problem with the
    <what it is>"."""
    return {field: error_label(f"Problem with the {what}", selectable=False)
            for field, what in whats.items()}


# -- editors ------------------------------------------------------------------------------------


def choose(combo: QComboBox, data: object) -> None:
    index = combo.findData(data)
    if index < 0:
        raise ValueError(f"{data!r} is not one of the choices of {combo.accessibleName()!r}")
    combo.setCurrentIndex(index)


def text_box(name: str, lines: int, placeholder: str = "") -> QPlainTextEdit:
    """A box ``lines`` lines high (in the current font) for text of several lines."""
    box = QPlainTextEdit()
    box.setAccessibleName(name)
    box.setPlaceholderText(placeholder)
    box.setTabChangesFocus(True)  # Tab leaves the box; Enter starts a new line
    box.setFixedHeight(round(box.fontMetrics().lineSpacing() * lines
                             + 2 * box.document().documentMargin() + 2 * box.frameWidth()))
    return box


def close_button(dialog: QDialog) -> QPushButton:
    """Close (rejects ``dialog``): never a default button, so Enter in a field never closes."""
    button = QPushButton("Close")
    button.setAccessibleName("Close")
    button.setAutoDefault(False)
    button.clicked.connect(dialog.reject)
    return button


def wrapping_form(owner: QWidget | None = None) -> QFormLayout:
    """A form whose long rows wrap (the field under its label) rather than squeeze at large
    text scales. Set on ``owner`` when given, with no margins of its own, so its fields line
    up with the rest of the dialog."""
    form = QFormLayout() if owner is None else QFormLayout(owner)
    if owner is not None:
        form.setContentsMargins(0, 0, 0, 0)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    return form


# -- problems beside their fields ---------------------------------------------------------------


def with_error(content: QWidget | QHBoxLayout, error: QLabel, *,
               spacing: int | None = 2) -> QVBoxLayout:
    """``content`` with its field's problem message underneath (``spacing`` None: the
    style's)."""
    column = QVBoxLayout()
    column.setContentsMargins(0, 0, 0, 0)
    if spacing is not None:
        column.setSpacing(spacing)
    if isinstance(content, QWidget):
        column.addWidget(content)
    else:
        column.addLayout(content)
    column.addWidget(error)
    return column


def show_field_problems(problems: Iterable[Problem], errors: Mapping[str, QLabel],
                        editors: Mapping[str, QWidget],
                        descriptions: Mapping[str, str] | None = None) -> list[str]:
    """Each problem beside its field (and as the field's accessible description, in place of
    its usual one); the first field with a problem takes the focus. Returns the messages no
    field shows."""
    by_field: dict[str, list[str]] = {}
    unplaced: list[str] = []
    for field, message in problems:
        if field is not None and field in errors:
            by_field.setdefault(field, []).append(message)
        else:
            unplaced.append(message)
    for field, label in errors.items():
        messages = by_field.get(field, [])
        label.setText("\n".join(messages))
        label.setVisible(bool(messages))
        if field in editors:
            editors[field].setAccessibleDescription(
                " ".join(messages) or (descriptions or {}).get(field, ""))
    first = next((f for f in errors if f in by_field and f in editors), None)
    if first is not None:
        editors[first].setFocus()
    return unplaced


def problems_text(messages: Sequence[str]) -> str:
    """What is said under a form when nothing was saved: how many problems, then each."""
    count = "1 problem" if len(messages) == 1 else f"{len(messages)} problems"
    return f"Not saved: {count} to correct:\n" + "\n".join(f"• {m}" for m in messages)
