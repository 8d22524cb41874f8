"""The latest dates kept on the patient row (schema 0006) equal what the records say, after every
kind of write that keeps them: the demo register, imports, a recorded check. The whole-register
statements trust them, so a stale one would be a wrong QOF count, not a slow one."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, cast

from alembic import command
from sqlalchemy import case, create_engine, false, func, select, true

from db.migrate import alembic_config, current_revision, upgrade_to_head
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
    # the latest BMI's value and the latest smoking code, the way the statements order them
    latest_bmi = (select(o.patient_id, o.value.label("bmi_last_value"))
                  .where(o.code == codes.BMI)
                  .order_by(o.patient_id, o.observed_on.desc()))
    latest_smoking = (select(o.patient_id, o.code.label("smoking_last_code"))
                      .where(o.element == "smoking")
                      .order_by(o.patient_id, o.observed_on.desc(), o.code.desc()))
    for stmt in (latest_bmi, latest_smoking):
        seen: set[int] = set()
        for row in session.execute(stmt).mappings():
            if row["patient_id"] not in seen:
                seen.add(row["patient_id"])
                out[row["patient_id"]].update({k: v for k, v in row.items() if k != "patient_id"})
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


KEPT = [*(element_column(e).name for e in KEPT_ELEMENTS), "bmi_last_value", "smoking_last_code",
        "first_diagnosis_on",
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
# A BMI with 17 significant digits (the kept value must read back exactly) and two smoking
# statuses on one day (the greatest code is the one the statements take).
RESULTS = "nhs_number,code,value,unit,date\n" + "".join(
    f"9434765919,{code},{value},,{on}\n" for code, value, on in (
        (codes.BMI, "31.5", "2025-10-01"), (codes.BMI, "24.999999999999996", "2026-03-12"),
        (codes.SYSTOLIC_BP, "120", "2026-03-12"), (codes.TOTAL_CHOLESTEROL, "4.1", "2026-03-12"),
        (codes.HBA1C, "38", "2026-03-12"), (codes.AUDIT_C, "2", "2026-03-12"),
        (codes.NEVER_SMOKED, "", "2026-03-12"), (codes.SMOKER, "", "2026-03-12"),
        (codes.EX_SMOKER, "", "2025-10-01")))


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
        kept = uow.session.execute(select(Patient.bmi_last_value,
                                          Patient.smoking_last_code)).one()
        assert tuple(kept) == (24.999999999999996, codes.SMOKER)
    entries = {e.nhs_number: e for e in register_entries(ctx.new_uow(), None, TODAY)}
    assert entries["9434765919"].in_remission
    assert entries["9434765919"].on_mh2
    # before the remission was recorded, the same patient was not in remission
    earlier = {e.nhs_number: e for e in register_entries(ctx.new_uow(), None, date(2026, 5, 1))}
    assert not earlier["9434765919"].in_remission


def test_migration_0009_fills_the_kept_bmi_and_smoking(ctx: AppContext, db_url: str) -> None:
    """A register made before schema 0009 gets the kept BMI value and smoking code from its
    records when it is upgraded."""
    build_demo_register(ctx.new_uow(), 200, 3, TODAY)
    engine = create_engine(db_url)
    with engine.connect() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")
        conn.commit()
    assert current_revision(engine) == "0008"
    upgrade_to_head(engine)
    engine.dispose()
    assert _assert_kept_dates_match(ctx) == 200
