"""QOF rules: scoring from domain.md §2.3's worked example and per-patient outcomes at the edges."""

from __future__ import annotations

from datetime import date

import pytest

from facilitator_app.domain.dates import QofYear
from facilitator_app.domain.qof.evaluate import QofFacts, State, evaluate
from facilitator_app.domain.qof.rules import (
    IndicatorKind,
    NoRulesForYear,
    available_years,
    parse_ruleset,
    ruleset_for,
)
from facilitator_app.domain.qof.scoring import (
    achievement_percent,
    pca_rate_percent,
    points_earned,
    points_if,
)
from facilitator_app.domain.register import RegisterFacts

REF = date(2025, 3, 31)
RULES = ruleset_for(QofYear(2024))
SIX = ("bmi", "blood_pressure", "lipids", "glucose", "alcohol", "smoking")


# --- scoring: domain.md §2.3 worked example -------------------------------------------------


def test_worked_example() -> None:
    achievement = achievement_percent(80, 95)
    assert achievement == pytest.approx(84.2105, abs=1e-4)
    assert round(points_earned(achievement, 4, 50, 90), 2) == 3.42
    assert pca_rate_percent(5, 95) == 5.0
    assert round(points_earned(achievement, 6, 50, 90), 2) == 5.13


@pytest.mark.parametrize(("achievement", "points"), [
    (50.0, 0.0), (49.9, 0.0), (90.0, 6.0), (95.0, 6.0), (70.0, 3.0), (None, 0.0)])
def test_points_at_and_beyond_the_thresholds(achievement: float | None, points: float) -> None:
    assert points_earned(achievement, 6, 50, 90) == pytest.approx(points)


def test_empty_denominator_is_not_applicable() -> None:
    assert achievement_percent(0, 0) is None
    assert pca_rate_percent(0, 0) is None
    assert points_if(0, 0, 6, 50, 90) == 0


# --- rules as data -------------------------------------------------------------------------------


def test_rules_load_with_a_source_for_every_number() -> None:
    assert QofYear(2024) in available_years()
    assert RULES.business_rules.startswith("v")
    assert RULES.point_value_pence > 0 and RULES.point_value_source
    for indicator in RULES.indicators:
        assert indicator.source, indicator.id
        if indicator.kind is not IndicatorKind.REGISTER:
            assert indicator.lower is not None and indicator.upper is not None
            assert 0 <= indicator.lower < indicator.upper <= 100
    assert RULES.indicator("MH011").low_risk_window_months == 24


def test_a_year_without_rules_says_which_years_exist() -> None:
    with pytest.raises(NoRulesForYear, match="2024/25"):
        ruleset_for(QofYear(1999))


_CLUSTERS = ('[clusters]\nMHP_COD = ["1"]\nMHPCAPU_COD = ["2"]\nMHPCADEC_COD = ["3"]\n'
             'MHINVITE_COD = ["4"]\n')
_INDICATOR = ('[[indicator]]\nid = "MH003"\ntitle = "t"\nkind = "element"\n'
              'element = "blood_pressure"\npoints = 3\nsource = "s"\n')
_HEAD = ('year = "2030/31"\nbusiness_rules = "v99"\npoint_value_pence = 1\n'
         'point_value_source = "x"\n')


def test_a_scored_indicator_needs_thresholds() -> None:
    with pytest.raises(ValueError, match="MH003 needs lower and upper thresholds"):
        parse_ruleset(_HEAD + _CLUSTERS + _INDICATOR)


def test_code_clusters_are_data_and_required() -> None:
    assert RULES.cluster("MHPCADEC_COD") == ("717051000000101",)
    assert "1110951000000105" in RULES.cluster("MHINVITE_COD")
    with pytest.raises(ValueError, match="no code cluster MHINVITE_COD"):
        parse_ruleset(_HEAD + _CLUSTERS.replace('MHINVITE_COD = ["4"]\n', "")
                      + _INDICATOR.replace('source = "s"', 'source = "s"\nlower = 1\nupper = 2'))


