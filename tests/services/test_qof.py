"""The QOF summary: set-based SQL against the pure per-patient rules, and hand-computed
registers, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

import pytest

from db.models import CareAdjustment, ClinicalCondition, Observation, Patient
from facilitator_app.bootstrap import AppContext
from facilitator_app.domain import codes
from facilitator_app.domain.checks import CORE_ELEMENTS
from facilitator_app.domain.dates import QofYear
from facilitator_app.domain.qof.evaluate import QofFacts, State, evaluate
from facilitator_app.domain.qof.rules import ruleset_for
from facilitator_app.domain.register import RegisterFacts
from facilitator_app.services.caseload import UnknownPractice
from facilitator_app.services.qof import outstanding_patients, patient_qof, qof_summary
from tests.builders import CORE_CODE, RegisterBuilder

YEAR = QofYear(2024)
REF = YEAR.end  # 31/03/2025
TODAY = date(2026, 11, 22)
RULES = ruleset_for(YEAR)
EDGES = [date(2023, 4, 1), date(2023, 3, 31), date(2024, 3, 31), date(2024, 4, 1),
         date(2024, 10, 1), date(2025, 1, 1), date(2024, 12, 31), date(2025, 3, 31),
         date(2025, 4, 1), date(2022, 6, 1)]
SMOKING = (codes.SMOKER, codes.EX_SMOKER, codes.NEVER_SMOKED)


def _pick(rng: random.Random, n: int) -> list[date]:
    return sorted(set(rng.sample(EDGES, n)))


def _add(b: RegisterBuilder, p: Patient, element: str, code: str, value: float | None,
         on: date) -> None:
    b.session.add(Observation(patient_id=p.id, element=element, code=code, value=value,
                              unit="", observed_on=on))


def test_sql_counts_match_the_pure_rules_on_a_random_register(ctx: AppContext) -> None:
    rng = random.Random(31032025)
    b = RegisterBuilder(ctx)
    expected: Counter[tuple[str, str]] = Counter()
    for i in range(150):
        dx = _pick(rng, rng.randint(1, 2)) if rng.random() < 0.9 else []
        remission = _pick(rng, 1) if rng.random() < 0.15 else []
        lithium = _pick(rng, 1) if rng.random() < 0.1 else []
        registered = rng.choice(EDGES + [date(2000, 1, 1)] * 5)
        ethnicity = rng.choice("AAAHJRZN")
        p = b.patient(f"P{i:03d}", diagnosed=None, practice=rng.choice(["A00001", "A00002"]))
        p.registered_on, p.ethnicity = registered, ethnicity
        for d in dx:
            b.diagnosis(p, d)
        for d in remission:
            b.remission(p, d)
        for d in lithium:
            b.lithium(p, d)
        records: dict[str, list[date]] = {}
        smoking: list[tuple[date, str]] = []
        bmi: list[tuple[date, float]] = []
        for element in CORE_ELEMENTS:
            for d in _pick(rng, rng.randint(0, 2)):
                code = rng.choice(SMOKING) if element.value == "smoking" else CORE_CODE[element]
                value = None if element.value == "smoking" else rng.choice([22.0, 23.0, 26.0,
                                                                           31.0])
                b.observation(p, code, value, d)
                records.setdefault(element.value, []).append(d)
                if code in SMOKING:
                    smoking.append((d, code))
                if code == codes.BMI and value is not None:
                    bmi.append((d, value))
        for d in _pick(rng, rng.randint(0, 1)):
            _add(b, p, "care_plan", codes.CARE_PLAN_CLUSTER, None, d)
            records.setdefault("care_plan", []).append(d)
        adjustments: list[tuple[str, str | None, date]] = []
        for _ in range(rng.choice([0, 0, 0, 1])):
            reason = rng.choice(["declined", "unsuitable"])
            element = rng.choice([None, None, "blood_pressure", "lipids", "care_plan"])
            d = rng.choice(EDGES)
            code = codes.PCA_DECLINED if reason == "declined" else codes.PCA_UNSUITABLE
            b.session.add(CareAdjustment(patient_id=p.id, reason=reason, code=code,
                                         element=element, recorded_on=d))
            adjustments.append((reason, element, d))
        invitations = [rng.choice(EDGES) + timedelta(days=k * rng.choice([3, 7]))
                       for k in range(rng.choice([0, 0, 2]))]
        for d in sorted(set(invitations)):
            b.session.add(CareAdjustment(patient_id=p.id, reason="invitation",
                                         code=codes.MH_INVITATION, element=None, recorded_on=d))
        conditions = []
        if rng.random() < 0.15:
            b.session.add(ClinicalCondition(patient_id=p.id, condition="type2", present=True,
                                            recorded_on=date(2020, 1, 1)))
            conditions.append("type2")
        facts = QofFacts(
            register=RegisterFacts(tuple(dx), tuple(remission), tuple(lithium)),
            registered_on=registered, ethnicity=ethnicity,
            records={k: tuple(v) for k, v in records.items()},
            adjustments=tuple(adjustments), invitations=tuple(sorted(set(invitations))),
            smoking=tuple(smoking), bmi=tuple(bmi), conditions=tuple(conditions))
        for iid, outcome in evaluate(facts, RULES, REF).items():
            if iid != "MH001" and outcome.state is not State.NOT_ELIGIBLE:
                expected[(iid, outcome.pca or outcome.state.value)] += 1
    b.commit()

    summary = qof_summary(ctx.new_uow(), YEAR, TODAY)
    got: Counter[tuple[str, str]] = Counter()
    for practice in summary.practices:
        for result in practice.indicators:
            iid = result.indicator.id
            got[(iid, "achieved")] += result.numerator
            got[(iid, "outstanding")] += result.outstanding
            for reason, n in result.exceptions.items():
                got[(iid, reason)] += n
    assert +got == +expected
    assert expected[("MH003", "achieved")] and expected[("MH003", "outstanding")]
    assert sum(v for (_, k), v in expected.items() if k in ("declined", "unsuitable",
                                                            "no_response")) > 0


def _small_register(ctx: AppContext) -> dict[str, Patient]:
    """Five patients whose outcomes are worked out by hand in the test below."""
    b = RegisterBuilder(ctx)
    done = b.patient("Done")
    b.full_check(done, date(2024, 4, 1))
    late = b.patient("Late")
    b.full_check(late, date(2024, 3, 31))  # one day before the year
    declined = b.patient("Declined")
    b.session.add(CareAdjustment(patient_id=declined.id, reason="declined",
                                 code=codes.PCA_DECLINED, element=None,
                                 recorded_on=date(2024, 6, 1)))
    remission = b.patient("Remission")
    b.remission(remission, date(2020, 1, 1))
    lithium = b.patient("Lithium", diagnosed=None)
    b.lithium(lithium, date(2025, 3, 1))
    b.commit()
    return {"done": done, "late": late, "declined": declined}


def test_hand_computed_register(ctx: AppContext) -> None:
    _small_register(ctx)
    summary = qof_summary(ctx.new_uow(), YEAR, TODAY)
    (practice,) = summary.practices
    assert (practice.register, practice.cohort) == (5, 3)  # remission and lithium: MH001 only
    assert practice.phc_all_six == 1 and practice.patients_outstanding == 2
    mh003 = next(r for r in practice.indicators if r.indicator.id == "MH003")
    assert (mh003.eligible, mh003.excepted, mh003.denominator, mh003.numerator) == (3, 1, 2, 1)
    assert mh003.achievement == 50.0
    assert mh003.points == 0.0  # exactly the 50 % lower threshold earns nothing
    assert mh003.points_available == 3
    mh011 = next(r for r in practice.indicators if r.indicator.id == "MH011")
    assert mh011.numerator == 2  # lipids on 31/03/2024 are inside the 24-month window
    assert mh011.achievement == 100.0 and mh011.points == 7
    assert summary.pence(mh011.points) == 7 * 22062
    assert practice.register_points == 4


def test_outstanding_list_and_why_in_why_out(ctx: AppContext) -> None:
    patients = _small_register(ctx)
    rows = list(outstanding_patients(ctx.new_uow(), YEAR, TODAY, indicator_id="MH003"))
    assert [r.family_name for r in rows] == ["Late"]
    assert "Blood pressure" in rows[0].needs and "MH021" in rows[0].outstanding
    why = patient_qof(ctx.new_uow(), patients["late"].id, YEAR, TODAY)
    assert why.outcome("MH003").reason == "Blood pressure not recorded in the last 12 months"
    assert why.outcome("MH011").state is State.ACHIEVED
    why = patient_qof(ctx.new_uow(), patients["declined"].id, YEAR, TODAY)
    assert why.outcome("MH003").reason == "Informed dissent 01/06/2024"


def test_unknown_practice(ctx: AppContext) -> None:
    with pytest.raises(UnknownPractice):
        qof_summary(ctx.new_uow(), YEAR, TODAY, practice_code="Z00000")
