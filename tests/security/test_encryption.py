"""Encryption at rest: the SQLite register is a SQLCipher file whose key is sealed, per account,
with a key derived from that user's password. A stolen laptop's file shows no patient data."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from db.encryption import slot_file_for
from facilitator_app.bootstrap import AppContext, DatabaseUnavailable, build_context
from facilitator_app.cli import main
from facilitator_app.domain.access import Role
from facilitator_app.domain.import_format import ImportKind
from facilitator_app.services.accounts import SignInFailed, add_user, set_user_active
from facilitator_app.services.imports import import_file
from tests.conftest import TEST_COST, TODAY

PASSWORD = "correct horse battery"
NAME = "Quenneville"  # a family name that appears nowhere else in the file's bytes


def _encrypted(path: Path) -> AppContext:
    ctx = build_context(f"sqlite:///{path}", today=lambda: TODAY, cost=TEST_COST)
    assert ctx.needs_first_account()
    ctx.create_first_administrator("admin", "Administrator", PASSWORD)
    return ctx


def _register_csv(folder: Path) -> Path:
    csv = folder / "register.csv"
    csv.write_text(
        "nhs_number,family_name,given_name,date_of_birth,sex,practice_code,practice_name,"
        "smi_diagnosis_code,smi_diagnosis_date\n"
        f"9990000018,{NAME},Siobhán,1970-05-17,F,A00001,Test Surgery,191525009,2010-07-12\n",
        encoding="utf-8")
    return csv


def _all_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*")
                    if p.is_file() and not p.name.endswith(".keys"))


def test_a_patients_name_is_not_in_the_files_bytes(tmp_path: Path) -> None:
    db = tmp_path / "register.sqlite3"
    ctx = _encrypted(db)
    report = import_file(ctx.new_uow(), ImportKind.REGISTER, _register_csv(tmp_path), TODAY)
    assert report.written, report.errors
    raw = _all_bytes(db)  # the database, its -wal and -shm, while the app has it open
    assert NAME.encode() not in raw and "Siobhán".encode() not in raw
    assert b"9990000018" not in raw and not raw.startswith(b"SQLite format 3")
    ctx.close()
    with pytest.raises(sqlite3.DatabaseError):  # no key: not even the schema is readable
        sqlite3.connect(db).execute("SELECT count(*) FROM sqlite_master").fetchone()
    assert NAME.encode() not in db.read_bytes()
    slots = json.loads(slot_file_for(db).read_text())
    assert set(slots["slots"]) == {"admin"} and PASSWORD not in json.dumps(slots)


def test_only_a_right_password_opens_it(tmp_path: Path) -> None:
    db = tmp_path / "register.sqlite3"
    _encrypted(db).close()
    ctx = build_context(f"sqlite:///{db}", today=lambda: TODAY, cost=TEST_COST)
    assert ctx.encrypted and not ctx.is_open and not ctx.needs_first_account()
    for name, password in (("admin", "wrong password!"), ("nobody", PASSWORD)):
        with pytest.raises(SignInFailed, match="user name or password is not right"):
            ctx.sign_in(name, password)
        assert not ctx.is_open
    ctx.sign_in("admin", PASSWORD)
    assert ctx.is_open
    ctx.sign_out()
    assert not ctx.is_open  # signing out drops the key
    ctx.close()


def test_each_account_has_its_own_slot_and_losing_an_account_loses_the_slot(
        tmp_path: Path) -> None:
    db = tmp_path / "register.sqlite3"
    ctx = _encrypted(db)
    add_user(ctx.new_uow(), "fac", "Fac", Role.FACILITATOR, None, "facilitator-pass", TEST_COST)
    ctx.close()
    fac = build_context(f"sqlite:///{db}", today=lambda: TODAY, cost=TEST_COST)
    assert fac.sign_in("fac", "facilitator-pass").role is Role.FACILITATOR
    fac.close()
    admin = build_context(f"sqlite:///{db}", today=lambda: TODAY, cost=TEST_COST)
    admin.sign_in("admin", PASSWORD)
    set_user_active(admin.new_uow(), "fac", False)
    admin.close()
    assert "fac" not in json.loads(slot_file_for(db).read_text())["slots"]
    again = build_context(f"sqlite:///{db}", today=lambda: TODAY, cost=TEST_COST)
    with pytest.raises(SignInFailed):
        again.sign_in("fac", "facilitator-pass")
    again.close()


def test_a_missing_key_file_is_explained(tmp_path: Path) -> None:
    db = tmp_path / "register.sqlite3"
    _encrypted(db).close()
    slot_file_for(db).rename(tmp_path / "elsewhere.keys")
    with pytest.raises(DatabaseUnavailable, match="key file register.sqlite3.keys is missing"):
        build_context(f"sqlite:///{db}")


def test_backups_stay_encrypted_carry_the_slots_and_restore(tmp_path: Path) -> None:
    db = tmp_path / "register.sqlite3"
    ctx = _encrypted(db)
    import_file(ctx.new_uow(), ImportKind.REGISTER, _register_csv(tmp_path), TODAY)
    backups = ctx.backups()
    info = backups.backup_to(tmp_path / "backups" / "b.sqlite3")
    assert info.patients == 1 and NAME.encode() not in info.path.read_bytes()
    assert slot_file_for(info.path).read_text() == slot_file_for(db).read_text()
    assert backups.verify(info.path).patients == 1
    restored = backups.restore_from(info.path, tmp_path / "safety.sqlite3")
    assert restored.patients == 1
    ctx.close()
    again = build_context(f"sqlite:///{db}", today=lambda: TODAY, cost=TEST_COST)
    again.sign_in("admin", PASSWORD)
    with again._engine.connect() as conn:  # type: ignore[union-attr]
        assert conn.execute(text("SELECT family_name FROM patient")).scalar() == NAME
    again.close()


def test_an_old_plain_register_is_encrypted_when_its_first_account_is_made(
        tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    plain = build_context(f"sqlite:///{db}", today=lambda: TODAY, cost=TEST_COST,
                          encrypt_new=False)  # a register from before accounts existed
    plain.actor = None
    from db.models import Patient, Practice  # written directly: no one can sign in yet

    with plain._factory() as session:  # type: ignore[misc]
        practice = Practice(code="A00001", name="Old Surgery")
        session.add(practice)
        session.flush()
        session.add(Patient(practice_id=practice.id, nhs_number="9990000018",
                            given_name="Ann", family_name=NAME, sort_name=NAME.lower(),
                            date_of_birth=TODAY.replace(year=1970), sex="F"))
        session.commit()
    plain.close()
    assert NAME.encode() in db.read_bytes() + b"".join(
        p.read_bytes() for p in tmp_path.glob("old.sqlite3-*"))
    ctx = build_context(f"sqlite:///{db}", today=lambda: TODAY, cost=TEST_COST)
    assert ctx.needs_first_account() and not ctx.encrypted
    ctx.create_first_administrator("admin", "Administrator", PASSWORD)
    assert ctx.encrypted
    ctx.close()
    assert NAME.encode() not in _all_bytes(db)
    reopened = build_context(f"sqlite:///{db}", today=lambda: TODAY, cost=TEST_COST)
    reopened.sign_in("admin", PASSWORD)
    with reopened._engine.connect() as conn:  # type: ignore[union-attr]
        assert conn.execute(text("SELECT family_name FROM patient")).scalar() == NAME
    reopened.close()


def test_first_run_on_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("FACILITATOR_PASSWORD", PASSWORD)
    assert main(["--db", db, "register", "list"]) == 2
    assert "users create-admin" in capsys.readouterr().err
    assert main(["--db", db, "users", "create-admin", "admin", "--name", "Ann Admin"]) == 0
    assert "encrypted register" in capsys.readouterr().out
    assert main(["--db", db, "--user", "admin", "demo", "--patients", "30"]) == 0
    assert main(["--db", db, "--user", "admin", "users", "create-admin", "again"]) == 2
    capsys.readouterr()
    assert b"SQLite format 3" not in (tmp_path / "cli.sqlite3").read_bytes()[:16]


def _key_opens(db: Path, key: bytes) -> bool:
    import sqlcipher3.dbapi2 as sqlcipher

    conn = sqlcipher.connect(str(db))
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlcipher.DatabaseError:
        return False
    finally:
        conn.close()


def test_a_leavers_old_key_file_no_longer_opens_the_register(tmp_path: Path) -> None:
    """Switching an account off re-keys the register: a copy of the old key file (a backup's,
    say) and the leaver's password give a key that opens only what was copied then."""
    from db.encryption import KeySlotFile

    db = tmp_path / "register.sqlite3"
    ctx = _encrypted(db)
    add_user(ctx.new_uow(), "leaver", "Leaver", Role.FACILITATOR, None, "leavers-password",
             TEST_COST)
    copied = tmp_path / "copied.keys"
    copied.write_bytes(slot_file_for(db).read_bytes())
    old_key = KeySlotFile(copied).open_slot("leaver", "leavers-password")
    assert _key_opens(db, old_key)
    set_user_active(ctx.new_uow(), "leaver", False)
    assert not _key_opens(db, old_key)  # re-keyed
    assert NAME.encode() not in db.read_bytes()
    import_file(ctx.new_uow(), ImportKind.REGISTER, _register_csv(tmp_path), TODAY)  # still works
    ctx.close()
    again = build_context(f"sqlite:///{db}", today=lambda: TODAY, cost=TEST_COST)
    assert again.sign_in("admin", PASSWORD).role is Role.ADMINISTRATOR  # the others still open it
    again.close()


