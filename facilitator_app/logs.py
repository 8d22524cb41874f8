"""Logging to a rotating file in the user's log folder.

Log lines never carry names, NHS numbers or other identifiable data: code logs counts, ids and
exception types only. Two guards back that up, because an exception's message can quote what
it failed on (a name, a row of an extract): tracebacks are written with the exception's type
and the code's frames but never its message, and anything shaped like an NHS number or a date
is masked.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import traceback
from pathlib import Path
from types import TracebackType

from platformdirs import user_log_dir

LOG_ENV_VAR = "FACILITATOR_LOG_DIR"
_configured: Path | None = None


def configure_logging() -> Path:
    """Idempotent; returns the log file path."""
    global _configured
    if _configured is not None:
        return _configured
    folder = Path(os.environ.get(LOG_ENV_VAR) or user_log_dir("Facilitator", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "facilitator.log"
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    _configured = path
    return path


_NHS_LIKE = re.compile(r"(?<!\d)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)")
_DATE_LIKE = re.compile(r"(?<!\d)(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2})(?!\d)")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


def redact(text: str) -> str:
    return _DATE_LIKE.sub("<date>", _NHS_LIKE.sub("<number>", text))


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        # Built here rather than by logging.Formatter.format, which would reuse an exception
        # text another handler may already have cached on the record, message and all.
        record.message = redact(record.getMessage())
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        text = self.formatMessage(record)
        if record.exc_info:
            text += "\n" + redact(self.formatException(record.exc_info))
        if record.stack_info:
            text += "\n" + redact(self.formatStack(record.stack_info))
        return text

    def formatException(self, ei: ExcInfo) -> str:  # noqa: N802 - logging's name
        """Where it failed and what kind of failure, without the message."""
        kind, _value, tb = ei
        frames = "".join(traceback.format_tb(tb))
        name = kind.__qualname__ if kind else "Exception"
        return f"Traceback (most recent call last):\n{frames}{name}: <message withheld>"
