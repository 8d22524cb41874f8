"""A practice's letterhead: the name, address, telephone and logo printed at the top of every
letter it sends. Kept in the database, so everyone sharing a register prints the same one.

Reading and saving are one quick query each, so they stay on the GUI thread (as saving a
check does). Saving checks every field (services/letterhead.py) and shows each problem beside
its field; it is refused, with nothing saved, when someone else saved the same practice's
letterhead since it was opened.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from facilitator_app.domain.letterhead import LetterheadProblem, logo_format
from facilitator_app.services.caseload import UnknownPractice, list_practices
from facilitator_app.services.letterhead import (
    InvalidLetterhead,
    LetterheadChanged,
    LetterheadSettings,
    practice_letterhead,
    save_letterhead,
)
from facilitator_app.services.letters import Letterhead
from ui.context import UiContext
from ui.screens.letters_dialog import documents_folder
from ui.widgets.fields import (
    close_button,
    error_labels,
    problems_text,
    show_field_problems,
    text_box,
    with_error,
    wrapped,
    wrapping_form,
)

FIELDS = ("name", "address", "phone", "logo")
FIELD_LABELS = {"name": "practice name", "address": "address", "phone": "telephone",
                "logo": "logo"}
_DESCRIPTIONS = {"address": "One line per address line, at most six lines"}


class LetterheadDialog(QDialog):
    """``saved`` carries the ``LetterheadSettings`` as saved (the practice name may have
    changed, so screens listing practices can reload)."""

    saved = Signal(object)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.settings: LetterheadSettings | None = None
        self.logo: bytes | None = None
        self.setWindowTitle("Practice letterhead")
        self.setAccessibleName("Practice letterhead")
        em = self.fontMetrics().horizontalAdvance("x")
        line = self.fontMetrics().lineSpacing()

        self.practice = QComboBox()
        self.practice.setAccessibleName("Practice")
        for p in list_practices(ctx.new_uow()):
            self.practice.addItem(f"{p.name} ({p.code})", p.code)

        self.name = QLineEdit()
        self.name.setAccessibleName("Practice name")
        self.address = text_box("Address", 6)  # exactly the six lines a letterhead prints
        self.address.setAccessibleDescription(_DESCRIPTIONS["address"])
        self.address.setToolTip("One line per address line (at most six)")
        self.phone = QLineEdit()
        self.phone.setAccessibleName("Telephone")

        self.logo_preview = QLabel()
        self.logo_preview.setAccessibleName("Logo preview")
        self.logo_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.logo_preview.setFrameShape(QFrame.Shape.StyledPanel)
        self._preview_size = (em * 30, line * 5)
        self.logo_preview.setMinimumSize(*self._preview_size)
        self.logo_preview.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.logo_info = wrapped(name="Logo", selectable=False)
        self.choose_logo = QPushButton("C&hoose logo…")
        self.choose_logo.setAccessibleName("Choose a logo (PNG or JPEG)")
        self.choose_logo.clicked.connect(self._browse_logo)
        self.remove_logo = QPushButton("Re&move logo")
        self.remove_logo.setAccessibleName("Remove the logo")
        self.remove_logo.clicked.connect(self.clear_logo)

        self.errors = error_labels(FIELD_LABELS)
        self.message = wrapped(name="Letterhead status")

        self.save_button = QPushButton("&Save")
        self.save_button.setAccessibleName("Save the letterhead")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.reload_button = QPushButton("&Reload")
        self.reload_button.setAccessibleName("Read the letterhead again, dropping changes")
        self.reload_button.setAutoDefault(False)
        self.reload_button.clicked.connect(self.load)
        close = close_button(self)

        self.fields = QWidget()
        form = wrapping_form(self.fields)
        form.addRow("Pr&actice:", self.practice)
        for text, widget, field in (("&Name:", self.name, "name"),
                                    ("A&ddress:", self.address, "address"),
                                    ("&Telephone:", self.phone, "phone")):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, with_error(widget, self.errors[field], spacing=None))
        logo_buttons = QVBoxLayout()
        logo_buttons.addWidget(self.choose_logo)
        logo_buttons.addWidget(self.remove_logo)
        logo_buttons.addStretch(1)
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.logo_preview)
        logo_row.addLayout(logo_buttons)
        logo_row.addStretch(1)
        logo_column = with_error(logo_row, self.errors["logo"], spacing=None)
        logo_column.insertWidget(1, self.logo_info)
        logo_label = QLabel("Logo:")
        logo_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        form.addRow(logo_label, logo_column)

        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.reload_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.fields)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addLayout(buttons)
        for first, second in ((self.practice, self.name), (self.name, self.address),
                              (self.address, self.phone), (self.phone, self.choose_logo),
                              (self.choose_logo, self.remove_logo),
                              (self.remove_logo, self.save_button),
                              (self.save_button, self.reload_button),
                              (self.reload_button, close)):
            QWidget.setTabOrder(first, second)
        self.setMinimumWidth(em * 70)

        self.practice.currentIndexChanged.connect(self.load)
        if self.practice.count():
            self.load()
        else:
            self.fields.setEnabled(False)
            self.save_button.setEnabled(False)
            self.reload_button.setEnabled(False)
            self.message.setText("There are no practices in this register yet: import a "
                                 "register first.")

    # -- reading -------------------------------------------------------------------------------

    @property
    def practice_code(self) -> str | None:
        code = self.practice.currentData()
        return str(code) if code else None

    def load(self) -> None:
        """Read the chosen practice's letterhead (dropping any unsaved change)."""
        self.show_problems([])
        code = self.practice_code
        if code is None:
            return
        try:
            settings = practice_letterhead(self._ctx.new_uow(), code)
        except UnknownPractice as exc:
            self.settings = None
            self.message.setText(str(exc))
            self.save_button.setEnabled(False)
            return
        self.settings = settings
        head = settings.letterhead
        self.name.setText(head.name)
        self.address.setPlainText(head.address)
        self.phone.setText(head.phone)
        self._show_logo(head.logo)
        self.save_button.setEnabled(True)
        self.message.setText("")

    # -- the logo ------------------------------------------------------------------------------

    def _browse_logo(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Choose the practice logo",
                                              str(documents_folder()),
                                              "Images (*.png *.jpg *.jpeg)")
        if name:
            self.set_logo_file(Path(name))

    def set_logo_file(self, path: Path) -> bool:
        """Take the logo from a file, without a file dialog. A file that is not a PNG or JPEG
        (whatever its name says) is refused at once, beside the logo; False then."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            self._logo_problem(f"Cannot read {path.name}: {exc.strerror or exc}.")
            return False
        if logo_format(data) is None:
            self._logo_problem(f"{path.name} is not a PNG or JPEG image: the logo must be one.")
            return False
        self._logo_problem("")
        self._show_logo(data)
        self.message.setText("Logo chosen: save to keep it.")
        return True

    def clear_logo(self) -> None:
        self._logo_problem("")
        self._show_logo(None)
        self.message.setText("Logo removed: save to keep the change.")

    def _logo_problem(self, text: str) -> None:
        label = self.errors["logo"]
        label.setText(text)
        label.setVisible(bool(text))

    def _show_logo(self, data: bytes | None) -> None:
        self.logo = data or None
        self.remove_logo.setEnabled(self.logo is not None)
        if self.logo is None:
            self.logo_preview.setPixmap(QPixmap())
            self.logo_preview.setText("No logo")
            self.logo_info.setText("No logo: the letterhead prints the name and address only.")
            return
        pixmap = QPixmap()
        kind = logo_format(self.logo) or "image"
        if pixmap.loadFromData(self.logo):
            width, height = self._preview_size
            self.logo_preview.setPixmap(pixmap.scaled(
                width, height, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))
            self.logo_info.setText(f"{kind}, {pixmap.width():,} × {pixmap.height():,} pixels, "
                                   f"{len(self.logo):,} bytes")
        else:
            self.logo_preview.setPixmap(QPixmap())
            self.logo_preview.setText("Cannot show this image")
            self.logo_info.setText(f"{kind}, {len(self.logo):,} bytes (no preview)")
        self.logo_preview.setAccessibleDescription(self.logo_info.text())

    # -- saving --------------------------------------------------------------------------------

    def letterhead(self) -> Letterhead:
        return Letterhead(self.name.text(), self.address.toPlainText(), self.phone.text(),
                          self.logo)

    def save(self) -> bool:
        code, settings = self.practice_code, self.settings
        if code is None or settings is None:
            return False
        try:
            saved = save_letterhead(self._ctx.new_uow(), code, self.letterhead(),
                                    settings.version)
        except InvalidLetterhead as exc:
            self.show_problems(exc.problems)
            self.message.setText(problems_text([p.message for p in exc.problems]))
            return False
        except (LetterheadChanged, UnknownPractice) as exc:
            self.show_problems([])
            self.message.setText(str(exc) + (" Reload to see the letterhead as it is now."
                                             if isinstance(exc, LetterheadChanged) else ""))
            return False
        except Exception as exc:  # a lost connection: say so, keep what was typed
            self.message.setText(f"The letterhead could not be saved and nothing was "
                                 f"written: {exc}")
            return False
        self.settings = saved
        self.show_problems([])
        head = saved.letterhead
        self.name.setText(head.name)  # as saved: trimmed, blank address lines dropped
        self.address.setPlainText(head.address)
        self.phone.setText(head.phone)
        self._refresh_practice_name(code, head.name)
        self.message.setText(f"Letterhead of {code} saved.")
        self.saved.emit(saved)
        return True

    def _refresh_practice_name(self, code: str, name: str) -> None:
        index = self.practice.findData(code)
        if index >= 0:
            self.practice.setItemText(index, f"{name} ({code})")

    def show_problems(self, problems: list[LetterheadProblem]) -> None:
        """Each problem beside its field (and as the field's accessible description); the
        first field with a problem takes the focus."""
        show_field_problems([(p.field, p.message) for p in problems], self.errors,
                            {"name": self.name, "address": self.address, "phone": self.phone,
                             "logo": self.choose_logo}, _DESCRIPTIONS)
