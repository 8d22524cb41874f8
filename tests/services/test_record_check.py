"""Recording a whole check: all or nothing, follow-ups, recall anchor, idempotent re-save,
QRISK3 from the record (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, cast

import pytest
from sqlalchemy import func, select

import facilitator_app.domain.codes as codes
from db.models import (
    AuditEvent,
    CareAdjustment,
    ClinicalCondition,
    FollowUp,
    Observation,
    Patient,
)
from db.queries.checks import SqlCheckWriter
from db.unit_of_work import SqlAlchemyUnitOfWork
from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.check_form import CheckForm
from facilitator_app.domain.checks import Element
from facilitator_app.services.patients import PatientNotFound
from facilitator_app.services.qrisk_record import qrisk_from_record
from facilitator_app.services.record_check import (
    CheckFormInvalid,
    preview_check,
    record_check,
)
from tests.builders import RegisterBuilder
from tests.conftest import TODAY

ON = date(2026, 11, 2)

FULL = CheckForm(
    check_date="02/11/2026",
    height_cm="165",
    weight_kg="70",
    waist_cm="80",
    systolic="138",
    diastolic="84",
    systolic_2="134",
    diastolic_2="82",
    pulse="76",
    total_cholesterol="5.2",
    hdl_cholesterol="1.3",
    hba1c="40",
    audit_c_q1="1",
    audit_c_q2="0",
    audit_c_q3="0",
    smoking="never",
    substance_use="no",
    medication_review_done=True,
    cancer_screening="up_to_date",
    conditions={"af": False, "cvd": False},
)


def _count(ctx: AppContext, model: Any) -> int:
    with cast(SqlAlchemyUnitOfWork, ctx.new_uow()) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def _counts(ctx: AppContext) -> tuple[int, ...]:
    return tuple(_count(ctx, m) for m in (Observation, CareAdjustment, ClinicalCondition,
                                          FollowUp, AuditEvent))


def _patient(ctx: AppContext, *, dob: date = date(1966, 4, 1), sex: str = "F",
             diagnosed: date | None = date(2010, 3, 12)) -> int:
    b = RegisterBuilder(ctx)
    p = b.patient(dob=dob, sex=sex, diagnosed=diagnosed)
    patient_id = p.id
    b.commit()
    return patient_id


def _save(ctx: AppContext, patient_id: int, form: CheckForm) -> Any:
    return record_check(ctx.new_uow(), patient_id, form, TODAY, "tester")


def _follow_ups(ctx: AppContext, patient_id: int) -> list[FollowUp]:
    with cast(SqlAlchemyUnitOfWork, ctx.new_uow()) as uow:
        rows = uow.session.scalars(select(FollowUp).where(FollowUp.patient_id == patient_id)
                                   .order_by(FollowUp.id)).all()
        uow.session.expunge_all()
        return list(rows)


def test_an_invalid_form_writes_nothing_and_names_every_field(ctx: AppContext) -> None:
    patient_id = _patient(ctx)
    before = _counts(ctx)
    bad = CheckForm("02/11/2026", systolic="400", diastolic="90", hba1c="45",
                    smoking="never", adjustments={Element.LIPIDS: "declined"},
                    total_cholesterol="5")
    with pytest.raises(CheckFormInvalid) as caught:
        _save(ctx, patient_id, bad)
    assert [e.field for e in caught.value.errors] == ["systolic", "lipids_adjustment"]
    assert "Systolic blood pressure 400 mmHg is implausible" in caught.value.errors[0].message
    assert _counts(ctx) == before


def test_a_failure_part_way_undoes_everything(ctx: AppContext,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    patient_id = _patient(ctx)
    before = _counts(ctx)

    def broken(self: SqlCheckWriter, patient_id: int) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(SqlCheckWriter, "refresh_recall_anchor", broken)
    with pytest.raises(RuntimeError):
        _save(ctx, patient_id, FULL)
    assert _counts(ctx) == before


def test_patient_rules_need_the_record(ctx: AppContext) -> None:
    patient_id = _patient(ctx, dob=date(1990, 1, 1), sex="F")
    with pytest.raises(CheckFormInvalid) as caught:
        _save(ctx, patient_id, CheckForm("01/01/1985", pulse="70",
                                         conditions={"erectile_dysfunction": True}))
    assert [e.field for e in caught.value.errors] == ["check_date", "conditions"]
    with pytest.raises(PatientNotFound):
        _save(ctx, 999_999, FULL)


def test_a_full_check_writes_everything_and_refreshes_the_anchor(ctx: AppContext) -> None:
    patient_id = _patient(ctx)
    saved = _save(ctx, patient_id, FULL)
    with cast(SqlAlchemyUnitOfWork, ctx.new_uow()) as uow:
        s = uow.session
        stored = {o.code: (o.value, o.unit, o.element, o.source) for o in s.scalars(
            select(Observation).where(Observation.patient_id == patient_id))}
        anchor = s.scalar(select(Patient.core_check_oldest_on).where(Patient.id == patient_id))
        conditions = s.execute(select(ClinicalCondition.condition, ClinicalCondition.present)
                               .order_by(ClinicalCondition.condition)).all()
        audit = s.scalars(select(AuditEvent.detail)
                          .where(AuditEvent.action == "record_check")).one()
    assert stored[codes.BMI] == (25.7, "kg/m²", "bmi", "form")
    assert stored[codes.SYSTOLIC_BP][0] == 134 and stored[codes.SYSTOLIC_BP_OTHER][0] == 138
    assert stored[codes.NON_HDL_CHOLESTEROL][0] == 3.9
    assert stored[codes.AUDIT_C][0] == 1 and stored[codes.AUDIT_C_Q1][0] == 1
    assert stored[codes.NEVER_SMOKED][0] is None
    assert stored[codes.MEDICATION_REVIEW_DONE][2] == "medication_review"
    assert stored[codes.QRISK3_SCORE][1:] == ("%", "qrisk", "form")
    assert anchor == ON  # all six core elements done on the day
    assert [tuple(c) for c in conditions] == [("af", False), ("cvd", False)]
    detail = json.loads(audit)
    assert detail["recorded_by"] == "tester" and detail["counts"]["added"] == 22
    assert detail["before"] == {} and detail["after"][codes.SYSTOLIC_BP] == [134, "mmHg"]
    assert saved.qrisk.score == stored[codes.QRISK3_SCORE][0]
    # BMI 25.7 (overweight) is the only abnormal result; the BP kept is 134/82
    assert [f.element for f in saved.findings] == [Element.BMI]


def test_abnormal_results_create_follow_ups_linked_to_the_reading(ctx: AppContext) -> None:
    patient_id = _patient(ctx)
    form = CheckForm("02/11/2026", systolic="185", diastolic="100", hba1c="52",
                     smoking="current", cigarettes_per_day="15")
    saved = _save(ctx, patient_id, form)
    assert saved.follow_ups_created == 3
    follow_ups = _follow_ups(ctx, patient_id)
    with cast(SqlAlchemyUnitOfWork, ctx.new_uow()) as uow:
        code_of = dict(uow.session.execute(select(Observation.id, Observation.code)).all())
    rows = {code_of[f.observation_id]: f for f in follow_ups if f.observation_id}
    bp = rows[codes.SYSTOLIC_BP]
    assert bp.action.startswith("Blood pressure 185/100 mmHg is very high")
    assert (bp.assigned_to, bp.due_on, bp.done_on) == ("GP", ON, None)  # urgent: same day
    hba1c = rows[codes.HBA1C]
    assert "diabetes range" in hba1c.action and hba1c.due_on == date(2026, 11, 30)
    assert rows[codes.SMOKER].assigned_to == "Facilitator"


def test_saving_the_same_form_again_changes_nothing(ctx: AppContext) -> None:
    patient_id = _patient(ctx)
    form = CheckForm("02/11/2026", systolic="150", diastolic="95", smoking="current",
                     adjustments={Element.LIPIDS: "declined"}, conditions={"type2": True})
    first = _save(ctx, patient_id, form)
    counts = _counts(ctx)
    again = _save(ctx, patient_id, form)
    assert (again.observations_added, again.observations_changed, again.adjustments,
            again.conditions, again.follow_ups_created) == (0, 0, 0, 0, 0)
    assert _counts(ctx)[:4] == counts[:4]  # only the audit trail grows
    assert first.follow_ups_created == 2


def test_a_corrected_reading_replaces_the_old_one_and_withdraws_its_follow_up(
        ctx: AppContext) -> None:
    patient_id = _patient(ctx)
    _save(ctx, patient_id, CheckForm("02/11/2026", systolic="150", diastolic="95"))
    corrected = _save(ctx, patient_id, CheckForm("02/11/2026", systolic="125", diastolic="75"))
    assert (corrected.observations_added, corrected.observations_changed) == (0, 2)
    assert corrected.follow_ups_withdrawn == 1
    (follow_up,) = _follow_ups(ctx, patient_id)
    assert follow_up.done_on == TODAY and follow_up.outcome.startswith("Withdrawn")
    with cast(SqlAlchemyUnitOfWork, ctx.new_uow()) as uow:
        values = uow.session.scalars(select(Observation.value).where(
            Observation.code == codes.SYSTOLIC_BP)).all()
    assert values == [125]


def test_declined_and_unsuitable_are_care_adjustments(ctx: AppContext) -> None:
    patient_id = _patient(ctx)
    saved = _save(ctx, patient_id, CheckForm(
        "02/11/2026", adjustments={Element.BLOOD_PRESSURE: "declined",
                                   Element.GLUCOSE: "unsuitable"}))
    assert saved.adjustments == 2 and saved.observations_added == 0
    with cast(SqlAlchemyUnitOfWork, ctx.new_uow()) as uow:
        rows = uow.session.execute(
            select(CareAdjustment.element, CareAdjustment.reason, CareAdjustment.code,
                   CareAdjustment.recorded_on).order_by(CareAdjustment.element)).all()
    assert [tuple(r) for r in rows] == [
        ("blood_pressure", "declined", codes.PCA_DECLINED, ON),
        ("glucose", "unsuitable", codes.PCA_UNSUITABLE, ON),
    ]
    # changing one's mind the same day updates the adjustment rather than adding another
    _save(ctx, patient_id, CheckForm("02/11/2026",
                                     adjustments={Element.BLOOD_PRESSURE: "unsuitable"}))
    assert _count(ctx, CareAdjustment) == 2


def _vector_a_record(ctx: AppContext) -> int:
    """F 75, White, non-smoker, BMI 70/1.7², TC/HDL 4.0, latest SBP 120 with SD 10, no
    conditions and no SMI diagnosis (domain.md §4.4 vector A)."""
    b = RegisterBuilder(ctx)
    p = b.patient(dob=date(1951, 5, 1), sex="F", diagnosed=None)
    b.observation(p, codes.NEVER_SMOKED, None, date(2026, 6, 1))
    b.observation(p, codes.BMI, 70 / 1.7**2, date(2026, 6, 1))
    b.observation(p, codes.TOTAL_CHOLESTEROL, 5.2, date(2026, 6, 1))
    b.observation(p, codes.HDL_CHOLESTEROL, 1.3, date(2026, 6, 1))
    b.observation(p, codes.HDL_CHOLESTEROL, 2.6, date(2026, 7, 1))  # no TC that day: unused
    b.observation(p, codes.SYSTOLIC_BP, 110, date(2024, 6, 1))
    b.observation(p, codes.SYSTOLIC_BP, 130, date(2025, 6, 1))
    b.observation(p, codes.SYSTOLIC_BP, 120, date(2026, 6, 1))
    b.observation(p, codes.SYSTOLIC_BP, 200, date(2020, 6, 1))  # over 5 years before: unused
    patient_id = p.id
    b.commit()
    return patient_id


def test_qrisk_from_the_record_matches_vector_a(ctx: AppContext) -> None:
    patient_id = _vector_a_record(ctx)
    q = qrisk_from_record(ctx.new_uow(), patient_id, ON)
    assert q.result is not None and q.result.display == "18.1%"
    used = {u.label: u for u in q.inputs_used}
    assert used["Cholesterol/HDL ratio"].source_on == date(2026, 6, 1)
    assert used["Systolic blood pressure variability"].value.startswith("10.0 mmHg")
    assert used["Severe mental illness"].value == "no"
    # before any lipids were recorded there is no score, and it says why
    early = qrisk_from_record(ctx.new_uow(), patient_id, date(2026, 5, 31))
    assert early.result is None and "BMI is not recorded" in early.missing
    with pytest.raises(PatientNotFound):
        qrisk_from_record(ctx.new_uow(), 999_999, ON)


def test_a_saved_check_stores_the_score_and_a_statin_follow_up(ctx: AppContext) -> None:
    patient_id = _vector_a_record(ctx)
    form = CheckForm("02/11/2026", smoking="never")  # nothing else new: the record scores
    preview = preview_check(ctx.new_uow(), patient_id, form, TODAY)
    assert preview.qrisk is not None and preview.qrisk.score == 18.1
    assert preview.record is not None
    assert [c for c, _ in preview.record.findings] == [codes.QRISK3_SCORE]
    saved = _save(ctx, patient_id, form)
    assert saved.qrisk.score == 18.1
    (follow_up,) = _follow_ups(ctx, patient_id)
    assert follow_up.action.startswith("10-year CVD risk 18.1 % is at or above 10 %")
    assert follow_up.assigned_to == "GP"


def test_preview_reports_errors_without_writing(ctx: AppContext) -> None:
    patient_id = _patient(ctx)
    before = _counts(ctx)
    preview = preview_check(ctx.new_uow(), patient_id, CheckForm("02/11/2026", pulse="300"),
                            TODAY)
    assert [e.field for e in preview.errors] == ["pulse"] and preview.qrisk is None
    assert _counts(ctx) == before


def test_the_form_preview_and_the_save_agree_on_the_score(ctx: AppContext) -> None:
    patient_id = _patient(ctx, dob=date(1961, 1, 1), sex="M")
    form = CheckForm("02/11/2026", height_cm="180", weight_kg="92", systolic="138",
                     diastolic="84", total_cholesterol="6.1", hdl_cholesterol="1.0",
                     smoking="current", cigarettes_per_day="20", conditions={"type2": True})
    preview = preview_check(ctx.new_uow(), patient_id, form, TODAY)
    saved = _save(ctx, patient_id, form)
    assert preview.qrisk is not None and preview.qrisk.score == saved.qrisk.score
    assert saved.qrisk.score is not None and saved.qrisk.score >= 10
    assert any(f.summary.startswith("10-year CVD risk") for f in saved.findings)
