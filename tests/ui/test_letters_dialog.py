"""The letters dialog (batches off the GUI thread, Cancel leaves nothing) and the patient panel's
"Print letter"."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDateEdit, QWidget
from pytestqt.qtbot import QtBot

import facilitator_app.services.letters as letters_service
from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.nhs_number import format_nhs_number
from facilitator_app.services.audit import IDENTIFIABLE_EXPORT_WARNING
from facilitator_app.services.letters import LetterKind
from tests.builders import RegisterBuilder
from tests.conftest import TODAY
from ui.main_window import MainWindow
from ui.screens.letters_dialog import CANCELLED_TEXT, LettersDialog
from ui.screens.patient_panel import PatientPanel
from ui.tasks import TaskRunner

CHECKED_ON = date(2026, 6, 10)  # in the QOF year 2026/27, so inside the default range


def _register(ctx: AppContext, checked: int = 3) -> tuple[list[str], str, int]:
    """``checked`` patients with a full check this QOF year and one never checked (due).
    Returns (NHS numbers of the checked, NHS number of the due one, the due one's id)."""
    b = RegisterBuilder(ctx)
    b.practice("A00001", "Test Surgery")
    b.practice("B00002", "Other Surgery")
    numbers = []
    for i in range(checked):
        p = b.patient("Smith", f"Alex{i}")
        b.full_check(p, CHECKED_ON)
        numbers.append(p.nhs_number)
    due = b.patient("Jones", "Sam")
    due_number, due_id = due.nhs_number, due.id
    b.patient("Brown", "Kim", practice="B00002")  # another practice: never in A00001's batch
    b.commit()
    return numbers, due_number, due_id


def _dialog(qtbot: QtBot, ctx: AppContext) -> LettersDialog:
    dialog = LettersDialog(ctx, TaskRunner.writer())
    qtbot.addWidget(dialog)
    dialog.practice.setCurrentIndex(dialog.practice.findData("A00001"))
    return dialog


def _run(qtbot: QtBot, dialog: LettersDialog) -> None:
    dialog.start_button.click()
    assert dialog.running
    qtbot.waitUntil(lambda: not dialog.running, timeout=30_000)


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_defaults_are_this_qof_year_and_review_letters(qtbot: QtBot,
                                                       sqlite_ctx: AppContext) -> None:
    _register(sqlite_ctx)
    dialog = _dialog(qtbot, sqlite_ctx)
    assert dialog.date_from.date().toPython() == date(2026, 4, 1)
    assert dialog.date_to.date().toPython() == TODAY
    assert dialog.date_from.displayFormat() == "dd/MM/yyyy"
    assert dialog.by_dates.isChecked() and dialog.merged.isChecked()
    assert dialog.selected_kind is LetterKind.REVIEW
    assert [dialog.kind.itemText(i) for i in range(dialog.kind.count())] == [
        "Review letter to the patient", "Record copy (clinical)", "Invitation"]
    assert dialog.practice.findText("All practices") == -1
    dialog.by_due.setChecked(True)
    assert not dialog.date_from.isEnabled() and not dialog.date_to.isEnabled()


def test_merged_batch_writes_one_pdf_with_every_letter(qtbot: QtBot, sqlite_ctx: AppContext,
                                                       tmp_path: Path) -> None:
    numbers, due_number, _ = _register(sqlite_ctx)
    dialog = _dialog(qtbot, sqlite_ctx)
    out = tmp_path / "letters.pdf"
    dialog.set_output(out)
    dialog.signed_by.setText("Pat Example")
    _run(qtbot, dialog)
    assert dialog.message.text() == (f"3 review letters written to {out}. "
                                     f"{IDENTIFIABLE_EXPORT_WARNING}")
    assert dialog.outcome is not None and dialog.outcome.files == (out,)
    text = _text(out)
    for number in numbers:
        assert format_nhs_number(number) in text
    assert format_nhs_number(due_number) not in text  # never checked: not in the range
    assert "Pat Example" in text
    assert dialog.inputs.isEnabled() and dialog.start_button.isEnabled()
    assert not dialog.cancel_button.isEnabled()


def test_folder_batch_writes_one_pdf_per_patient(qtbot: QtBot, sqlite_ctx: AppContext,
                                                 tmp_path: Path) -> None:
    numbers, _, _ = _register(sqlite_ctx)
    dialog = _dialog(qtbot, sqlite_ctx)
    dialog.kind.setCurrentIndex(dialog.kind.findData(LetterKind.RECORD.value))
    folder = tmp_path / "letters"
    dialog.set_output(folder)
    assert dialog.per_patient.isChecked()
    _run(qtbot, dialog)
    assert dialog.message.text() == (f"3 record letters written to 3 files in {folder}. "
                                     f"{IDENTIFIABLE_EXPORT_WARNING}")
    files = sorted(folder.glob("*.pdf"))
    assert [f.name for f in files] == sorted(f"{n}-record-{TODAY.isoformat()}.pdf"
                                             for n in numbers)
    for number in numbers:
        assert format_nhs_number(number) in _text(folder / f"{number}-record-2026-11-22.pdf")


def test_due_batch_invites_the_patient_never_checked(qtbot: QtBot, sqlite_ctx: AppContext,
                                                     tmp_path: Path) -> None:
    _, due_number, _ = _register(sqlite_ctx)
    dialog = _dialog(qtbot, sqlite_ctx)
    dialog.by_due.setChecked(True)
    dialog.kind.setCurrentIndex(dialog.kind.findData(LetterKind.INVITATION.value))
    out = tmp_path / "invitations.pdf"
    dialog.set_output(out)
    _run(qtbot, dialog)
    assert dialog.message.text() == (f"1 invitation letter written to {out}. "
                                     f"{IDENTIFIABLE_EXPORT_WARNING}")
    assert format_nhs_number(due_number) in _text(out)


def test_no_patients_matching_says_so(qtbot: QtBot, sqlite_ctx: AppContext,
                                      tmp_path: Path) -> None:
    _register(sqlite_ctx)
    dialog = _dialog(qtbot, sqlite_ctx)
    dialog.practice.setCurrentIndex(dialog.practice.findData("B00002"))  # nobody checked
    dialog.set_output(tmp_path / "none.pdf")
    _run(qtbot, dialog)
    assert dialog.message.text() == "No patients match: no letters written."
    assert not (tmp_path / "none.pdf").exists()


def test_cancel_removes_the_letters_already_written(qtbot: QtBot, sqlite_ctx: AppContext,
                                                    tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """30 letters render in chunks of 25: the first 25 files are on disk when the job is held
    on the 26th letter; Cancel then has to remove them."""
    _register(sqlite_ctx, checked=30)
    held, release = threading.Event(), threading.Event()
    calls = 0
    real: Callable[..., Any] = letters_service.letter_for

    def letter_for(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == letters_service.CHUNK + 1:
            held.set()
            release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(letters_service, "letter_for", letter_for)
    dialog = _dialog(qtbot, sqlite_ctx)
    folder = tmp_path / "letters"
    dialog.set_output(folder)
    dialog.start_button.click()
    try:
        qtbot.waitUntil(held.is_set, timeout=30_000)
        assert len(list(folder.glob("*.pdf"))) == letters_service.CHUNK
        qtbot.waitUntil(lambda: dialog.progress.format() == "25 of 30 letters", timeout=5_000)
        assert not dialog.inputs.isEnabled() and not dialog.start_button.isEnabled()
        assert dialog.cancel_button.isEnabled()
        dialog.cancel_button.click()
    finally:
        release.set()
    qtbot.waitUntil(lambda: not dialog.running, timeout=30_000)
    assert dialog.message.text() == CANCELLED_TEXT
    assert list(folder.glob("*")) == []
    assert dialog.inputs.isEnabled()


def test_missing_output_and_a_pdf_named_folder_are_refused(qtbot: QtBot,
                                                           sqlite_ctx: AppContext,
                                                           tmp_path: Path) -> None:
    _register(sqlite_ctx)
    dialog = _dialog(qtbot, sqlite_ctx)
    assert dialog.start() is None
    assert dialog.message.text() == "Choose where to save the letters first."
    dialog.per_patient.setChecked(True)
    dialog.path.setText(str(tmp_path / "letters.pdf"))
    assert dialog.start() is None
    assert "cannot end in .pdf" in dialog.message.text()
    dialog.merged.setChecked(True)
    dialog.path.setText(str(tmp_path / "letters"))  # one merged PDF: .pdf is added
    assert dialog.output_path() == tmp_path / "letters.pdf"


def test_unknown_practice_and_backwards_range_get_a_message(qtbot: QtBot,
                                                            sqlite_ctx: AppContext,
                                                            tmp_path: Path) -> None:
    _register(sqlite_ctx)
    dialog = _dialog(qtbot, sqlite_ctx)
    dialog.set_output(tmp_path / "letters.pdf")
    dialog.practice.addItem("Closed Surgery (Z00000)", "Z00000")  # gone since it was listed
    dialog.practice.setCurrentIndex(dialog.practice.findData("Z00000"))
    _run(qtbot, dialog)
    assert dialog.message.text() == ("No letters were written: No practice with code 'Z00000' "
                                     "in this register.")
    dialog.practice.setCurrentIndex(dialog.practice.findData("A00001"))
    dialog.date_from.setDate(dialog.date_to.date().addDays(1))
    _run(qtbot, dialog)
    assert dialog.message.text().startswith("No letters were written: The range ends")
    assert not (tmp_path / "letters.pdf").exists()


def test_an_empty_register_cannot_start(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    dialog = LettersDialog(sqlite_ctx)
    qtbot.addWidget(dialog)
    assert not dialog.start_button.isEnabled()
    assert "no practices" in dialog.message.text()


def test_controls_are_named_and_in_order(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    _register(sqlite_ctx)
    dialog = _dialog(qtbot, sqlite_ctx)
    dialog.show()
    stops = [w for w in dialog.findChildren(QWidget)
             if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisibleTo(dialog)]
    assert len(stops) >= 10
    assert [w for w in stops if not w.accessibleName()] == []
    expected = [dialog.practice, dialog.by_dates, dialog.date_from, dialog.date_to,
                dialog.kind, dialog.merged, dialog.path, dialog.choose, dialog.signed_by,
                dialog.start_button]
    chain: list[QWidget] = []
    widget: QWidget = dialog.practice
    while len(chain) < len(expected):
        # A radio group is one tab stop (the checked button); the arrows move within it.
        if (widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isEnabled()
                and widget.isVisibleTo(dialog)
                and widget not in (dialog.by_due, dialog.per_patient)
                and not isinstance(widget.parent(), QDateEdit)):  # its text part
            chain.append(widget)
        widget = widget.nextInFocusChain()
    assert chain == expected


def test_main_window_opens_letters_and_letterhead(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    _register(sqlite_ctx)
    window = MainWindow(sqlite_ctx)
    qtbot.addWidget(window)
    window.show()
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    file_actions = {a.text(): a for a in menus["&File"].actions()}
    assert file_actions["&Letters…"].shortcut().toString() == "Ctrl+L"
    settings = [a.text() for a in menus["S&ettings"].actions()]
    assert settings == ["Practice &letterhead…", "Local &services directory…", "&Idle lock…"]
    letters = window.show_letters()
    assert isinstance(letters, LettersDialog) and letters.isVisible()
    assert letters.practice.count() == 2
    letters.close()
    letterhead = window.show_letterhead()
    assert letterhead.isVisible()
    assert letterhead.name.text() == letterhead.practice.currentText().split(" (")[0]
    letterhead.close()
    window.close()


# -- the patient panel's "Print letter" -------------------------------------------------------


def test_panel_prints_one_letter_off_the_gui_thread(qtbot: QtBot, sqlite_ctx: AppContext,
                                                    tmp_path: Path) -> None:
    _, due_number, due_id = _register(sqlite_ctx)
    panel = PatientPanel(sqlite_ctx)
    qtbot.addWidget(panel)
    panel.show_patient(due_id)
    default = panel.default_letter_path(LetterKind.INVITATION)
    assert default is not None and default.name == f"{due_number}-invitation-2026-11-22.pdf"
    out = tmp_path / "invite"  # .pdf is added
    assert panel.print_letter(LetterKind.INVITATION, out) is not None
    qtbot.waitUntil(lambda: panel.letter_message.text().startswith("Letter saved"),
                    timeout=30_000)
    assert panel.letter_message.text() == (f"Letter saved to {tmp_path / 'invite.pdf'}. "
                                           f"{IDENTIFIABLE_EXPORT_WARNING}")
    text = _text(tmp_path / "invite.pdf")
    assert format_nhs_number(due_number) in text
    assert "due" in text.lower()
    panel.shutdown()


def test_panel_print_button_offers_the_three_kinds_after_record_check(
        qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    _, _, due_id = _register(sqlite_ctx)
    panel = PatientPanel(sqlite_ctx)
    qtbot.addWidget(panel)
    panel.show_patient(due_id)
    panel.show()
    button = panel.print_letter_button
    assert button.accessibleName() == "Print letter" and button.text() == "Print &letter…"
    menu = button.menu()
    assert menu is not None
    assert [a.data() for a in menu.actions()] == ["review", "record", "invitation"]
    assert panel.record_check_button.nextInFocusChain() is button


def test_panel_reports_a_letter_that_cannot_be_written(qtbot: QtBot, sqlite_ctx: AppContext,
                                                       tmp_path: Path) -> None:
    _, _, due_id = _register(sqlite_ctx)
    panel = PatientPanel(sqlite_ctx)
    qtbot.addWidget(panel)
    panel.show_patient(due_id)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    panel.print_letter(LetterKind.REVIEW, blocker / "letter.pdf")
    qtbot.waitUntil(lambda: "could not be written" in panel.letter_message.text(),
                    timeout=30_000)
    assert "letter.pdf" in panel.letter_message.text()
    panel.shutdown()
