"""The QOF mental health indicators as set-based SQL, generated from a year's ruleset.

One statement builds a row per patient in the SMI indicator cohort with one state per
indicator ('A' achieved, 'P:<reason>' excepted by a personalised care adjustment, 'O'
outstanding); the summary is one GROUP BY over it, with a SUM(CASE ...) per indicator and
state. It is the SQL twin of ``facilitator_app.domain.qof.evaluate``: a test runs both over
random registers and requires the same counts, so change them together.

Windows are anchored at the achievement date ``ref`` (31 March); records dated after ``cut``
(the as-of date, for a year still running) are not yet known and are ignored, and register
membership is taken at ``cut``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    and_,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session, aliased

from db.models import (
    CareAdjustment,
    ClinicalCondition,
    MedicationIssue,
    Observation,
    Patient,
    Practice,
    Remission,
    SmiDiagnosis,
)
from db.queries.register import register_membership
from db.sql_functions import days_between
from facilitator_app.domain import codes
from facilitator_app.domain.checks import CORE_ELEMENTS, Element
from facilitator_app.domain.dates import window_start
from facilitator_app.domain.qof.evaluate import (
    CARE_PLAN,
    HIGHER_RISK_CONDITIONS,
    PCA_REASONS,
    WHITE_ETHNICITIES,
    QofFacts,
    indicator_elements,
)
from facilitator_app.domain.qof.rules import Indicator, IndicatorKind, Ruleset
from facilitator_app.domain.register import RegisterFacts

ACHIEVED = "A"
OUTSTANDING = "O"
RECORD_ELEMENTS = (*[e.value for e in CORE_ELEMENTS], CARE_PLAN)


def pca_state(reason: str) -> str:
    return f"P:{reason}"


def _records(ref: date, cut: date, low_risk_months: int, care_plans: tuple[str, ...]
             ) -> Subquery:
    """Per patient, the latest date of each element inside its window (12 months; lipids also
    over the lower-risk window). Care plans are recognised by the year's MHP_COD cluster."""
    start12 = window_start(ref, 12)
    start_low = window_start(ref, low_risk_months)
    o = Observation

    def matches(element: str) -> ColumnElement[bool]:
        return o.code.in_(care_plans) if element == CARE_PLAN else o.element == element

    columns = [
        func.max(case((and_(matches(e), o.observed_on >= start12), o.observed_on)))
        .label(f"{e}_on") for e in RECORD_ELEMENTS
    ]
    columns.append(func.max(case((o.element == Element.LIPIDS.value, o.observed_on)))
                   .label("lipids_low_on"))
    return (
        select(o.patient_id, *columns)
        .where(o.observed_on >= min(start12, start_low), o.observed_on <= cut,
               or_(o.element.in_(RECORD_ELEMENTS), o.code.in_(care_plans)))
        .group_by(o.patient_id)
        .subquery("records")
    )


PCA_CLUSTERS = {"unsuitable": "MHPCAPU_COD", "declined": "MHPCADEC_COD"}
"""Which of the year's code clusters evidences each PCA reason recorded as a code."""


def _adjustments(rules: Ruleset, ref: date, cut: date) -> Subquery:
    """Per patient, which PCAs were recorded in the window, recognised by the year's code
    clusters: one flag per reason for all indicators (element NULL) and per element, and the
    invitations' count and span."""
    a = CareAdjustment
    columns: list[Any] = []
    for reason, cluster in PCA_CLUSTERS.items():
        coded = a.code.in_(rules.cluster(cluster))
        columns.append(func.max(case((and_(coded, a.element.is_(None)), 1),
                                     else_=0)).label(f"{reason}_all"))
        for element in RECORD_ELEMENTS:
            columns.append(func.max(case((and_(coded, a.element == element), 1),
                                         else_=0)).label(f"{reason}_{element}"))
    invitation = a.code.in_(rules.cluster("MHINVITE_COD"))
    columns += [
        func.count(case((invitation, 1))).label("invitations"),
        func.min(case((invitation, a.recorded_on))).label("first_invited"),
        func.max(case((invitation, a.recorded_on))).label("last_invited"),
    ]
    return (
        select(a.patient_id, *columns)
        .where(a.recorded_on >= window_start(ref, rules.pca_window_months), a.recorded_on <= cut)
        .group_by(a.patient_id)
        .subquery("adjustments")
    )