# --- per patient ---------------------------------------------------------------------------------


def _facts(**kw: object) -> QofFacts:
    register = kw.pop("register", RegisterFacts(diagnosis_dates=(date(2010, 3, 12),)))
    return QofFacts(register=register, **kw)  # type: ignore[arg-type]


def _all_six(on: date) -> dict[str, tuple[date, ...]]:
    return {e: (on,) for e in SIX}


def test_all_six_inside_the_year_achieve_everything_but_the_care_plan() -> None:
    out = evaluate(_facts(records=_all_six(date(2024, 4, 1))), RULES, REF)
    assert out["MH001"].state is State.ACHIEVED
    for iid in ("MH003", "MH006", "MH007", "MH011", "MH012", "MH021"):
        assert out[iid].state is State.ACHIEVED, iid
    assert out["MH002"].state is State.OUTSTANDING
    assert "Blood pressure recorded 01/04/2024" in out["MH003"].reason


def test_a_check_one_day_outside_the_year_does_not_count() -> None:
    out = evaluate(_facts(records=_all_six(date(2024, 3, 31))), RULES, REF)
    assert out["MH003"].state is State.OUTSTANDING
    assert out["MH021"].state is State.OUTSTANDING
    assert set(out["MH021"].needs) == {"bmi", "blood_pressure", "glucose", "alcohol", "smoking"}
    # lipids on 31/03/2024 are inside the 24-month window of a lower-risk patient
    assert out["MH011"].state is State.ACHIEVED
    assert "24-month window" in out["MH011"].reason


def test_higher_risk_puts_lipids_on_the_12_month_window() -> None:
    smoker = _facts(records={"lipids": (date(2023, 6, 1),)},
                    smoking=((date(2024, 5, 1), "77176002"),))
    out = evaluate(smoker, RULES, REF)["MH011"]
    assert out.state is State.OUTSTANDING and "current smoker" in out.reason
    overweight_asian = _facts(records={"lipids": (date(2023, 6, 1),)}, ethnicity="H",
                              bmi=((date(2024, 5, 1), 23.0),))
    assert evaluate(overweight_asian, RULES, REF)["MH011"].state is State.OUTSTANDING
    same_bmi_white = _facts(records={"lipids": (date(2023, 6, 1),)}, ethnicity="A",
                            bmi=((date(2024, 5, 1), 23.0),))
    assert evaluate(same_bmi_white, RULES, REF)["MH011"].state is State.ACHIEVED
    diabetic = _facts(records={"lipids": (date(2023, 6, 1),)}, conditions=("type2",))
    assert evaluate(diabetic, RULES, REF)["MH011"].state is State.OUTSTANDING


def test_pca_removes_non_achievers_only() -> None:
    declined = ("declined", None, date(2024, 6, 1))
    out = evaluate(_facts(records={"blood_pressure": (date(2024, 5, 1),)},
                          adjustments=(declined,)), RULES, REF)
    assert out["MH003"].state is State.ACHIEVED  # a PCA never removes an achiever
    assert out["MH006"].state is State.EXCEPTED and out["MH006"].pca == "declined"
    assert "Informed dissent 01/06/2024" in out["MH006"].reason


def test_pca_outside_the_year_and_element_specific_pcas() -> None:
    old = ("unsuitable", None, date(2024, 3, 31))
    assert evaluate(_facts(adjustments=(old,)), RULES, REF)["MH006"].state is State.OUTSTANDING
    bp_only = ("declined", "blood_pressure", date(2024, 9, 1))
    out = evaluate(_facts(adjustments=(bp_only,)), RULES, REF)
    assert out["MH003"].state is State.EXCEPTED
    assert out["MH021"].state is State.EXCEPTED
    assert out["MH006"].state is State.OUTSTANDING


