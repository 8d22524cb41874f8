"""The import dialog: mapping preview, import off the GUI thread, problems shown and saved."""

from __future__ import annotations

import csv
from pathlib import Path

from pytestqt.qtbot import QtBot

from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.import_format import ImportKind
from facilitator_app.services.caseload import count_caseload
from facilitator_app.services.ports import CaseloadQuery
from tests.services.test_imports import REGISTER
from ui.screens.import_dialog import ImportDialog
from ui.tasks import TaskRunner


def _dialog(qtbot: QtBot, ctx: AppContext) -> ImportDialog:
    runner = TaskRunner.writer()
    dialog = ImportDialog(ctx, runner)
    qtbot.addWidget(dialog)
    return dialog


def _write(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "extract.csv"
    path.write_text(content, encoding="utf-8")
    return path


def test_preview_shows_how_columns_are_read(qtbot: QtBot, sqlite_ctx: AppContext,
                                            tmp_path: Path) -> None:
    dialog = _dialog(qtbot, sqlite_ctx)
    dialog.set_file(_write(tmp_path, REGISTER.replace("postcode", "Shoe size", 1)))
    assert dialog.mapping_model.text(0, 0) == "nhs_number"
    assert "not used (unknown column)" in [dialog.mapping_model.text(r, 1)
                                           for r in range(dialog.mapping_model.rowCount())]
    assert dialog.preview_model.rowCount() == 3
    assert "separated by commas" in dialog.file_info.text()
    assert dialog.import_button.isEnabled()


def test_missing_required_column_blocks_the_import(qtbot: QtBot, sqlite_ctx: AppContext,
                                                   tmp_path: Path) -> None:
    dialog = _dialog(qtbot, sqlite_ctx)
    dialog.set_file(_write(tmp_path, "nhs_number,value\n9434765919,1\n"))
    assert not dialog.import_button.isEnabled()
    assert "Required column 'code' is missing" not in dialog.file_info.text()  # register kind
    dialog.kind.setCurrentIndex(dialog.kind.findData(ImportKind.RESULTS.value))
    assert "Required column 'code' is missing." in dialog.file_info.text()


def test_import_runs_off_the_gui_thread_and_reports(qtbot: QtBot, sqlite_ctx: AppContext,
                                                    tmp_path: Path) -> None:
    dialog = _dialog(qtbot, sqlite_ctx)
    dialog.set_file(_write(tmp_path, REGISTER))
    with qtbot.waitSignal(dialog.imported, timeout=10_000) as signal:
        dialog.import_button.click()
    assert signal.args is not None and signal.args[0].added == 3
    assert "3 added" in dialog.summary.text()
    assert count_caseload(sqlite_ctx.new_uow(), CaseloadQuery(), sqlite_ctx.today()) == 3
    assert not dialog.error_view.isVisibleTo(dialog)


def test_problems_are_listed_and_saved_as_csv(qtbot: QtBot, sqlite_ctx: AppContext,
                                              tmp_path: Path) -> None:
    dialog = _dialog(qtbot, sqlite_ctx)
    bad = REGISTER.replace("9999999999", "9999999998").replace("17/05/1970", "31/02/1970")
    dialog.set_file(_write(tmp_path, bad))
    dialog.start(dry_run=False)
    qtbot.waitUntil(lambda: dialog.error_model.rowCount() == 2, timeout=10_000)
    assert "Nothing was imported" in dialog.summary.text()
    assert dialog.error_view.isVisibleTo(dialog) and dialog.save_errors_button.isVisibleTo(dialog)
    assert (dialog.error_model.text(0, 0), dialog.error_model.text(0, 1)) == ("2",
                                                                             "date_of_birth")
    saved = tmp_path / "problems.csv"
    assert dialog.save_errors(saved) == 2
    with saved.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["Row", "Column", "Value", "Problem"]
    assert rows[2][:3] == ["3", "nhs_number", "9999999998"]
    assert count_caseload(sqlite_ctx.new_uow(), CaseloadQuery(), sqlite_ctx.today()) == 0
