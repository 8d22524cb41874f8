"""The shape shared by the small dialogs that change one record (``budget_dialogs``,
``episode_dialogs``): a form of labelled fields, each with its problem message underneath,
everything wrong listed under the form, and Save / Cancel.

A dialog checks nothing itself: the services do, and every problem they report is shown beside
the field it names, in that field's accessible description, and listed under the form. Saving
is one quick transaction, so it runs on the GUI thread. A subclass says how a field's row is
laid out (``_field_row``), which refusals of its services it explains (``_explain``) and what it
announces once saved (``_saved``).

Test hooks: ``save() -> bool`` saves (the Save button calls it and closes the dialog on
success), ``errors[field]`` is the message shown beside a field, ``problem_text`` what is
said under the form.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.context import UiContext
from ui.widgets.fields import (
    Problem,
    error_label,
    problems_text,
    red,
    show_field_problems,
    with_error,
    wrapped,
    wrapping_form,
)

__all__ = ["FormDialog"]


class FormDialog(QDialog):
    """Labelled fields (``add_field``), the problems beside them and under the form
    (``show_problems``), and Save / Cancel around the subclass's ``save``.

    ``mnemonics`` are the letters the buttons already use; ``width_em`` is the least width, in
    widths of an "x" so that it follows the text scale."""

    def __init__(self, ctx: UiContext, title: str, parent: QWidget | None, *, about_name: str,
                 mnemonics: Iterable[str], width_em: int) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.errors: dict[str, QLabel] = {}
        self.editors: dict[str, QWidget] = {}
        self._aliases: dict[str, str] = {}
        self._descriptions: dict[str, str] = {}
        self._mnemonics = set(mnemonics)
        self.about = wrapped(name=about_name)
        self.message = red(wrapped(name="Why nothing was saved"))
        self.message.setVisible(False)
        self.fields = wrapping_form()
        self.fields.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.buttons = QDialogButtonBox()
        self.save_button = QPushButton("&Save")
        self.save_button.setDefault(True)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel: close without saving")
        cancel.setAutoDefault(False)
        self.buttons.accepted.connect(self._save_clicked)
        self.buttons.rejected.connect(self.reject)

        self._column = QVBoxLayout(self)
        self._column.addWidget(self.about)
        self._column.addLayout(self.fields)
        self._column.addWidget(self.message)
        self._column.addStretch(1)
        self._column.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("x") * width_em)

    @property
    def today(self) -> date:
        return self._ctx.today()

    def set_about(self, text: str) -> None:
        self.about.setText(text)
        self.about.setVisible(bool(text))

    # -- building ---------------------------------------------------------------------------

    def _label(self, text: str) -> QLabel:
        """A field label with a mnemonic no other label of the dialog uses."""
        if "&" not in text:
            for i, ch in enumerate(text):
                if ch.isalpha() and ch.lower() not in self._mnemonics:
                    self._mnemonics.add(ch.lower())
                    text = f"{text[:i]}&{text[i:]}"
                    break
        else:
            self._mnemonics.add(text[text.index("&") + 1].lower())
        return QLabel(text)

    def _field_row(self, widget: QWidget, beside: QWidget | None) -> QWidget | QHBoxLayout:
        """What stands above a field's problem message: ``widget``, and ``beside`` to its
        right taking the room left."""
        if beside is None:
            return widget
        row = QHBoxLayout()
        row.addWidget(widget)
        row.addWidget(beside, 1)
        return row

    def add_field(self, text: str, field: str, widget: QWidget, *,
                  beside: QWidget | None = None, description: str = "",
                  aliases: Sequence[str] = ()) -> QLabel:
        """``widget`` labelled ``text`` (its buddy), ``beside`` to its right, and the field's
        problem message underneath. ``aliases`` are other service field names shown here."""
        label = self._label(text)
        label.setBuddy(widget)
        error = error_label(f"Problem with {label.text().replace('&', '').rstrip(':')}")
        box = QWidget()
        box.setLayout(with_error(self._field_row(widget, beside), error, spacing=None))
        self.fields.addRow(label, box)
        for inner in widget.findChildren(QLineEdit):  # a spin box's or an editable combo's
            if not inner.accessibleName():
                inner.setAccessibleName(widget.accessibleName())
        self.errors[field] = error
        self.editors[field] = widget
        self._descriptions[field] = description
        widget.setAccessibleDescription(description)
        for alias in aliases:
            self._aliases[alias] = field
        return label

    # -- problems ---------------------------------------------------------------------------

    def show_problems(self, problems: Sequence[Problem], headline: str = "") -> None:
        """Each message beside its field and in its accessible description, and all of them
        under the form; the first field with a problem takes the focus."""
        show_field_problems([(self._aliases.get(field or "", field), text)
                             for field, text in problems],
                            self.errors, self.editors, self._descriptions)
        if problems:
            self._say(headline or problems_text([text for _, text in problems]))
        else:
            self._say(headline)
        self._make_room()

    def _make_room(self) -> None:
        """Messages shown under fields need height the dialog may not have had: grow to fit
        rather than squash the fields (wrapping labels do not ask a shown window to grow)."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        wanted = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() \
            else layout.sizeHint().height()
        if wanted > self.height():
            self.resize(self.width(), wanted)

    def show_field_problem(self, field: str, text: str) -> None:
        """One field's message as it is typed (the summary under the form is left alone)."""
        self.errors[field].setText(text)
        self.errors[field].setVisible(bool(text))
        self.editors[field].setAccessibleDescription(text or self._descriptions.get(field, ""))

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def shown_problem(self, field: str) -> str:
        """The message beside ``field``, or "" when none is shown."""
        label = self.errors[field]
        return label.text() if label.isVisibleTo(self) else ""

    @property
    def problem_text(self) -> str:
        """Everything the dialog says is wrong, as shown under the form."""
        return self.message.text() if self.message.isVisibleTo(self) else ""

    def refuse(self, text: str) -> None:
        """Nothing can be saved from this dialog (the record is gone, already done, or changed
        by someone else since it was read)."""
        self.show_problems([], text)
        self.save_button.setEnabled(False)

    # -- saving -----------------------------------------------------------------------------

    def _attempt(self, action: Callable[[], object]) -> bool:
        """Run the save ``action``; True once saved. A refusal the services explain is shown
        by ``_explain``; anything else is said under the form, keeping what was typed."""
        try:
            result = action()
        except Exception as exc:
            if not self._explain(exc):  # a lost connection: say so, keep what was typed
                self.show_problems([], f"Nothing was saved: it could not be written ({exc}).")
            return False
        self.show_problems([])
        self._saved(result)
        return True

    def _explain(self, exc: Exception) -> bool:
        """Show ``exc`` if it is a refusal this dialog's services explain; False if not."""
        return False

    def _saved(self, result: object) -> None:
        """Announce a save; ``result`` is what the save action returned."""

    def save(self) -> bool:
        raise NotImplementedError

    def _save_clicked(self) -> None:
        if self.save():
            self.accept()
