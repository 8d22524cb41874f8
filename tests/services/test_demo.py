"""The demo register: deterministic, realistic in its mix, all-or-nothing, never over real data."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from db.models import CareAdjustment, FollowUp, MedicationIssue, Observation, Patient, Remission
from db.unit_of_work import SqlAlchemyUnitOfWork
from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.nhs_number import is_test_range, is_valid_nhs_number
from facilitator_app.services.demo import (
    RegisterNotEmpty,
    build_demo_register,
    register_is_empty,
)
from facilitator_app.services.jobs import Cancelled, CancelToken
from tests.conftest import TODAY, open_test_context


def _session_scalar(ctx: AppContext, stmt):  # type: ignore[no-untyped-def]
    with ctx.new_uow() as uow:
        assert isinstance(uow, SqlAlchemyUnitOfWork)
        return uow.session.scalar(stmt)


def _patients(ctx: AppContext) -> list[tuple[object, ...]]:
    with ctx.new_uow() as uow:
        assert isinstance(uow, SqlAlchemyUnitOfWork)
        rows = uow.session.execute(
            select(Patient.nhs_number, Patient.family_name, Patient.given_name,
                   Patient.date_of_birth, Patient.sex, Patient.ethnicity,
                   Patient.core_check_oldest_on).order_by(Patient.id))
        return [tuple(r) for r in rows]


def test_demo_register_has_a_realistic_mix(ctx: AppContext) -> None:
    summary = build_demo_register(ctx.new_uow(), 600, 7, TODAY)
    assert summary.patients == 600 and summary.practices >= 3
    patients = _patients(ctx)
    assert len(patients) == 600
    assert all(is_valid_nhs_number(p[0]) and is_test_range(p[0]) for p in patients)  # type: ignore[arg-type]
    sexes = Counter(p[4] for p in patients)
    assert sexes["F"] > 200 and sexes["M"] > 200
    assert len({p[5] for p in patients}) >= 8  # ethnic categories
    anchors = [p[6] for p in patients]
    assert all(a is None or a <= TODAY for a in anchors)
    never = sum(a is None for a in anchors)
    assert 0.1 < never / 600 < 0.6  # partial or missing checks leave the anchor empty
    ages = [(TODAY - p[3]).days // 365 for p in patients]  # type: ignore[operator]
    assert min(ages) >= 16 and max(ages) <= 96
    assert 8 <= summary.observations / 600 <= 25
    assert _session_scalar(ctx, select(func.count()).select_from(Remission)) > 10
    assert _session_scalar(ctx, select(func.count(func.distinct(MedicationIssue.patient_id)))) > 30
    assert _session_scalar(ctx, select(func.count()).select_from(CareAdjustment)) > 5
    open_follow_ups = select(func.count()).where(FollowUp.done_on.is_(None))
    assert _session_scalar(ctx, open_follow_ups) > 5
    future = select(func.count()).where(Observation.observed_on > TODAY)
    assert _session_scalar(ctx, future) == 0


def test_same_seed_same_register_other_seed_other_register(tmp_path) -> None:  # type: ignore[no-untyped-def]
    registers = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        ctx = open_test_context(f"sqlite:///{tmp_path / name}.sqlite3")
        build_demo_register(ctx.new_uow(), 250, seed, date(2026, 1, 1))
        registers.append(_patients(ctx))
        ctx.close()
    assert registers[0] == registers[1]
    assert registers[0] != registers[2]


def test_refuses_a_database_that_has_patients(ctx: AppContext) -> None:
    build_demo_register(ctx.new_uow(), 30, 1, TODAY)
    with pytest.raises(RegisterNotEmpty):
        build_demo_register(ctx.new_uow(), 30, 2, TODAY)


def test_cancel_leaves_the_database_empty(ctx: AppContext) -> None:
    token = CancelToken()

    def progress(done: int, total: int) -> None:
        token.cancel()  # cancel after the first batch has been written

    with pytest.raises(Cancelled):
        build_demo_register(ctx.new_uow(), 12_000, 1, TODAY, progress=progress, cancel=token)
    assert register_is_empty(ctx.new_uow())


def test_size_is_checked() -> None:
    with pytest.raises(ValueError, match="between 1 and"):
        build_demo_register(None, 0, 1, TODAY)  # type: ignore[arg-type]
