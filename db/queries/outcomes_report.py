"""Outcomes of care episodes that ended in a period, grouped by intervention, step or provider:
one set-based statement, the SQL twin of domain/outcomes.episode_outcome (the oracle in the
tests). Per episode: attended sessions, first and last PHQ-9 and GAD-7 (window functions),
then the NHS Talking Therapies flags as CASE expressions, then GROUP BY.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import String, and_, case, cast, func, literal, not_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from db.models import CareEpisode, Intervention, InterventionSession, MeasureResponse
from facilitator_app.domain.outcomes import (
    FINISHED_MIN_ATTENDED,
    GAD7_CASENESS,
    GAD7_RELIABLE_CHANGE,
    PHQ9_CASENESS,
    PHQ9_RELIABLE_CHANGE,
)
from facilitator_app.domain.stepped_care import Attendance

NO_INTERVENTION = "(no intervention recorded)"
NOT_RECORDED = "(not recorded)"


def _ends(measure: str) -> Any:
    """First and last total of one measure per episode (by date, then entry order)."""
    ranked = (
        select(MeasureResponse.episode_id, MeasureResponse.raw_total,
               func.row_number().over(
                   partition_by=MeasureResponse.episode_id,
                   order_by=(MeasureResponse.completed_on, MeasureResponse.id)).label("up"),
               func.row_number().over(
                   partition_by=MeasureResponse.episode_id,
                   order_by=(MeasureResponse.completed_on.desc(),
                             MeasureResponse.id.desc())).label("down"))
        .where(MeasureResponse.measure == measure, MeasureResponse.episode_id.is_not(None))
        .subquery())
    return (select(ranked.c.episode_id,
                   func.max(case((ranked.c.up == 1, ranked.c.raw_total))).label("first"),
                   func.max(case((ranked.c.down == 1, ranked.c.raw_total))).label("last"))
            .where(or_(ranked.c.up == 1, ranked.c.down == 1))
            .group_by(ranked.c.episode_id).subquery(measure))


def episode_flags(start: date | None = None, end: date | None = None) -> Any:
    """One row per episode (discharged in [start, end] when given) with its outcome flags
    (0/1), and whether it has started (an attended session) and ended (discharged)."""
    attended = (
        select(Intervention.episode_id,
               func.count().label("attended"))
        .join(InterventionSession, InterventionSession.intervention_id == Intervention.id)
        .where(InterventionSession.attendance == Attendance.ATTENDED.value)
        .group_by(Intervention.episode_id).subquery("attended"))
    phq, gad = _ends("phq9"), _ends("gad7")
    finished = func.coalesce(attended.c.attended, 0) >= FINISHED_MIN_ATTENDED
    judged = and_(finished, phq.c.first.is_not(None), gad.c.first.is_not(None))
    caseness = or_(phq.c.first >= PHQ9_CASENESS, gad.c.first >= GAD7_CASENESS)
    phq_change = phq.c.last - phq.c.first
    gad_change = gad.c.last - gad.c.first
    fell = or_(phq_change <= -PHQ9_RELIABLE_CHANGE, gad_change <= -GAD7_RELIABLE_CHANGE)
    rose = or_(phq_change >= PHQ9_RELIABLE_CHANGE, gad_change >= GAD7_RELIABLE_CHANGE)
    recovered = and_(judged, caseness, phq.c.last < PHQ9_CASENESS, gad.c.last < GAD7_CASENESS)
    improved = and_(judged, fell, not_(rose))

    def flag(condition: ColumnElement[bool]) -> Any:
        return case((condition, 1), else_=0)

    stmt = (
        select(CareEpisode.id.label("episode_id"),
               flag(func.coalesce(attended.c.attended, 0) >= 1).label("started"),
               flag(CareEpisode.discharged_on.is_not(None)).label("ended"),
               flag(finished).label("finished"), flag(judged).label("paired"),
               flag(and_(judged, caseness)).label("caseness"),
               flag(recovered).label("recovered"), flag(improved).label("improved"),
               flag(and_(judged, rose, not_(fell))).label("deteriorated"),
               flag(and_(recovered, improved)).label("reliably_recovered"))
        .outerjoin(attended, attended.c.episode_id == CareEpisode.id)
        .outerjoin(phq, phq.c.episode_id == CareEpisode.id)
        .outerjoin(gad, gad.c.episode_id == CareEpisode.id))
    if start is not None and end is not None:
        stmt = stmt.where(CareEpisode.discharged_on.between(start, end))
    return stmt.subquery("flags")


COUNTS = ("episodes", "finished", "paired", "caseness", "recovered", "improved",
          "deteriorated", "reliably_recovered")


class SqlOutcomeReport:
    def __init__(self, session: Session) -> None:
        self._session = session

    def outcome_counts(self, start: date, end: date,
                       by: str) -> list[tuple[str, tuple[int, ...]]]:
        """(group, counts in COUNTS order) per group, plus ("All", ...) counting each episode
        once. ``by``: intervention, step or provider. An episode with several interventions
        counts in each of their groups."""
        flags = episode_flags(start, end)
        if by == "intervention":
            key: Any = Intervention.kind
        elif by == "step":
            key = Intervention.step
        elif by == "provider":
            key = func.coalesce(func.nullif(Intervention.delivered_by, ""),
                                func.nullif(CareEpisode.facilitator, ""), NOT_RECORDED)
        else:
            raise ValueError(f"Outcomes are grouped by intervention, step or provider, not {by!r}.")
        groups = (select(Intervention.episode_id, key.label("key"))
                  .join(CareEpisode, CareEpisode.id == Intervention.episode_id)
                  .distinct().subquery("groups"))
        sums = [func.count().label("episodes"),
                *(func.sum(getattr(flags.c, c)).label(c) for c in COUNTS[1:])]
        grouped = (select(func.coalesce(cast(groups.c.key, String), NO_INTERVENTION)
                          .label("key"), *sums)
                   .select_from(flags)
                   .outerjoin(groups, groups.c.episode_id == flags.c.episode_id)
                   .group_by(groups.c.key).order_by(groups.c.key))
        total = select(literal("All").label("key"), *sums).select_from(flags)
        rows = [(str(k), tuple(int(v or 0) for v in values))
                for k, *values in self._session.execute(grouped)]
        (all_row,) = self._session.execute(total).all()
        if all_row[1] == 0:
            return []
        return [*rows, ("All", tuple(int(v or 0) for v in all_row[1:]))]

