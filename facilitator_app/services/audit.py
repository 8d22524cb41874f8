"""The audit trail: every view of a patient record, every change (before and after), every export
and letter, every sign-in and every change of settings or rules, appended to a hash chain.

Services call ``record`` inside their own unit of work, so an audit entry commits together with
the change it describes, or not at all. Entries name the entity by its global id and hold keys,
codes, dates and values, never names or NHS numbers.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from facilitator_app.domain.access import Permission
from facilitator_app.domain.audit_chain import ChainedEntry, ChainReport, verify_chain
from facilitator_app.services.access import require, signed_in
from facilitator_app.services.ports import UnitOfWork


class AuditLog(Protocol):
    def append(self, user_id: int | None, username: str, action: str, entity: str,
               entity_ref: uuid.UUID | None, detail: str) -> None: ...

    def global_id_of(self, entity: str, entity_id: int) -> uuid.UUID | None: ...

    def search(self, query: AuditQuery, limit: int, offset: int = 0) -> list[AuditRow]: ...

    def count(self, query: AuditQuery) -> int: ...

    def chain(self) -> Iterator[ChainedEntry]: ...

    def head(self) -> tuple[int | None, str | None]: ...


@dataclass(frozen=True)
class AuditQuery:
    username: str | None = None
    action: str | None = None
    entity: str | None = None
    entity_ref: uuid.UUID | None = None
    occurred_from: date | None = None
    occurred_to: date | None = None  # inclusive


@dataclass(frozen=True)
class AuditRow:
    id: int
    occurred_at: datetime
    username: str
    action: str
    entity: str
    entity_ref: str | None
    detail: str


def record(uow: UnitOfWork, action: str, entity: str, entity_id: int | None = None, *,
           entity_ref: uuid.UUID | None = None, before: Any = None, after: Any = None,
           **detail: Any) -> None:
    """Append one entry for the signed-in user. ``before``/``after`` are the changed record's
    state (keys and values only); ``detail`` any other facts worth keeping."""
    if entity_ref is None and entity_id is not None:
        entity_ref = uow.audit.global_id_of(entity, entity_id)
    facts: dict[str, Any] = dict(detail)
    if before is not None:
        facts["before"] = before
    if after is not None:
        facts["after"] = after
    actor = uow.actor
    uow.audit.append(actor.user_id if actor else None, actor.username if actor else "",
                     action, entity, entity_ref, to_json(facts) if facts else "")


def to_json(value: Any) -> str:
    """Dataclasses, dates and enums as plain JSON, keys sorted so equal states read equal."""
    return json.dumps(value, default=_plain, sort_keys=True, ensure_ascii=False)


def _plain(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {k: getattr(value, k) for k in value.__dataclass_fields__}
    if isinstance(value, date | datetime | uuid.UUID):
        return value.isoformat() if not isinstance(value, uuid.UUID) else str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, frozenset | set | tuple):
        return sorted(value) if isinstance(value, frozenset | set) else list(value)
    return str(value)


def search_audit(uow: UnitOfWork, query: AuditQuery, limit: int = 500,
                 offset: int = 0) -> tuple[int, list[AuditRow]]:
    """(matching entries, one page of them, newest first)."""
    require(uow, Permission.VIEW_AUDIT)
    with uow:
        return uow.audit.count(query), uow.audit.search(query, limit, offset)


def verify_audit(uow: UnitOfWork) -> ChainReport:
    """Recompute the whole chain. Streams the entries, so a long trail needs little memory."""
    require(uow, Permission.VIEW_AUDIT)
    with uow:
        head_id, head_hash = uow.audit.head()
        report = verify_chain(uow.audit.chain(), head_id, head_hash)
        record(uow, "verify", "audit_trail", entries=report.entries, intact=report.intact)
        uow.commit()
        return report


def note_restore(uow: UnitOfWork, backup_patients: int) -> None:
    """Written into the restored register, whose accounts are the backup's: the restorer is
    named, but not linked by id (their account may not exist in it)."""
    actor = signed_in(uow)
    with uow:
        uow.audit.append(None, actor.username, "restore", "register", None,
                         to_json({"patients": backup_patients}))
        uow.commit()


IDENTIFIABLE_EXPORT_WARNING = (
    "This file holds identifiable patient data and has left Facilitator's encrypted store. "
    "Keep it on an encrypted drive, send it only by a secure route (such as NHSmail), and "
    "delete it when it has done its job.")
AGGREGATE_EXPORT_WARNING = (
    "This file has left Facilitator's encrypted store. It holds no patient identifiers (small "
    "counts are suppressed where the report says so), but treat it as confidential.")


def note_export(uow: UnitOfWork, what: str, rows: int, file_format: str, *,
                identifiable: bool) -> None:
    """Record that data left the protected store: what, how many rows, which format (never the
    file's name, which a user may have made out of a patient's)."""
    signed_in(uow)
    with uow:
        record(uow, "export", what, rows=rows, format=file_format.lstrip(".").lower(),
               identifiable=identifiable)
        uow.commit()
