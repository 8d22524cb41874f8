"""MHCT care clusters and review dates (domain.md §7.1)."""

from __future__ import annotations

from datetime import date

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from facilitator_app.domain.clusters import (
    BLANK_CLUSTER,
    CLUSTERS,
    CareCluster,
    cluster_review_due,
    validate_cluster,
)

# domain.md §7.1, typed out again independently of the module.
EXPECTED_REVIEW = {
    0: "6 months", 1: "12 weeks", 2: "15 weeks", 3: "6 months", 4: "6 months",
    5: "6 months", 6: "6 months", 7: "annual", 8: "annual", 9: "n/a", 10: "annual",
    11: "annual", 12: "annual", 13: "annual", 14: "4 weeks", 15: "4 weeks",
    16: "6 months", 17: "6 months", 18: "annual", 19: "6 months", 20: "6 months",
    21: "6 months",
}  # fmt: skip


def test_all_clusters_0_to_21() -> None:
    assert sorted(CLUSTERS) == list(range(22))
    for number, cluster in CLUSTERS.items():
        assert isinstance(cluster, CareCluster)
        assert cluster.number == number
        assert cluster.label


def test_review_intervals_match_domain() -> None:
    assert {n: c.review_label for n, c in CLUSTERS.items()} == EXPECTED_REVIEW


@pytest.mark.parametrize(
    ("number", "label"),
    [
        (0, "Variance"),
        (1, "Common MH problems (low severity)"),
        (9, "Blank cluster"),
        (10, "First episode in psychosis"),
        (14, "Psychotic crisis"),
        (21, "Cognitive impairment or dementia (high physical or engagement need)"),
    ],
)
def test_labels(number: int, label: str) -> None:
    assert CLUSTERS[number].label == label


def test_interval_values() -> None:
    assert CLUSTERS[1].max_review == relativedelta(weeks=12)
    assert CLUSTERS[2].max_review == relativedelta(weeks=15)
    assert CLUSTERS[14].max_review == relativedelta(weeks=4)
    assert CLUSTERS[0].max_review == relativedelta(months=6)
    assert CLUSTERS[10].max_review == relativedelta(months=12)
    assert CLUSTERS[BLANK_CLUSTER].max_review is None


@pytest.mark.parametrize(
    ("number", "assigned", "due"),
    [
        (1, date(2025, 1, 1), date(2025, 3, 26)),  # 12 weeks = 84 days
        (2, date(2025, 1, 1), date(2025, 4, 16)),  # 15 weeks = 105 days
        (14, date(2025, 2, 10), date(2025, 3, 10)),  # 4 weeks across February
        (15, date(2024, 2, 10), date(2024, 3, 9)),  # 4 weeks across a leap-year February
        (3, date(2024, 8, 31), date(2025, 2, 28)),  # 6 months clips to month end
        (0, date(2024, 3, 31), date(2024, 9, 30)),
        (19, date(2023, 8, 29), date(2024, 2, 29)),  # lands on a leap day
        (10, date(2024, 2, 29), date(2025, 2, 28)),  # annual from a leap day
        (7, date(2025, 3, 31), date(2026, 3, 31)),
        (18, date(2023, 2, 28), date(2024, 2, 28)),  # not 29/02/2024
    ],
)
def test_review_due(number: int, assigned: date, due: date) -> None:
    assert cluster_review_due(number, assigned) == due


def test_blank_cluster_has_no_review() -> None:
    assert cluster_review_due(9, date(2025, 1, 1)) is None


@pytest.mark.parametrize("number", [-1, 22, 99])
def test_review_due_refuses_unknown_numbers(number: int) -> None:
    with pytest.raises(ValueError, match="not an MHCT cluster"):
        cluster_review_due(number, date(2025, 1, 1))


def test_validate_cluster() -> None:
    for number in range(22):
        if number != 9:
            assert validate_cluster(number) is None
    message = validate_cluster(9)
    assert message is not None and "blank cluster: not assigned" in message
    assert validate_cluster(22) == "Care cluster 22 is not an MHCT cluster (0–21)"
    assert validate_cluster(-1) == "Care cluster -1 is not an MHCT cluster (0–21)"
    assert validate_cluster(True) is not None


def test_primary_care_clusters() -> None:
    assert [n for n, c in CLUSTERS.items() if c.typically_primary_care] == [1, 2, 3, 4]


@given(
    st.sampled_from([n for n in range(22) if n != 9]),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
)
def test_review_is_after_assignment_and_within_a_year(number: int, assigned: date) -> None:
    due = cluster_review_due(number, assigned)
    assert due is not None
    assert assigned < due <= assigned + relativedelta(months=12)
