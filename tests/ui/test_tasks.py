"""Task and TaskRunner: jobs off the GUI thread, outcomes back on it."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QThreadPool
from pytestqt.qtbot import QtBot

from facilitator_app.services.jobs import CancelToken, Progress
from ui.tasks import Task, TaskRunner


def test_success_reports_progress_and_the_result(qtbot: QtBot) -> None:
    def job(progress: Progress, _cancel: CancelToken) -> str:
        progress(1, 2)
        progress(2, 2)
        return "done"

    task = Task(job)
    seen: list[tuple[int, int]] = []
    task.progress.connect(lambda done, total: seen.append((done, total)))
    with qtbot.waitSignal(task.succeeded, timeout=5000) as blocker:
        task.start(QThreadPool.globalInstance())
    assert blocker.args == ["done"]
    qtbot.waitUntil(lambda: seen == [(1, 2), (2, 2)])


def test_failure_hands_the_exception_to_the_screen(qtbot: QtBot) -> None:
    def job(_progress: Progress, _cancel: CancelToken) -> None:
        raise ValueError("row 3: bad date")

    task = Task(job)
    with qtbot.assertNotEmitted(task.succeeded), qtbot.waitSignal(task.failed, timeout=5000) as b:
        task.start(QThreadPool.globalInstance())
    assert isinstance(b.args[0], ValueError) and str(b.args[0]) == "row 3: bad date"


def test_cancel_stops_the_job(qtbot: QtBot) -> None:
    running = threading.Event()

    def job(_progress: Progress, cancel: CancelToken) -> None:
        running.set()
        while True:
            cancel.raise_if_cancelled()
            time.sleep(0.01)

    task = Task(job)
    with qtbot.assertNotEmitted(task.succeeded), qtbot.waitSignal(task.cancelled, timeout=5000):
        task.start(QThreadPool.globalInstance())
        assert running.wait(5)
        task.cancel()


def test_writer_runs_one_job_at_a_time_and_delivers_on_the_gui_thread(qtbot: QtBot) -> None:
    runner = TaskRunner.writer()
    active, overlapped = [0], [False]
    lock = threading.Lock()

    def job(_progress: Progress, _cancel: CancelToken) -> bool:
        with lock:
            active[0] += 1
            overlapped[0] |= active[0] > 1
        time.sleep(0.02)
        with lock:
            active[0] -= 1
        return threading.current_thread() is threading.main_thread()

    threads: list[bool] = []

    def record(job_on_main: object) -> None:
        threads.append(threading.current_thread() is threading.main_thread()
                       and job_on_main is False)

    tasks = [Task(job) for _ in range(3)]
    for task in tasks:
        task.succeeded.connect(record)
        runner.run(task)
    assert runner.running == frozenset(tasks)
    qtbot.waitUntil(lambda: len(threads) == 3, timeout=5000)
    assert threads == [True, True, True]  # job off the GUI thread, outcome on it
    assert not overlapped[0]
    qtbot.waitUntil(lambda: not runner.running)
    assert runner.shutdown(5000)


def test_shutdown_cancels_what_is_running_and_waits(qtbot: QtBot) -> None:
    runner = TaskRunner.writer()
    running = threading.Event()

    def job(_progress: Progress, cancel: CancelToken) -> None:
        running.set()
        while True:
            cancel.raise_if_cancelled()
            time.sleep(0.01)

    task = runner.run(Task(job))
    assert running.wait(5)
    with qtbot.waitSignal(task.cancelled, timeout=5000):
        assert runner.shutdown(5000)
