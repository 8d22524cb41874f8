"""Backups: consistent, verified copies; rolling daily backups; restore with a safety copy,
from an older schema too; PostgreSQL guidance."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine

from db.backup import backups_for
from db.migrate import alembic_config, current_revision, head_revision
from facilitator_app.bootstrap import AppContext
from facilitator_app.cli import main
from facilitator_app.services.backup import (
    BackupNotPossible,
    InvalidBackup,
    rolling_backup,
)
from facilitator_app.services.demo import build_demo_register
from tests.conftest import TODAY, new_register, open_test_context


def _count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


@pytest.mark.sqlite_only
def test_backup_is_a_verified_self_contained_copy(sqlite_ctx: AppContext, tmp_path: Path) -> None:
    build_demo_register(sqlite_ctx.new_uow(), 300, 1, TODAY)
    backups = sqlite_ctx.backups()
    info = backups.backup_to(tmp_path / "b" / "copy.sqlite3")
    assert (info.patients, info.schema_revision) == (300, head_revision())
    assert info.observations == _count(info.path, "observation") > 0
    assert sorted(p.name for p in info.path.parent.iterdir()) == ["copy.sqlite3"]
    assert backups.verify(info.path) == info
    assert backups.folder.name == "backups"


@pytest.mark.sqlite_only
def test_rolling_backups_once_a_day_keeping_the_newest(sqlite_ctx: AppContext,
                                                       tmp_path: Path) -> None:
    import os

    backups = sqlite_ctx.backups()
    folder = tmp_path / "rolling"
    start = datetime(2026, 11, 1, 9, 0)
    made = []
    for day in range(5):
        now = start + timedelta(days=day)
        info = rolling_backup(backups, folder, now, keep=3)
        assert info is not None
        os.utime(info.path, (now.timestamp(), now.timestamp()))  # as if written then
        made.append(info.path.name)
        assert rolling_backup(backups, folder, now + timedelta(hours=23), keep=3) is None
    assert sorted(p.name for p in folder.iterdir()) == made[-3:]


@pytest.mark.sqlite_only
def test_damaged_and_foreign_files_are_refused(sqlite_ctx: AppContext, tmp_path: Path) -> None:
    backups = sqlite_ctx.backups()
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(InvalidBackup, match="not a Facilitator database"):
        backups.verify(junk)
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(InvalidBackup):
        backups.verify(other)
    with pytest.raises(InvalidBackup, match="no file"):
        backups.verify(tmp_path / "missing.sqlite3")


def test_restore_keeps_a_safety_copy_and_refuses_newer_schemas(tmp_path: Path) -> None:
    source = open_test_context(f"sqlite:///{tmp_path / 'source.sqlite3'}")
    build_demo_register(source.new_uow(), 200, 1, TODAY)
    backup = source.backups().backup_to(tmp_path / "backup.sqlite3")
    source.close()
    target = open_test_context(f"sqlite:///{tmp_path / 'target.sqlite3'}")
    build_demo_register(target.new_uow(), 50, 2, TODAY)
    safety = tmp_path / "safety.sqlite3"
    info = target.backups().restore_from(backup.path, safety)
    assert info.patients == 200
    assert _count(tmp_path / "target.sqlite3", "patient") == 200
    assert _count(safety, "patient") == 50  # what was replaced is kept
    newer = tmp_path / "newer.sqlite3"
    newer.write_bytes(backup.path.read_bytes())
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(InvalidBackup, match="newer version"):
        target.backups().restore_from(newer, None)
    assert _count(tmp_path / "target.sqlite3", "patient") == 200
    target.close()


def test_a_backup_from_an_older_schema_is_upgraded_on_restore(tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite3"
    engine = create_engine(f"sqlite:///{old}")
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO practice (code, name, address, phone, global_id, version) "
            "VALUES ('A00001', 'Old Surgery', '', '', X'00000000000000000000000000000001', 1)")
    engine.dispose()
    target = open_test_context(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    info = target.backups().restore_from(old, None)
    assert info.schema_revision == "0002"
    assert current_revision(create_engine(f"sqlite:///{tmp_path / 'new.sqlite3'}")) == (
        head_revision())
    with sqlite3.connect(tmp_path / "new.sqlite3") as conn:
        assert conn.execute("SELECT name, logo FROM practice").fetchall() == [
            ("Old Surgery", None)]  # and the columns added since are there
        assert conn.execute("SELECT count(*) FROM commitment").fetchone() == (0,)
    target.close()


def test_postgresql_gets_pg_dump_guidance() -> None:
    engine = create_engine("postgresql+psycopg://facilitator@localhost/register")
    with pytest.raises(BackupNotPossible, match="pg_dump --format=custom"):
        backups_for(engine, "postgresql+psycopg://facilitator@localhost/register")


@pytest.mark.sqlite_only
def test_backup_and_restore_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = new_register(tmp_path / "reg.sqlite3")
    assert main(["--db", db, "demo", "--patients", "100", "--seed", "3"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "backup", "--out", str(tmp_path / "b.sqlite3")]) == 0
    assert "100 patients" in capsys.readouterr().out
    assert main(["--db", db, "backup", "--verify", str(tmp_path / "b.sqlite3")]) == 0
    assert "Backup is sound" in capsys.readouterr().out
    assert main(["--db", db, "restore", str(tmp_path / "b.sqlite3")]) == 2
    assert "Add --force" in capsys.readouterr().err
    assert main(["--db", db, "restore", str(tmp_path / "b.sqlite3"), "--force"]) == 0
    out = capsys.readouterr().out
    assert "Restored" in out and "was kept in" in out
    assert main(["--db", db, "backup", "--auto"]) == 0
    assert "Backed up to" in capsys.readouterr().out
    assert main(["--db", db, "backup", "--auto"]) == 0
    assert "No backup needed" in capsys.readouterr().out