def _latest_code(element: str, cut: date) -> ColumnElement[Any]:
    o = aliased(Observation)
    return (select(o.code).where(o.patient_id == Patient.id, o.element == element,
                                 o.observed_on <= cut)
            .order_by(o.observed_on.desc(), o.code.desc()).limit(1)
            .correlate(Patient).scalar_subquery())


def _latest_bmi(cut: date) -> ColumnElement[Any]:
    o = aliased(Observation)
    return (select(o.value).where(o.patient_id == Patient.id, o.code == codes.BMI,
                                  o.observed_on <= cut)
            .order_by(o.observed_on.desc()).limit(1).correlate(Patient).scalar_subquery())


def _higher_risk_condition(cut: date) -> ColumnElement[bool]:
    """A higher-risk condition whose latest record (on or before ``cut``) says present."""
    c = aliased(ClinicalCondition)
    later = aliased(ClinicalCondition)
    return exists(
        select(c.id).where(
            c.patient_id == Patient.id, c.condition.in_(sorted(HIGHER_RISK_CONDITIONS)),
            c.present == true(), c.recorded_on <= cut,
            ~exists(select(later.id).where(
                later.patient_id == c.patient_id, later.condition == c.condition,
                later.recorded_on <= cut, later.recorded_on > c.recorded_on)),
        ).correlate(Patient)
    )


def _one_practice(practice_code: str | None) -> list[ColumnElement[bool]]:
    if not practice_code:
        return []
    return [Patient.practice_id == select(Practice.id).where(Practice.code == practice_code)
            .scalar_subquery()]


def patient_states(rules: Ruleset, ref: date, cut: date, due_before: date | None = None,
                   practice_code: str | None = None) -> Select[*tuple[Any, ...]]:
    """One row per patient in the SMI indicator cohort (MH1, not in remission, at ``cut``):
    ids, practice, one ``<indicator>`` state column per scored indicator, ``phc_all_six``
    (the national physical health check measure: all six core elements in 12 months, lipids
    included, whatever any PCA says) and ``due`` (the oldest core check falls due before
    ``due_before``: who could still be seen this month)."""
    lipids_rule = next((i for i in rules.indicators if i.kind is IndicatorKind.LIPIDS), None)
    low_months = (lipids_rule.low_risk_window_months if lipids_rule and
                  lipids_rule.low_risk_window_months else 12)
    reg = register_membership(cut)
    rec = _records(ref, cut, low_months, rules.cluster("MHP_COD"))
    adj = _adjustments(rules, ref, cut)

    bmi = _latest_bmi(cut)
    white_or_unknown = Patient.ethnicity.in_([*sorted(WHITE_ETHNICITIES), "Z", ""])
    higher_risk = or_(
        _higher_risk_condition(cut),
        _latest_code(Element.SMOKING.value, cut) == codes.SMOKER,
        bmi >= 30,
        and_(white_or_unknown, bmi >= 25),
        and_(~white_or_unknown, bmi >= 23),
    )
    # Everything per patient once, materialised: the state of each indicator below reads these
    # columns many times, and a correlated subquery inside a CASE would run at every reading.
    facts = (
        select(Patient.id.label("patient_id"), Patient.practice_id, Patient.registered_on,
               Patient.core_check_oldest_on, reg.c.first_dx, reg.c.last_dx,
               *[rec.c[f"{e}_on"] for e in RECORD_ELEMENTS], rec.c.lipids_low_on,
               *[c for c in adj.c if c.name != "patient_id"],
               # only asked when it decides MH011: lipids inside 24 months but not inside 12
               case((and_(rec.c.lipids_on.is_(None), rec.c.lipids_low_on.is_not(None),
                          higher_risk), 1), else_=0).label("higher_risk"))
        .join(reg, reg.c.patient_id == Patient.id)
        .outerjoin(rec, rec.c.patient_id == Patient.id)
        .outerjoin(adj, adj.c.patient_id == Patient.id)
        .where(reg.c.on_mh1 == true(), reg.c.in_remission == false(),
               *_one_practice(practice_code))
        .cte("qof_facts").prefix_with("MATERIALIZED")
    )
    f = facts.c
    lipids_ok = case((f.higher_risk == 1, f.lipids_on.is_not(None)),
                     else_=f.lipids_low_on.is_not(None))

    def done(element: str) -> ColumnElement[bool]:
        if element == Element.LIPIDS.value:
            return lipids_ok == true()
        if element == CARE_PLAN:
            return f.care_plan_on >= f.last_dx
        return f[f"{element}_on"].is_not(None)

    start_new = window_start(ref, rules.new_diagnosis_months)
    start_registered = window_start(ref, rules.new_registration_months)
    # n invitations whose first and last are >= gap days apart contain a pair that far apart
    invited = and_(func.coalesce(f.invitations, 0) >= rules.invitations_needed,
                   days_between(f.first_invited, f.last_invited) >= rules.invitation_gap_days)

    def state(indicator: Indicator) -> ColumnElement[str]:
        elements = indicator_elements(indicator)
        achieved = and_(*[done(e) for e in elements])
        whens: list[tuple[ColumnElement[bool], str]] = [(achieved, ACHIEVED)]
        for reason in ("unsuitable", "declined"):
            flags = [f[f"{reason}_all"] == 1, *[f[f"{reason}_{e}"] == 1 for e in elements]]
            whens.append((or_(*flags), pca_state(reason)))
        whens += [
            (invited, pca_state("no_response")),
            (f.first_dx >= start_new, pca_state("new_diagnosis")),
            (f.registered_on.between(start_registered, cut),
             pca_state("new_registration")),
        ]
        return case(*[(cond, literal(value)) for cond, value in whens],
                    else_=literal(OUTSTANDING)).label(indicator.id)

    all_six_12m = and_(*[f[f"{e.value}_on"].is_not(None) for e in CORE_ELEMENTS])
    due = (or_(f.core_check_oldest_on.is_(None), f.core_check_oldest_on < due_before)
           if due_before else false())
    return select(f.patient_id, f.practice_id, *[state(i) for i in rules.scored],
                  case((all_six_12m, 1), else_=0).label("phc_all_six"),
                  case((due, 1), else_=0).label("due"))

