"""Patient-reported outcome measures: forms, validation and scoring (domain.md §5).

Five questionnaires are supported: PHQ-9 (depression) and GAD-7 (anxiety), the NHS Talking
Therapies pair, and three measures used with severe mental illness: SWEMWBS (wellbeing),
DIALOG (quality of life and treatment satisfaction) and ReQoL-10 (recovering quality of life).

``SPECS`` describes each form as data (item wording, allowed answers, SNOMED code, score range),
so the entry screen, the validator and the scorer cannot disagree about it.

Wording
-------
PHQ-9 and GAD-7 are public domain [S29], so their items are shown in the published stem form
(validated wording; paraphrasing would change the instrument). SWEMWBS and ReQoL-10 wording is
licensed: the app shows neutral item labels and the facilitator reads the items from the
licensed form. DIALOG items are the life and treatment domains of §5.3 phrased as the app's own
"How satisfied are you with ..." questions.

Scoring
-------
Every item must be answered: there is **no prorating** (app rule, §5.1; applied to all five
measures). ``validate_answers`` lists every problem at once, each naming its item, so a form can
highlight them all; ``score_answers`` refuses invalid answers with ``InvalidAnswers``. Booleans
are refused even though Python treats True as 1, because a tick-box value reaching a score is a
bug, not an answer.

PHQ-9 item 9 (thoughts of being better off dead or of self-harm) answered 1 or more raises the
risk flag **regardless of the total** (app rule consistent with the PHQ instructions, §5.1):
the app must show ``RISK_MESSAGE`` and prompt a same-day clinician risk assessment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from facilitator_app.domain.outcomes import GAD7_CASENESS, PHQ9_CASENESS

__all__ = [
    "DIALOG_ITEM_SNOMED",
    "DIALOG_QOL_ITEMS",
    "DIALOG_TREATMENT_ITEMS",
    "GAD7_BANDS",
    "NG222_MORE_SEVERE",
    "PHQ9_BANDS",
    "REQOL10_CLINICAL_CUTOFF",
    "RISK_ITEM",
    "RISK_MESSAGE",
    "SPECS",
    "SWEMWBS_METRIC",
    "InvalidAnswers",
    "ItemProblem",
    "Measure",
    "MeasureScore",
    "MeasureSpec",
    "score_answers",
    "validate_answers",
]


class Measure(StrEnum):
    """A supported questionnaire; the value is what the database stores."""

    PHQ9 = "phq9"
    GAD7 = "gad7"
    SWEMWBS = "swemwbs"
    DIALOG = "dialog"
    REQOL10 = "reqol10"


@dataclass(frozen=True)
class MeasureSpec:
    """One questionnaire as shown and scored.

    ``items`` is the wording per item, in order; ``answers`` the allowed item values with their
    labels, lowest first; ``preamble`` the instruction shown above the items. ``total_min`` and
    ``total_max`` bound the *reported* score (``MeasureScore.score``): the raw total for PHQ-9,
    GAD-7 and ReQoL-10, the metric score for SWEMWBS (7–35, like its raw total) and the quality
    of life mean for DIALOG (1–7). ``snomed`` is the score's SNOMED CT concept id (§9), or ""
    where §9 lists none (DIALOG has item codes only: ``DIALOG_ITEM_SNOMED``).
    """

    measure: Measure
    title: str
    items: tuple[str, ...]
    answers: tuple[tuple[int, str], ...]
    snomed: str
    total_min: int
    total_max: int
    preamble: str

    @property
    def item_min(self) -> int:
        """The lowest allowed item value."""
        return self.answers[0][0]

    @property
    def item_max(self) -> int:
        """The highest allowed item value."""
        return self.answers[-1][0]

    @property
    def allowed(self) -> frozenset[int]:
        """Every allowed item value."""
        return frozenset(value for value, _ in self.answers)

    def answer_label(self, value: int) -> str:
        """The label of an allowed item value; raises KeyError for any other value."""
        for allowed, label in self.answers:
            if allowed == value:
                return label
        raise KeyError(value)


# --- Form definitions -------------------------------------------------------------------------

_FREQUENCY_2_WEEKS = (
    "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
)

# PHQ-9 and GAD-7 answers: 0 not at all … 3 nearly every day (domain.md §5.1, [S29]).
_PHQ_ANSWERS: tuple[tuple[int, str], ...] = (
    (0, "Not at all"),
    (1, "Several days"),
    (2, "More than half the days"),
    (3, "Nearly every day"),
)

_PHQ9_ITEMS = (
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself, or that you are a failure or have let yourself or your "
    "family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed, or the opposite: being "
    "so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead, or of hurting yourself in some way",
)

_GAD7_ITEMS = (
    "Feeling nervous, anxious or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid, as if something awful might happen",
)

# SWEMWBS: 7 items scored 1–5 (domain.md §5.3, [S37, S38]). Item wording is licensed, so only
# neutral labels; the answer labels are the plain frequency scale 1 (none of the time) to
# 5 (all of the time).
_SWEMWBS_ITEMS = tuple(f"Item {n} (licensed wording: see the SWEMWBS form)" for n in range(1, 8))
_SWEMWBS_ANSWERS: tuple[tuple[int, str], ...] = (
    (1, "None of the time"),
    (2, "Rarely"),
    (3, "Some of the time"),
    (4, "Often"),
    (5, "All of the time"),
)

# DIALOG: 11 items rated 1 totally dissatisfied – 7 totally satisfied; 8 life domains then 3
# treatment items (domain.md §5.3, [S35]). Intermediate labels: app wording of the 7-point scale.
_DIALOG_ITEMS = (
    "How satisfied are you with your mental health?",
    "How satisfied are you with your physical health?",
    "How satisfied are you with your job situation?",
    "How satisfied are you with your accommodation?",
    "How satisfied are you with your leisure activities?",
    "How satisfied are you with your friendships?",
    "How satisfied are you with your partner or family?",
    "How satisfied are you with your personal safety?",
    "How satisfied are you with your medication?",
    "How satisfied are you with the practical help you receive?",
    "How satisfied are you with your meetings with mental health professionals?",
)
_DIALOG_ANSWERS: tuple[tuple[int, str], ...] = (
    (1, "Totally dissatisfied"),
    (2, "Very dissatisfied"),
    (3, "Fairly dissatisfied"),
    (4, "In the middle"),
    (5, "Fairly satisfied"),
    (6, "Very satisfied"),
    (7, "Totally satisfied"),
)
DIALOG_QOL_ITEMS: tuple[int, ...] = tuple(range(1, 9))
"""DIALOG items (1-based) whose mean is subjective quality of life (§5.3, [S35])."""
DIALOG_TREATMENT_ITEMS: tuple[int, ...] = (9, 10, 11)
"""DIALOG items (1-based) whose mean is treatment satisfaction (§5.3, [S35])."""

DIALOG_ITEM_SNOMED: Mapping[int, str] = MappingProxyType(
    {
        1: "1037651000000100",  # [S37]
        11: "1037751000000109",  # [S37]
    }
)
"""DIALOG item codes from §9, which gives only the first and last ("item 1 … 11"). Items 2–10
are deliberately absent: their ids must come from a verified source, not be guessed."""

# ReQoL-10: 10 items scored 0 (worst) – 4 (best), total 0–40 (domain.md §5.3, [S36, S37]). The
# form mixes positively and negatively worded items, so the value entered is the item *score*
# from the form's scoring key, not the box position; labels are therefore direction-free. The
# extra unsummed physical-health item is not collected (unverified: check ReQoL scoring guide).
_REQOL10_ITEMS = tuple(f"Item {n} (licensed wording: see the ReQoL-10 form)" for n in range(1, 11))
_REQOL10_ANSWERS: tuple[tuple[int, str], ...] = (
    (0, "0 (worst)"),
    (1, "1"),
    (2, "2"),
    (3, "3"),
    (4, "4 (best)"),
)

SPECS: Mapping[Measure, MeasureSpec] = MappingProxyType(
    {
        Measure.PHQ9: MeasureSpec(
            measure=Measure.PHQ9,
            title="PHQ-9",
            items=_PHQ9_ITEMS,
            answers=_PHQ_ANSWERS,
            snomed="720433000",  # PHQ-9 score [S37]
            total_min=0,
            total_max=27,  # [S29]
            preamble=_FREQUENCY_2_WEEKS,
        ),
        Measure.GAD7: MeasureSpec(
            measure=Measure.GAD7,
            title="GAD-7",
            items=_GAD7_ITEMS,
            answers=_PHQ_ANSWERS,
            snomed="445455005",  # GAD-7 score [S37]
            total_min=0,
            total_max=21,  # [S29]
            preamble=_FREQUENCY_2_WEEKS,
        ),
        Measure.SWEMWBS: MeasureSpec(
            measure=Measure.SWEMWBS,
            title="SWEMWBS",
            items=_SWEMWBS_ITEMS,
            answers=_SWEMWBS_ANSWERS,
            snomed="718466001",  # SWEMWBS score [S37]
            total_min=7,  # metric score runs 7.00–35.00, like the raw total [S38]
            total_max=35,
            preamble=(
                "For each statement on the SWEMWBS form, choose the answer that best describes "
                "your experience over the period the form asks about."
            ),
        ),
        Measure.DIALOG: MeasureSpec(
            measure=Measure.DIALOG,
            title="DIALOG",
            items=_DIALOG_ITEMS,
            answers=_DIALOG_ANSWERS,
            snomed="",  # §9 lists item codes only (DIALOG_ITEM_SNOMED), no score code
            total_min=1,  # quality of life mean of items rated 1–7 [S35]
            total_max=7,
            preamble=(
                "How satisfied are you with each of these? Answer from 1 (totally dissatisfied) "
                "to 7 (totally satisfied)."
            ),
        ),
        Measure.REQOL10: MeasureSpec(
            measure=Measure.REQOL10,
            title="ReQoL-10",
            items=_REQOL10_ITEMS,
            answers=_REQOL10_ANSWERS,
            snomed="1091071000000100",  # ReQoL-10 score [S37]
            total_min=0,
            total_max=40,  # [S36, S37]
            preamble=(
                "For each statement on the ReQoL-10 form, enter the item's score from the form's "
                "scoring key, from 0 (worst) to 4 (best)."
            ),
        ),
    }
)
"""Every supported questionnaire, by measure."""


# --- Bands and cut-offs -----------------------------------------------------------------------

PHQ9_BANDS: tuple[tuple[int, str], ...] = (
    # (lowest total in band, band) [S29, S36]
    (0, "minimal"),
    (5, "mild"),
    (10, "moderate"),
    (15, "moderately severe"),
    (20, "severe"),
)
GAD7_BANDS: tuple[tuple[int, str], ...] = (
    # (lowest total in band, band) [S29]
    (0, "minimal"),
    (5, "mild"),
    (10, "moderate"),
    (15, "severe"),
)
NG222_MORE_SEVERE = 16
"""NICE NG222: PHQ-9 < 16 "less severe" depression, ≥ 16 "more severe" [S30]."""
REQOL10_CLINICAL_CUTOFF = 24
"""ReQoL-10 total < 24 is the clinical range, ≥ 24 the general population range [S36, S37]."""
_DIALOG_NEUTRAL = 4
"""DIALOG mean < 4 dissatisfied, exactly 4 neutral, > 4 satisfied [S35]."""

SWEMWBS_METRIC: Mapping[int, float] = MappingProxyType(
    {
        # raw total → Rasch metric score (domain.md §5.3, [S38])
        7: 7.00,
        8: 9.51,
        9: 11.25,
        10: 12.40,
        11: 13.33,
        12: 14.08,
        13: 14.75,
        14: 15.32,
        15: 15.84,
        16: 16.36,
        17: 16.88,
        18: 17.43,
        19: 17.98,
        20: 18.59,
        21: 19.25,
        22: 19.98,
        23: 20.73,
        24: 21.54,
        25: 22.35,
        26: 23.21,
        27: 24.11,
        28: 25.03,
        29: 26.02,
        30: 27.03,
        31: 28.13,
        32: 29.31,
        33: 30.70,
        34: 32.55,
        35: 35.00,
    }
)
"""SWEMWBS raw total → metric score. The metric, not the raw total, is what is reported."""

RISK_ITEM = 9
"""PHQ-9 item (1-based) whose answer ≥ 1 raises the risk flag whatever the total (§5.1)."""

RISK_MESSAGE = (
    # Same-day risk assessment: app rule consistent with the PHQ instructions (§5.1, [S29]).
    # Crisis contacts: domain.md §6 "Crisis" signposting (the NHS 111 mental health option is
    # unverified: check NHS England 2024).
    "PHQ-9 item 9 was answered 1 or more: the patient has had thoughts of being better off dead "
    "or of hurting themselves. A clinician must carry out a risk assessment today, whatever the "
    "total score. If the patient is in crisis: contact the crisis resolution and home treatment "
    "team, or NHS 111 and choose the mental health option. If life is at immediate risk: call "
    "999 or go to A&E. Samaritans can be called on 116 123."
)
"""Shown whenever ``MeasureScore.risk_flag`` is set."""


# --- Validation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemProblem:
    """One reason a set of answers cannot be scored.

    ``item`` is the 1-based item number, or None for a problem with the whole form (wrong
    number of answers). ``message`` names the measure and item and is fit to show the user.
    """

    item: int | None
    message: str


class InvalidAnswers(ValueError):
    """Answers that ``validate_answers`` rejects; ``problems`` lists every one of them."""

    def __init__(self, measure: Measure, problems: Sequence[ItemProblem]) -> None:
        self.measure = measure
        self.problems: list[ItemProblem] = list(problems)
        super().__init__("; ".join(p.message for p in self.problems))


def _is_whole_number(value: object) -> bool:
    # bool is a subclass of int; a True reaching a score would silently count as 1.
    return isinstance(value, int) and not isinstance(value, bool)


def validate_answers(measure: Measure, answers: Sequence[int | None]) -> list[ItemProblem]:
    """Every problem with ``answers`` (one value per item, in order); empty when scorable.

    Reports a wrong number of answers once for the whole form, then each unanswered item
    (None: all items are needed, no prorating) and each value that is not one of the allowed
    answers (out of range, a fraction, a bool, not a number), naming the item, e.g.
    "PHQ-9 item 3: 4 is not an allowed answer (0–3)".
    """
    spec = SPECS[measure]
    expected = len(spec.items)
    span = f"{spec.item_min}–{spec.item_max}"
    problems: list[ItemProblem] = []
    if len(answers) != expected:
        problems.append(
            ItemProblem(
                None,
                f"{spec.title} needs {expected} answers, one for each item; {len(answers)} given",
            )
        )
    allowed = spec.allowed
    # Items beyond the form's length have no meaning, so only the first ``expected`` are checked.
    for number, value in enumerate(answers[:expected], start=1):
        if value is None:
            problems.append(
                ItemProblem(
                    number,
                    f"{spec.title} item {number} is not answered "
                    "(all items are needed; no prorating)",
                )
            )
        elif not _is_whole_number(value) or value not in allowed:
            problems.append(
                ItemProblem(
                    number,
                    f"{spec.title} item {number}: {value!r} is not an allowed answer ({span})",
                )
            )
    return problems


# --- Scoring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureScore:
    """A scored questionnaire.

    ``raw_total`` is the sum of the item values. ``score`` is the figure to report and chart:
    the raw total for PHQ-9, GAD-7 and ReQoL-10, the Rasch metric score for SWEMWBS, and for
    DIALOG the subjective quality of life (mean of items 1–8). ``band`` is the severity or
    range wording ("" for SWEMWBS, for which domain.md defines no bands). ``caseness`` is the
    NHS Talking Therapies caseness of this one score (PHQ-9 ≥ 10, GAD-7 ≥ 8; None for other
    measures). ``risk_flag`` is PHQ-9 item 9 ≥ 1: show ``RISK_MESSAGE``. ``subscores`` holds
    DIALOG's "quality of life" and "treatment satisfaction" means (empty otherwise), and
    ``nice_severity`` the NG222 "less severe"/"more severe" split for PHQ-9 (None otherwise).
    Means are unrounded; round only for display.
    """

    measure: Measure
    raw_total: int
    score: float
    band: str
    caseness: bool | None = None
    risk_flag: bool = False
    subscores: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    nice_severity: str | None = None


def _band(total: int, bands: tuple[tuple[int, str], ...]) -> str:
    label = bands[0][1]
    for lowest, name in bands:
        if total >= lowest:
            label = name
    return label


def _dialog_band(item_sum: int, item_count: int) -> str:
    # Compare sums, not float means, so "exactly 4" is exact whatever the item count.
    neutral_sum = _DIALOG_NEUTRAL * item_count
    if item_sum < neutral_sum:
        return "dissatisfied"
    if item_sum > neutral_sum:
        return "satisfied"
    return "neutral"


def score_answers(measure: Measure, answers: Sequence[int]) -> MeasureScore:
    """Score a complete set of answers (one per item, in order).

    Raises ``InvalidAnswers`` carrying every ``ItemProblem`` when ``validate_answers`` finds
    any; nothing is ever prorated or guessed.
    """
    problems = validate_answers(measure, answers)
    if problems:
        raise InvalidAnswers(measure, problems)
    raw_total = sum(answers)
    match measure:
        case Measure.PHQ9:
            return MeasureScore(
                measure=measure,
                raw_total=raw_total,
                score=float(raw_total),
                band=_band(raw_total, PHQ9_BANDS),
                caseness=raw_total >= PHQ9_CASENESS,
                risk_flag=answers[RISK_ITEM - 1] >= 1,
                nice_severity="more severe" if raw_total >= NG222_MORE_SEVERE else "less severe",
            )
        case Measure.GAD7:
            return MeasureScore(
                measure=measure,
                raw_total=raw_total,
                score=float(raw_total),
                band=_band(raw_total, GAD7_BANDS),
                caseness=raw_total >= GAD7_CASENESS,
            )
        case Measure.SWEMWBS:
            return MeasureScore(
                measure=measure,
                raw_total=raw_total,
                score=SWEMWBS_METRIC[raw_total],
                band="",
            )
        case Measure.DIALOG:
            qol = [answers[n - 1] for n in DIALOG_QOL_ITEMS]
            treatment = [answers[n - 1] for n in DIALOG_TREATMENT_ITEMS]
            qol_mean = sum(qol) / len(qol)
            return MeasureScore(
                measure=measure,
                raw_total=raw_total,
                score=qol_mean,
                band=_dialog_band(sum(qol), len(qol)),
                subscores=MappingProxyType(
                    {
                        "quality of life": qol_mean,
                        "treatment satisfaction": sum(treatment) / len(treatment),
                    }
                ),
            )
        case Measure.REQOL10:
            return MeasureScore(
                measure=measure,
                raw_total=raw_total,
                score=float(raw_total),
                band=(
                    "clinical range"
                    if raw_total < REQOL10_CLINICAL_CUTOFF
                    else "general population range"
                ),
            )
    raise AssertionError(f"unhandled measure {measure!r}")  # pragma: no cover
