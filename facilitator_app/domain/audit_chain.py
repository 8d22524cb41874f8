"""The audit trail's hash chain: each entry carries the SHA-256 of the one before.

Changing, deleting or reordering any entry changes every hash after it, so ``verify_chain``
finds the first entry that no longer fits. The database also refuses UPDATE and DELETE on the
table, and the chain's head (last id and hash) is kept apart so that cutting entries off the end
shows too. Someone who can rewrite the whole file could rebuild a consistent chain; the head
hash that ``audit verify`` prints is the anchor to keep elsewhere (for example in the IG log).

The serialisation below is format 1 and must never change: old chains are verified with it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS = "0" * 64  # the "previous hash" of the first entry


@dataclass(frozen=True)
class ChainedEntry:
    id: int
    occurred_at: datetime
    user_id: int | None
    username: str
    action: str
    entity: str
    entity_ref: str | None  # global id of the entity, as text
    detail: str
    prev_hash: str
    entry_hash: str


def canonical_time(moment: datetime) -> str:
    """UTC to the microsecond; SQLite hands back naive datetimes, which are UTC here."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(prev_hash: str, id_: int, occurred_at: datetime, user_id: int | None,
               username: str, action: str, entity: str, entity_ref: str | None,
               detail: str) -> str:
    body = json.dumps(
        [1, id_, canonical_time(occurred_at), user_id, username, action, entity, entity_ref,
         detail],
        ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    entries: int
    head_hash: str
    first_break: int | None  # id of the first entry that does not fit, or None
    problem: str  # what is wrong at the break, or ""

    @property
    def intact(self) -> bool:
        return self.first_break is None


def verify_chain(entries: Iterable[ChainedEntry], head_id: int | None,
                 head_hash: str | None) -> ChainReport:
    """Walk the entries in id order; ``head_id``/``head_hash`` are what the head row says the
    last entry is (catches entries cut off the end)."""
    prev, count, last_id = GENESIS, 0, None
    for e in entries:
        count += 1
        if e.prev_hash != prev:
            return ChainReport(count, prev, e.id, "it does not follow the entry before it "
                               "(an entry was removed, added or reordered)")
        expected = entry_hash(e.prev_hash, e.id, e.occurred_at, e.user_id, e.username, e.action,
                              e.entity, e.entity_ref, e.detail)
        if e.entry_hash != expected:
            return ChainReport(count, prev, e.id, "its contents were changed after it was "
                               "written")
        prev, last_id = e.entry_hash, e.id
    if (head_id, head_hash or GENESIS) != (last_id, prev):
        return ChainReport(count, prev, last_id or 0, "the trail ends before its recorded last "
                           "entry (entries were cut off the end)")
    return ChainReport(count, prev, None, "")
