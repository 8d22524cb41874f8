"""QRISK3-2017 (domain.md §4): the published test vectors, input rules and sanity properties."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitator_app.domain.qrisk3 import (
    AGE_MAX,
    AGE_MIN,
    DISCLAIMER,
    FLAG_FIELDS,
    Qrisk3InputError,
    Qrisk3Inputs,
    Qrisk3Result,
    qrisk3,
)

# domain.md §4.4 A-F common inputs: no conditions, non-smoker, SBP 120, SD 10, 70 kg / 1.70 m.
COMMON: dict[str, Any] = {
    "smoke_cat": 0,
    "sbp": 120.0,
    "sbp_sd": 10.0,
    "bmi": 70 / 1.7**2,
    "townsend": 0.0,
}
WHITE, INDIAN, PAKISTANI, BANGLADESHI, CHINESE = 1, 2, 3, 4, 8


def person(sex: str, age: int, ethnicity: int, ratio: float, **extra: Any) -> Qrisk3Inputs:
    values = {**COMMON, **extra}
    return Qrisk3Inputs(
        sex=sex,  # type: ignore[arg-type]
        age=age,
        ethnicity=ethnicity,
        chol_hdl_ratio=ratio,
        **values,
    )


def score(inputs: Qrisk3Inputs) -> float:
    return qrisk3(inputs).score


# --- domain.md §4.4 vectors -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "inputs", "expected_1dp"),
    [
        ("A", person("F", 75, WHITE, 4.0), "18.1"),
        ("B", person("M", 75, WHITE, 4.0), "24.6"),
        ("C", person("M", 55, WHITE, 8.0), "11.7"),
        ("D", person("M", 65, PAKISTANI, 4.0), "19.5"),
        ("E", person("F", 35, WHITE, 3.5), "0.4"),
        ("F", person("F", 75, INDIAN, 4.0), "23.2"),
        ("H", person("F", 55, WHITE, 4.0), "3.4"),
        ("H+SMI", person("F", 55, WHITE, 4.0, smi=True, atypical_antipsychotic=True), "4.9"),
    ],
)
def test_domain_vectors_to_one_decimal_place(
    label: str, inputs: Qrisk3Inputs, expected_1dp: str
) -> None:
    result = qrisk3(inputs)
    assert result.display == f"{expected_1dp}%", label
    assert not result.corrected


def test_vectors_a_and_b_to_two_decimal_places() -> None:
    # sisuhealthgroup/qrisk3 checks these two with toBeCloseTo(…, 2).
    assert score(person("F", 75, WHITE, 4.0)) == pytest.approx(18.11, abs=0.005)
    assert score(person("M", 75, WHITE, 4.0)) == pytest.approx(24.59, abs=0.005)


# domain.md §4.4 G (robhogan/clinrisk-js __tests__/qrisk.ts): F 40 with AF, CKD 3-5, treated
# hypertension, type 1 diabetes, light smoker.
G: dict[str, Any] = {
    "sex": "F",
    "age": 40,
    "af": True,
    "ckd345": True,
    "treated_hypertension": True,
    "type1": True,
    "bmi": 24.9337204898,
    "chol_hdl_ratio": 1.5,
    "sbp": 115.0,
    "sbp_sd": 0.1,
    "smoke_cat": 2,
    "townsend": 0.0,
}


@pytest.mark.parametrize(
    ("ethnicity", "expected"),
    [
        (0, 68.3770914275929),
        (WHITE, 68.3770914275929),
        # domain.md §4.4 labels 86.75518758928679 "Indian", copying a comment in the source
        # test; that test passes ethnicity code 3, which is Pakistani in QRISK3's coding
        # (domain.md §4.2: 2 Indian, 3 Pakistani). Code 2 (Indian) is 78.21433939103943 there.
        (INDIAN, 78.21433939103943),
        (PAKISTANI, 86.75518758928679),
        (BANGLADESHI, 78.72671430885364),
        (5, 71.00974034864342),
        (6, 62.114475782212544),
        (7, 54.00331372934325),
        (CHINESE, 56.42714957065503),
        (9, 62.094280406057464),
    ],
)
def test_vector_g_every_ethnicity_to_1e9_relative(ethnicity: int, expected: float) -> None:
    result = qrisk3(Qrisk3Inputs(ethnicity=ethnicity, **G))
    assert result.score == pytest.approx(expected, rel=1e-9)
    assert not result.corrected


def test_vector_g_displayed() -> None:
    assert qrisk3(Qrisk3Inputs(ethnicity=WHITE, **G)).display == "68.4%"
    assert qrisk3(Qrisk3Inputs(ethnicity=PAKISTANI, **G)).display == "86.8%"
    assert qrisk3(Qrisk3Inputs(ethnicity=CHINESE, **G)).display == "56.4%"


# The rest of sisuhealthgroup/qrisk3 src/qrisk3.test.js (same common inputs as A-F), which
# exercises more ages and ethnicity coefficients for both sexes.
@pytest.mark.parametrize(
    ("sex", "age", "ethnicity", "ratio", "expected_1dp"),
    [
        ("M", 65, WHITE, 4.0, "12.7"),
        ("M", 35, WHITE, 3.5, "0.6"),
        ("F", 65, WHITE, 4.0, "8.0"),
        ("F", 55, WHITE, 8.0, "6.1"),
        ("M", 75, INDIAN, 4.0, "31.1"),
        ("M", 55, BANGLADESHI, 8.0, "19.1"),
        ("M", 35, CHINESE, 3.5, "0.4"),
        ("F", 65, PAKISTANI, 4.0, "13.7"),
        ("F", 55, BANGLADESHI, 8.0, "8.1"),
        ("F", 35, CHINESE, 3.5, "0.3"),
    ],
)
def test_further_published_vectors(
    sex: str, age: int, ethnicity: int, ratio: float, expected_1dp: str
) -> None:
    assert qrisk3(person(sex, age, ethnicity, ratio)).display == f"{expected_1dp}%"


# --- results and display ----------------------------------------------------------------------


def test_display_is_one_decimal_place() -> None:
    assert Qrisk3Result(score=12.345).display == "12.3%"
    assert Qrisk3Result(score=0.04).display == "0.0%"
    assert Qrisk3Result(score=7.0).display == "7.0%"


def test_ethnicity_0_is_the_same_as_1() -> None:
    for sex in ("F", "M"):
        assert score(person(sex, 60, 0, 4.0)) == score(person(sex, 60, WHITE, 4.0))


def test_erectile_dysfunction_counts_for_men() -> None:
    assert score(person("M", 60, WHITE, 4.0, erectile_dysfunction=True)) > score(
        person("M", 60, WHITE, 4.0)
    )


@pytest.mark.parametrize("flag", [f for f in FLAG_FIELDS if f != "erectile_dysfunction"])
@pytest.mark.parametrize("sex", ["F", "M"])
def test_every_condition_raises_the_score(flag: str, sex: str) -> None:
    # Each of these conditions raises risk at age 60 in the published model; a sign error or a
    # missing term in the data would show here.
    assert score(person(sex, 60, WHITE, 4.0, **{flag: True})) > score(person(sex, 60, WHITE, 4.0))


# --- clamping (domain.md §4.2) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "out_of_range", "limit"),
    [
        ("bmi", 45.0, 40.0),
        ("bmi", 15.0, 20.0),
        ("chol_hdl_ratio", 15.0, 12.0),
        ("chol_hdl_ratio", 0.5, 1.0),
        ("sbp", 250.0, 210.0),
        ("sbp", 60.0, 70.0),
        ("townsend", 14.0, 12.0),
        ("townsend", -9.5, -8.0),
    ],
)
def test_out_of_range_values_are_clamped_and_reported(
    field: str, out_of_range: float, limit: float
) -> None:
    base = person("F", 60, WHITE, 4.0)
    clamped = qrisk3(dataclasses.replace(base, **{field: out_of_range}))  # type: ignore[arg-type]
    at_limit = qrisk3(dataclasses.replace(base, **{field: limit}))  # type: ignore[arg-type]
    assert clamped.score == at_limit.score
    assert clamped.corrected and not at_limit.corrected
    assert at_limit.corrections == ()
    (correction,) = clamped.corrections
    assert correction.startswith(f"{field}:")
    assert f"{out_of_range:g}" in correction and f"{limit:g} was used" in correction


def test_bmi_45_scores_as_bmi_40() -> None:
    result = qrisk3(person("M", 50, WHITE, 4.0, bmi=45.0))
    assert result.score == score(person("M", 50, WHITE, 4.0, bmi=40.0))
    assert result.corrected
    assert result.corrections == ("bmi: BMI 45 is outside 20 to 40; 40 was used",)


def test_several_corrections_are_all_reported() -> None:
    result = qrisk3(person("F", 60, WHITE, 13.0, bmi=50.0, sbp=220.0, townsend=-10.0))
    assert [c.split(":")[0] for c in result.corrections] == [
        "chol_hdl_ratio",
        "sbp",
        "bmi",
        "townsend",
    ]


def test_values_on_the_range_limits_are_not_corrections() -> None:
    result = qrisk3(person("M", 50, WHITE, 12.0, bmi=20.0, sbp=210.0, townsend=-8.0))
    assert not result.corrected


# --- hard errors ------------------------------------------------------------------------------


def error_for(inputs: Qrisk3Inputs) -> Qrisk3InputError:
    with pytest.raises(Qrisk3InputError) as caught:
        qrisk3(inputs)
    return caught.value


@pytest.mark.parametrize("age", [AGE_MIN - 1, AGE_MAX + 1, 0, 90, -5])
def test_ages_outside_25_to_84_give_no_score(age: int) -> None:
    error = error_for(person("F", age, WHITE, 4.0))
    assert error.field == "age"
    assert str(error) == f"age {age} is outside 25–84: QRISK3 gives no score"


@pytest.mark.parametrize("age", [AGE_MIN, AGE_MAX])
@pytest.mark.parametrize("sex", ["F", "M"])
def test_ages_25_and_84_score(age: int, sex: str) -> None:
    assert 0 < score(person(sex, age, WHITE, 4.0)) < 100


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"sex": "X"}, "sex", "sex must be M or F"),
        ({"sex": "f"}, "sex", "sex must be M or F"),
        ({"age": 60.5}, "age", "age must be a whole number of years"),
        ({"age": True}, "age", "age must be a whole number of years"),
        ({"ethnicity": 10}, "ethnicity", "ethnicity must be a QRISK3 code 1–9"),
        ({"ethnicity": -1}, "ethnicity", "ethnicity must be a QRISK3 code 1–9"),
        ({"smoke_cat": 5}, "smoke_cat", "smoke_cat must be 0–4"),
        ({"smoke_cat": 2.0}, "smoke_cat", "smoke_cat must be 0–4"),
        ({"bmi": None}, "bmi", "bmi is missing"),
        ({"chol_hdl_ratio": None}, "chol_hdl_ratio", "chol_hdl_ratio is missing"),
        ({"sbp": None}, "sbp", "sbp is missing"),
        ({"bmi": math.nan}, "bmi", "bmi is not a finite number"),
        ({"sbp": math.inf}, "sbp", "sbp is not a finite number"),
        ({"townsend": -math.inf}, "townsend", "townsend is not a finite number"),
        ({"sbp_sd": math.nan}, "sbp_sd", "sbp_sd is not a finite number"),
        ({"bmi": 0.0}, "bmi", "bmi must be greater than 0"),
        ({"sbp": -120.0}, "sbp", "sbp must be greater than 0"),
        ({"sbp_sd": -1.0}, "sbp_sd", "sbp_sd cannot be negative"),
        ({"bmi": "24"}, "bmi", "bmi must be a number"),
        ({"migraine": 2}, "migraine", "migraine must be true or false"),
    ],
)
def test_impossible_inputs_are_errors(changes: dict[str, Any], field: str, message: str) -> None:
    error = error_for(dataclasses.replace(person("M", 60, WHITE, 4.0), **changes))
    assert error.field == field
    assert str(error).startswith(message)
    assert error.message == str(error)


def test_erectile_dysfunction_for_a_woman_is_an_error() -> None:
    error = error_for(person("F", 60, WHITE, 4.0, erectile_dysfunction=True))
    assert error.field == "erectile_dysfunction"
    assert "males only" in str(error)


def test_input_error_is_a_value_error() -> None:
    assert issubclass(Qrisk3InputError, ValueError)


# --- properties -------------------------------------------------------------------------------

flags = st.fixed_dictionaries({name: st.booleans() for name in FLAG_FIELDS})


def finite(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


@st.composite
def any_inputs(draw: st.DrawFn) -> Qrisk3Inputs:
    sex = draw(st.sampled_from(["F", "M"]))
    flag_values = draw(flags)
    if sex == "F":
        flag_values["erectile_dysfunction"] = False
    return Qrisk3Inputs(
        sex=sex,  # type: ignore[arg-type]
        age=draw(st.integers(AGE_MIN, AGE_MAX)),
        ethnicity=draw(st.integers(0, 9)),
        smoke_cat=draw(st.integers(0, 4)),
        bmi=draw(finite(1.0, 80.0)),
        chol_hdl_ratio=draw(finite(0.1, 30.0)),
        sbp=draw(finite(40.0, 300.0)),
        sbp_sd=draw(finite(0.0, 60.0)),
        townsend=draw(finite(-20.0, 20.0)),
        **flag_values,
    )


@given(any_inputs())
def test_score_is_a_percentage(inputs: Qrisk3Inputs) -> None:
    result = qrisk3(inputs)
    assert 0.0 <= result.score <= 100.0
    assert result.corrected == bool(result.corrections)


@given(any_inputs(), st.floats(70.0, 210.0), st.floats(70.0, 210.0))
def test_higher_sbp_never_lowers_the_score(inputs: Qrisk3Inputs, sbp1: float, sbp2: float) -> None:
    low, high = sorted((sbp1, sbp2))
    low_score = score(dataclasses.replace(inputs, sbp=low))
    high_score = score(dataclasses.replace(inputs, sbp=high))
    # Allow for rounding in the last bits when the two pressures are all but equal.
    assert high_score >= low_score - 1e-9 * max(1.0, low_score)


# --- disclaimer -------------------------------------------------------------------------------


def test_disclaimer_credits_the_source_and_warns() -> None:
    for phrase in (
        "independent implementation",
        "QRISK3-2017",
        "ClinRisk Ltd",
        "LGPL",
        "BMJ 2017;357:j2099",
        "same results as the original",
        "clinical judgement",
        "NICE",
        "severe mental illness",
        "underestimate",
    ):
        assert phrase in DISCLAIMER, phrase
    assert "®" not in DISCLAIMER and "QRISK®" not in DISCLAIMER
