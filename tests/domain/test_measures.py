"""Outcome measure forms, validation and scoring (domain.md §5.1, §5.3, §9)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitator_app.domain.measures import (
    DIALOG_ITEM_SNOMED,
    RISK_ITEM,
    RISK_MESSAGE,
    SPECS,
    SWEMWBS_METRIC,
    InvalidAnswers,
    ItemProblem,
    Measure,
    MeasureScore,
    score_answers,
    validate_answers,
)


def answers_totalling(measure: Measure, total: int) -> list[int]:
    """Valid answers for ``measure`` whose raw total is ``total``, filling items in order."""
    spec = SPECS[measure]
    answers = [spec.item_min] * len(spec.items)
    left = total - sum(answers)
    assert left >= 0
    for i in range(len(answers)):
        step = min(left, spec.item_max - spec.item_min)
        answers[i] += step
        left -= step
    assert left == 0, f"{total} is out of range for {measure}"
    return answers


# --- Specs ------------------------------------------------------------------------------------


def test_measure_values() -> None:
    assert [m.value for m in Measure] == ["phq9", "gad7", "swemwbs", "dialog", "reqol10"]
    assert set(SPECS) == set(Measure)
    for measure, spec in SPECS.items():
        assert spec.measure is measure


@pytest.mark.parametrize(
    ("measure", "title", "n_items", "item_range", "total_range", "snomed"),
    [
        (Measure.PHQ9, "PHQ-9", 9, (0, 3), (0, 27), "720433000"),
        (Measure.GAD7, "GAD-7", 7, (0, 3), (0, 21), "445455005"),
        (Measure.SWEMWBS, "SWEMWBS", 7, (1, 5), (7, 35), "718466001"),
        (Measure.DIALOG, "DIALOG", 11, (1, 7), (1, 7), ""),
        (Measure.REQOL10, "ReQoL-10", 10, (0, 4), (0, 40), "1091071000000100"),
    ],
)
def test_spec_shapes(
    measure: Measure,
    title: str,
    n_items: int,
    item_range: tuple[int, int],
    total_range: tuple[int, int],
    snomed: str,
) -> None:
    spec = SPECS[measure]
    assert spec.title == title
    assert len(spec.items) == n_items
    assert all(item.strip() for item in spec.items)
    assert (spec.item_min, spec.item_max) == item_range
    values = [value for value, _ in spec.answers]
    assert values == list(range(item_range[0], item_range[1] + 1))
    assert all(label for _, label in spec.answers)
    assert (spec.total_min, spec.total_max) == total_range
    assert spec.snomed == snomed
    assert spec.preamble


def test_phq_answer_labels() -> None:
    expected = ((0, "Not at all"), (1, "Several days"), (2, "More than half the days"))
    assert SPECS[Measure.PHQ9].answers[:3] == expected
    assert SPECS[Measure.PHQ9].answers[3] == (3, "Nearly every day")
    assert SPECS[Measure.GAD7].answers == SPECS[Measure.PHQ9].answers
    assert SPECS[Measure.PHQ9].preamble == (
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    )
    assert SPECS[Measure.PHQ9].answer_label(2) == "More than half the days"
    with pytest.raises(KeyError):
        SPECS[Measure.PHQ9].answer_label(4)


def test_item_wording_follows_domain_topics() -> None:
    phq = [item.lower() for item in SPECS[Measure.PHQ9].items]
    for number, word in [
        (1, "interest or pleasure"),
        (2, "down, depressed"),
        (3, "sleep"),
        (4, "tired"),
        (5, "appetite"),
        (6, "bad about yourself"),
        (7, "concentrating"),
        (8, "restless"),
        (9, "better off dead"),
    ]:
        assert word in phq[number - 1], (number, word)
    assert "hurting yourself" in phq[RISK_ITEM - 1]
    gad = [item.lower() for item in SPECS[Measure.GAD7].items]
    for number, word in [
        (1, "on edge"),
        (2, "stop or control worrying"),
        (3, "worrying too much"),
        (4, "relaxing"),
        (5, "restless"),
        (6, "annoyed"),
        (7, "awful"),
    ]:
        assert word in gad[number - 1], (number, word)
    dialog = [item.lower() for item in SPECS[Measure.DIALOG].items]
    domains = [
        "mental health",
        "physical health",
        "job",
        "accommodation",
        "leisure",
        "friendships",
        "partner or family",
        "personal safety",
        "medication",
        "practical help",
        "meetings with mental health professionals",
    ]
    for item, domain in zip(dialog, domains, strict=True):
        assert domain in item
    assert SPECS[Measure.DIALOG].answers[0] == (1, "Totally dissatisfied")
    assert SPECS[Measure.DIALOG].answers[-1] == (7, "Totally satisfied")


@pytest.mark.parametrize("measure", [Measure.SWEMWBS, Measure.REQOL10])
def test_licensed_measures_use_neutral_labels(measure: Measure) -> None:
    spec = SPECS[measure]
    for number, item in enumerate(spec.items, start=1):
        assert item.startswith(f"Item {number} (licensed wording")


def test_dialog_item_codes_only_the_two_listed() -> None:
    assert dict(DIALOG_ITEM_SNOMED) == {1: "1037651000000100", 11: "1037751000000109"}


# --- Validation -------------------------------------------------------------------------------


def test_valid_answers_have_no_problems() -> None:
    for measure, spec in SPECS.items():
        assert validate_answers(measure, [spec.item_min] * len(spec.items)) == []
        assert validate_answers(measure, [spec.item_max] * len(spec.items)) == []


def test_out_of_range_item_is_named() -> None:
    answers: list[int | None] = [0, 1, 4, 0, 0, 0, 0, 0, 0]
    assert validate_answers(Measure.PHQ9, answers) == [
        ItemProblem(3, "PHQ-9 item 3: 4 is not an allowed answer (0–3)")
    ]
    assert validate_answers(Measure.PHQ9, [0, 0, 0, 0, 0, 0, 0, 0, -1]) == [
        ItemProblem(9, "PHQ-9 item 9: -1 is not an allowed answer (0–3)")
    ]


def test_missing_item_is_named() -> None:
    answers: list[int | None] = [0, 0, 0, 0, None, 0, 0, 0, 0]
    assert validate_answers(Measure.PHQ9, answers) == [
        ItemProblem(5, "PHQ-9 item 5 is not answered (all items are needed; no prorating)")
    ]


def test_bool_is_refused() -> None:
    answers: list[int | None] = [0, 0, True, 0, 0, 0, 0, 0, 0]
    assert validate_answers(Measure.PHQ9, answers) == [
        ItemProblem(3, "PHQ-9 item 3: True is not an allowed answer (0–3)")
    ]
    with pytest.raises(InvalidAnswers):
        score_answers(Measure.PHQ9, [1, 1, 1, 1, 1, 1, 1, 1, False])


def test_non_integers_are_refused() -> None:
    answers: list[object] = [0, 2.0, "1", 0, 0, 0, 0]
    problems = validate_answers(Measure.GAD7, answers)  # type: ignore[arg-type]
    assert [p.item for p in problems] == [2, 3]
    assert problems[0].message == "GAD-7 item 2: 2.0 is not an allowed answer (0–3)"


@pytest.mark.parametrize("count", [0, 8, 10])
def test_wrong_count(count: int) -> None:
    problems = validate_answers(Measure.PHQ9, [0] * count)
    assert problems == [
        ItemProblem(None, f"PHQ-9 needs 9 answers, one for each item; {count} given")
    ]


def test_wrong_count_still_reports_item_problems() -> None:
    problems = validate_answers(Measure.GAD7, [0, 9, None])
    assert [p.item for p in problems] == [None, 2, 3]


@pytest.mark.parametrize(
    ("measure", "bad", "message"),
    [
        (Measure.SWEMWBS, 0, "SWEMWBS item 1: 0 is not an allowed answer (1–5)"),
        (Measure.SWEMWBS, 6, "SWEMWBS item 1: 6 is not an allowed answer (1–5)"),
        (Measure.DIALOG, 0, "DIALOG item 1: 0 is not an allowed answer (1–7)"),
        (Measure.DIALOG, 8, "DIALOG item 1: 8 is not an allowed answer (1–7)"),
        (Measure.REQOL10, 5, "ReQoL-10 item 1: 5 is not an allowed answer (0–4)"),
        (Measure.GAD7, 4, "GAD-7 item 1: 4 is not an allowed answer (0–3)"),
    ],
)
def test_range_edges_for_every_measure(measure: Measure, bad: int, message: str) -> None:
    spec = SPECS[measure]
    answers = [bad, *[spec.item_min] * (len(spec.items) - 1)]
    assert validate_answers(measure, answers) == [ItemProblem(1, message)]


def test_score_refuses_invalid_answers_with_every_problem() -> None:
    with pytest.raises(InvalidAnswers) as info:
        score_answers(Measure.PHQ9, [4, 0, 0, 0, 0, 0, 0, 0, None])  # type: ignore[list-item]
    err = info.value
    assert isinstance(err, ValueError)
    assert [p.item for p in err.problems] == [1, 9]
    assert "PHQ-9 item 1: 4 is not an allowed answer (0–3)" in str(err)
    assert "PHQ-9 item 9 is not answered" in str(err)
    with pytest.raises(InvalidAnswers) as short:
        score_answers(Measure.GAD7, [0, 0, 0])
    assert short.value.problems[0].item is None


# --- PHQ-9 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately severe"),
        (19, "moderately severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_bands(total: int, band: str) -> None:
    answers = answers_totalling(Measure.PHQ9, total)
    result = score_answers(Measure.PHQ9, answers)
    assert result.raw_total == total
    assert result.risk_flag is (answers[RISK_ITEM - 1] >= 1)  # only for totals above 24
    assert result.score == float(total)
    assert result.band == band
    assert result.subscores == {}


@pytest.mark.parametrize(("total", "case"), [(9, False), (10, True)])
def test_phq9_caseness(total: int, case: bool) -> None:
    assert score_answers(Measure.PHQ9, answers_totalling(Measure.PHQ9, total)).caseness is case


@pytest.mark.parametrize(
    ("total", "severity"), [(0, "less severe"), (15, "less severe"), (16, "more severe")]
)
def test_phq9_nice_ng222(total: int, severity: str) -> None:
    assert (
        score_answers(Measure.PHQ9, answers_totalling(Measure.PHQ9, total)).nice_severity
        == severity
    )


def test_phq9_item9_risk_flag_regardless_of_total() -> None:
    no_risk = score_answers(Measure.PHQ9, [3, 3, 3, 3, 3, 3, 3, 3, 0])
    assert no_risk.raw_total == 24
    assert no_risk.risk_flag is False
    low_total = score_answers(Measure.PHQ9, [0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert low_total.raw_total == 1
    assert low_total.band == "minimal"
    assert low_total.risk_flag is True
    for item9 in (2, 3):
        assert score_answers(Measure.PHQ9, [0] * 8 + [item9]).risk_flag is True


def test_risk_message_covers_assessment_and_crisis_contacts() -> None:
    assert RISK_ITEM == 9
    for text in (
        "item 9",
        "risk assessment today",
        "clinician",
        "crisis resolution and home treatment team",
        "NHS 111",
        "mental health option",
        "999",
        "A&E",
        "Samaritans",
        "116 123",
    ):
        assert text in RISK_MESSAGE, text


# --- GAD-7 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band", "case"),
    [
        (0, "minimal", False),
        (4, "minimal", False),
        (5, "mild", False),
        (7, "mild", False),
        (8, "mild", True),
        (9, "mild", True),
        (10, "moderate", True),
        (14, "moderate", True),
        (15, "severe", True),
        (21, "severe", True),
    ],
)
def test_gad7_bands_and_caseness(total: int, band: str, case: bool) -> None:
    result = score_answers(Measure.GAD7, answers_totalling(Measure.GAD7, total))
    assert (result.raw_total, result.score, result.band, result.caseness) == (
        total,
        float(total),
        band,
        case,
    )
    assert result.risk_flag is False
    assert result.nice_severity is None


# --- SWEMWBS ----------------------------------------------------------------------------------

SWEMWBS_TABLE = {
    7: 7.00, 8: 9.51, 9: 11.25, 10: 12.40, 11: 13.33, 12: 14.08, 13: 14.75, 14: 15.32,
    15: 15.84, 16: 16.36, 17: 16.88, 18: 17.43, 19: 17.98, 20: 18.59, 21: 19.25,
    22: 19.98, 23: 20.73, 24: 21.54, 25: 22.35, 26: 23.21, 27: 24.11, 28: 25.03,
    29: 26.02, 30: 27.03, 31: 28.13, 32: 29.31, 33: 30.70, 34: 32.55, 35: 35.00,
}  # fmt: skip
"""domain.md §5.3, typed out again independently of the module."""


def test_swemwbs_table_matches_domain() -> None:
    assert dict(SWEMWBS_METRIC) == SWEMWBS_TABLE


@pytest.mark.parametrize(("raw", "metric"), sorted(SWEMWBS_TABLE.items()))
def test_swemwbs_metric_for_every_raw_total(raw: int, metric: float) -> None:
    result = score_answers(Measure.SWEMWBS, answers_totalling(Measure.SWEMWBS, raw))
    assert result.raw_total == raw
    assert result.score == metric
    assert result.band == ""
    assert result.caseness is None
    assert result.risk_flag is False
    assert result.nice_severity is None


def test_swemwbs_metric_increases_with_raw() -> None:
    metrics = [SWEMWBS_METRIC[raw] for raw in range(7, 36)]
    assert metrics == sorted(metrics)
    assert len(set(metrics)) == len(metrics)


# --- DIALOG -----------------------------------------------------------------------------------


def dialog(qol: Sequence[int], treatment: Sequence[int] = (4, 4, 4)) -> MeasureScore:
    return score_answers(Measure.DIALOG, [*qol, *treatment])


def test_dialog_means() -> None:
    result = dialog([1, 2, 3, 4, 5, 6, 7, 7], [7, 6, 2])
    assert result.raw_total == 35 + 15
    assert result.score == pytest.approx(35 / 8)
    assert result.subscores["quality of life"] == pytest.approx(4.375)
    assert result.subscores["treatment satisfaction"] == pytest.approx(5.0)
    assert set(result.subscores) == {"quality of life", "treatment satisfaction"}
    assert result.caseness is None
    assert result.risk_flag is False


@pytest.mark.parametrize(
    ("qol", "band"),
    [
        ([4, 4, 4, 4, 4, 4, 4, 3], "dissatisfied"),  # 3.875 < 4
        ([4] * 8, "neutral"),  # exactly 4
        ([1, 7, 1, 7, 1, 7, 1, 7], "neutral"),  # mean 4 from extremes
        ([4, 4, 4, 4, 4, 4, 4, 5], "satisfied"),  # 4.125 > 4
        ([1] * 8, "dissatisfied"),
        ([7] * 8, "satisfied"),
    ],
)
def test_dialog_band_edges(qol: list[int], band: str) -> None:
    assert dialog(qol).band == band


def test_dialog_band_uses_quality_of_life_only() -> None:
    # Treatment satisfaction does not move the quality of life band.
    assert dialog([4] * 8, [1, 1, 1]).band == "neutral"
    assert dialog([4] * 8, [7, 7, 7]).band == "neutral"


# --- ReQoL-10 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "clinical range"),
        (23, "clinical range"),
        (24, "general population range"),
        (40, "general population range"),
    ],
)
def test_reqol10_bands(total: int, band: str) -> None:
    result = score_answers(Measure.REQOL10, answers_totalling(Measure.REQOL10, total))
    assert (result.raw_total, result.score, result.band) == (total, float(total), band)
    assert result.caseness is None


# --- Properties -------------------------------------------------------------------------------


@st.composite
def valid_answers(draw: st.DrawFn) -> tuple[Measure, list[int]]:
    measure = draw(st.sampled_from(list(Measure)))
    spec = SPECS[measure]
    answers = draw(
        st.lists(
            st.integers(spec.item_min, spec.item_max),
            min_size=len(spec.items),
            max_size=len(spec.items),
        )
    )
    return measure, answers


@given(valid_answers())
def test_scores_stay_within_the_spec_range(case: tuple[Measure, list[int]]) -> None:
    measure, answers = case
    spec = SPECS[measure]
    assert validate_answers(measure, answers) == []
    result = score_answers(measure, answers)
    assert result.measure is measure
    assert spec.total_min <= result.score <= spec.total_max
    assert result.raw_total == sum(answers)
    for value in result.subscores.values():
        assert spec.item_min <= value <= spec.item_max
    assert result.risk_flag == (measure is Measure.PHQ9 and answers[RISK_ITEM - 1] >= 1)


@given(
    st.sampled_from(list(Measure)),
    st.lists(st.one_of(st.none(), st.integers(-3, 9), st.booleans()), max_size=13),
)
def test_validation_and_scoring_agree(measure: Measure, answers: list[int | None]) -> None:
    problems = validate_answers(measure, answers)
    if problems:
        with pytest.raises(InvalidAnswers) as info:
            score_answers(measure, answers)  # type: ignore[arg-type]
        assert info.value.problems == problems
        for problem in problems:
            assert problem.message.startswith(SPECS[measure].title)
    else:
        score_answers(measure, answers)  # type: ignore[arg-type]
