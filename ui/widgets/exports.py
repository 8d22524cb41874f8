"""Writing a report shown on a screen to a file: where (a save dialog, or the path a test
gives), and the writing itself off the GUI thread, saying how it went in the screen's label.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QLabel, QWidget

from facilitator_app.services.audit import AGGREGATE_EXPORT_WARNING, IDENTIFIABLE_EXPORT_WARNING
from ui.tasks import Job, Task, TaskRunner

__all__ = ["ExportStatus", "export_path"]


def export_path(parent: QWidget, title: str, suggested: str, fmt: str,
                path: Path | None = None) -> Path | None:
    """``path``, or (None) one chosen in a save dialog opened at ``suggested``; None when the
    dialog is cancelled. A name typed without the ".fmt" extension gets it."""
    if path is None:
        name, _ = QFileDialog.getSaveFileName(parent, title, suggested,
                                              f"{fmt.upper()} (*.{fmt})")
        if not name:
            return None
        path = Path(name)
    if path.suffix.lower() != f".{fmt}":
        path = path.with_name(path.name + f".{fmt}")
    return path


class ExportStatus(QObject):
    """Runs jobs that write a file and return its path, and says in ``label`` how each went:
    ``written`` (with ``{path}``) or ``failed`` (with ``{exc}``).

    A child of the screen, its own methods receive the task's outcome (never a lambda holding
    the screen, ui/tasks.py): Qt disconnects them when the screen is deleted."""

    def __init__(self, runner: TaskRunner, label: QLabel, written: str, failed: str,
                 parent: QObject, *, identifiable: bool = False) -> None:
        super().__init__(parent)
        self._runner = runner
        self._label = label
        warning = IDENTIFIABLE_EXPORT_WARNING if identifiable else AGGREGATE_EXPORT_WARNING
        self._written_text = f"{written} {warning}"
        self._failed_text = failed

    def run(self, job: Job, writing: str) -> Task:
        """Start ``job`` on the runner, saying ``writing`` meanwhile."""
        task = Task(job)
        task.succeeded.connect(self._written)
        task.failed.connect(self._failed)
        self._label.setText(writing)
        self._runner.run(task)
        return task

    def _written(self, path: object) -> None:
        self._label.setText(self._written_text.format(path=path))

    def _failed(self, exc: object) -> None:
        self._label.setText(self._failed_text.format(exc=exc))
