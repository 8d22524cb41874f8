"""Building the demo register on first start: a job on the write pool, a progress dialog, Cancel.

The build is one transaction (services/demo.py), so Cancel, or closing the dialog, leaves the
database empty rather than half-filled.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

from facilitator_app.services.demo import build_demo_register
from facilitator_app.services.jobs import CancelToken, Progress
from facilitator_app.services.ports import DemoSummary
from ui.context import UiContext
from ui.tasks import Task

DEMO_SEED = 1


def demo_build_task(ctx: UiContext, patients: int) -> Task:
    """The job reads ``ctx`` on the pool thread: a fresh unit of work there, never a shared one."""

    def job(progress: Progress, cancel: CancelToken) -> DemoSummary:
        return build_demo_register(
            ctx.new_uow(), patients, DEMO_SEED, ctx.today(), progress=progress, cancel=cancel
        )

    return Task(job)


class DemoProgressDialog(QProgressDialog):
    """Follows a demo-build task; Cancel (or Escape, or closing) asks the task to stop."""

    def __init__(self, task: Task, patients: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._task = task
        self.setWindowTitle("Building the demo register")
        self.setLabelText(
            f"This database is empty, so Facilitator is building a demo register of "
            f"{patients:,} synthetic patients (made-up people, test NHS numbers)…"
        )
        self.setAccessibleName("Demo register progress")
        self.setCancelButtonText("Cancel")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumDuration(0)
        self.setAutoClose(False)  # closed when the task ends, not when the bar is full
        self.setAutoReset(False)
        self.setRange(0, patients)
        self.setValue(0)
        self.canceled.connect(self._ask_to_stop)
        task.progress.connect(self._advance)
        for signal in (task.succeeded, task.failed):
            signal.connect(self._finish)
        task.cancelled.connect(self._finish)

    def _advance(self, done: int, total: int) -> None:
        if total > 0 and total != self.maximum():
            self.setMaximum(total)
        self.setValue(done)

    def _ask_to_stop(self) -> None:
        self._task.cancel()

    def _finish(self, *_outcome: object) -> None:
        self.canceled.disconnect(self._ask_to_stop)
        self.close()
