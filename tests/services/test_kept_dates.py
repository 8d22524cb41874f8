"""The latest dates kept on the patient row (schema 0006) equal what the records say, after every
kind of write that keeps them: the demo register, imports, a recorded check. The whole-register
statements trust them, so a stale one would be a wrong QOF count, not a slow one."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, cast

from sqlalchemy import case, false, func, select, true

from db.models import (
    CareAdjustment,
    MedicationIssue,
    Observation,
    Patient,
    Remission,
    SmiDiagnosis,
)
from db.queries.recall import KEPT_ELEMENTS, element_column
from db.unit_of_work import SqlAlchemyUnitOfWork
from facilitator_app.bootstrap import AppContext
from facilitator_app.domain import codes
from facilitator_app.domain.import_format import ImportKind
from facilitator_app.services.caseload import register_entries
from facilitator_app.services.demo import build_demo_register
from facilitator_app.services.imports import import_file
from tests.conftest import TODAY


def _expected(session: Any) -> dict[int, dict[str, Any]]:
    """Every kept column, worked out from the records themselves."""
    out: dict[int, dict[str, Any]] = {pid: {} for pid in session.scalars(select(Patient.id))}

    def fill(stmt: Any) -> None:
        for row in session.execute(stmt).mappings():
            out[row["patient_id"]].update({k: v for k, v in row.items() if k != "patient_id"})

    o = Observation
    fill(select(o.patient_id, *[func.max(case((o.element == e, o.observed_on)))
                                .label(element_column(e).name) for e in KEPT_ELEMENTS])
         .group_by(o.patient_id))
    d = SmiDiagnosis
    fill(select(d.patient_id, func.min(d.diagnosed_on).label("first_diagnosis_on"),
                func.max(d.diagnosed_on).label("last_diagnosis_on")).group_by(d.patient_id))
    fill(select(Remission.patient_id, func.max(Remission.recorded_on).label("last_remission_on"))
         .group_by(Remission.patient_id))
    m = MedicationIssue
    fill(select(m.patient_id,
                func.max(case((m.stopped == false(), m.issued_on))).label("last_lithium_issue_on"),
                func.max(case((m.stopped == true(), m.issued_on))).label("last_lithium_stop_on"))
         .where(m.drug == "lithium").group_by(m.patient_id))
    fill(select(CareAdjustment.patient_id,
                func.max(CareAdjustment.recorded_on).label("last_care_adjustment_on"))
         .group_by(CareAdjustment.patient_id))
    return out


KEPT = [*(element_column(e).name for e in KEPT_ELEMENTS), "first_diagnosis_on",
        "last_diagnosis_on", "last_remission_on", "last_lithium_issue_on",
        "last_lithium_stop_on", "last_care_adjustment_on"]


def _assert_kept_dates_match(ctx: AppContext) -> int:
    with cast(SqlAlchemyUnitOfWork, ctx.new_uow()) as uow:
        expected = _expected(uow.session)
        table = Patient.__table__
        kept = {row.id: row for row in uow.session.execute(
            select(table.c.id, *[table.c[name] for name in KEPT]))}
    for pid, want in expected.items():
        got = {name: getattr(kept[pid], name) for name in KEPT}
        assert got == {name: want.get(name) for name in KEPT}, pid
    return len(expected)


def test_demo_register_keeps_every_date(ctx: AppContext) -> None:
    build_demo_register(ctx.new_uow(), 300, 7, TODAY)
    assert _assert_kept_dates_match(ctx) == 300


REGISTER = """nhs_number,given_name,family_name,date_of_birth,sex,ethnicity,address,postcode,\
practice_code,smi_diagnosis_code,smi_diagnosis_date,remission_date,lithium_issue_dates,\
lithium_stopped_date
9434765919,Zoe,Obi,17/05/1970,F,A,1 High Street,AT1 1AA,B86001,58214004,12/03/2010,,,
"""
LATER = """nhs_number,given_name,family_name,date_of_birth,sex,ethnicity,address,postcode,\
practice_code,smi_diagnosis_code,smi_diagnosis_date,remission_date,lithium_issue_dates,\
lithium_stopped_date
9434765919,Zoe,Obi,17/05/1970,F,A,1 High Street,AT1 1AA,B86001,58214004,12/03/2010,\
01/06/2026,01/09/2026,
"""
RESULTS = "nhs_number,code,value,unit,date\n" + "".join(
    f"9434765919,{code},{value},,2026-03-12\n" for code, value in (
        (codes.BMI, "24"), (codes.SYSTOLIC_BP, "120"), (codes.TOTAL_CHOLESTEROL, "4.1"),
        (codes.HBA1C, "38"), (codes.AUDIT_C, "2"), (codes.NEVER_SMOKED, "")))


def test_imports_keep_the_dates_of_patients_already_known(ctx: AppContext,
                                                          tmp_path: Path) -> None:
    """A second register file adds a remission and lithium for a patient who already has a
    complete check (so a recall anchor): the kept dates follow, and so does the register."""
    for name, kind, content in (("reg.csv", ImportKind.REGISTER, REGISTER),
                                ("res.csv", ImportKind.RESULTS, RESULTS),
                                ("later.csv", ImportKind.REGISTER, LATER)):
        path = tmp_path / name
        path.write_text(content, encoding="utf-8", newline="")
        report = import_file(ctx.new_uow(), kind, path, TODAY, imported_by="tester")
        assert report.ok, report.errors
    _assert_kept_dates_match(ctx)
    with cast(SqlAlchemyUnitOfWork, ctx.new_uow()) as uow:
        assert uow.session.scalar(select(Patient.core_check_oldest_on)) == date(2026, 3, 12)
    entries = {e.nhs_number: e for e in register_entries(ctx.new_uow(), None, TODAY)}
    assert entries["9434765919"].in_remission
    assert entries["9434765919"].on_mh2
    # before the remission was recorded, the same patient was not in remission
    earlier = {e.nhs_number: e for e in register_entries(ctx.new_uow(), None, date(2026, 5, 1))}
    assert not earlier["9434765919"].in_remission
