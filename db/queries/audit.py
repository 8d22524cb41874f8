"""The hash-chained audit table (services/audit.py, domain/audit_chain.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from db import models
from db.models import AuditEvent, AuditHead, utcnow
from facilitator_app.domain.audit_chain import GENESIS, ChainedEntry, entry_hash
from facilitator_app.services.audit import AuditQuery, AuditRow

# Entities the services audit by local id, and the table whose global id names them.
_ENTITY_MODELS: dict[str, Any] = {
    "patient": models.Patient,
    "user": models.User,
    "practice": models.Practice,
    "provider": models.Provider,
    "provider_service": models.ProviderService,
    "budget_line": models.BudgetLine,
    "commitment": models.Commitment,
    "invoice": models.Invoice,
    "care_episode": models.CareEpisode,
    "specialist_referral": models.SpecialistReferral,
    "intervention": models.Intervention,
    "local_service": models.LocalService,
    "signposting": models.Signposting,
    "follow_up": models.FollowUp,
    "import": models.ImportRecord,
}


class SqlAuditLog:
    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, user_id: int | None, username: str, action: str, entity: str,
               entity_ref: uuid.UUID | None, detail: str) -> None:
        # Claiming the head row first serialises appends until this transaction ends: a row
        # lock on PostgreSQL, the database write lock on SQLite.
        self._session.execute(update(AuditHead).where(AuditHead.id == 1)
                              .values(last_hash=AuditHead.last_hash))
        head = self._session.get(AuditHead, 1, populate_existing=True)
        if head is None:  # a database made by create_all (tests of models) has no head row
            head = AuditHead(id=1, last_event_id=None, last_hash=GENESIS)
            self._session.add(head)
        occurred_at = utcnow()
        event = AuditEvent(occurred_at=occurred_at, user_id=user_id, username=username,
                           action=action, entity=entity, entity_global_id=entity_ref,
                           detail=detail, prev_hash=head.last_hash, entry_hash=GENESIS)
        # the id is part of the hash, so it is fetched first
        event.id = int(self._session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
                       or 0) + 1
        event.entry_hash = entry_hash(head.last_hash, event.id, occurred_at, user_id, username,
                                      action, entity, str(entity_ref) if entity_ref else None,
                                      detail)
        self._session.add(event)
        head.last_event_id, head.last_hash = event.id, event.entry_hash
        self._session.flush()

    def global_id_of(self, entity: str, entity_id: int) -> uuid.UUID | None:
        model = _ENTITY_MODELS[entity]
        return self._session.scalar(select(model.global_id).where(model.id == entity_id))

    def _filtered(self, stmt: Select[*tuple[Any, ...]],
                  q: AuditQuery) -> Select[*tuple[Any, ...]]:
        if q.username:
            stmt = stmt.where(AuditEvent.username == q.username)
        if q.action:
            stmt = stmt.where(AuditEvent.action == q.action)
        if q.entity:
            stmt = stmt.where(AuditEvent.entity == q.entity)
        if q.entity_ref:
            stmt = stmt.where(AuditEvent.entity_global_id == q.entity_ref)
        if q.occurred_from:
            stmt = stmt.where(AuditEvent.occurred_at >= _utc_midnight(q.occurred_from))
        if q.occurred_to:
            stmt = stmt.where(AuditEvent.occurred_at
                              < _utc_midnight(q.occurred_to) + timedelta(days=1))
        return stmt

    def search(self, query: AuditQuery, limit: int, offset: int = 0) -> list[AuditRow]:
        stmt = self._filtered(select(AuditEvent.id, AuditEvent.occurred_at, AuditEvent.username,
                                     AuditEvent.action, AuditEvent.entity,
                                     AuditEvent.entity_global_id, AuditEvent.detail), query)
        rows = self._session.execute(stmt.order_by(AuditEvent.id.desc())
                                     .limit(limit).offset(offset))
        return [AuditRow(i, _aware(at), u, a, e, str(ref) if ref else None, d)
                for i, at, u, a, e, ref, d in rows]

    def count(self, query: AuditQuery) -> int:
        stmt = self._filtered(select(func.count()).select_from(AuditEvent), query)
        return int(self._session.scalar(stmt) or 0)

    def chain(self) -> Iterator[ChainedEntry]:
        stmt = (select(AuditEvent.id, AuditEvent.occurred_at, AuditEvent.user_id,
                       AuditEvent.username, AuditEvent.action, AuditEvent.entity,
                       AuditEvent.entity_global_id, AuditEvent.detail, AuditEvent.prev_hash,
                       AuditEvent.entry_hash).order_by(AuditEvent.id)
                .execution_options(yield_per=5000))
        for i, at, uid, u, a, e, ref, d, prev, h in self._session.execute(stmt):
            yield ChainedEntry(i, at, uid, u, a, e, str(ref) if ref else None, d, prev, h)

    def head(self) -> tuple[int | None, str | None]:
        row = self._session.execute(select(AuditHead.last_event_id, AuditHead.last_hash)
                                    .where(AuditHead.id == 1)).first()
        return (row[0], row[1]) if row else (None, None)


def _utc_midnight(day: Any) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
