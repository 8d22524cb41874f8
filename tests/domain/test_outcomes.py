"""NHS Talking Therapies paired-score outcomes and rates (domain.md §5.2, §7.2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitator_app.domain.outcomes import (
    FINISHED_MIN_ATTENDED,
    GAD7_CASENESS,
    GAD7_RELIABLE_CHANGE,
    PHQ9_CASENESS,
    PHQ9_RELIABLE_CHANGE,
    EpisodeOutcome,
    PairedScores,
    episode_outcome,
    format_rate,
    outcome_rates,
)


def paired(phq: tuple[int, int], gad: tuple[int, int]) -> PairedScores:
    return PairedScores(first_phq9=phq[0], last_phq9=phq[1], first_gad7=gad[0], last_gad7=gad[1])


def outcome(phq: tuple[int, int], gad: tuple[int, int], sessions: int = 6) -> EpisodeOutcome:
    return episode_outcome(sessions, paired(phq, gad))


def flags(o: EpisodeOutcome) -> tuple[bool | None, bool, bool, bool, bool]:
    return (
        o.caseness_at_start,
        o.recovered,
        o.reliable_improvement,
        o.reliable_deterioration,
        o.reliable_recovery,
    )


def test_constants() -> None:
    assert (PHQ9_CASENESS, GAD7_CASENESS) == (10, 8)
    assert (PHQ9_RELIABLE_CHANGE, GAD7_RELIABLE_CHANGE) == (6, 4)
    assert FINISHED_MIN_ATTENDED == 2


# --- domain.md §5.2 worked examples -----------------------------------------------------------


def test_example_recovery_reliable_improvement_reliable_recovery() -> None:
    o = outcome((16, 9), (9, 7))
    assert o.finished and o.paired and o.judged
    assert flags(o) == (True, True, True, False, True)
    assert "PHQ-9 fell 16 → 9 (−7, reliable: ≥ 6)" in o.reasons
    assert "GAD-7 fell 9 → 7 (−2, not reliable: < 4)" in o.reasons
    assert "Caseness at start: first PHQ-9 16 ≥ 10 and first GAD-7 9 ≥ 8" in o.reasons
    assert "Recovered: last PHQ-9 9 < 10 and last GAD-7 7 < 8" in o.reasons
    assert "Reliable recovery: recovered and reliably improved" in o.reasons


def test_example_not_recovered_but_reliably_improved() -> None:
    o = outcome((16, 11), (12, 6))
    assert flags(o) == (True, False, True, False, False)
    assert "Not recovered: last PHQ-9 11 ≥ 10" in o.reasons
    assert "GAD-7 fell 12 → 6 (−6, reliable: ≥ 4)" in o.reasons
    assert "PHQ-9 fell 16 → 11 (−5, not reliable: < 6)" in o.reasons


def test_example_not_caseness_excluded_from_recovery() -> None:
    o = outcome((8, 7), (6, 5))
    assert flags(o) == (False, False, False, False, False)
    assert o.judged
    assert any(
        r.startswith("Not caseness at start: first PHQ-9 8 < 10 and first GAD-7 6 < 8")
        and "excluded from recovery" in r
        for r in o.reasons
    )


def test_example_reliable_deterioration_with_gad_unchanged() -> None:
    o = outcome((12, 18), (10, 10))
    assert flags(o) == (True, False, False, True, False)
    assert "PHQ-9 rose 12 → 18 (+6, reliable: ≥ 6)" in o.reasons
    assert "GAD-7 unchanged 10 → 10" in o.reasons
    assert "Reliable deterioration: a reliable rise and no reliable fall" in o.reasons


def test_example_single_session_not_finished() -> None:
    o = outcome((16, 9), (9, 7), sessions=1)
    assert o.finished is False
    assert o.paired is True  # the scores are paired; the course still is not judged
    assert o.judged is False
    assert flags(o) == (None, False, False, False, False)
    assert o.reasons == (
        "Not finished: 1 attended treatment session (at least 2 needed); "
        "excluded from all outcome rates",
    )
    assert outcome_rates([o]).finished == 0


def test_two_sessions_is_finished() -> None:
    assert outcome((16, 9), (9, 7), sessions=2).finished is True
    assert outcome((16, 9), (9, 7), sessions=0).finished is False


# --- Pairing ----------------------------------------------------------------------------------


def test_not_paired_when_a_measure_is_missing() -> None:
    scores = PairedScores(first_phq9=16, last_phq9=9, first_gad7=None, last_gad7=None)
    o = episode_outcome(5, scores)
    assert o.finished is True
    assert o.paired is False
    assert flags(o) == (None, False, False, False, False)
    assert o.reasons[-1] == (
        "Not paired: no first GAD-7, last GAD-7 score (both PHQ-9 and GAD-7 need a first and "
        "a last score); excluded from all outcome rates"
    )


def test_not_finished_and_not_paired_gives_both_reasons() -> None:
    o = episode_outcome(1, PairedScores(None, None, None, None))
    assert (o.finished, o.paired) == (False, False)
    assert len(o.reasons) == 2
    assert o.reasons[0].startswith("Not finished")
    assert o.reasons[1].startswith("Not paired")


def test_from_series_first_and_last() -> None:
    assert PairedScores.from_series([16, 12, 9], [9, 8, 7]) == paired((16, 9), (9, 7))
    # A measure scored once: first == last.
    assert PairedScores.from_series([14], [10, 6]) == paired((14, 14), (10, 6))
    assert PairedScores.from_series([], [10]) == PairedScores(None, None, 10, 10)


def test_single_score_counts_as_no_change() -> None:
    o = episode_outcome(3, PairedScores.from_series([14], [12]))
    assert o.paired is True
    assert flags(o) == (True, False, False, False, False)


# --- Thresholds on both sides -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("phq_first", "gad_first", "case"),
    [(9, 7, False), (10, 7, True), (9, 8, True), (10, 8, True), (0, 0, False)],
)
def test_caseness_edges(phq_first: int, gad_first: int, case: bool) -> None:
    assert outcome((phq_first, phq_first), (gad_first, gad_first)).caseness_at_start is case


@pytest.mark.parametrize(
    ("last_phq", "last_gad", "recovered"),
    [(9, 7, True), (10, 7, False), (9, 8, False), (0, 0, True)],
)
def test_recovery_edges(last_phq: int, last_gad: int, recovered: bool) -> None:
    assert outcome((20, last_phq), (15, last_gad)).recovered is recovered


def test_recovery_needs_caseness_at_start() -> None:
    # Below caseness throughout: never "recovered", even though both last scores are low.
    assert outcome((9, 0), (7, 0)).recovered is False


@pytest.mark.parametrize(
    ("phq", "gad", "improved"),
    [
        ((15, 10), (5, 5), False),  # PHQ −5
        ((15, 9), (5, 5), True),  # PHQ −6
        ((5, 5), (12, 9), False),  # GAD −3
        ((5, 5), (12, 8), True),  # GAD −4
    ],
)
def test_reliable_improvement_edges(
    phq: tuple[int, int], gad: tuple[int, int], improved: bool
) -> None:
    o = outcome(phq, gad)
    assert o.reliable_improvement is improved
    assert o.reliable_deterioration is False


@pytest.mark.parametrize(
    ("phq", "gad", "deteriorated"),
    [
        ((10, 15), (5, 5), False),  # PHQ +5
        ((10, 16), (5, 5), True),  # PHQ +6
        ((5, 5), (8, 11), False),  # GAD +3
        ((5, 5), (8, 12), True),  # GAD +4
    ],
)
def test_reliable_deterioration_edges(
    phq: tuple[int, int], gad: tuple[int, int], deteriorated: bool
) -> None:
    o = outcome(phq, gad)
    assert o.reliable_deterioration is deteriorated
    assert o.reliable_improvement is False


def test_opposite_reliable_changes_cancel() -> None:
    o = outcome((18, 12), (6, 10))  # PHQ −6, GAD +4
    assert (o.reliable_improvement, o.reliable_deterioration) == (False, False)
    assert "No reliable change: one measure reliably fell and the other reliably rose" in o.reasons


def test_improvement_with_unreliable_rise_on_the_other_measure() -> None:
    o = outcome((18, 12), (6, 9))  # PHQ −6, GAD +3 (below its threshold)
    assert o.reliable_improvement is True


def test_not_caseness_can_still_reliably_improve() -> None:
    # RI is judged for every finished paired course (its denominator is finished paired).
    o = outcome((9, 2), (7, 1))
    assert flags(o) == (False, False, True, False, False)


def test_recovered_without_reliable_improvement_is_not_reliable_recovery() -> None:
    o = outcome((11, 9), (8, 7))
    assert (o.recovered, o.reliable_improvement, o.reliable_recovery) == (True, False, False)


@pytest.mark.parametrize(
    ("sessions", "scores"),
    [
        (-1, PairedScores(10, 10, 8, 8)),
        (2, PairedScores(28, 10, 8, 8)),
        (2, PairedScores(10, -1, 8, 8)),
        (2, PairedScores(10, 10, 22, 8)),
        (2, PairedScores(10, 10, 8, 22)),
    ],
)
def test_impossible_inputs_raise(sessions: int, scores: PairedScores) -> None:
    with pytest.raises(ValueError):
        episode_outcome(sessions, scores)


# --- Rates ------------------------------------------------------------------------------------


def test_section_7_2_example() -> None:
    """40 finished, 6 not caseness, 17 recovered (15 reliably), 26 RI → 50.0 %, 44.1 %, 65.0 %."""
    outcomes: list[EpisodeOutcome] = []
    outcomes += [outcome((16, 9), (9, 7))] * 15  # recovered and reliably improved
    outcomes += [outcome((11, 9), (8, 7))] * 2  # recovered, no reliable change
    outcomes += [outcome((16, 11), (12, 6))] * 11  # reliably improved, not recovered
    outcomes += [outcome((12, 12), (10, 10))] * 6  # caseness, no change
    outcomes += [outcome((8, 7), (6, 5))] * 6  # not caseness
    outcomes += [outcome((16, 9), (9, 7), sessions=1)] * 3  # not finished: in no rate
    rates = outcome_rates(outcomes)
    assert rates.episodes == 43
    assert rates.finished == 40
    assert rates.paired == 40
    assert rates.not_caseness == 6
    assert rates.caseness == 34
    assert rates.recovered == 17
    assert rates.reliably_recovered == 15
    assert rates.reliably_improved == 26
    assert rates.reliably_deteriorated == 0
    assert rates.recovery_rate == pytest.approx(50.0)
    assert rates.reliable_recovery_rate == pytest.approx(100 * 15 / 34)
    assert rates.reliable_improvement_rate == pytest.approx(65.0)
    assert rates.reliable_deterioration_rate == 0.0
    assert format_rate(rates.recovery_rate) == "50.0 %"
    assert format_rate(rates.reliable_recovery_rate) == "44.1 %"
    assert format_rate(rates.reliable_improvement_rate) == "65.0 %"


def test_rates_are_none_for_zero_denominators() -> None:
    empty = outcome_rates([])
    assert empty.episodes == 0
    assert empty.recovery_rate is None
    assert empty.reliable_recovery_rate is None
    assert empty.reliable_improvement_rate is None
    assert empty.reliable_deterioration_rate is None
    assert format_rate(empty.recovery_rate) == "n/a"
    # All finished and paired but none caseness: recovery n/a, RI and RD defined.
    rates = outcome_rates([outcome((8, 7), (6, 5)), outcome((9, 2), (7, 1))])
    assert (rates.paired, rates.caseness) == (2, 0)
    assert rates.recovery_rate is None
    assert rates.reliable_recovery_rate is None
    assert rates.reliable_improvement_rate == pytest.approx(50.0)
    assert rates.reliable_deterioration_rate == 0.0


def test_deterioration_rate_and_unpaired_courses() -> None:
    unpaired = episode_outcome(4, PairedScores(16, 9, None, None))
    rates = outcome_rates([outcome((12, 18), (10, 10)), outcome((16, 9), (9, 7)), unpaired])
    assert (rates.episodes, rates.finished, rates.paired) == (3, 3, 2)
    assert rates.reliable_deterioration_rate == pytest.approx(50.0)
    assert rates.recovery_rate == pytest.approx(50.0)


def test_rates_ignore_flags_on_unjudged_courses() -> None:
    bogus = EpisodeOutcome(
        finished=False,
        paired=True,
        caseness_at_start=True,
        recovered=True,
        reliable_improvement=True,
        reliable_deterioration=False,
        reliable_recovery=True,
        reasons=(),
    )
    rates = outcome_rates([bogus])
    assert (rates.recovered, rates.reliably_improved, rates.reliably_recovered) == (0, 0, 0)


def test_format_rate_rounds_to_one_place() -> None:
    assert format_rate(100 * 15 / 34) == "44.1 %"
    assert format_rate(0.0) == "0.0 %"
    assert format_rate(100.0) == "100.0 %"


# --- Properties -------------------------------------------------------------------------------

_phq = st.integers(0, 27)
_gad = st.integers(0, 21)
_maybe_phq = st.one_of(st.none(), _phq)
_maybe_gad = st.one_of(st.none(), _gad)


@given(
    st.integers(0, 30),
    st.builds(PairedScores, _maybe_phq, _maybe_phq, _maybe_gad, _maybe_gad),
)
def test_outcome_invariants(sessions: int, scores: PairedScores) -> None:
    o = episode_outcome(sessions, scores)
    assert not (o.reliable_improvement and o.reliable_deterioration)
    if o.reliable_recovery:
        assert o.recovered and o.reliable_improvement
    if o.recovered:
        assert o.caseness_at_start is True
    if not o.judged:
        assert flags(o) == (None, False, False, False, False)
    else:
        assert o.caseness_at_start is not None
    assert o.reasons


@given(st.lists(st.tuples(st.integers(0, 8), _phq, _phq, _gad, _gad), max_size=30))
def test_rate_invariants(rows: list[tuple[int, int, int, int, int]]) -> None:
    outcomes = [episode_outcome(n, PairedScores(a, b, c, d)) for n, a, b, c, d in rows]
    rates = outcome_rates(outcomes)
    assert rates.episodes == len(rows)
    assert rates.paired <= rates.finished <= rates.episodes
    assert rates.reliably_recovered <= rates.recovered <= rates.caseness <= rates.paired
    assert rates.reliably_improved + rates.reliably_deteriorated <= rates.paired
    for rate in (
        rates.recovery_rate,
        rates.reliable_recovery_rate,
        rates.reliable_improvement_rate,
        rates.reliable_deterioration_rate,
    ):
        assert rate is None or 0.0 <= rate <= 100.0
    assert (rates.recovery_rate is None) == (rates.caseness == 0)
    assert (rates.reliable_improvement_rate is None) == (rates.paired == 0)
