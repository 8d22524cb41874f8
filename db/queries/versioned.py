"""Saving a change to a versioned row (every table has SQLAlchemy's ``version_id_col``)."""

from __future__ import annotations

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError


def flush_versioned(session: Session) -> bool:
    """Flush the pending changes; False when a row was changed by someone else since it was
    read (its versioned UPDATE matched no row), so the caller can refuse rather than
    overwrite. The session's transaction is then rolled back by the unit of work."""
    try:
        session.flush()
    except StaleDataError:
        return False
    return True
