"""Achievement, points and PCA rate for one indicator (domain.md §2.3).

    denominator   = eligible - PCA_rejected       (PCAs only among non-achievers)
    achievement % = 100 x numerator / denominator (denominator 0: "n/a", no points)
    points        = 0 at or below the lower threshold, the maximum at or above the upper,
                    linear in between
    PCA rate %    = 100 x PCA_rejected / (denominator + PCA_rejected)

Full precision is kept; display rounds to 2 dp (app rule until SFE Annex D is checked).
"""

from __future__ import annotations

__all__ = ["achievement_percent", "pca_rate_percent", "points_earned", "points_if"]


def achievement_percent(numerator: int, denominator: int) -> float | None:
    """None when nobody is in the denominator: "n/a", not 0 % and not 100 %."""
    if denominator <= 0:
        return None
    return 100.0 * numerator / denominator


def points_earned(achievement: float | None, max_points: float, lower: float,
                  upper: float) -> float:
    """Linear between the thresholds; nothing at or below ``lower`` (so exactly 50.00 % with a
    50 % lower threshold earns 0), everything at or above ``upper``."""
    if achievement is None or achievement <= lower:
        return 0.0
    if achievement >= upper:
        return max_points
    return max_points * (achievement - lower) / (upper - lower)


def points_if(numerator: int, denominator: int, max_points: float, lower: float,
              upper: float) -> float:
    """Points for a numerator and denominator: the "what if" calculation."""
    return points_earned(achievement_percent(numerator, denominator), max_points, lower, upper)


def pca_rate_percent(pca_rejected: int, denominator: int) -> float | None:
    total = denominator + pca_rejected
    return None if total <= 0 else 100.0 * pca_rejected / total
