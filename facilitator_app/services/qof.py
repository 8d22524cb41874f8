"""The QOF mental health summary for practice managers, and "why in, why out" for one patient.

Counts come from set-based SQL over the whole register (db/queries/qof.py); this module turns
them into achievement, points and money with the year's rules (domain/qof), so the arithmetic
is the domain's and the counting is the database's.

The summary itself carries no patient identifiers. The outstanding lists (who still needs
what) are identifiable and are produced separately, for the practice only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from dateutil.relativedelta import relativedelta

from facilitator_app.domain.access import Permission
from facilitator_app.domain.checks import overdue_before
from facilitator_app.domain.dates import QofYear
from facilitator_app.domain.qof.evaluate import (
    PCA_REASONS,
    Outcome,
    QofFacts,
    State,
    element_label,
    evaluate,
    indicator_elements,
)
from facilitator_app.domain.qof.rules import Indicator, Ruleset, ruleset_for
from facilitator_app.domain.qof.scoring import (
    achievement_percent,
    pca_rate_percent,
    points_earned,
    points_if,
)
from facilitator_app.services import audit
from facilitator_app.services.access import practice_scope, require, require_patient
from facilitator_app.services.caseload import UnknownPractice
from facilitator_app.services.patients import PatientNotFound
from facilitator_app.services.ports import UnitOfWork

__all__ = [
    "IndicatorResult",
    "OutstandingPatient",
    "PatientQof",
    "PracticeQof",
    "QofQueries",
    "QofSummary",
    "outstanding_patients",
    "patient_qof",
    "qof_summary",
    "reference_dates",
]

NATIONAL_PHC_TARGET = 75.0  # % of the SMI register with all six checks (NHS England 2024/25)


class QofQueries(Protocol):
    def summary_counts(self, rules: Ruleset, ref: date, cut: date, due_before: date,
                       practice_code: str | None) -> list[dict[str, Any]]: ...

    def outstanding_patients(self, rules: Ruleset, ref: date, cut: date,
                             practice_code: str | None, indicator_id: str | None
                             ) -> Iterator[dict[str, Any]]: ...

    def facts(self, patient_id: int, cut: date, rules: Ruleset) -> QofFacts | None: ...


@dataclass(frozen=True)
class IndicatorResult:
    indicator: Indicator
    eligible: int  # in the cohort before PCAs
    numerator: int
    exceptions: Mapping[str, int]  # PCA reason -> patients removed
    outstanding: int  # in the denominator, not achieved: still needs something
    due_this_month: int  # of those, whose annual check falls due by the end of the month
    point_value_pence: int

    @property
    def excepted(self) -> int:
        return sum(self.exceptions.values())

    @property
    def denominator(self) -> int:
        return self.eligible - self.excepted

    @property
    def achievement(self) -> float | None:
        return achievement_percent(self.numerator, self.denominator)

    @property
    def points(self) -> float:
        assert self.indicator.lower is not None and self.indicator.upper is not None
        return points_earned(self.achievement, self.indicator.points, self.indicator.lower,
                             self.indicator.upper)

    @property
    def points_available(self) -> float:
        return self.indicator.points - self.points

    @property
    def pca_rate(self) -> float | None:
        return pca_rate_percent(self.excepted, self.denominator)

    @property
    def points_if_due_seen(self) -> float:
        """What if everyone outstanding whose check falls due this month is seen."""
        assert self.indicator.lower is not None and self.indicator.upper is not None
        return points_if(self.numerator + self.due_this_month, self.denominator,
                         self.indicator.points, self.indicator.lower, self.indicator.upper)

    def pence(self, points: float) -> int:
        return round(points * self.point_value_pence)


@dataclass(frozen=True)
class PracticeQof:
    code: str
    name: str
    register: int  # MH001: everyone on the SMI register, lithium only and remission included
    cohort: int  # MH1, not in remission: the indicator cohort and the national PHC cohort
    phc_all_six: int  # national measure: all six core checks in the last 12 months
    patients_outstanding: int  # needing something in at least one indicator
    indicators: tuple[IndicatorResult, ...]
    register_points: float

    @property
    def phc_percent(self) -> float | None:
        return achievement_percent(self.phc_all_six, self.cohort)

    @property
    def points(self) -> float:
        return self.register_points + sum(i.points for i in self.indicators)

    @property
    def max_points(self) -> float:
        return self.register_points + sum(i.indicator.points for i in self.indicators)


@dataclass(frozen=True)
class QofSummary:
    rules: Ruleset
    ref: date  # achievement date, 31 March
    as_of: date  # records known up to this date
    produced_on: date
    practices: tuple[PracticeQof, ...]

    @property
    def year(self) -> QofYear:
        return self.rules.year

    def pence(self, points: float) -> int:
        return round(points * self.rules.point_value_pence)


def reference_dates(year: QofYear, as_of: date | None, today: date) -> tuple[date, date]:
    """(achievement date, as-of date): a finished year is read to 31 March; a year still
    running is read as it stands today (or on ``as_of``)."""
    cut = as_of or min(today, year.end)
    return year.end, min(cut, year.end)


def _due_before(as_of: date) -> date:
    """Recall cut-off for "falls due by the end of this month"."""
    month_end = as_of + relativedelta(day=31)
    return overdue_before(month_end + timedelta(days=1))


def qof_summary(uow: UnitOfWork, year: QofYear, today: date, *,
                practice_code: str | None = None, as_of: date | None = None) -> QofSummary:
    rules = ruleset_for(year)
    ref, cut = reference_dates(year, as_of, today)
    if uow.actor is not None and uow.actor.role.practice_bound:
        practice_code = practice_scope(uow, Permission.VIEW_QOF, practice_code)
    else:
        require(uow, Permission.VIEW_QOF)  # aggregates: every practice for the rest
    with uow:
        if practice_code and not uow.register.practice_exists(practice_code):
            raise UnknownPractice(practice_code)
        rows = uow.qof.summary_counts(rules, ref, cut, _due_before(cut), practice_code)
    practices = tuple(_practice(rules, row) for row in rows)
    return QofSummary(rules, ref, cut, today, practices)


def _practice(rules: Ruleset, row: Mapping[str, Any]) -> PracticeQof:
    def count(indicator: Indicator, state: str) -> int:
        return int(row.get(f"{indicator.id}_{state}") or 0)

    results = []
    for indicator in rules.scored:
        exceptions = {reason: count(indicator, f"P:{reason}") for reason in PCA_REASONS}
        achieved, outstanding = count(indicator, "A"), count(indicator, "O")
        results.append(IndicatorResult(
            indicator=indicator, eligible=achieved + outstanding + sum(exceptions.values()),
            numerator=achieved, exceptions=exceptions, outstanding=outstanding,
            due_this_month=count(indicator, "due"), point_value_pence=rules.point_value_pence))
    register_rule = next((i for i in rules.indicators if i not in rules.scored), None)
    register = int(row["register"])
    return PracticeQof(
        code=row["practice_code"], name=row["practice_name"], register=register,
        cohort=int(row.get("cohort") or 0), phc_all_six=int(row.get("phc_all_six") or 0),
        patients_outstanding=int(row.get("outstanding") or 0), indicators=tuple(results),
        register_points=register_rule.points if register_rule and register else 0.0,
    )


@dataclass(frozen=True)
class OutstandingPatient:
    patient_id: int
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: date
    practice_code: str
    outstanding: tuple[str, ...]  # indicator ids
    needs: tuple[str, ...]  # what to do, in words


def outstanding_patients(uow: UnitOfWork, year: QofYear, today: date, *,
                         practice_code: str | None = None, indicator_id: str | None = None,
                         as_of: date | None = None) -> Iterator[OutstandingPatient]:
    """Who still needs what before 31 March (identifiable: for the practice only)."""
    rules = ruleset_for(year)
    if indicator_id:
        rules.indicator(indicator_id)  # KeyError for an unknown id, before any reading
    ref, cut = reference_dates(year, as_of, today)
    practice_code = practice_scope(uow, Permission.VIEW_REGISTER, practice_code)
    with uow:
        if practice_code and not uow.register.practice_exists(practice_code):
            raise UnknownPractice(practice_code)
        for row in uow.qof.outstanding_patients(rules, ref, cut, practice_code, indicator_id):
            ids = tuple(i.id for i in rules.scored if row[i.id] == "O")
            needs = sorted({element_label(e) for i in rules.scored if row[i.id] == "O"
                            for e in indicator_elements(i)})
            yield OutstandingPatient(row["patient_id"], row["nhs_number"], row["given_name"],
                                     row["family_name"], row["date_of_birth"],
                                     row["practice_code"], ids, tuple(needs))


@dataclass(frozen=True)
class PatientQof:
    """Why in, why out: each indicator's outcome with the rule and the dated record."""

    patient_id: int
    year: QofYear
    ref: date
    as_of: date
    outcomes: tuple[Outcome, ...]

    def outcome(self, indicator_id: str) -> Outcome:
        return next(o for o in self.outcomes if o.indicator == indicator_id)

    def outstanding(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.state is State.OUTSTANDING)


def patient_qof(uow: UnitOfWork, patient_id: int, year: QofYear, today: date, *,
                as_of: date | None = None) -> PatientQof:
    rules = ruleset_for(year)
    ref, cut = reference_dates(year, as_of, today)
    with uow:
        require_patient(uow, Permission.VIEW_RECORD, patient_id)
        facts = uow.qof.facts(patient_id, cut, rules)
        if facts is not None:
            audit.record(uow, "view", "patient", patient_id, part="qof", year=str(year))
            uow.commit()
    if facts is None:
        raise PatientNotFound(f"No patient with id {patient_id}")
    outcomes = evaluate(facts, rules, ref, cut)
    return PatientQof(patient_id, year, ref, cut, tuple(outcomes.values()))