def test_invitations_need_two_at_least_seven_days_apart() -> None:
    six_days = _facts(invitations=(date(2024, 10, 1), date(2024, 10, 7)))
    assert evaluate(six_days, RULES, REF)["MH003"].state is State.OUTSTANDING
    seven_days = _facts(invitations=(date(2024, 10, 1), date(2024, 10, 8)))
    out = evaluate(seven_days, RULES, REF)["MH003"]
    assert out.state is State.EXCEPTED and out.pca == "no_response"


def test_newly_diagnosed_and_newly_registered() -> None:
    new_dx = _facts(register=RegisterFacts(diagnosis_dates=(date(2025, 1, 1),)))
    assert evaluate(new_dx, RULES, REF)["MH003"].pca == "new_diagnosis"
    not_new = _facts(register=RegisterFacts(diagnosis_dates=(date(2024, 12, 31),)))
    assert evaluate(not_new, RULES, REF)["MH003"].state is State.OUTSTANDING
    new_reg = _facts(registered_on=date(2025, 1, 1))
    assert evaluate(new_reg, RULES, REF)["MH003"].pca == "new_registration"
    assert evaluate(_facts(registered_on=date(2024, 12, 31)), RULES,
                    REF)["MH003"].state is State.OUTSTANDING


def test_remission_and_lithium_only_are_out_of_every_denominator() -> None:
    remission = _facts(register=RegisterFacts(diagnosis_dates=(date(2010, 1, 1),),
                                              remission_dates=(date(2020, 1, 1),)))
    out = evaluate(remission, RULES, REF)
    assert out["MH001"].state is State.ACHIEVED
    assert out["MH003"].state is State.NOT_ELIGIBLE
    assert out["MH003"].reason == "In remission since 01/01/2020"
    relapse = _facts(register=RegisterFacts(diagnosis_dates=(date(2010, 1, 1), date(2024, 6, 1)),
                                            remission_dates=(date(2020, 1, 1),)))
    assert evaluate(relapse, RULES, REF)["MH003"].state is State.OUTSTANDING
    lithium = _facts(register=RegisterFacts(lithium_issue_dates=(date(2025, 2, 1),)))
    out = evaluate(lithium, RULES, REF)
    assert out["MH001"].state is State.ACHIEVED
    assert out["MH003"].state is State.NOT_ELIGIBLE and "Lithium only" in out["MH003"].reason


def test_care_plan_must_follow_the_latest_diagnosis() -> None:
    register = RegisterFacts(diagnosis_dates=(date(2010, 1, 1), date(2024, 9, 1)))
    before = _facts(register=register, records={"care_plan": (date(2024, 8, 1),)})
    assert evaluate(before, RULES, REF)["MH002"].state is State.OUTSTANDING
    after = _facts(register=register, records={"care_plan": (date(2024, 9, 1),)})
    assert evaluate(after, RULES, REF)["MH002"].state is State.ACHIEVED


def test_every_configured_year_loads_and_says_what_is_unverified() -> None:
    years = available_years()
    assert QofYear(2026) in years  # the year the app is used in
    for year in years:
        rules = ruleset_for(year)
        assert rules.year == year
        assert {"MH002", "MH003", "MH011"} <= {i.id for i in rules.indicators}
        if "carried forward" in rules.point_value_source:
            assert "unverified" in rules.point_value_source
            assert all("unverified" in i.source for i in rules.indicators)


def test_register_and_all_six_indicators_retired_from_2025() -> None:
    """From April 2025 the register indicators and the 2024/25 income-protected indicators
    (MH001, MH021) are retired: 28 mental health points remain."""
    assert sum(i.points for i in RULES.indicators) == 38
    later = ruleset_for(QofYear(2025))
    assert {i.id for i in later.indicators} == {"MH002", "MH003", "MH006", "MH007", "MH011",
                                                "MH012"}
    assert sum(i.points for i in later.indicators) == 28
