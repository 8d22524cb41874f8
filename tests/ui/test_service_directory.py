"""The directory of local services: adding and editing a service, each problem beside its
field, the filters, and a change refused when someone else changed the service first."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from facilitator_app.bootstrap import AppContext
from facilitator_app.services.signposting import (
    ServiceEntry,
    add_service,
    list_services,
    update_service,
)
from ui.screens.service_directory import ServiceDirectoryDialog

SMOKING = ServiceEntry("Anytown Stop Smoking Service", "smoking_cessation", "0300 123 4567",
                       "Adults who smoke", purchased=True)


def _dialog(qtbot: QtBot, ctx: AppContext) -> ServiceDirectoryDialog:
    dialog = ServiceDirectoryDialog(ctx)
    qtbot.addWidget(dialog)
    return dialog


def _column(dialog: ServiceDirectoryDialog, column: int) -> list[str]:
    return [dialog.model.text(r, column) for r in range(dialog.model.rowCount())]


def test_add_then_edit_a_service(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    dialog = _dialog(qtbot, sqlite_ctx)
    assert dialog.model.rowCount() == 0 and dialog.editor_box.title() == "New service"
    assert dialog.add_button.isEnabled() and not dialog.save_button.isEnabled()
    dialog.fill(SMOKING)
    assert "local stop-smoking service" in dialog.category_help.text()  # the domain examples
    with qtbot.waitSignal(dialog.changed, timeout=2000):
        service_id = dialog.add()
    assert service_id is not None
    assert [dialog.model.text(0, c) for c in range(6)] == [
        "Smoking cessation", "Anytown Stop Smoking Service", "0300 123 4567",
        "Adults who smoke", "Yes", "Yes"]
    assert "Added Anytown Stop Smoking Service" in dialog.message.text()
    # the new service is now the one being edited: Add is off so it cannot be added twice
    assert dialog.editing is not None and dialog.editing.id == service_id
    assert not dialog.add_button.isEnabled() and dialog.save_button.isEnabled()

    dialog.name.setText("  Anytown Smokefree  ")
    dialog.purchased.setChecked(False)
    assert dialog.save_changes()
    (stored,) = list_services(sqlite_ctx.new_uow())
    assert stored.entry.name == "Anytown Smokefree" and not stored.entry.purchased
    assert stored.version == 2
    assert _column(dialog, 1) == ["Anytown Smokefree"] and _column(dialog, 4) == ["No"]
    assert dialog.name.text() == "Anytown Smokefree"  # as saved: trimmed

    dialog.new_service()
    assert dialog.name.text() == "" and dialog.editing is None
    assert dialog.category.currentIndex() == -1 and dialog.active.isChecked()


def test_problems_are_shown_beside_their_fields(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    dialog = _dialog(qtbot, sqlite_ctx)
    dialog.fill(ServiceEntry("   ", ""))
    assert dialog.add() is None
    name_error, category_error = dialog.errors["name"], dialog.errors["category"]
    assert not name_error.isHidden() and name_error.text() == "The service needs a name."
    assert not category_error.isHidden() and category_error.text() == "Choose a category."
    assert dialog.errors["contact"].isHidden()
    assert dialog.name.accessibleDescription() == "The service needs a name."
    assert "Not saved: 2 problems" in dialog.message.text()
    assert list_services(sqlite_ctx.new_uow(), include_inactive=True) == []

    dialog.fill(ServiceEntry("Citizens Advice", "debt_benefits", "x" * 2001))
    assert dialog.add() is None
    assert name_error.isHidden() and "at most 2000" in dialog.errors["contact"].text()
    dialog.contact.setPlainText("citizensadvice.org.uk")
    assert dialog.add() is not None
    assert all(label.isHidden() for label in dialog.errors.values())


def test_a_stale_edit_is_refused_and_saves_nothing(qtbot: QtBot,
                                                   sqlite_ctx: AppContext) -> None:
    service_id = add_service(sqlite_ctx.new_uow(), SMOKING)
    dialog = _dialog(qtbot, sqlite_ctx)
    assert dialog.select_service(service_id)
    assert dialog.name.text() == SMOKING.name and dialog.editor_box.title().startswith(
        "Editing")
    # someone else renames it while this dialog still holds version 1
    update_service(sqlite_ctx.new_uow(), service_id,
                   ServiceEntry("Renamed elsewhere", "smoking_cessation"), 1)
    dialog.name.setText("Renamed here")
    assert not dialog.save_changes()
    assert "changed by someone else" in dialog.message.text()
    assert "nothing was saved" in dialog.message.text()
    (stored,) = list_services(sqlite_ctx.new_uow())
    assert stored.entry.name == "Renamed elsewhere"  # their change stands
    assert _column(dialog, 1) == ["Renamed elsewhere"]  # the list shows it
    assert dialog.name.text() == "Renamed here"  # what was typed is kept
    # choosing it again reads the current version, and then the change goes through
    dialog.new_service()
    assert dialog.select_service(service_id) and dialog.name.text() == "Renamed elsewhere"
    dialog.name.setText("Renamed here")
    assert dialog.save_changes()
    assert list_services(sqlite_ctx.new_uow())[0].entry.name == "Renamed here"


def test_filters_and_named_controls(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    add_service(sqlite_ctx.new_uow(), SMOKING)
    add_service(sqlite_ctx.new_uow(), ServiceEntry("Old peer group", "peer_support",
                                                   active=False))
    add_service(sqlite_ctx.new_uow(), ServiceEntry("IPS", "employment"))
    dialog = _dialog(qtbot, sqlite_ctx)
    assert sorted(_column(dialog, 1)) == ["Anytown Stop Smoking Service", "IPS"]
    assert dialog.count_label.text() == "2 services (inactive ones hidden)."
    dialog.show_inactive.setChecked(True)
    assert "Old peer group" in _column(dialog, 1)
    assert "No (not offered)" in _column(dialog, 5)
    dialog.category_filter.setCurrentIndex(dialog.category_filter.findData("employment"))
    assert _column(dialog, 1) == ["IPS"]
    tip = dialog.category.itemData(dialog.category.findData("crisis"),
                                   Qt.ItemDataRole.ToolTipRole)
    assert "Samaritans 116 123" in tip
    dialog.show()
    stops = [w for w in dialog.findChildren(QWidget)
             if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisibleTo(dialog)]
    assert stops and [w for w in stops if not w.accessibleName()] == []