def test_a_changed_password_re_keys_and_the_old_one_opens_nothing(tmp_path: Path) -> None:
    from facilitator_app.services.accounts import change_password

    db = tmp_path / "register.sqlite3"
    ctx = _encrypted(db)
    add_user(ctx.new_uow(), "fac", "Fac", Role.FACILITATOR, None, "first-password", TEST_COST)
    change_password(ctx.new_uow(), "fac", "second-password", None, TEST_COST)  # admin reset
    set_user_active(ctx.new_uow(), "fac", False)
    from facilitator_app.services.accounts import AccountProblem

    with pytest.raises(AccountProblem, match="switched off"):  # no slot for a switched-off user
        change_password(ctx.new_uow(), "fac", "third-password!", None, TEST_COST)
    set_user_active(ctx.new_uow(), "fac", True)
    change_password(ctx.new_uow(), "fac", "third-password!", None, TEST_COST)
    ctx.close()
    for password, works in (("first-password", False), ("second-password", False),
                            ("third-password!", True)):
        attempt = build_context(f"sqlite:///{db}", today=lambda: TODAY, cost=TEST_COST)
        if works:
            attempt.sign_in("fac", password)
        else:
            with pytest.raises(SignInFailed):
                attempt.sign_in("fac", password)
        attempt.close()