class SqlQofQueries:
    def __init__(self, session: Session) -> None:
        self._session = session

    def summary_counts(self, rules: Ruleset, ref: date, cut: date, due_before: date,
                       practice_code: str | None) -> list[dict[str, Any]]:
        """Per practice: register size, cohort size, and per scored indicator the number in
        each state (``<id>_A``, ``<id>_O``, ``<id>_P:<reason>``), plus the number of patients
        with anything outstanding. A handful of grouped statements, whatever the register size."""
        # materialised: each state is counted several times below and must be worked out once
        states = (patient_states(rules, ref, cut, due_before, practice_code).cte("states")
                  .prefix_with("MATERIALIZED"))
        columns: list[Any] = [func.count().label("cohort"),
                              func.sum(states.c.phc_all_six).label("phc_all_six")]
        for indicator in rules.scored:
            col = states.c[indicator.id]
            for value in (ACHIEVED, OUTSTANDING, *[pca_state(r) for r in PCA_REASONS]):
                columns.append(func.count(case((col == value, 1))).label(f"{indicator.id}_{value}"))
            columns.append(func.count(case((and_(col == OUTSTANDING, states.c.due == 1), 1)))
                           .label(f"{indicator.id}_due"))
        columns.append(func.count(case((or_(*[states.c[i.id] == OUTSTANDING
                                              for i in rules.scored]), 1))).label("outstanding"))
        stmt = (select(states.c.practice_id, *columns).group_by(states.c.practice_id))
        cohort = {row["practice_id"]: dict(row) for row in
                  self._session.execute(stmt).mappings()}
        reg = register_membership(cut)
        sizes = (select(Patient.practice_id, func.count().label("register"))
                 .join(reg, reg.c.patient_id == Patient.id)
                 .where(*_one_practice(practice_code))
                 .group_by(Patient.practice_id).subquery())
        practices = (select(Practice.id, Practice.code, Practice.name,
                            func.coalesce(sizes.c.register, 0).label("register"))
                     .outerjoin(sizes, sizes.c.practice_id == Practice.id)
                     .order_by(Practice.code))
        if practice_code:
            practices = practices.where(Practice.code == practice_code)
        out = []
        for p in self._session.execute(practices).mappings():
            counts = cohort.get(p["id"], {})
            out.append({"practice_code": p["code"], "practice_name": p["name"],
                        "register": p["register"],
                        **{k: v for k, v in counts.items() if k != "practice_id"}})
        return out

    def outstanding_patients(self, rules: Ruleset, ref: date, cut: date,
                             practice_code: str | None, indicator_id: str | None
                             ) -> Iterator[dict[str, Any]]:
        """Patients with an indicator outstanding (or any, when ``indicator_id`` is None), with
        their states, for the drill-down and the practice's outstanding list."""
        states = patient_states(rules, ref, cut, None, practice_code).subquery("states")
        if indicator_id:
            wanted: ColumnElement[bool] = states.c[indicator_id] == OUTSTANDING
        else:
            wanted = or_(*[states.c[i.id] == OUTSTANDING for i in rules.scored])
        stmt = (
            select(Patient.id.label("patient_id"), Patient.nhs_number, Patient.given_name,
                   Patient.family_name, Patient.date_of_birth, Practice.code.label("practice_code"),
                   *[states.c[i.id] for i in rules.scored])
            .join(states, states.c.patient_id == Patient.id)
            .join(Practice, Practice.id == Patient.practice_id)
            .where(wanted)
            .order_by(Practice.code, Patient.sort_name, Patient.id)
        )
        if practice_code:
            stmt = stmt.where(Practice.code == practice_code)
        for row in self._session.execute(stmt.execution_options(yield_per=2000)).mappings():
            yield dict(row)

    def facts(self, patient_id: int, cut: date, rules: Ruleset) -> QofFacts | None:
        """Everything the MH rules read for one patient, for "why in, why out"; codes are
        classified by the year's clusters, as the summary's SQL does."""
        s = self._session
        patient = s.get(Patient, patient_id)
        if patient is None:
            return None
        diagnoses = tuple(s.scalars(select(SmiDiagnosis.diagnosed_on)
                                    .where(SmiDiagnosis.patient_id == patient_id)))
        remissions = tuple(s.scalars(select(Remission.recorded_on)
                                     .where(Remission.patient_id == patient_id)))
        lithium = s.execute(select(MedicationIssue.issued_on, MedicationIssue.stopped)
                            .where(MedicationIssue.patient_id == patient_id,
                                   MedicationIssue.drug == "lithium")).all()
        care_plans = set(rules.cluster("MHP_COD"))
        records: dict[str, list[date]] = {}
        smoking: list[tuple[date, str]] = []
        bmi: list[tuple[date, float]] = []
        for element, code, value, on in s.execute(
            select(Observation.element, Observation.code, Observation.value,
                   Observation.observed_on)
            .where(Observation.patient_id == patient_id, Observation.observed_on <= cut)
        ):
            if code in care_plans:
                records.setdefault(CARE_PLAN, []).append(on)
            elif element in RECORD_ELEMENTS:
                records.setdefault(element, []).append(on)
            if element == Element.SMOKING.value:
                smoking.append((on, code))
            if code == codes.BMI and value is not None:
                bmi.append((on, value))
        adjustments = s.execute(select(CareAdjustment.code, CareAdjustment.element,
                                       CareAdjustment.recorded_on)
                                .where(CareAdjustment.patient_id == patient_id,
                                       CareAdjustment.recorded_on <= cut)).all()
        latest_condition: dict[str, tuple[date, bool]] = {}
        for condition, present, on in s.execute(
            select(ClinicalCondition.condition, ClinicalCondition.present,
                   ClinicalCondition.recorded_on)
            .where(ClinicalCondition.patient_id == patient_id,
                   ClinicalCondition.recorded_on <= cut)
        ):
            if condition not in latest_condition or on > latest_condition[condition][0]:
                latest_condition[condition] = (on, present)
        return QofFacts(
            register=RegisterFacts(
                diagnosis_dates=diagnoses, remission_dates=remissions,
                lithium_issue_dates=tuple(d for d, stopped in lithium if not stopped),
                lithium_stop_dates=tuple(d for d, stopped in lithium if stopped)),
            registered_on=patient.registered_on,
            ethnicity=patient.ethnicity,
            records={k: tuple(v) for k, v in records.items()},
            adjustments=tuple((reason, e, d) for code, e, d in adjustments
                              for reason, cluster in PCA_CLUSTERS.items()
                              if code in rules.cluster(cluster)),
            invitations=tuple(d for code, _, d in adjustments
                              if code in rules.cluster("MHINVITE_COD")),
            smoking=tuple(smoking),
            bmi=tuple(bmi),
            conditions=tuple(sorted(c for c, (_, present) in latest_condition.items()
                                    if present)),
        )
