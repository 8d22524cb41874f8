"""Personal goals and the Mental Health Recovery Star (domain.md §5.3, [S39]).

Goals are the patient's own words (up to three), each rated 0–10 for progress; the app only
checks that they are present and of a sensible length, never rewrites them.

The Recovery Star scores 10 life areas from 1 to 10, read as five stages of a "Journey of
Change". The stage mapping (1–2 stuck, 3–4 accepting help, 5–6 believing, 7–8 learning,
9–10 self-reliance) is (unverified: check Recovery Star User Guide, Triangle/MHPF), so it is kept
as data in ``RECOVERY_STAR_STAGES`` with ``RECOVERY_STAR_STAGES_SOURCE`` for the UI to show.
The Star is a licensed tool: a service needs a Star licence to use it.

Validators return every problem at once as messages naming the area or goal, so a form can
highlight them all; an empty list (or None) means the input is acceptable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = [
    "GOAL_MAX_CHARS",
    "GOAL_RATING_MAX",
    "GOAL_RATING_MIN",
    "MAX_GOALS",
    "RECOVERY_STAR_AREAS",
    "RECOVERY_STAR_MAX",
    "RECOVERY_STAR_MIN",
    "RECOVERY_STAR_STAGES",
    "RECOVERY_STAR_STAGES_SOURCE",
    "recovery_star_stage",
    "validate_goal_rating",
    "validate_goals",
    "validate_recovery_star",
]

RECOVERY_STAR_AREAS: tuple[str, ...] = (
    # The 10 areas in domain.md §5.3 order [S39].
    "Managing mental health",
    "Physical health and self-care",
    "Living skills",
    "Social networks",
    "Work",
    "Relationships",
    "Addictive behaviour",
    "Responsibilities",
    "Identity and self-esteem",
    "Trust and hope",
)

RECOVERY_STAR_MIN = 1  # each area is scored 1–10 [S39]
RECOVERY_STAR_MAX = 10

RECOVERY_STAR_STAGES: tuple[tuple[int, int, str], ...] = (
    # (lowest score, highest score, Journey of Change stage) [S39];
    # mapping unverified: check Recovery Star User Guide, Triangle/MHPF.
    (1, 2, "stuck"),
    (3, 4, "accepting help"),
    (5, 6, "believing"),
    (7, 8, "learning"),
    (9, 10, "self-reliance"),
)
RECOVERY_STAR_STAGES_SOURCE = "unverified: check Recovery Star User Guide, Triangle/MHPF"
"""Shown beside a stage so no one mistakes the mapping for a verified one."""

MAX_GOALS = 3  # up to three goals (app rule)
GOAL_MAX_CHARS = 300  # long enough for a sentence or two in the patient's words (app rule)
GOAL_RATING_MIN = 0  # progress rated 0–10 (app rule)
GOAL_RATING_MAX = 10


def _is_whole_number(value: object) -> bool:
    # bool is a subclass of int; a ticked box must never become a score of 1.
    return isinstance(value, int) and not isinstance(value, bool)


def recovery_star_stage(score: int) -> str:
    """The Journey of Change stage for an area score 1–10 (mapping unverified: see module).

    Raises ValueError for anything else: scores are validated on entry, so this is a bug.
    """
    if _is_whole_number(score):
        for low, high, stage in RECOVERY_STAR_STAGES:
            if low <= score <= high:
                return stage
    raise ValueError(
        f"Recovery Star score must be a whole number "
        f"{RECOVERY_STAR_MIN}–{RECOVERY_STAR_MAX}, got {score!r}"
    )


def validate_recovery_star(scores: Mapping[str, int | None]) -> list[str]:
    """Every problem with a set of Recovery Star scores keyed by area name.

    All 10 areas are needed (a missing key and None both count as not scored), each a whole
    number 1–10; an unknown area name is refused too, so a typo cannot hide a missing area.
    Messages name the area and come in ``RECOVERY_STAR_AREAS`` order, unknown names last.
    """
    span = f"{RECOVERY_STAR_MIN}–{RECOVERY_STAR_MAX}"
    problems: list[str] = []
    for area in RECOVERY_STAR_AREAS:
        value = scores.get(area)
        if value is None:
            problems.append(f"{area} is not scored (all 10 areas are needed)")
        elif not _is_whole_number(value) or not RECOVERY_STAR_MIN <= value <= RECOVERY_STAR_MAX:
            problems.append(f"{area}: {value!r} is not an allowed score (whole numbers {span})")
    known = set(RECOVERY_STAR_AREAS)
    problems.extend(f"{name!r} is not a Recovery Star area" for name in scores if name not in known)
    return problems


def validate_goals(goals: Sequence[str]) -> list[str]:
    """Every problem with a patient's goals, in order.

    1 to ``MAX_GOALS`` goals, each non-empty after trimming spaces and at most
    ``GOAL_MAX_CHARS`` characters. Every entry counts as a goal, so callers drop unused blank
    fields before validating; messages name the goal ("Goal 2 is empty").
    """
    problems: list[str] = []
    if not goals:
        problems.append("At least 1 goal is needed, in the patient's own words")
    elif len(goals) > MAX_GOALS:
        problems.append(f"At most {MAX_GOALS} goals can be recorded; {len(goals)} given")
    for number, goal in enumerate(goals, start=1):
        if not isinstance(goal, str):
            problems.append(f"Goal {number} is not text")
            continue
        text = goal.strip()
        if not text:
            problems.append(f"Goal {number} is empty")
        elif len(text) > GOAL_MAX_CHARS:
            problems.append(
                f"Goal {number} is {len(text)} characters long (at most {GOAL_MAX_CHARS})"
            )
    return problems


def validate_goal_rating(score: int | None) -> str | None:
    """Why a goal progress rating is unacceptable, or None if it is a whole number 0–10."""
    span = f"{GOAL_RATING_MIN}–{GOAL_RATING_MAX}"
    if score is None:
        return f"Goal rating is needed (whole numbers {span})"
    if not _is_whole_number(score) or not GOAL_RATING_MIN <= score <= GOAL_RATING_MAX:
        return f"Goal rating {score!r} is not allowed (whole numbers {span})"
    return None
