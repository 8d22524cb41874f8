"""The audit trail is hash-chained and append-only: edits, deletions, reordering and entries cut
off the end are all found by ``audit verify``; the database refuses UPDATE and DELETE."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from db.models import AuditEvent
from db.unit_of_work import SqlAlchemyUnitOfWork
from facilitator_app.bootstrap import AppContext
from facilitator_app.cli import main
from facilitator_app.domain.audit_chain import (
    GENESIS,
    ChainedEntry,
    entry_hash,
    verify_chain,
)
from facilitator_app.services import audit
from facilitator_app.services.audit import AuditQuery, search_audit, verify_audit
from facilitator_app.services.patients import patient_record
from facilitator_app.services.settings import set_idle_lock_minutes
from tests.builders import RegisterBuilder

T0 = datetime(2026, 11, 22, 9, 30, 0, 123456, tzinfo=UTC)


def _chain(n: int) -> list[ChainedEntry]:
    entries, prev = [], GENESIS
    for i in range(1, n + 1):
        h = entry_hash(prev, i, T0, 1, "admin", "view", "patient", None, f'{{"n": {i}}}')
        entries.append(ChainedEntry(i, T0, 1, "admin", "view", "patient", None,
                                    f'{{"n": {i}}}', prev, h))
        prev = h
    return entries


def test_an_untouched_chain_verifies_and_reports_its_head() -> None:
    entries = _chain(5)
    report = verify_chain(entries, 5, entries[-1].entry_hash)
    assert report.intact and report.entries == 5 and report.head_hash == entries[-1].entry_hash
    assert verify_chain([], None, None).intact


def test_a_changed_detail_breaks_the_chain_at_that_entry() -> None:
    entries = _chain(5)
    e = entries[2]
    entries[2] = ChainedEntry(e.id, e.occurred_at, e.user_id, e.username, e.action, e.entity,
                              e.entity_ref, '{"n": 99}', e.prev_hash, e.entry_hash)
    report = verify_chain(entries, 5, entries[-1].entry_hash)
    assert report.first_break == 3 and "changed" in report.problem


def test_a_removed_or_reordered_entry_breaks_the_chain() -> None:
    entries = _chain(5)
    assert verify_chain(entries[:2] + entries[3:], 5, entries[-1].entry_hash).first_break == 4
    swapped = [entries[0], entries[2], entries[1], *entries[3:]]
    assert verify_chain(swapped, 5, entries[-1].entry_hash).first_break == 3


def test_entries_cut_off_the_end_are_found_through_the_head() -> None:
    entries = _chain(5)
    report = verify_chain(entries[:3], 5, entries[-1].entry_hash)
    assert not report.intact and "cut off the end" in report.problem


def test_the_time_is_hashed_in_utc_whatever_zone_the_database_returns() -> None:
    naive = T0.replace(tzinfo=None)  # SQLite hands back naive UTC
    assert entry_hash(GENESIS, 1, naive, None, "", "a", "b", None, "") == entry_hash(
        GENESIS, 1, T0, None, "", "a", "b", None, "")


def test_services_write_a_verifiable_chain_on_both_databases(ctx: AppContext) -> None:
    b = RegisterBuilder(ctx)
    patient = b.patient().id
    b.commit()
    patient_record(ctx.new_uow(), patient, ctx.today())
    set_idle_lock_minutes(ctx.new_uow(), 15)
    report = verify_audit(ctx.new_uow())
    assert report.intact and report.entries >= 4  # sign-in, rules, view, setting
    total, rows = search_audit(ctx.new_uow(), AuditQuery(action="view"))
    assert total == 1 and rows[0].entity == "patient" and rows[0].username == "admin"
    assert rows[0].entity_ref is not None  # the global id, never a name or NHS number
    setting = search_audit(ctx.new_uow(), AuditQuery(entity="setting"))[1][0]
    assert json.loads(setting.detail) == {"setting": "idle_lock_minutes", "before": 10,
                                          "after": 15}


def test_the_database_refuses_to_change_or_delete_audit_entries(ctx: AppContext) -> None:
    with cast(SqlAlchemyUnitOfWork, ctx.new_uow()) as uow:
        assert uow.session.scalar(select(AuditEvent.id).limit(1)) is not None
        postgres = uow.session.bind.dialect.name == "postgresql"  # type: ignore[union-attr]
        for sql in ("UPDATE audit_event SET detail = 'x'", "DELETE FROM audit_event",
                    *(["TRUNCATE audit_event"] if postgres else [])):
            with pytest.raises(DBAPIError, match="append-only"):
                uow.session.execute(text(sql))
            uow.session.rollback()
        # nor can the head be moved back or removed to hide entries cut off the end
        for sql in ("UPDATE audit_head SET last_event_id = 0", "DELETE FROM audit_head",
                    *(["TRUNCATE audit_head"] if postgres else [])):
            with pytest.raises(DBAPIError, match="only moves forward"):
                uow.session.execute(text(sql))
            uow.session.rollback()


def test_verify_command_finds_tampering_done_behind_the_apps_back(
        sqlite_ctx: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    url = sqlite_ctx.database
    assert main(["--db", url, "audit", "verify"]) == 0
    assert "Audit trail intact" in capsys.readouterr().out
    with cast(SqlAlchemyUnitOfWork, sqlite_ctx.new_uow()) as uow:
        audit.record(uow, "view", "patient", None, part="record")
        uow.commit()
        # someone with the file (or the server's owner) lifts the guard and edits an entry
        uow.session.execute(text(
            "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"
            if uow.session.bind.dialect.name == "postgresql"  # type: ignore[union-attr]
            else "DROP TRIGGER audit_event_no_update"))
        uow.session.execute(text("UPDATE audit_event SET detail = '{}' WHERE action = 'view'"))
        uow.commit()
    assert main(["--db", url, "audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert "AUDIT TRAIL BROKEN at entry" in err and "changed" in err


def test_audit_list_command_filters_and_writes_csv(sqlite_ctx: AppContext,
                                                   tmp_path: Path) -> None:
    url = sqlite_ctx.database
    set_idle_lock_minutes(sqlite_ctx.new_uow(), 20)
    out = tmp_path / "audit.csv"
    assert main(["--db", url, "audit", "list", "--entity", "setting", "--format", "csv",
                 "--out", str(out)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("Id,When (UTC),User,Action,Entity")
    assert len(lines) == 2 and ",admin,update,setting," in lines[1]
