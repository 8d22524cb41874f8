"""MHCT care clusters and their maximum review intervals (domain.md §7.1, [S42, S43]).

The Mental Health Clustering Tool groups patients into clusters 0–21, each with a maximum
interval before the cluster must be reviewed. The table is kept as data (``CLUSTERS``) because
whether clusters remain a national currency after 2022 is (unverified: check NHS Payment Scheme
2023/25): the app treats them as a local classification that a service may revise.

Review intervals are ``relativedelta`` values and the due date is always
``assigned_on + max_review``, never a count of days: "6 months" and "annual" are calendar
months, which clip at month ends (29/02/2024 + 12 months = 28/02/2025), while "12 weeks" is
exactly 84 days.

Cluster 9 is the **blank cluster**: it exists in the numbering but is never assigned, so it has
no review interval and ``validate_cluster`` refuses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from dateutil.relativedelta import relativedelta

__all__ = [
    "BLANK_CLUSTER",
    "CLUSTERS",
    "CareCluster",
    "cluster_review_due",
    "validate_cluster",
]

BLANK_CLUSTER = 9
"""The unassigned cluster number (§7.1)."""

_PRIMARY_CARE = range(1, 5)
"""Clusters 1–4 are typically primary care / NHS Talking Therapies, 5+ secondary care [S43]."""


@dataclass(frozen=True)
class CareCluster:
    """One MHCT cluster: its number, label and maximum review interval (None for cluster 9)."""

    number: int
    label: str
    max_review: relativedelta | None

    @property
    def review_label(self) -> str:
        """The interval as §7.1 words it: "12 weeks", "6 months", "annual", or "n/a"."""
        review = self.max_review
        if review is None:
            return "n/a"
        # relativedelta normalises months=12 to years=1, so count whole months.
        months = review.years * 12 + review.months
        if months == 12 and not review.days:
            return "annual"
        if months and not review.days:
            return f"{months} months"
        if review.days and not months and review.days % 7 == 0:
            return f"{review.weeks} weeks"
        return str(review)  # pragma: no cover - every interval in the table is handled above

    @property
    def typically_primary_care(self) -> bool:
        """Clusters 1–4 are typically managed in primary care / NHS Talking Therapies [S43]."""
        return self.number in _PRIMARY_CARE


_WEEKS_4 = relativedelta(weeks=4)
_WEEKS_12 = relativedelta(weeks=12)
_WEEKS_15 = relativedelta(weeks=15)
_MONTHS_6 = relativedelta(months=6)
_ANNUAL = relativedelta(months=12)  # "annual" = 12 calendar months (app rule)


def _cluster(number: int, label: str, review: relativedelta | None) -> tuple[int, CareCluster]:
    return number, CareCluster(number, label, review)


CLUSTERS: Mapping[int, CareCluster] = MappingProxyType(
    dict(
        # Labels and maximum reviews: domain.md §7.1 [S42, S43].
        [
            _cluster(0, "Variance", _MONTHS_6),
            _cluster(1, "Common MH problems (low severity)", _WEEKS_12),
            _cluster(2, "Common MH problems (low severity with greater need)", _WEEKS_15),
            _cluster(3, "Non-psychotic (moderate severity)", _MONTHS_6),
            _cluster(4, "Non-psychotic (severe)", _MONTHS_6),
            _cluster(5, "Non-psychotic (very severe)", _MONTHS_6),
            _cluster(6, "Non-psychotic disorders of overvalued ideas", _MONTHS_6),
            _cluster(7, "Enduring non-psychotic disorders (high disability)", _ANNUAL),
            _cluster(8, "Non-psychotic chaotic and challenging disorders", _ANNUAL),
            _cluster(BLANK_CLUSTER, "Blank cluster", None),
            _cluster(10, "First episode in psychosis", _ANNUAL),
            _cluster(11, "Ongoing recurrent psychosis (low symptoms)", _ANNUAL),
            _cluster(12, "Ongoing or recurrent psychosis (high disability)", _ANNUAL),
            _cluster(13, "Ongoing or recurrent psychosis (high symptom and disability)", _ANNUAL),
            _cluster(14, "Psychotic crisis", _WEEKS_4),
            _cluster(15, "Severe psychotic depression", _WEEKS_4),
            _cluster(16, "Dual diagnosis (substance misuse and mental illness)", _MONTHS_6),
            _cluster(17, "Psychosis and affective disorder difficult to engage", _MONTHS_6),
            _cluster(18, "Cognitive impairment (low need)", _ANNUAL),
            _cluster(19, "Cognitive impairment or dementia (moderate need)", _MONTHS_6),
            _cluster(20, "Cognitive impairment or dementia (high need)", _MONTHS_6),
            _cluster(
                21, "Cognitive impairment or dementia (high physical or engagement need)", _MONTHS_6
            ),
        ]
    )
)
"""Every MHCT cluster 0–21, by number."""


def validate_cluster(number: int) -> str | None:
    """Why ``number`` cannot be recorded as a patient's cluster, or None if it can.

    Refuses numbers outside 0–21 (and non-integers, including bools) and the blank cluster 9.
    """
    if isinstance(number, bool) or not isinstance(number, int) or number not in CLUSTERS:
        low, high = min(CLUSTERS), max(CLUSTERS)
        return f"Care cluster {number!r} is not an MHCT cluster ({low}–{high})"
    if number == BLANK_CLUSTER:
        return f"Care cluster {BLANK_CLUSTER} is the blank cluster: not assigned"
    return None


def cluster_review_due(number: int, assigned_on: date) -> date | None:
    """The latest date the cluster must be reviewed by: ``assigned_on`` + its maximum review.

    None for the blank cluster 9, which has no review. Raises ValueError for a number that is
    not a cluster at all (a caller bug: validate with ``validate_cluster`` first).
    """
    if isinstance(number, bool) or number not in CLUSTERS:
        raise ValueError(f"Care cluster {number!r} is not an MHCT cluster")
    review = CLUSTERS[number].max_review
    return None if review is None else assigned_on + review
