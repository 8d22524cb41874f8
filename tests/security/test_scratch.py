"""An encrypted register's imports stage in an encrypted scratch file, not in RAM and never in
clear-text temp files: the file is private, unreadable without a key that exists only in the
process, and gone when the import's connection goes back to the pool (db/scratch.py)."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import text

from db.encryption import SQLITE_HEADER
from db.engine import make_engine
from db.scratch import scratch_schema
from facilitator_app.bootstrap import AppContext, build_context
from facilitator_app.domain.import_format import ImportKind
from facilitator_app.services.imports import import_file
from tests.conftest import TEST_COST, TODAY

pytestmark = pytest.mark.sqlite_only
MARKER = "Quenneville-9990000018"
REGISTER = ("nhs_number,family_name,given_name,date_of_birth,sex,practice_code,practice_name,"
            "smi_diagnosis_code,smi_diagnosis_date\n"
            "9990000018,Quenneville,Siobhán,1970-05-17,F,A00001,Test Surgery,191525009,"
            "2010-07-12\n")
RESULTS = ("nhs_number,code,value,unit,date\n"
           "9990000018,271649006,128,mmHg,12/03/2026\n"
           "9990000018,271650006,82,mmHg,12/03/2026\n")


@pytest.fixture
def scratch_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system temp folder, for this test alone."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _scratch_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("facilitator-scratch-*"))


def test_the_scratch_file_is_encrypted_private_and_deleted(tmp_path: Path,
                                                          scratch_folder: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'register.sqlite3'}", key=os.urandom(32))
    with engine.connect() as conn:
        schema = scratch_schema(conn)
        assert schema is not None and scratch_schema(conn) == schema  # attached once
        conn.execute(text(f"CREATE TABLE {schema}.staged (who TEXT)"))
        conn.execute(text(f"INSERT INTO {schema}.staged VALUES (:who)"),
                     [{"who": MARKER}] * 5000)
        conn.commit()  # the pages are in the file now
        [scratch] = _scratch_files(scratch_folder)
        raw = scratch.read_bytes()
        assert len(raw) > 4096 and not raw.startswith(SQLITE_HEADER)
        assert MARKER.encode() not in raw
        if os.name == "posix":
            assert stat.S_IMODE(scratch.stat().st_mode) == 0o600
    assert _scratch_files(scratch_folder) == []  # detached and deleted at check-in
    with engine.connect() as conn:  # the pooled connection attaches a fresh one next time
        schema = scratch_schema(conn)
        assert conn.scalar(text(f"SELECT count(*) FROM {schema}.sqlite_master")) == 0
    assert _scratch_files(scratch_folder) == []
    engine.dispose()


def test_a_plain_register_keeps_temporary_tables(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'plain.sqlite3'}")
    with engine.connect() as conn:
        assert scratch_schema(conn) is None
    engine.dispose()


def _encrypted_register(path: Path) -> AppContext:
    ctx = build_context(f"sqlite:///{path}", today=lambda: TODAY, cost=TEST_COST)
    ctx.create_first_administrator("admin", "Administrator", "correct horse battery")
    return ctx


def test_imports_on_an_encrypted_register_stage_in_the_scratch_file(
        tmp_path: Path, scratch_folder: Path) -> None:
    ctx = _encrypted_register(tmp_path / "register.sqlite3")
    register, results = tmp_path / "register.csv", tmp_path / "results.csv"
    register.write_text(REGISTER, encoding="utf-8")
    results.write_text(RESULTS, encoding="utf-8")
    during: list[int] = []

    def progress(_done: int, _total: int) -> None:
        during.append(len(_scratch_files(scratch_folder)))

    first = import_file(ctx.new_uow(), ImportKind.REGISTER, register, TODAY, progress=progress)
    assert first.written and first.added == 1, first.errors
    added = import_file(ctx.new_uow(), ImportKind.RESULTS, results, TODAY, progress=progress)
    again = import_file(ctx.new_uow(), ImportKind.RESULTS, results, TODAY, progress=progress)
    assert (added.added, again.added, again.unchanged) == (2, 0, 2)
    assert during and set(during) == {1}  # staged in the scratch file, one at a time
    assert _scratch_files(scratch_folder) == []

    results.write_text(RESULTS + "9990000018,271649006,140,mmHg,12/03/2026\n", encoding="utf-8")
    refused = import_file(ctx.new_uow(), ImportKind.RESULTS, results, TODAY)
    assert not refused.written and refused.errors[0].column == "value"
    assert _scratch_files(scratch_folder) == []  # a refused import tidies up too
    ctx.close()
