"""run_gui's empty-database path: the demo register is built off the GUI thread."""

from __future__ import annotations

import threading
import time

from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from facilitator_app.bootstrap import AppContext
from facilitator_app.services.demo import register_is_empty
from facilitator_app.services.jobs import CancelToken, Progress
from ui.main_window import MainWindow
from ui.screens.demo_progress import DemoProgressDialog
from ui.tasks import Task, TaskRunner


def test_empty_database_gets_a_demo_register(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    window = MainWindow(sqlite_ctx)
    qtbot.addWidget(window)
    window.show()
    assert window.caseload.model.rowCount() == 0
    task = window.start(40)
    assert task is not None
    # Wait on what the user sees: the outcome may be emitted before a waitSignal could connect.
    qtbot.waitUntil(lambda: window.caseload.model.rowCount() == 40, timeout=10000)
    assert "synthetic" in window.demo_label.text()
    assert sqlite_ctx.database in window.database_label.text()
    assert window.caseload.practice.count() > 1
    assert window.progress_dialog is not None and not window.progress_dialog.isVisible()
    assert window.start(40) is None  # not empty any more: nothing to build


def test_cancel_in_the_progress_dialog_stops_the_job(qtbot: QtBot) -> None:
    running = threading.Event()

    def job(progress: Progress, cancel: CancelToken) -> None:
        running.set()
        for done in range(1000):
            cancel.raise_if_cancelled()
            progress(done, 1000)
            time.sleep(0.01)

    task = Task(job)
    dialog = DemoProgressDialog(task, 1000)
    qtbot.addWidget(dialog)
    runner = TaskRunner.writer()
    runner.run(task)
    dialog.show()
    assert running.wait(5)
    with qtbot.waitSignal(task.cancelled, timeout=5000):
        dialog.findChild(QPushButton).click()
    assert not dialog.isVisible()
    assert runner.shutdown(5000)


def test_a_cancelled_build_leaves_the_database_empty(qtbot: QtBot,
                                                     sqlite_ctx: AppContext) -> None:
    window = MainWindow(sqlite_ctx)
    qtbot.addWidget(window)
    task = window.build_demo(40)
    task.cancel()  # before or during the first batch: the transaction rolls back either way
    qtbot.waitUntil(lambda: "still empty" in window.demo_label.text(), timeout=10000)
    assert register_is_empty(sqlite_ctx.new_uow())
    assert not window.writer.running
