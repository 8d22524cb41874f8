"""Goals and the Mental Health Recovery Star (domain.md §5.3)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitator_app.domain.recovery import (
    GOAL_MAX_CHARS,
    MAX_GOALS,
    RECOVERY_STAR_AREAS,
    RECOVERY_STAR_STAGES_SOURCE,
    recovery_star_stage,
    validate_goal_rating,
    validate_goals,
    validate_recovery_star,
)


def full_star(score: int | None = 5) -> dict[str, int | None]:
    return dict.fromkeys(RECOVERY_STAR_AREAS, score)


def test_areas_in_domain_order() -> None:
    assert [a.lower() for a in RECOVERY_STAR_AREAS] == [
        "managing mental health",
        "physical health and self-care",
        "living skills",
        "social networks",
        "work",
        "relationships",
        "addictive behaviour",
        "responsibilities",
        "identity and self-esteem",
        "trust and hope",
    ]


@pytest.mark.parametrize(
    ("score", "stage"),
    [
        (1, "stuck"),
        (2, "stuck"),
        (3, "accepting help"),
        (4, "accepting help"),
        (5, "believing"),
        (6, "believing"),
        (7, "learning"),
        (8, "learning"),
        (9, "self-reliance"),
        (10, "self-reliance"),
    ],
)
def test_stage_edges(score: int, stage: str) -> None:
    assert recovery_star_stage(score) == stage


@pytest.mark.parametrize("score", [0, 11, -1, True])
def test_stage_refuses_out_of_range(score: int) -> None:
    with pytest.raises(ValueError, match="1–10"):
        recovery_star_stage(score)


def test_stage_mapping_is_marked_unverified() -> None:
    assert RECOVERY_STAR_STAGES_SOURCE.startswith("unverified")


def test_valid_star() -> None:
    assert validate_recovery_star(full_star(1)) == []
    assert validate_recovery_star(full_star(10)) == []


def test_star_problems_name_the_area() -> None:
    scores = full_star()
    scores["Work"] = 11
    scores["Living skills"] = 0
    scores["Trust and hope"] = None
    del scores["Relationships"]
    assert validate_recovery_star(scores) == [
        "Living skills: 0 is not an allowed score (whole numbers 1–10)",
        "Work: 11 is not an allowed score (whole numbers 1–10)",
        "Relationships is not scored (all 10 areas are needed)",
        "Trust and hope is not scored (all 10 areas are needed)",
    ]


def test_star_refuses_bools_fractions_and_unknown_areas() -> None:
    scores: dict[str, object] = dict(full_star())
    scores["Work"] = True
    scores["Responsibilities"] = 5.5
    scores["Wrok"] = 5
    problems = validate_recovery_star(scores)  # type: ignore[arg-type]
    assert problems == [
        "Work: True is not an allowed score (whole numbers 1–10)",
        "Responsibilities: 5.5 is not an allowed score (whole numbers 1–10)",
        "'Wrok' is not a Recovery Star area",
    ]


def test_empty_star_lists_every_area() -> None:
    assert len(validate_recovery_star({})) == 10


def test_goals() -> None:
    assert MAX_GOALS == 3
    assert GOAL_MAX_CHARS == 300
    assert validate_goals(["Walk to the shops on my own"]) == []
    assert validate_goals(["a", "b", "c"]) == []
    assert validate_goals(["x" * 300]) == []
    assert validate_goals(["  " + "x" * 300 + "  "]) == []  # surrounding spaces do not count


def test_goal_problems() -> None:
    assert validate_goals([]) == ["At least 1 goal is needed, in the patient's own words"]
    assert validate_goals(["a", "b", "c", "d"]) == ["At most 3 goals can be recorded; 4 given"]
    assert validate_goals(["Sleep better", "   "]) == ["Goal 2 is empty"]
    assert validate_goals(["ok", "ok", "x" * 301]) == [
        "Goal 3 is 301 characters long (at most 300)"
    ]
    assert validate_goals([""]) == ["Goal 1 is empty"]


@pytest.mark.parametrize("score", [0, 5, 10])
def test_goal_rating_valid(score: int) -> None:
    assert validate_goal_rating(score) is None


@pytest.mark.parametrize(
    ("score", "message"),
    [
        (None, "Goal rating is needed (whole numbers 0–10)"),
        (-1, "Goal rating -1 is not allowed (whole numbers 0–10)"),
        (11, "Goal rating 11 is not allowed (whole numbers 0–10)"),
        (True, "Goal rating True is not allowed (whole numbers 0–10)"),
    ],
)
def test_goal_rating_invalid(score: int | None, message: str) -> None:
    assert validate_goal_rating(score) == message


@given(st.integers(1, 10))
def test_every_valid_score_has_a_stage(score: int) -> None:
    assert recovery_star_stage(score) in {
        "stuck",
        "accepting help",
        "believing",
        "learning",
        "self-reliance",
    }
    star = full_star(score)
    assert validate_recovery_star(star) == []


@given(st.lists(st.text(max_size=320), max_size=5))
def test_goal_validation_matches_rules(goals: list[str]) -> None:
    ok = 1 <= len(goals) <= MAX_GOALS and all(0 < len(g.strip()) <= GOAL_MAX_CHARS for g in goals)
    assert (validate_goals(goals) == []) is ok
