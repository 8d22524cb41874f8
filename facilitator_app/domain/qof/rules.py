"""QOF rules as data: one TOML file per QOF year (``rules/2024-25.toml``), never constants in code.

Points, thresholds, the value of a point, the business-rules version, windows and the code
clusters change every year and several are unverified (domain.md §2), so each number sits in a
file beside the source it came from, and the summary prints those sources. Adding a year is
adding a file.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from facilitator_app.domain.dates import QofYear

__all__ = [
    "Indicator",
    "IndicatorKind",
    "NoRulesForYear",
    "Ruleset",
    "available_years",
    "parse_ruleset",
    "ruleset_for",
]


class IndicatorKind(StrEnum):
    REGISTER = "register"  # MH001: the register itself
    CARE_PLAN = "care_plan"  # MH002: a care plan on or after the latest diagnosis
    ELEMENT = "element"  # one check element recorded in the window
    LIPIDS = "lipids"  # MH011: 12 months if at higher risk, otherwise 24
    ALL_CORE = "all_core"  # MH021: all six core elements in the year


@dataclass(frozen=True)
class Indicator:
    id: str
    title: str
    kind: IndicatorKind
    points: float
    source: str  # where points and thresholds come from
    lower: float | None = None  # achievement thresholds, %; none for the register
    upper: float | None = None
    element: str | None = None  # for ELEMENT: the check element (Element value)
    window_months: int = 12
    low_risk_window_months: int | None = None  # MH011: 24
    income_protected: bool = False
    group: str = "Mental health"

    @property
    def has_thresholds(self) -> bool:
        return self.lower is not None and self.upper is not None


@dataclass(frozen=True)
class Ruleset:
    year: QofYear
    business_rules: str
    point_value_pence: int
    point_value_source: str
    indicators: tuple[Indicator, ...]
    lithium_route: bool = True  # MH2_REG (lithium) still a register route
    pca_window_months: int = 12
    new_diagnosis_months: int = 3
    new_registration_months: int = 3
    invitations_needed: int = 2
    invitation_gap_days: int = 7
    notes: tuple[str, ...] = ()
    # Code clusters (PCD refsets) by name: which recorded codes count as what.
    clusters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def cluster(self, name: str) -> tuple[str, ...]:
        try:
            return self.clusters[name]
        except KeyError:
            raise ValueError(f"QOF rules {self.year.label} have no code cluster {name}") from None

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    @property
    def scored(self) -> tuple[Indicator, ...]:
        """The indicators with a denominator and thresholds (all but the register)."""
        return tuple(i for i in self.indicators if i.kind is not IndicatorKind.REGISTER)


REQUIRED_CLUSTERS = ("MHP_COD", "MHPCAPU_COD", "MHPCADEC_COD", "MHINVITE_COD")
"""Care plan, care unsuitable, informed dissent, invitation: the clusters the rules read."""


class NoRulesForYear(LookupError):
    def __init__(self, year: QofYear) -> None:
        have = ", ".join(y.label for y in available_years())
        super().__init__(f"No QOF rules are configured for {year.label} (configured: {have}).")


def parse_ruleset(text: str) -> Ruleset:
    """Read one year's TOML. Raises ValueError naming what is wrong."""
    data = tomllib.loads(text)
    try:
        indicators = tuple(_indicator(raw) for raw in data.pop("indicator"))
        year = QofYear.parse(data.pop("year"))
        notes = tuple(data.pop("notes", ()))
        clusters = {name: tuple(str(c) for c in codes)
                    for name, codes in data.pop("clusters", {}).items()}
        missing = sorted(set(REQUIRED_CLUSTERS) - set(clusters))
        if missing:
            raise ValueError(f"QOF rules file is not valid: no code cluster {', '.join(missing)}")
        return Ruleset(year=year, indicators=indicators, notes=notes, clusters=clusters, **data)
    except (KeyError, TypeError) as exc:
        raise ValueError(f"QOF rules file is not valid: {exc}") from None


def _indicator(raw: Mapping[str, Any]) -> Indicator:
    fields = dict(raw)
    fields["kind"] = IndicatorKind(fields["kind"])
    indicator = Indicator(**fields)
    if indicator.kind is not IndicatorKind.REGISTER and not indicator.has_thresholds:
        raise ValueError(f"{indicator.id} needs lower and upper thresholds")
    return indicator


@cache
def _all_rulesets() -> dict[int, Ruleset]:
    found: dict[int, Ruleset] = {}
    for entry in resources.files("facilitator_app.domain.qof").joinpath("rules").iterdir():
        if entry.name.endswith(".toml"):
            ruleset = parse_ruleset(entry.read_text(encoding="utf-8"))
            found[ruleset.year.start_year] = ruleset
    return found


@cache
def rules_fingerprint() -> str:
    """SHA-256 over every year's rules file and the clinical thresholds: changes when either
    does, so the audit trail shows when the rules a summary was built on changed."""
    digest = hashlib.sha256()
    folder = resources.files("facilitator_app.domain.qof").joinpath("rules")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            digest.update(entry.name.encode() + b"\0" + entry.read_bytes() + b"\0")
    thresholds = resources.files("facilitator_app.domain").joinpath("thresholds.py")
    if thresholds.is_file():
        digest.update(thresholds.read_bytes())
    return digest.hexdigest()


def available_years() -> list[QofYear]:
    return sorted(r.year for r in _all_rulesets().values())


def ruleset_for(year: QofYear) -> Ruleset:
    try:
        return _all_rulesets()[year.start_year]
    except KeyError:
        raise NoRulesForYear(year) from None
