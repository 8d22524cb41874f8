"""Outcomes of care episodes for a period, by intervention, by step or by provider: counts,
% recovered, % reliably improved (NHS Talking Therapies definitions, domain.md §5.2).

An episode is counted in the period its discharge falls in (a course is judged when it ends).
Counting is one set-based statement (db/queries/outcomes_report.py); the rates come from
those counts by the domain's one definition of each denominator.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from facilitator_app.domain.access import Permission
from facilitator_app.domain.dates import format_uk_date
from facilitator_app.domain.outcomes import OutcomeRates, format_rate, rates_from_counts
from facilitator_app.domain.stepped_care import INTERVENTION_LABELS, Intervention
from facilitator_app.services.access import require
from facilitator_app.services.ports import UnitOfWork

__all__ = [
    "HEADERS",
    "OutcomeBy",
    "OutcomeGroup",
    "OutcomeReport",
    "OutcomeReportQueries",
    "outcomes_report",
    "write_outcomes_report",
]


class OutcomeBy(StrEnum):
    INTERVENTION = "intervention"
    STEP = "step"
    PROVIDER = "provider"


class OutcomeReportQueries(Protocol):
    def outcome_counts(self, start: date, end: date,
                       by: str) -> list[tuple[str, tuple[int, ...]]]: ...


@dataclass(frozen=True)
class OutcomeGroup:
    label: str
    rates: OutcomeRates


@dataclass(frozen=True)
class OutcomeReport:
    start: date
    end: date
    by: OutcomeBy
    groups: tuple[OutcomeGroup, ...]
    total: OutcomeGroup | None  # every episode once; None when none ended in the period

    @property
    def title(self) -> str:
        return (f"Outcomes by {self.by.value}, episodes ended {format_uk_date(self.start)} to "
                f"{format_uk_date(self.end)}")


def _label(by: OutcomeBy, key: str) -> str:
    if by is OutcomeBy.INTERVENTION and key in set(Intervention):
        return INTERVENTION_LABELS[Intervention(key)]
    if by is OutcomeBy.STEP and key.isdigit():
        return f"Step {key}"
    return key


def outcomes_report(uow: UnitOfWork, start: date, end: date,
                    by: OutcomeBy = OutcomeBy.INTERVENTION) -> OutcomeReport:
    if end < start:
        raise ValueError(f"The period ends ({format_uk_date(end)}) before it starts "
                         f"({format_uk_date(start)}).")
    require(uow, Permission.VIEW_OUTCOMES)
    with uow:
        rows = uow.outcomes.outcome_counts(start, end, by.value)
    groups = [OutcomeGroup(_label(by, key) if key != "All" else "All episodes",
                           rates_from_counts(*counts)) for key, counts in rows]
    total = groups.pop() if groups else None
    return OutcomeReport(start, end, by, tuple(groups), total)


HEADERS = ("Group", "Episodes ended", "Finished (≥ 2 attended)", "Finished with paired scores",
           "Caseness at start", "Recovered", "% recovered", "Reliably improved",
           "% reliably improved", "Reliably recovered", "% reliably recovered",
           "Reliably deteriorated", "% reliably deteriorated")


def report_rows(report: OutcomeReport) -> Iterator[list[str | int]]:
    for group in (*report.groups, *([report.total] if report.total else [])):
        r = group.rates
        yield [group.label, r.episodes, r.finished, r.paired, r.caseness, r.recovered,
               format_rate(r.recovery_rate), r.reliably_improved,
               format_rate(r.reliable_improvement_rate), r.reliably_recovered,
               format_rate(r.reliable_recovery_rate), r.reliably_deteriorated,
               format_rate(r.reliable_deterioration_rate)]


def write_outcomes_report(report: OutcomeReport, out: Path) -> None:
    """CSV or XLSX by the file's extension. Aggregates only: no patient identifiers."""
    suffix = out.suffix.lower()
    if suffix == ".csv":
        from facilitator_app.render.tabular import write_csv

        with out.open("w", encoding="utf-8", newline="") as f:
            write_csv(HEADERS, ([str(c) for c in row] for row in report_rows(report)), f)
    elif suffix == ".xlsx":
        from facilitator_app.render.xlsx import Sheet, write_xlsx

        write_xlsx(out, [Sheet(f"By {report.by.value}", HEADERS, report_rows(report))])
    else:
        raise ValueError(f"Write the report to a .csv or .xlsx file, not {out.name}.")
