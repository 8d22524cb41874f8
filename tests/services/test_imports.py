"""Importing extracts: all or nothing, idempotent, recorded - on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import func, select, text

from db.models import (
    Base,
    FollowUp,
    ImportRecord,
    MedicationIssue,
    Observation,
    Patient,
    Practice,
    Remission,
    SmiDiagnosis,
)
from db.queries import recall
from db.unit_of_work import SqlAlchemyUnitOfWork
from facilitator_app.bootstrap import AppContext
from facilitator_app.domain import codes
from facilitator_app.domain.import_format import ImportKind
from facilitator_app.services.demo_extracts import write_demo_extracts
from facilitator_app.services.imports import (
    ImportReport,
    import_file,
    preview_file,
    recent_imports,
)
from facilitator_app.services.jobs import Cancelled, CancelToken
from tests.conftest import TODAY

REGISTER_HEADER = ("nhs_number,given_name,family_name,date_of_birth,sex,ethnicity,address,"
                   "postcode,practice_code,smi_diagnosis_code,smi_diagnosis_date,"
                   "remission_date,lithium_issue_dates,lithium_stopped_date\n")
REGISTER = REGISTER_HEADER + """\
9434765919,Zoë,O'Brien,17/05/1970,F,A,"1 High Street, Anytown",AT1 1AA,B86001,58214004,\
12/03/2010,,,
9999999999,Sam,Patel,1985-01-02,M,H,2 Low Road,,B86001,13746004,2015-06-01,2020-01-01,,
9990000018,Lee,Morgan,1960-12-31,U,,,,B86002,,,,01/10/2026 01/11/2026,
"""

RESULTS = """nhs_number,code,value,unit,date
9434765919,271649006,128,mmHg,12/03/2026
9434765919,271650006,82,mmHg,12/03/2026
9434765919,hba1c,52,mmol/mol,12/03/2026
9434765919,smoking,current,,12/03/2026
9999999999,60621009,31.2,kg/m2,2025-01-05
9999999999,60621009,31.2,kg/m2,2025-01-05
"""


def _write(tmp_path: Path, name: str, content: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(content, encoding=encoding, newline="")
    return path


def _count(ctx: AppContext, model: type[Base]) -> int:
    with cast(SqlAlchemyUnitOfWork, ctx.new_uow()) as uow:
        return uow.session.scalar(select(func.count()).select_from(model)) or 0


def _import(ctx: AppContext, kind: ImportKind, path: Path, *, dry_run: bool = False,
            cancel: CancelToken | None = None) -> ImportReport:
    return import_file(ctx.new_uow(), kind, path, TODAY, imported_by="tester", dry_run=dry_run,
                       cancel=cancel)


def test_register_import_creates_patients_practices_and_records(ctx: AppContext,
                                                                 tmp_path: Path) -> None:
    report = _import(ctx, ImportKind.REGISTER, _write(tmp_path, "reg.csv", REGISTER))
    assert report.ok, report.errors
    assert (report.rows, report.added, report.updated, report.unchanged) == (3, 3, 0, 0)
    assert report.records_added == 2 + 1 + 2  # two diagnoses, one remission, two lithium issues
    with cast(SqlAlchemyUnitOfWork, ctx.new_uow()) as uow:
        s = uow.session
        zoe = s.scalars(select(Patient).where(Patient.nhs_number == "9434765919")).one()
        assert (zoe.given_name, zoe.sort_name, zoe.address) == (
            "Zoë", "o'brien zoe", "1 High Street\nAnytown")
        assert sorted(s.scalars(select(Practice.code))) == ["B86001", "B86002"]
        assert s.scalar(select(func.count()).select_from(Remission)) == 1
        assert s.scalar(select(func.count()).select_from(MedicationIssue)) == 2
        record = s.scalars(select(ImportRecord)).one()
        assert (record.kind, record.rows, record.added, record.imported_by) == (
            "register", 3, 3, "tester")
        assert len(record.file_sha256) == 64


def test_reimporting_the_same_files_changes_nothing(ctx: AppContext, tmp_path: Path) -> None:
    reg = _write(tmp_path, "reg.csv", REGISTER)
    res = _write(tmp_path, "res.csv", RESULTS)
    _import(ctx, ImportKind.REGISTER, reg)
    first = _import(ctx, ImportKind.RESULTS, res)
    assert (first.added, first.duplicates) == (5, 1)
    observations = _count(ctx, Observation)
    follow_ups = _count(ctx, FollowUp)
    again_reg = _import(ctx, ImportKind.REGISTER, reg)
    again_res = _import(ctx, ImportKind.RESULTS, res)
    assert (again_reg.added, again_reg.updated, again_reg.unchanged) == (0, 0, 3)
    assert again_reg.records_added == 0
    assert (again_res.added, again_res.updated, again_res.unchanged) == (0, 0, 5)
    assert again_res.follow_ups == 0
    assert (_count(ctx, Observation), _count(ctx, FollowUp)) == (observations, follow_ups)
    assert again_res.imported_before and again_res.imported_before[0][1] == "tester"
    assert "imported before" in again_res.summary()
    assert [e.kind for e in recent_imports(ctx.new_uow())] == [
        "results", "register", "results", "register"]


def test_changed_details_and_values_update_in_place(ctx: AppContext, tmp_path: Path) -> None:
    _import(ctx, ImportKind.REGISTER, _write(tmp_path, "reg.csv", REGISTER))
    _import(ctx, ImportKind.RESULTS, _write(tmp_path, "res.csv", RESULTS))
    moved = REGISTER.replace('"1 High Street, Anytown",AT1 1AA', '"9 New Road, Anytown",AT2 2BB')
    report = _import(ctx, ImportKind.REGISTER, _write(tmp_path, "reg2.csv", moved))
    assert (report.added, report.updated, report.unchanged) == (0, 1, 2)
    corrected = RESULTS.replace("hba1c,52", "hba1c,39")
    report = _import(ctx, ImportKind.RESULTS, _write(tmp_path, "res2.csv", corrected))
    assert (report.added, report.updated, report.unchanged) == (0, 1, 4)
    with cast(SqlAlchemyUnitOfWork, ctx.new_uow()) as uow:
        s = uow.session
        assert s.scalar(select(Patient.postcode).where(Patient.nhs_number == "9434765919")) == \
            "AT2 2BB"
        hba1c = s.scalars(select(Observation).where(Observation.code == codes.HBA1C)).one()
        assert (hba1c.value, hba1c.version) == (39, 2)


def test_a_mixed_reimport_counts_each_row_once(ctx: AppContext, tmp_path: Path) -> None:
    """Added, updated, unchanged and repeated rows in one file: the counts come from what each
    statement wrote, so each kind is checked beside the others."""
    _import(ctx, ImportKind.REGISTER, _write(tmp_path, "reg.csv", REGISTER))
    _import(ctx, ImportKind.RESULTS, _write(tmp_path, "res.csv", RESULTS))
    before = _count(ctx, Observation)
    mixed = (RESULTS.replace("hba1c,52", "hba1c,39")
             + "9434765919,hba1c,39,mmol/mol,12/03/2026\n"  # the corrected value, repeated
             + "9990000018,271649006,118,mmHg,01/11/2026\n")  # new
    report = _import(ctx, ImportKind.RESULTS, _write(tmp_path, "mixed.csv", mixed))
    assert report.ok, report.errors
    assert (report.rows, report.added, report.updated, report.unchanged, report.duplicates) == (
        8, 1, 1, 4, 2)
    assert _count(ctx, Observation) == before + 1
    with cast(SqlAlchemyUnitOfWork, ctx.new_uow()) as uow:
        hba1c = uow.session.scalars(
            select(Observation).where(Observation.code == codes.HBA1C)).one()
        assert (hba1c.value, hba1c.version) == (39, 2)


def test_abnormal_recent_results_create_follow_ups(ctx: AppContext, tmp_path: Path) -> None:
    _import(ctx, ImportKind.REGISTER, _write(tmp_path, "reg.csv", REGISTER))
    report = _import(ctx, ImportKind.RESULTS, _write(tmp_path, "res.csv", RESULTS))
    # HbA1c 52 on 12/03/2026 is in the diabetes range and the patient smokes; BMI 31.2 on
    # 05/01/2025 is older than 12 months, so it is history, not an action; BP 128/82 is normal.
    assert report.follow_ups == 2
    with cast(SqlAlchemyUnitOfWork, ctx.new_uow()) as uow:
        by_code = {}
        for follow_up in uow.session.scalars(select(FollowUp)):
            observation = uow.session.get(Observation, follow_up.observation_id)
            assert observation is not None and follow_up.done_on is None
            by_code[observation.code] = follow_up
        assert set(by_code) == {codes.HBA1C, codes.SMOKER}
        assert "diabetes" in by_code[codes.HBA1C].action.lower()
        assert by_code[codes.HBA1C].due_on == date(2026, 4, 9)  # 28 days after the reading
        assert (by_code[codes.HBA1C].assigned_to, by_code[codes.SMOKER].assigned_to) == (
            "GP", "Facilitator")


def test_results_refresh_the_recall_anchor(ctx: AppContext, tmp_path: Path) -> None:
    _import(ctx, ImportKind.REGISTER, _write(tmp_path, "reg.csv", REGISTER))
    lines = ["nhs_number,code,value,unit,date"] + [
        f"9434765919,{code},{value},,2026-03-12" for code, value in (
            (codes.BMI, "24"), (codes.SYSTOLIC_BP, "120"), (codes.TOTAL_CHOLESTEROL, "4.1"),
            (codes.HBA1C, "38"), (codes.AUDIT_C, "2"), (codes.NEVER_SMOKED, ""))]
    _import(ctx, ImportKind.RESULTS, _write(tmp_path, "res.csv", "\n".join(lines) + "\n"))
    with cast(SqlAlchemyUnitOfWork, ctx.new_uow()) as uow:
        anchor = uow.session.scalar(select(Patient.core_check_oldest_on)
                                    .where(Patient.nhs_number == "9434765919"))
    assert anchor == date(2026, 3, 12)


def test_a_bad_file_lists_every_problem_and_writes_nothing(ctx: AppContext,
                                                           tmp_path: Path) -> None:
    _import(ctx, ImportKind.REGISTER, _write(tmp_path, "reg.csv", REGISTER))
    bad = RESULTS + (
        "9434765919,271649006,400,mmHg,12/03/2026\n"  # row 8: conflicts with row 2 and implausible
        "9434765918,271649006,120,mmHg,12/03/2026\n"  # row 9: checksum
        "9990000026,271649006,120,mmHg,12/03/2026\n"  # row 10: not on the register
        "9434765919,271649006,120,mmHg,23/11/2026\n"  # row 11: future
        "9434765919,271649006,120\n"  # row 12: short row
    )
    before = _count(ctx, Observation)
    report = _import(ctx, ImportKind.RESULTS, _write(tmp_path, "bad.csv", bad))
    assert not report.ok and not report.written
    found = {(e.row, e.column) for e in report.errors}
    assert {(8, "value"), (9, "nhs_number"), (11, "date"), (12, "")} <= found
    assert "Nothing was imported" in report.summary()
    assert _count(ctx, Observation) == before
    assert _count(ctx, ImportRecord) == 1  # only the register


def test_cross_row_problems_are_found_after_every_row_is_valid(ctx: AppContext,
                                                                tmp_path: Path) -> None:
    _import(ctx, ImportKind.REGISTER, _write(tmp_path, "reg.csv", REGISTER))
    bad = RESULTS + (
        "9434765919,271649006,150,mmHg,12/03/2026\n"  # row 8: disagrees with row 2
        "9990000026,271649006,120,mmHg,12/03/2026\n"  # row 9: not on the register
        "9434765919,271649006,120,mmHg,01/01/1965\n"  # row 10: before birth
    )
    report = _import(ctx, ImportKind.RESULTS, _write(tmp_path, "bad.csv", bad))
    reasons = {e.row: e.reason for e in report.errors}
    assert "row 2 has a different value" in reasons[8]
    assert "not on the register" in reasons[9]
    assert "before the patient's date of birth" in reasons[10]
    assert _count(ctx, Observation) == 0


def test_register_rows_for_one_patient_must_agree(ctx: AppContext, tmp_path: Path) -> None:
    extra = ("9434765919,Zoë,O'Brien,17/05/1970,F,A,\"1 High Street, Anytown\",AT1 1AA,B86001,"
             "68890003,01/01/2020,,,\n"
             "9434765919,Zoe,O'Brien,17/05/1970,F,A,\"1 High Street, Anytown\",AT1 1AA,B86001,"
             "69322001,01/01/2021,,,\n")
    report = _import(ctx, ImportKind.REGISTER, _write(tmp_path, "r.csv", REGISTER + extra))
    assert [(e.row, e.column) for e in report.errors] == [(6, "given_name")]
    assert "row 2 has the same NHS number" in report.errors[0].reason
    assert _count(ctx, Patient) == 0
    good = _import(ctx, ImportKind.REGISTER,
                   _write(tmp_path, "r2.csv", REGISTER + extra.splitlines(True)[0]))
    assert good.ok and good.added == 3 and good.duplicates == 1
    assert _count(ctx, SmiDiagnosis) == 3


def test_dry_run_reports_counts_and_writes_nothing(ctx: AppContext, tmp_path: Path) -> None:
    report = _import(ctx, ImportKind.REGISTER, _write(tmp_path, "reg.csv", REGISTER),
                     dry_run=True)
    assert report.ok and report.dry_run and not report.written
    assert report.added == 3
    assert "Dry run" in report.summary()
    assert (_count(ctx, Patient), _count(ctx, Practice), _count(ctx, ImportRecord)) == (0, 0, 0)


def test_cancel_rolls_back(ctx: AppContext, tmp_path: Path) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        _import(ctx, ImportKind.REGISTER, _write(tmp_path, "reg.csv", REGISTER), cancel=token)
    assert _count(ctx, Patient) == 0


def test_semicolons_bom_day_first_dates_and_windows_1252(ctx: AppContext,
                                                         tmp_path: Path) -> None:
    semicolons = REGISTER.replace(",", ";").replace('"1 High Street; Anytown"',
                                                    '"1 High Street, Anytown"')
    report = _import(ctx, ImportKind.REGISTER,
                     _write(tmp_path, "excel.csv", "\ufeff" + semicolons, "utf-8"))
    assert report.ok, report.errors
    assert (report.delimiter, report.encoding, report.added) == (";", "UTF-8", 3)
    legacy = _import(ctx, ImportKind.REGISTER, _write(tmp_path, "legacy.csv", REGISTER,
                                                      "cp1252"))
    assert legacy.ok and legacy.encoding == "Windows-1252" and legacy.unchanged == 3


def test_unreadable_and_headerless_files_are_reported_as_row_1(ctx: AppContext,
                                                               tmp_path: Path) -> None:
    report = _import(ctx, ImportKind.RESULTS, _write(tmp_path, "empty.csv", ""))
    assert [(e.row, e.column) for e in report.errors] == [(1, "")]
    report = _import(ctx, ImportKind.RESULTS, _write(tmp_path, "x.csv", "a,b\n1,2\n"))
    assert {e.reason for e in report.errors} >= {"required column 'nhs_number' is missing"}


def test_preview_shows_the_mapping_before_anything_is_written(tmp_path: Path) -> None:
    preview = preview_file(ImportKind.RESULTS, _write(tmp_path, "res.csv", RESULTS))
    assert preview.delimiter == "," and preview.mapping.ok
    assert preview.rows[0][0] == "9434765919" and len(preview.rows) == 5
    assert ("code", "code") in preview.mapping.preview()


def test_demo_extracts_round_trip(ctx: AppContext, tmp_path: Path) -> None:
    """The shipped example files import cleanly, in both spellings, and agree."""
    reg, res = tmp_path / "register.csv", tmp_path / "results.csv"
    rows, results = write_demo_extracts(60, 3, TODAY, reg, res)
    report = _import(ctx, ImportKind.REGISTER, reg)
    assert report.ok, report.errors[:5]
    assert report.added == 60 and report.duplicates == rows - 60
    report = _import(ctx, ImportKind.RESULTS, res)
    assert report.ok, report.errors[:5]
    assert report.added == results
    reg2, res2 = tmp_path / "register2.csv", tmp_path / "results2.csv"
    write_demo_extracts(60, 3, TODAY, reg2, res2, style="spreadsheet")
    assert _import(ctx, ImportKind.REGISTER, reg2).unchanged == 60
    assert _import(ctx, ImportKind.RESULTS, res2).unchanged == results


@pytest.mark.sqlite_only
def test_rejected_import_leaves_the_sqlite_file_byte_for_byte_unchanged(
    sqlite_ctx: AppContext, tmp_path: Path
) -> None:
    _import(sqlite_ctx, ImportKind.REGISTER, _write(tmp_path, "reg.csv", REGISTER))
    with cast(SqlAlchemyUnitOfWork, sqlite_ctx.new_uow()) as uow:
        uow.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    database = Path(sqlite_ctx.database.removeprefix("sqlite:///"))
    before = database.read_bytes()
    bad = REGISTER + "9434765918,A,B,01/01/1980,F,A,,,B86001,58214004,01/01/2000,,,\n"
    report = _import(sqlite_ctx, ImportKind.REGISTER, _write(tmp_path, "bad.csv", bad))
    assert not report.ok
    with cast(SqlAlchemyUnitOfWork, sqlite_ctx.new_uow()) as uow:
        uow.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    assert database.read_bytes() == before


def test_kept_dates_refreshed_in_batches_match_one_pass(ctx: AppContext, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """An import refreshes the patient's kept dates a batch of patients at a time (bounded
    memory on big registers); small batches that split the register must give what one pass
    over everyone gives."""
    monkeypatch.setattr(recall, "REFRESH_BATCH", 7)
    reg, res = tmp_path / "register.csv", tmp_path / "results.csv"
    write_demo_extracts(60, 5, TODAY, reg, res)
    assert _import(ctx, ImportKind.REGISTER, reg).ok
    assert _import(ctx, ImportKind.RESULTS, res).ok
    kept = [c for c in Patient.__table__.c
            if c.name.endswith(("_on", "_value", "_code")) and c.name not in
            ("date_of_birth", "registered_on", "deducted_on")]
    assert len(kept) >= 14

    def snapshot() -> list[tuple[object, ...]]:
        with cast(SqlAlchemyUnitOfWork, ctx.new_uow()) as uow:
            return [tuple(r) for r in uow.session.execute(select(*kept).order_by(Patient.id))]

    batched = snapshot()
    assert sum(1 for row in batched if any(v is not None for v in row)) > 50
    monkeypatch.setattr(recall, "REFRESH_BATCH", 1_000_000)
    with cast(SqlAlchemyUnitOfWork, ctx.new_uow()) as uow:
        recall.refresh_recall_anchor(uow.session)
        uow.commit()
    assert snapshot() == batched
