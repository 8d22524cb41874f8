"""Long work off the GUI thread: a job runs on a pool thread, its outcome comes back as signals.

Jobs are plain service calls that take ``progress`` and ``cancel`` (services/jobs.py), so the
same function runs from the CLI; here it only gains a thread and signals. A ``Task`` is made on
the GUI thread, so its signals, emitted from the pool thread, reach GUI-thread receivers queued:
the job never touches a widget.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QThreadPool, Signal

from facilitator_app.services.jobs import Cancelled, CancelToken, Progress

log = logging.getLogger(__name__)

Job = Callable[[Progress, CancelToken], object]


class Task(QObject):
    """One job. Connect to the signals, then ``start`` it on a pool."""

    progress = Signal(int, int)  # done, total (0 = unknown)
    succeeded = Signal(object)  # the job's return value
    failed = Signal(object)  # the exception, for the screen to explain
    cancelled = Signal()

    def __init__(self, job: Job, parent: QObject | None = None, *, tag: object = None) -> None:
        super().__init__(parent)
        self.tag = tag  # whatever the caller needs to recognise this task's outcome
        self._job = job
        self._cancel = CancelToken()

    def start(self, pool: QThreadPool) -> None:
        pool.start(self._run)

    def cancel(self) -> None:
        """Ask the job to stop at its next check; its unit of work then rolls back."""
        self._cancel.cancel()

    def _report(self, done: int, total: int) -> None:
        self.progress.emit(done, total or 0)

    def _run(self) -> None:  # pool thread: touch no widget here
        try:
            result = self._job(self._report, self._cancel)
        except Cancelled:
            self.cancelled.emit()
        except Exception as exc:  # every failure reaches the screen, none kills the thread
            log.exception("background task failed")
            self.failed.emit(exc)
        else:
            self.succeeded.emit(result)


class TaskRunner(QObject):
    """Runs tasks on its own pool and keeps each alive until it has finished.

    Screens connect a task's outcome to their own methods (never to a lambda holding the
    screen): a bound method of a QObject is disconnected by Qt when the screen is deleted, so a
    late result never reaches a deleted widget. Such a method finds its task with
    ``self.sender()``; the task's ``tag`` says which load it was (to ignore stale results).

    Holding the reference matters: a Task nobody holds could be collected while its job still
    runs, and the job would then emit on a deleted object. ``writer()`` gives the one-thread pool
    for writes, so two jobs never write at once; ``shutdown`` cancels what is left and waits, so
    quitting never cuts a transaction in half.
    """

    def __init__(self, max_threads: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._running: set[Task] = set()

    @classmethod
    def writer(cls, parent: QObject | None = None) -> TaskRunner:
        return cls(1, parent)

    @property
    def running(self) -> frozenset[Task]:
        return frozenset(self._running)

    def run(self, task: Task) -> Task:
        self._running.add(task)
        for signal in (task.succeeded, task.failed):
            signal.connect(self._forget_sender)
        task.cancelled.connect(self._forget_sender)
        task.start(self._pool)
        return task

    def _forget_sender(self, *_outcome: object) -> None:
        sender = self.sender()
        if isinstance(sender, Task):
            self._running.discard(sender)

    def shutdown(self, timeout_ms: int = -1) -> bool:
        """Cancel every running task and wait for the pool; False if it timed out."""
        for task in self._running:
            task.cancel()
        return self._pool.waitForDone(timeout_ms)