def test_a_re_key_cut_off_half_way_still_opens(tmp_path: Path) -> None:
    """Killed after SQLCipher took the new key but before the new slots were renamed in: the
    next sign-in finds the pending slots and finishes the job."""
    import sqlcipher3.dbapi2 as sqlcipher

    from db.encryption import KeySlotFile, new_database_key

    db = tmp_path / "register.sqlite3"
    ctx = _encrypted(db)
    key = ctx._key
    ctx.close()
    slots = KeySlotFile(slot_file_for(db))
    new_key = new_database_key()
    slots.prepare_rekey(new_key)
    conn = sqlcipher.connect(str(db))
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")  # type: ignore[union-attr]
    conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
    conn.close()  # ... and the process dies here
    again = build_context(f"sqlite:///{db}", today=lambda: TODAY, cost=TEST_COST)
    again.sign_in("admin", PASSWORD)
    assert not slots.pending.exists() and _key_opens(db, new_key)
    again.close()


def test_old_plain_backups_are_encrypted_with_the_register(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    plain = build_context(f"sqlite:///{db}", today=lambda: TODAY, cost=TEST_COST,
                          encrypt_new=False)
    from db.backup import SqliteBackups

    assert plain._engine is not None
    with plain._factory() as session:  # type: ignore[misc]
        session.execute(text("INSERT INTO practice (code, name, address, phone, global_id, "
                             "version) VALUES ('A00001', :n, '', '', X'01', 1)"),
                        {"n": NAME})
        session.commit()
    backup = SqliteBackups(plain._engine).backup_to(tmp_path / "backups" / "facilitator-1.sqlite3")
    plain.close()
    assert NAME.encode() in backup.path.read_bytes()
    ctx = build_context(f"sqlite:///{db}", today=lambda: TODAY, cost=TEST_COST)
    ctx.create_first_administrator("admin", "Administrator", PASSWORD)
    assert NAME.encode() not in backup.path.read_bytes()
    assert slot_file_for(backup.path).exists()
    assert ctx.backups().verify(backup.path).schema_revision is not None
    ctx.close()
