"""NHS Talking Therapies outcome rules for a course of treatment (domain.md §5.2, §7.2).

One course ("episode") is judged on its **paired scores**: the first and the last PHQ-9 and
GAD-7 of the course. ``episode_outcome`` turns those four numbers and the count of attended
treatment sessions into the national flags (caseness, recovery, reliable improvement, reliable
deterioration, reliable recovery), each with a plain-English reason quoting the numbers, so a
facilitator can see *why* a patient did or did not count and can check the arithmetic.
``outcome_rates`` then aggregates episodes into the percentages of the pathway statement.

Two gates come before any flag, and an episode that fails either counts in no rate at all:

* **finished**: at least 2 attended treatment contacts [S31, S33]; a single session is never
  judged, however much the scores moved;
* **paired** (app rule): both PHQ-9 and GAD-7 have a first *and* a last score. Recovery needs
  both last scores below caseness, so a course missing either measure cannot be judged fairly.
  When a measure was scored only once, its first and last score are the same score (no change).

Caseness decides only who can *recover*: a patient below caseness at the start is excluded
from the recovery and reliable recovery rates, but reliable improvement and deterioration are
judged (and counted) for every finished, paired course, as the rate denominators in §5.2 say.

Reliable change uses "and neither ..." exclusions, so reliable improvement and reliable
deterioration can never both be true: a course where one measure reliably improves while the
other reliably worsens is neither. That combination is (unverified: check NHS Talking Therapies
Manual v7 2024 / NHS Digital annual report definitions) and lives in ``_reliable_change`` only.

Pure Python: plain ints in, frozen dataclasses out, no ORM.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Self

__all__ = [
    "FINISHED_MIN_ATTENDED",
    "GAD7_CASENESS",
    "GAD7_MAX",
    "GAD7_RELIABLE_CHANGE",
    "PHQ9_CASENESS",
    "PHQ9_MAX",
    "PHQ9_RELIABLE_CHANGE",
    "EpisodeOutcome",
    "OutcomeRates",
    "PairedScores",
    "episode_outcome",
    "format_rate",
    "rates_from_counts",
    "outcome_rates",
]

# Caseness: PHQ-9 ≥ 10 or GAD-7 ≥ 8 [S32, S34].
PHQ9_CASENESS = 10
GAD7_CASENESS = 8
# Reliable change: a fall or rise of at least 6 (PHQ-9) or 4 (GAD-7) [S32, S34].
PHQ9_RELIABLE_CHANGE = 6
GAD7_RELIABLE_CHANGE = 4
# Finished course: ≥ 2 attended treatment contacts [S31, S33].
FINISHED_MIN_ATTENDED = 2
# Highest possible totals: PHQ-9 0–27, GAD-7 0–21 (domain.md §5.1, [S29]).
PHQ9_MAX = 27
GAD7_MAX = 21


@dataclass(frozen=True)
class PairedScores:
    """The first and last PHQ-9 and GAD-7 totals of one course; None where none was recorded.

    "First" and "last" are the earliest and latest score in the course [S32, S34]; when a
    measure was scored only once, first == last. ``from_series`` builds this from the scores in
    date order so callers do not have to get that rule right themselves.
    """

    first_phq9: int | None
    last_phq9: int | None
    first_gad7: int | None
    last_gad7: int | None

    @classmethod
    def from_series(cls, phq9: Sequence[int], gad7: Sequence[int]) -> Self:
        """Paired scores from each measure's totals in date order (oldest first).

        An empty series gives None for both ends; a single score is both first and last.
        """
        return cls(
            first_phq9=phq9[0] if phq9 else None,
            last_phq9=phq9[-1] if phq9 else None,
            first_gad7=gad7[0] if gad7 else None,
            last_gad7=gad7[-1] if gad7 else None,
        )


@dataclass(frozen=True)
class EpisodeOutcome:
    """The outcome flags of one course, with the reasons behind them.

    ``finished``: ≥ 2 attended treatment sessions. ``paired`` (app rule): PHQ-9 and GAD-7 both
    have a first and a last score; it states a fact about the scores even when the course is
    not finished. Only a finished, paired course is judged: otherwise ``caseness_at_start`` is
    None and every outcome flag is False. ``reasons`` are plain-English sentences, one per
    decision, quoting the numbers (e.g. "PHQ-9 fell 16 → 9 (−7, reliable: ≥ 6)").
    """

    finished: bool
    paired: bool
    caseness_at_start: bool | None
    recovered: bool
    reliable_improvement: bool
    reliable_deterioration: bool
    reliable_recovery: bool
    reasons: tuple[str, ...]

    @property
    def judged(self) -> bool:
        """True iff the course is finished and paired, so it counts towards the rates."""
        return self.finished and self.paired


def _check_score(name: str, value: int | None, maximum: int) -> None:
    # An impossible total is a caller bug (scores are validated when entered), not an outcome:
    # fail loudly rather than report a recovery computed from a typo.
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise ValueError(f"{name} must be a whole number 0–{maximum}, got {value!r}")


def _sessions(n: int) -> str:
    return f"{n} attended treatment session" + ("" if n == 1 else "s")


def _signed(delta: int) -> str:
    # U+2212 minus sign for falls, as in the reasons shown to staff ("−7").
    return f"+{delta}" if delta > 0 else f"−{-delta}" if delta < 0 else "0"


def _change_reason(title: str, first: int, last: int, threshold: int) -> str:
    """E.g. "PHQ-9 fell 16 → 9 (−7, reliable: ≥ 6)", "GAD-7 rose 9 → 11 (+2, not reliable: < 4)"."""
    delta = last - first
    if delta == 0:
        return f"{title} unchanged {first} → {last}"
    verb = "rose" if delta > 0 else "fell"
    reliable = (
        f"reliable: ≥ {threshold}" if abs(delta) >= threshold else f"not reliable: < {threshold}"
    )
    return f"{title} {verb} {first} → {last} ({_signed(delta)}, {reliable})"


def _reliable_change(phq_delta: int, gad_delta: int) -> tuple[bool, bool]:
    """(reliable improvement, reliable deterioration) from the last − first changes.

    Improvement: PHQ-9 falls ≥ 6 and/or GAD-7 falls ≥ 4, and neither rises by its threshold;
    deterioration is the mirror image [S32, S34] (the "and neither" part is unverified: check
    NHS Talking Therapies Manual v7 2024). The exclusions make the two mutually exclusive.
    """
    fell = phq_delta <= -PHQ9_RELIABLE_CHANGE or gad_delta <= -GAD7_RELIABLE_CHANGE
    rose = phq_delta >= PHQ9_RELIABLE_CHANGE or gad_delta >= GAD7_RELIABLE_CHANGE
    return fell and not rose, rose and not fell


def _not_judged(finished: bool, paired: bool, reasons: list[str]) -> EpisodeOutcome:
    return EpisodeOutcome(
        finished=finished,
        paired=paired,
        caseness_at_start=None,
        recovered=False,
        reliable_improvement=False,
        reliable_deterioration=False,
        reliable_recovery=False,
        reasons=tuple(reasons),
    )


def episode_outcome(attended_sessions: int, scores: PairedScores) -> EpisodeOutcome:
    """Judge one course by the NHS Talking Therapies rules of domain.md §5.2.

    Not finished (< 2 attended sessions) or not paired → excluded: caseness None, every flag
    False, and a reason saying why. Otherwise:

    * caseness at start: first PHQ-9 ≥ 10 or first GAD-7 ≥ 8;
    * recovered: case at start and last PHQ-9 < 10 and last GAD-7 < 8;
    * reliable improvement / deterioration: see ``_reliable_change``;
    * reliable recovery: recovered and reliably improved [S33].

    Raises ValueError for a negative session count or a score outside 0–27 / 0–21.
    """
    if isinstance(attended_sessions, bool) or attended_sessions < 0:
        raise ValueError(f"attended_sessions must be 0 or more, got {attended_sessions!r}")
    _check_score("first PHQ-9", scores.first_phq9, PHQ9_MAX)
    _check_score("last PHQ-9", scores.last_phq9, PHQ9_MAX)
    _check_score("first GAD-7", scores.first_gad7, GAD7_MAX)
    _check_score("last GAD-7", scores.last_gad7, GAD7_MAX)

    reasons: list[str] = []
    finished = attended_sessions >= FINISHED_MIN_ATTENDED
    if finished:
        reasons.append(
            f"Finished: {_sessions(attended_sessions)} (at least {FINISHED_MIN_ATTENDED} needed)"
        )
    else:
        reasons.append(
            f"Not finished: {_sessions(attended_sessions)} (at least {FINISHED_MIN_ATTENDED} "
            "needed); excluded from all outcome rates"
        )

    missing = [
        name
        for name, value in (
            ("first PHQ-9", scores.first_phq9),
            ("last PHQ-9", scores.last_phq9),
            ("first GAD-7", scores.first_gad7),
            ("last GAD-7", scores.last_gad7),
        )
        if value is None
    ]
    paired = not missing
    if not paired:
        reasons.append(
            f"Not paired: no {', '.join(missing)} score (both PHQ-9 and GAD-7 need a first and "
            "a last score); excluded from all outcome rates"
        )
    if not (finished and paired):
        return _not_judged(finished, paired, reasons)

    # mypy cannot see that ``paired`` rules out None; these asserts only restate it.
    first_phq, last_phq = scores.first_phq9, scores.last_phq9
    first_gad, last_gad = scores.first_gad7, scores.last_gad7
    assert first_phq is not None and last_phq is not None
    assert first_gad is not None and last_gad is not None

    phq_case = first_phq >= PHQ9_CASENESS
    gad_case = first_gad >= GAD7_CASENESS
    caseness = phq_case or gad_case
    if caseness:
        met = [
            text
            for hit, text in (
                (phq_case, f"first PHQ-9 {first_phq} ≥ {PHQ9_CASENESS}"),
                (gad_case, f"first GAD-7 {first_gad} ≥ {GAD7_CASENESS}"),
            )
            if hit
        ]
        reasons.append(f"Caseness at start: {' and '.join(met)}")
    else:
        reasons.append(
            f"Not caseness at start: first PHQ-9 {first_phq} < {PHQ9_CASENESS} and first GAD-7 "
            f"{first_gad} < {GAD7_CASENESS}; excluded from recovery rates"
        )

    reasons.append(_change_reason("PHQ-9", first_phq, last_phq, PHQ9_RELIABLE_CHANGE))
    reasons.append(_change_reason("GAD-7", first_gad, last_gad, GAD7_RELIABLE_CHANGE))

    recovered = False
    if caseness:
        above = [
            text
            for hit, text in (
                (last_phq >= PHQ9_CASENESS, f"last PHQ-9 {last_phq} ≥ {PHQ9_CASENESS}"),
                (last_gad >= GAD7_CASENESS, f"last GAD-7 {last_gad} ≥ {GAD7_CASENESS}"),
            )
            if hit
        ]
        recovered = not above
        if recovered:
            reasons.append(
                f"Recovered: last PHQ-9 {last_phq} < {PHQ9_CASENESS} and last GAD-7 "
                f"{last_gad} < {GAD7_CASENESS}"
            )
        else:
            reasons.append(f"Not recovered: {' and '.join(above)}")

    phq_delta, gad_delta = last_phq - first_phq, last_gad - first_gad
    improved, deteriorated = _reliable_change(phq_delta, gad_delta)
    if improved:
        reasons.append("Reliable improvement: a reliable fall and no reliable rise")
    elif deteriorated:
        reasons.append("Reliable deterioration: a reliable rise and no reliable fall")
    elif phq_delta <= -PHQ9_RELIABLE_CHANGE or gad_delta <= -GAD7_RELIABLE_CHANGE:
        reasons.append("No reliable change: one measure reliably fell and the other reliably rose")
    else:
        reasons.append("No reliable change")

    reliable_recovery = recovered and improved
    if reliable_recovery:
        reasons.append("Reliable recovery: recovered and reliably improved")

    return EpisodeOutcome(
        finished=True,
        paired=True,
        caseness_at_start=caseness,
        recovered=recovered,
        reliable_improvement=improved,
        reliable_deterioration=deteriorated,
        reliable_recovery=reliable_recovery,
        reasons=tuple(reasons),
    )


@dataclass(frozen=True)
class OutcomeRates:
    """Counts and percentages for a set of courses (domain.md §5.2, §7.2).

    ``finished`` counts finished courses; ``paired`` counts courses that are finished *and*
    paired (the judged courses, the base of every rate); ``caseness`` and the outcome counts
    are among those. Rates are percentages (50.0 means 50.0 %), unrounded, or None when the
    denominator is 0 (printed "n/a": see ``format_rate``):

    * recovery and reliable recovery: over finished paired − not caseness, i.e. ``caseness``;
    * reliable improvement and reliable deterioration: over finished paired.

    (Denominators: unverified: check NHS Digital "NHS Talking Therapies annual report" KPI
    definitions. §5.2 says "finished"; restricting to paired courses is an app rule, and
    §5.2 gives no deterioration rate, so its base mirrors reliable improvement: app rule.)
    """

    episodes: int
    finished: int
    paired: int
    caseness: int
    recovered: int
    reliably_improved: int
    reliably_deteriorated: int
    reliably_recovered: int
    recovery_rate: float | None
    reliable_recovery_rate: float | None
    reliable_improvement_rate: float | None
    reliable_deterioration_rate: float | None

    @property
    def not_caseness(self) -> int:
        """Finished, paired courses below caseness at the start (excluded from recovery)."""
        return self.paired - self.caseness


def _pct(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else 100.0 * numerator / denominator


def outcome_rates(outcomes: Iterable[EpisodeOutcome]) -> OutcomeRates:
    """Aggregate courses into counts and rates; see ``OutcomeRates`` for the definitions.

    Only finished, paired courses contribute to the outcome counts, even if a hand-built
    ``EpisodeOutcome`` carries a flag it should not, so an unjudged course can never inflate
    a rate.
    """
    episodes = finished = paired = caseness = 0
    recovered = improved = deteriorated = reliably_recovered = 0
    for outcome in outcomes:
        episodes += 1
        if not outcome.finished:
            continue
        finished += 1
        if not outcome.paired:
            continue
        paired += 1
        improved += outcome.reliable_improvement
        deteriorated += outcome.reliable_deterioration
        if outcome.caseness_at_start:
            caseness += 1
            recovered += outcome.recovered
            reliably_recovered += outcome.reliable_recovery
    return rates_from_counts(episodes, finished, paired, caseness, recovered, improved,
                             deteriorated, reliably_recovered)


def rates_from_counts(episodes: int, finished: int, paired: int, caseness: int,
                      recovered: int, reliably_improved: int, reliably_deteriorated: int,
                      reliably_recovered: int) -> OutcomeRates:
    """Rates from counts already made (the set-based report counts in SQL): one definition
    of every denominator, shared with ``outcome_rates``."""
    return OutcomeRates(
        episodes=episodes,
        finished=finished,
        paired=paired,
        caseness=caseness,
        recovered=recovered,
        reliably_improved=reliably_improved,
        reliably_deteriorated=reliably_deteriorated,
        reliably_recovered=reliably_recovered,
        recovery_rate=_pct(recovered, caseness),
        reliable_recovery_rate=_pct(reliably_recovered, caseness),
        reliable_improvement_rate=_pct(reliably_improved, paired),
        reliable_deterioration_rate=_pct(reliably_deteriorated, paired),
    )


def format_rate(rate: float | None) -> str:
    """A rate as printed on statements: one decimal place ("44.1 %"), "n/a" when undefined."""
    return "n/a" if rate is None else f"{rate:.1f} %"
