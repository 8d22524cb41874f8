"""The practice letterhead dialog: load, save, problems beside their fields, the logo, and a
save refused when someone else saved first."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from facilitator_app.bootstrap import AppContext
from facilitator_app.services.letterhead import practice_letterhead, save_letterhead
from facilitator_app.services.letters import Letterhead
from tests.builders import RegisterBuilder
from ui.screens.letterhead_dialog import LetterheadDialog


def _dialog(qtbot: QtBot, ctx: AppContext) -> LetterheadDialog:
    b = RegisterBuilder(ctx)
    b.practice("A00001", "Test Surgery")
    b.practice("B00002", "Other Surgery")
    b.commit()
    dialog = LetterheadDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.practice.setCurrentIndex(dialog.practice.findData("A00001"))
    return dialog


def _png(path: Path) -> Path:
    image = QImage(60, 20, QImage.Format.Format_RGB32)
    image.fill(QColor("#005eb8"))
    assert image.save(str(path), "PNG")
    return path


def _stored(ctx: AppContext, code: str = "A00001") -> Letterhead:
    return practice_letterhead(ctx.new_uow(), code).letterhead


def test_loads_the_chosen_practice(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    dialog = _dialog(qtbot, sqlite_ctx)
    assert dialog.name.text() == "Test Surgery"
    assert dialog.address.toPlainText() == "1 Test Street\nTestville"
    assert dialog.logo is None and dialog.logo_preview.text() == "No logo"
    assert not dialog.remove_logo.isEnabled()
    dialog.practice.setCurrentIndex(dialog.practice.findData("B00002"))
    assert dialog.name.text() == "Other Surgery"


def test_saves_a_change(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    dialog = _dialog(qtbot, sqlite_ctx)
    before = dialog.settings
    assert before is not None
    dialog.name.setText("  Riverside Medical Centre ")
    dialog.address.setPlainText("1 River Lane\n\nTown\nAB1 2CD")
    dialog.phone.setText("01234 567890")
    with qtbot.waitSignal(dialog.saved) as signal:
        assert dialog.save()
    stored = _stored(sqlite_ctx)
    assert stored == Letterhead("Riverside Medical Centre", "1 River Lane\nTown\nAB1 2CD",
                                "01234 567890", None)
    assert signal.args is not None and signal.args[0].letterhead == stored
    assert dialog.settings is not None and dialog.settings.version > before.version
    assert dialog.address.toPlainText() == "1 River Lane\nTown\nAB1 2CD"  # as saved
    assert dialog.message.text() == "Letterhead of A00001 saved."
    assert dialog.practice.currentText() == "Riverside Medical Centre (A00001)"
    dialog.phone.setText("01234 000000")  # a second save uses the new version
    assert dialog.save() and _stored(sqlite_ctx).phone == "01234 000000"


def test_an_empty_name_is_shown_beside_the_name(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    dialog = _dialog(qtbot, sqlite_ctx)
    dialog.show()
    dialog.name.setText("   ")
    dialog.phone.setText("9" * 41)
    assert not dialog.save()
    name_error, phone_error = dialog.errors["name"], dialog.errors["phone"]
    assert name_error.isVisible() and name_error.text() == "The practice name is needed."
    assert phone_error.isVisible() and "telephone number" in phone_error.text()
    assert not dialog.errors["address"].isVisible()
    assert dialog.name.accessibleDescription() == "The practice name is needed."
    assert dialog.message.text().startswith("Not saved: 2 problems to correct")
    assert dialog.focusWidget() is dialog.name
    assert _stored(sqlite_ctx).name == "Test Surgery"  # nothing saved
    dialog.name.setText("Test Surgery")
    dialog.phone.setText("01234 567890")
    assert dialog.save()
    assert not dialog.errors["name"].isVisible()


def test_a_logo_is_previewed_saved_and_removed(qtbot: QtBot, sqlite_ctx: AppContext,
                                                tmp_path: Path) -> None:
    dialog = _dialog(qtbot, sqlite_ctx)
    logo = _png(tmp_path / "logo.png")
    assert dialog.set_logo_file(logo)
    assert not dialog.logo_preview.pixmap().isNull()
    assert dialog.logo_info.text().startswith("PNG, 60 × 20 pixels")
    assert dialog.save()
    assert _stored(sqlite_ctx).logo == logo.read_bytes()
    dialog.clear_logo()
    assert dialog.logo is None and dialog.logo_preview.text() == "No logo"
    assert dialog.save()
    assert _stored(sqlite_ctx).logo is None


def test_a_file_that_is_not_an_image_is_refused(qtbot: QtBot, sqlite_ctx: AppContext,
                                                tmp_path: Path) -> None:
    dialog = _dialog(qtbot, sqlite_ctx)
    dialog.show()
    fake = tmp_path / "logo.png"
    fake.write_text("not a picture", encoding="utf-8")
    assert not dialog.set_logo_file(fake)
    error = dialog.errors["logo"]
    assert error.isVisible() and error.text() == ("logo.png is not a PNG or JPEG image: the "
                                                  "logo must be one.")
    assert dialog.logo is None
    # A PNG header on a damaged file gets past the first look; saving refuses it.
    damaged = tmp_path / "damaged.png"
    damaged.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    assert dialog.set_logo_file(damaged)
    assert not error.isVisible()
    assert not dialog.save()
    assert error.isVisible() and "damaged" in error.text()
    assert _stored(sqlite_ctx).logo is None


def test_a_stale_save_is_refused_and_reload_shows_the_other_change(
        qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    dialog = _dialog(qtbot, sqlite_ctx)
    settings = practice_letterhead(sqlite_ctx.new_uow(), "A00001")
    save_letterhead(sqlite_ctx.new_uow(), "A00001",
                    Letterhead("Changed Elsewhere", "2 Other Road", "", None), settings.version)
    dialog.name.setText("My Change")
    assert not dialog.save()
    assert "changed by someone else" in dialog.message.text()
    assert "nothing was saved" in dialog.message.text()
    assert dialog.name.text() == "My Change"  # kept, so it can be typed in again
    assert _stored(sqlite_ctx).name == "Changed Elsewhere"
    dialog.reload_button.click()
    assert dialog.name.text() == "Changed Elsewhere"
    assert dialog.address.toPlainText() == "2 Other Road"


def test_every_control_is_named_and_tab_runs_down_the_form(qtbot: QtBot,
                                                           sqlite_ctx: AppContext) -> None:
    dialog = _dialog(qtbot, sqlite_ctx)
    dialog.show()
    stops = [w for w in dialog.findChildren(QWidget)
             if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisibleTo(dialog)]
    assert [w for w in stops if not w.accessibleName()] == []
    assert dialog.address.tabChangesFocus()
    expected = [dialog.practice, dialog.name, dialog.address, dialog.phone,
                dialog.choose_logo, dialog.save_button]
    chain: list[QWidget] = []
    widget: QWidget = dialog.practice
    while len(chain) < len(expected):
        if (widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isEnabled()
                and widget.isVisibleTo(dialog)):
            chain.append(widget)
        widget = widget.nextInFocusChain()
    assert chain == expected  # "Remove logo" is disabled while there is no logo


def test_an_empty_register_has_nothing_to_edit(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    dialog = LetterheadDialog(sqlite_ctx)
    qtbot.addWidget(dialog)
    assert not dialog.save_button.isEnabled() and not dialog.save()
    assert "no practices" in dialog.message.text()
