"""The directory of local services patients are signposted to (domain.md §6): housing,
employment, debt and benefits, stop smoking, exercise, peer support, NHS Talking Therapies,
secondary care, crisis and others, each with its contact details, who it is for, whether the
pathway budget pays for it and whether it is still offered.

The directory is a few dozen rows, read and saved with one quick query each, so it stays on
the GUI thread. Saving checks every field (services/signposting.py) and shows each problem
beside its field; a change is refused, with nothing saved, when someone else changed the same
service since it was read.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from facilitator_app.domain.signposting import (
    CATEGORY_EXAMPLES,
    CATEGORY_LABELS,
    ServiceCategory,
    SignpostProblem,
)
from facilitator_app.services.signposting import (
    InvalidSignposting,
    LocalServiceView,
    ServiceEntry,
    SignpostingChanged,
    add_service,
    list_services,
    update_service,
)
from ui.context import UiContext
from ui.list_table import configure_list_table
from ui.models.text_table import Cell, TextTableModel
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

HEADERS = ("Category", "Name", "Contact", "Eligibility", "Pathway budget", "Active")
_FIELDS = {"name": "name", "category": "category", "contact": "contact",
           "eligibility": "eligibility"}
_DESCRIPTIONS = {"contact": "Telephone, email, address or website; several lines allowed",
                 "eligibility": "Who the service is for, and how to be referred"}


def _one_line(text: str) -> str:
    return ", ".join(part.strip() for part in text.splitlines() if part.strip())


def _cells(s: LocalServiceView) -> list[Cell]:
    e = s.entry
    return [Cell(s.category_label, tooltip=f"For example: "
                 f"{CATEGORY_EXAMPLES[ServiceCategory(e.category)]}"),
            Cell(e.name, bold=True), Cell(_one_line(e.contact), tooltip=e.contact),
            Cell(_one_line(e.eligibility), tooltip=e.eligibility),
            Cell("Yes" if e.purchased else "No"),
            Cell("Yes" if e.active else "No (not offered)")]


class ServiceDirectoryDialog(QDialog):
    """The list of services (filtered by category, inactive ones on request) and an editor.

    Choosing a row puts it in the editor (Save changes); New service clears the editor (Add).
    ``changed`` after every save, so lists of services elsewhere can refresh. Test hooks:
    ``fill``, ``add``, ``save_changes``, ``select_service``, ``new_service``."""

    changed = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.rows: list[LocalServiceView] = []
        self.editing: LocalServiceView | None = None
        self._reloading = False
        self.setWindowTitle("Local services")
        self.setAccessibleName("Directory of local services")
        em = self.fontMetrics().horizontalAdvance("x")

        self.category_filter = QComboBox()
        self.category_filter.setAccessibleName("Show category")
        self.category_filter.addItem("All categories", None)
        for category in ServiceCategory:
            self.category_filter.addItem(CATEGORY_LABELS[category], category.value)
        self.show_inactive = QCheckBox("Show &inactive")
        self.show_inactive.setAccessibleName("Show inactive services")
        self.show_inactive.setAccessibleDescription("Services no longer offered when "
                                                    "signposting")
        self.model = TextTableModel(HEADERS)
        self.table = QTableView()
        configure_list_table(
            self.table, self.model, "Local services",
            "One service per row, by category: contact, eligibility, whether the pathway "
            "budget pays for it, and whether it is still offered. Choose one to edit it.",
            {0: "NHS Talking Therapies", 1: "Anytown Citizens Advice (demo)",
             2: "0300 000 0000, ext 12", 3: "Adults on the SMI register, by GP", 4: "Pathway",
             5: "No (not offered)"})
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)  # the name: the rest
        header.setStretchLastSection(False)
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Number of services shown")

        self.editor_box = QGroupBox("New service")
        self.name = QLineEdit()
        self.name.setAccessibleName("Name")
        self.name.setPlaceholderText("e.g. Anytown Stop Smoking Service")
        self.category = QComboBox()
        self.category.setAccessibleName("Category")
        self.category.setPlaceholderText("Choose a category")
        for category in ServiceCategory:
            self.category.addItem(CATEGORY_LABELS[category], category.value)
            self.category.setItemData(self.category.count() - 1,
                                      f"For example: {CATEGORY_EXAMPLES[category]}",
                                      Qt.ItemDataRole.ToolTipRole)
        self.category.setCurrentIndex(-1)
        self.category_help = wrapped(name="Examples of this category", selectable=False)
        self.contact = text_box("Contact", 3, "Telephone, email, address or website")
        self.contact.setAccessibleDescription(_DESCRIPTIONS["contact"])
        self.eligibility = text_box("Eligibility", 3, "Who it is for, how to refer")
        self.eligibility.setAccessibleDescription(_DESCRIPTIONS["eligibility"])
        self.purchased = QCheckBox("Paid from the &pathway budget")
        self.purchased.setAccessibleName("Paid from the pathway budget")
        self.active = QCheckBox("Ac&tive: offered when signposting")
        self.active.setAccessibleName("Active")
        self.active.setAccessibleDescription("Untick when the service is no longer offered; "
                                             "past signpostings to it are kept")
        self.active.setChecked(True)
        self.errors = error_labels(_FIELDS)

        self.new_button = QPushButton("&New service")
        self.new_button.setAccessibleName("Clear the form for a new service")
        self.new_button.setAutoDefault(False)
        self.add_button = QPushButton("&Add")
        self.add_button.setAccessibleName("Add the service to the directory")
        self.save_button = QPushButton("Save &changes")
        self.save_button.setAccessibleName("Save the changes to the chosen service")
        self.message = wrapped(name="Directory status")
        self.close_button = close_button(self)

        self._lay_out()
        line = self.fontMetrics().lineSpacing()
        self.setMinimumSize(em * 120, line * 34)
        room = self.screen().availableGeometry()
        self.resize(min(em * 165, room.width() * 95 // 100),  # six columns without scrolling
                    min(line * 42, room.height() * 95 // 100))
        self.category_filter.currentIndexChanged.connect(self.reload)
        self.show_inactive.toggled.connect(self.reload)
        self.table.selectionModel().currentRowChanged.connect(self._row_chosen)
        self.category.currentIndexChanged.connect(self._category_chosen)
        self.new_button.clicked.connect(self.new_service)
        self.add_button.clicked.connect(self.add)
        self.save_button.clicked.connect(self.save_changes)
        self.new_service()
        self.reload()

    def _lay_out(self) -> None:
        filters = QHBoxLayout()
        filter_label = QLabel("Cate&gory:")
        filter_label.setBuddy(self.category_filter)
        filters.addWidget(filter_label)
        filters.addWidget(self.category_filter)
        filters.addSpacing(self.fontMetrics().horizontalAdvance("xx"))
        filters.addWidget(self.show_inactive)
        filters.addStretch(1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.count_label)

        # the editor sits under the list, in two columns, so the list keeps the full width
        # for its six columns at 125 % text
        left_form = wrapping_form()
        category_column = with_error(self.category, self.errors["category"])
        category_column.insertWidget(1, self.category_help)
        right_form = wrapping_form()
        for form, text, widget, content in (
                (left_form, "Na&me:", self.name, with_error(self.name, self.errors["name"])),
                (left_form, "Cat&egory:", self.category, category_column),
                (right_form, "C&ontact:", self.contact,
                 with_error(self.contact, self.errors["contact"])),
                (right_form, "E&ligibility:", self.eligibility,
                 with_error(self.eligibility, self.errors["eligibility"]))):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, content)
        left_form.addRow("", self.purchased)
        left_form.addRow("", self.active)
        columns = QHBoxLayout()
        columns.addLayout(left_form, 1)
        columns.addSpacing(self.fontMetrics().horizontalAdvance("xxx"))
        columns.addLayout(right_form, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.save_button)
        box_layout = QVBoxLayout(self.editor_box)
        box_layout.addLayout(columns)
        box_layout.addStretch(1)
        box_layout.addLayout(buttons)

        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.addWidget(left, 1)  # the list takes the spare height; the editor what it needs
        layout.addWidget(self.editor_box)
        layout.addLayout(bottom)
        for first, second in ((self.category_filter, self.show_inactive),
                              (self.show_inactive, self.table), (self.table, self.name),
                              (self.name, self.category), (self.category, self.contact),
                              (self.contact, self.eligibility),
                              (self.eligibility, self.purchased), (self.purchased, self.active),
                              (self.active, self.new_button), (self.new_button, self.add_button),
                              (self.add_button, self.save_button),
                              (self.save_button, self.close_button)):
            QWidget.setTabOrder(first, second)

    # -- the list --------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the directory again with the filters; the editor keeps what it holds."""
        category = self.category_filter.currentData()
        self.rows = list_services(self._ctx.new_uow(), category,
                                  include_inactive=self.show_inactive.isChecked())
        self._reloading = True
        try:
            self.model.set_rows([_cells(s) for s in self.rows])
            if self.editing is not None:
                row = next((i for i, s in enumerate(self.rows) if s.id == self.editing.id),
                           None)
                if row is not None:
                    self.table.selectRow(row)
        finally:
            self._reloading = False
        shown = len(self.rows)
        hidden = "" if self.show_inactive.isChecked() else " (inactive ones hidden)"
        self.count_label.setText(f"{shown} service{'' if shown == 1 else 's'}{hidden}.")

    def select_service(self, service_id: int) -> bool:
        """Choose a service in the list, putting it in the editor; False if not shown."""
        row = next((i for i, s in enumerate(self.rows) if s.id == service_id), None)
        if row is None:
            return False
        self.table.selectRow(row)
        if self.editing is None or self.editing.id != service_id:
            self.edit(self.rows[row])
        return True

    def _row_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._reloading and current.isValid():
            self.edit(self.rows[current.row()])

    # -- the editor ------------------------------------------------------------------------------

    def new_service(self) -> None:
        """An empty editor for a service not yet in the directory."""
        self.editing = None
        self._reloading = True
        self.table.clearSelection()
        self.table.setCurrentIndex(QModelIndex())
        self._reloading = False
        self.fill(ServiceEntry("", ""))
        self._show_problems([])
        self._update_mode()
        self.name.setFocus()

    def edit(self, service: LocalServiceView) -> None:
        self.editing = service
        self.fill(service.entry)
        self._show_problems([])
        self.message.setText("")
        self._update_mode()

    def _update_mode(self) -> None:
        editing = self.editing is not None
        self.editor_box.setTitle(f"Editing: {self.editing.entry.name}" if self.editing
                                 else "New service")
        self.add_button.setEnabled(not editing)
        self.save_button.setEnabled(editing)
        self.add_button.setDefault(not editing)
        self.save_button.setDefault(editing)

    def _category_chosen(self) -> None:
        value = self.category.currentData()
        text = (f"For example: {CATEGORY_EXAMPLES[ServiceCategory(value)]}." if value else
                "Choose the category it is listed under when signposting.")
        self.category_help.setText(text)
        self.category.setToolTip(text)

    def fill(self, entry: ServiceEntry) -> None:
        """Put an entry in the editor as a user would type it (for tests and scripts)."""
        self.name.setText(entry.name)
        self.category.setCurrentIndex(self.category.findData(entry.category)
                                      if entry.category else -1)
        self._category_chosen()
        self.contact.setPlainText(entry.contact)
        self.eligibility.setPlainText(entry.eligibility)
        self.purchased.setChecked(entry.purchased)
        self.active.setChecked(entry.active)

    def entry(self) -> ServiceEntry:
        return ServiceEntry(self.name.text(), str(self.category.currentData() or ""),
                            self.contact.toPlainText(), self.eligibility.toPlainText(),
                            self.purchased.isChecked(), self.active.isChecked())

    def _refused(self, exc: InvalidSignposting, entry: ServiceEntry) -> None:
        problems = [SignpostProblem("category", "Choose a category.")
                    if p.field == "category" and not entry.category else p
                    for p in exc.problems]
        self._show_problems(problems)
        self.message.setText(problems_text([p.message for p in problems]))

    def add(self) -> int | None:
        """Add the editor's service; its id, or None (each problem beside its field)."""
        entry = self.entry()
        try:
            service_id = add_service(self._ctx.new_uow(), entry)
        except InvalidSignposting as exc:
            self._refused(exc, entry)
            return None
        except Exception as exc:  # a lost connection: say so, keep what was typed
            self.message.setText(f"The service could not be added and nothing was written: "
                                 f"{exc}")
            return None
        self._saved(service_id, f"Added {entry.name.strip()} to the directory.")
        return service_id

    def save_changes(self) -> bool:
        """Save the editor over the chosen service, at the version it was read."""
        editing = self.editing
        if editing is None:
            self.message.setText("Choose a service in the list first, or press Add.")
            return False
        entry = self.entry()
        try:
            update_service(self._ctx.new_uow(), editing.id, entry, editing.version)
        except InvalidSignposting as exc:
            self._refused(exc, entry)
            return False
        except (SignpostingChanged, LookupError) as exc:
            self._show_problems([])
            self.message.setText(
                f"Not saved. {exc}".replace("Open it again", "Choose it in the list again")
                + " What you typed is still in the form.")
            self.reload()  # the list shows their change; the form keeps what was typed
            return False
        except Exception as exc:
            self.message.setText(f"The changes could not be saved and nothing was written: "
                                 f"{exc}")
            return False
        self._saved(editing.id, f"Saved the changes to {entry.name.strip()}.")
        return True

    def _saved(self, service_id: int, text: str) -> None:
        everything = list_services(self._ctx.new_uow(), include_inactive=True)
        saved = next((s for s in everything if s.id == service_id), None)
        if saved is not None:
            self.edit(saved)  # as saved: trimmed, with its new version
        self.reload()
        if saved is not None and not any(s.id == service_id for s in self.rows):
            text += " It is not in the list because of the filters above."
        self.message.setText(text)
        self.changed.emit()

    def _show_problems(self, problems: list[SignpostProblem]) -> None:
        show_field_problems([(p.field, p.message) for p in problems], self.errors,
                            {"name": self.name, "category": self.category,
                             "contact": self.contact, "eligibility": self.eligibility},
                            _DESCRIPTIONS)
