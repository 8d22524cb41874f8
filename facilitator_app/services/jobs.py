"""Progress and cancellation for long jobs, without Qt.

Services take ``progress`` and ``cancel`` as plain arguments so the same job runs from the CLI
(printing progress) and from the GUI (on a pool thread, with a progress bar and a Cancel button).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

Progress = Callable[[int, int], None]  # (done, total); total 0 = unknown


def no_progress(_done: int, _total: int) -> None:
    """The default progress callback: report nothing."""


class Cancelled(Exception):
    """Raised inside a job when the user asked it to stop; its unit of work rolls back."""


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()
