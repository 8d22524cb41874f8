"""Logging to a rotating file in the user's log folder.

Log lines never carry names, NHS numbers or other identifiable data: code logs counts, ids and
exception types only.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

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
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    _configured = path
    return path
