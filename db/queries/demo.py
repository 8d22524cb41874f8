"""Bulk writer for the synthetic demo register: Core executemany inserts, never one ORM object
at a time, so that 1,000,000 patients are practical."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, exists, insert, select
from sqlalchemy.orm import Session

from db.bulk import copy_rows, uuid7_hex_batch, wire_date
from db.ids import uuid7
from db.models import (
    BudgetLine,
    CareAdjustment,
    CareEpisode,
    Commitment,
    EpisodeGoal,
    FollowUp,
    GoalRating,
    Intervention,
    InterventionSession,
    Invoice,
    LocalService,
    MeasureResponse,
    MedicationIssue,
    Observation,
    Patient,
    Payment,
    Practice,
    Provider,
    ProviderService,
    RecoveryStarRating,
    Remission,
    Signposting,
    SmiDiagnosis,
    StepChange,
)
from db.queries.recall import refresh_recall_anchor
from facilitator_app.domain.budget import commitment_value, vat_on
from facilitator_app.services.demo_care import BUDGET_LINES, BUDGET_SERVICES, SERVICES, DemoCare
from facilitator_app.services.ports import DemoBatch, DemoPractice


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


class SqlDemoWriter:
    def __init__(self, session: Session) -> None:
        self._session = session

    def is_empty(self) -> bool:
        return not self._session.scalar(select(exists().where(Patient.id.is_not(None))))

    def add_practices(self, practices: Sequence[DemoPractice]) -> dict[str, int]:
        for p in practices:
            self._session.add(Practice(code=p.code, name=p.name, address=p.address, phone=p.phone))
        self._session.flush()
        rows = self._session.execute(select(Practice.code, Practice.id))
        return {code: pid for code, pid in rows}

    def add_batch(self, batch: DemoBatch) -> int:
        # created_at, updated_at and version come from the server defaults
        patients = [{**p, "global_id": uuid7()} for p in batch.patients]
        ids = self._session.scalars(
            insert(_table(Patient)).returning(
                _table(Patient).c.id, sort_by_parameter_order=True
            ),
            patients,
        ).all()
        observations = len(batch.observations)
        self._link_follow_ups(batch, ids)
        conn = self._session.connection()
        for model, rows in (
            (SmiDiagnosis, batch.diagnoses),
            (Remission, batch.remissions),
            (MedicationIssue, batch.medications),
            (Observation, batch.observations),
            (CareAdjustment, batch.adjustments),
            (FollowUp, batch.follow_ups),
        ):
            if rows:
                # the driver's bulk path with rows in wire form (db.bulk): an ORM or Core
                # executemany converts every parameter of every row in Python
                columns = [c for c in rows[0] if c != "patient_index"]
                copy_rows(conn, _table(model), [*columns, "patient_id", "global_id"], (
                    (*(_wire(r[c]) for c in columns), ids[cast(int, r["patient_index"])], gid)
                    for r, gid in zip(rows, uuid7_hex_batch(len(rows)), strict=True)
                ))
        return observations

    def _link_follow_ups(self, batch: DemoBatch, ids: Sequence[int]) -> None:
        """The readings that raised follow-ups are written first, returning their keys, so each
        follow-up points at its reading as a recorded check's does. They are a few per cent of
        the readings; the rest go in with a plain executemany."""
        positions = sorted({int(str(f["observation_index"])) for f in batch.follow_ups})
        if not positions:
            for f in batch.follow_ups:
                f.pop("observation_index", None)
            return
        readings = [_with_patient_id(batch.observations[i], ids) for i in positions]
        keys = self._session.scalars(
            insert(_table(Observation)).returning(
                _table(Observation).c.id, sort_by_parameter_order=True),
            readings,
        ).all()
        key_of = dict(zip(positions, keys, strict=True))
        for f in batch.follow_ups:
            f["observation_id"] = key_of[int(str(f.pop("observation_index")))]
        linked = set(positions)
        batch.observations = [o for i, o in enumerate(batch.observations) if i not in linked]

    def sample_patients(self, every: int, limit: int) -> list[int]:
        return list(self._session.scalars(
            select(Patient.id).where(Patient.id % every == 0).order_by(Patient.id)
            .limit(limit)))

    def add_care(self, care: DemoCare, patient_ids: Sequence[int]) -> None:
        """A few hundred episodes and signpostings: ORM objects in one flush are quick enough
        here, and keep the links between them simple."""
        services = [LocalService(name=name, category=category.value, contact=phone,
                                 eligibility="Adults registered with an Anytown practice",
                                 purchased=purchased)
                    for name, category, phone, purchased in SERVICES]
        self._session.add_all(services)
        episodes = []
        for e in care.episodes:
            episode = CareEpisode(
                patient_id=patient_ids[e.patient_index], referred_on=e.referred_on,
                referral_source=e.source, facilitator="Demo facilitator",
                start_step=e.start_step, current_step=e.current_step, cluster=e.cluster,
                cluster_on=e.referred_on if e.cluster is not None else None,
                discharged_on=e.discharged_on,
                discharge_reason=e.discharge_reason.value if e.discharge_reason else None)
            intervention = Intervention(kind=e.intervention.value, step=e.start_step,
                                        started_on=e.referred_on, delivered_by=e.delivered_by)
            episode.interventions = [intervention]
            intervention.sessions = [
                InterventionSession(session_on=on, minutes=minutes, attendance=a.value)
                for on, minutes, a in e.sessions]
            episode.step_changes = [StepChange(changed_on=on, from_step=a, to_step=b, reason=r)
                                    for on, a, b, r in e.step_changes]
            episode.measures = [
                MeasureResponse(patient_id=episode.patient_id, measure=m.measure.value,
                                completed_on=m.on, answers=",".join(map(str, m.answers)),
                                raw_total=m.raw_total, score=m.score, band=m.band,
                                risk_flag=m.risk_flag, risk_action=m.risk_action)
                for m in e.measures]
            goals = [EpisodeGoal(position=i, text=t, set_on=e.referred_on)
                     for i, t in enumerate(e.goals, start=1)]
            for on, scores in e.goal_ratings:
                for goal, score in zip(goals, scores, strict=True):
                    goal.ratings.append(GoalRating(rated_on=on, score=score))
            episode.goals = goals
            episode.star_ratings = [RecoveryStarRating(rated_on=on, area=area, score=score)
                                    for on, scores in e.star for area, score in scores.items()]
            self._session.add(episode)
            episodes.append(episode)
        for sp in care.signpostings:
            self._session.add(Signposting(
                patient_id=patient_ids[sp.patient_index], service=services[sp.service_index],
                signposted_on=sp.on, reason=sp.reason, follow_up_on=sp.follow_up_on,
                outcome=sp.outcome.value if sp.outcome else None, outcome_on=sp.outcome_on))
        self._session.flush()
        self._add_budget(care, episodes)

    def _add_budget(self, care: DemoCare, episodes: Sequence[CareEpisode]) -> None:
        """The pathway budget of the current financial year, with what it bought."""
        providers: dict[str, Provider] = {}
        services = []
        for provider, name, unit, price, vat in BUDGET_SERVICES:
            owner = providers.setdefault(provider, Provider(name=provider))
            services.append(ProviderService(provider=owner, name=name, unit=unit,
                                            unit_price_pence=price, vat_basis_points=vat))
        lines = [BudgetLine(financial_year=care.financial_year, name=n, amount_pence=a)
                 for n, a in BUDGET_LINES]
        self._session.add_all([*services, *lines])
        for c in care.commitments:
            s = services[c.service_index]
            value = commitment_value(c.units, s.unit_price_pence, s.vat_basis_points)
            episode = episodes[c.episode_index]
            commitment = Commitment(
                patient_id=episode.patient_id, episode=episode, service=s,
                budget_line=lines[c.line_index], units=c.units,
                unit_price_pence=s.unit_price_pence, vat_basis_points=s.vat_basis_points,
                net_pence=value.net, vat_pence=value.vat, start_on=c.start, end_on=c.end,
                authorised_by="Demo facilitator")
            for ref, on, units, approved, paid in c.invoices:
                net = units * s.unit_price_pence
                vat = vat_on(net, s.vat_basis_points)
                invoice = Invoice(reference=ref, invoice_date=on, units=units, net_pence=net,
                                  vat_pence=vat, approved_on=approved)
                if approved is not None and paid:
                    invoice.payments = [Payment(paid_on=approved, amount_pence=net + vat)]
                commitment.invoices.append(invoice)
            self._session.add(commitment)
        self._session.flush()

    def refresh_recall_anchor(self) -> None:
        refresh_recall_anchor(self._session)


def _wire(value: object) -> object:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, date):
        return wire_date(value)
    return value


def _with_patient_id(row: dict[str, object], ids: Sequence[int]) -> dict[str, object]:
    """A batch row points at its patient by position; the database wants the key. Changed in
    place: the batch is thrown away after writing, and copying a million dicts is not free."""
    index = row.pop("patient_index")
    assert isinstance(index, int)
    row["patient_id"] = ids[index]
    row["global_id"] = uuid7()
    return row
