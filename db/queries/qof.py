"""The QOF mental health indicators as set-based SQL, generated from a year's ruleset.

One statement builds a row per patient in the SMI indicator cohort with one state per
indicator ('A' achieved, 'P:<reason>' excepted by a personalised care adjustment, 'O'
outstanding), in one pass over ``patient`` (the latest dates it keeps, ``db.queries.latest``);
the summary packs each patient's states into one integer and counts patients per practice and
integer. It is the SQL twin of ``facilitator_app.domain.qof.evaluate``: a test runs both over
random registers and requires the same counts, so change them together.

Windows are anchored at the achievement date ``ref`` (31 March); records dated after ``cut``
(the as-of date, for a year still running) are not yet known and are ignored, and register
membership is taken at ``cut``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Select,
    and_,
    case,
    distinct,
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
from db.queries import latest
from db.queries.register import register_columns
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
CORE_VALUES = tuple(e.value for e in CORE_ELEMENTS)
RECORD_ELEMENTS = (*CORE_VALUES, CARE_PLAN)


def pca_state(reason: str) -> str:
    return f"P:{reason}"


CARE_PLAN_CODES = frozenset(c for c, info in codes.CODES.items()
                            if info.element.value == CARE_PLAN)


def _care_plan_last_on(care_plans: tuple[str, ...], cut: date) -> ColumnElement[Any]:
    """Latest care plan on or before ``cut``, recognised by the year's MHP_COD cluster. When the
    cluster is exactly the codes recorded as the care-plan element (every year so far), that
    is the care-plan date the patient row keeps; otherwise one seek per cluster code of the
    unique (patient, code, date) index."""
    if frozenset(care_plans) == CARE_PLAN_CODES:
        return latest.element_last_on(CARE_PLAN, cut)
    o = aliased(Observation)
    return (select(func.max(o.observed_on))
            .where(o.patient_id == Patient.id, o.code.in_(care_plans), o.observed_on <= cut)
            .correlate(Patient).scalar_subquery())


PCA_CLUSTERS = {"unsuitable": "MHPCAPU_COD", "declined": "MHPCADEC_COD"}
"""Which of the year's code clusters evidences each PCA reason recorded as a code."""


PCA_SCOPES = ("all", *RECORD_ELEMENTS)  # "all": element NULL, every MH indicator


def pca_bit(reason: str, scope: str) -> int:
    return 1 << (PCA_SCOPES.index(scope) * len(PCA_CLUSTERS) + list(PCA_CLUSTERS).index(reason))


INVITED_BIT = 1 << (len(PCA_SCOPES) * len(PCA_CLUSTERS))


def _adjustments(rules: Ruleset, ref: date, cut: date) -> ColumnElement[int]:
    """Per patient (correlated with ``Patient``), which PCAs were recorded in the window, as
    one integer of bits (``pca_bit``): per reason, for all indicators (element NULL) and per
    element, recognised by the year's code clusters; and ``INVITED_BIT`` when enough
    invitations far enough apart were sent (n invitations whose first and last are >= gap
    days apart contain a pair that far apart).

    Most patients have none in the window: the latest adjustment date the patient row keeps
    says so, and only the others seek their rows of ``ix_care_adjustment_patient``."""
    a = aliased(CareAdjustment)
    start = window_start(ref, rules.pca_window_months)
    bits: ColumnElement[int] = literal(0)
    for reason, cluster in PCA_CLUSTERS.items():
        # each row is one bit (or none) per reason, so the sum of the distinct bits is their OR:
        # one aggregate per reason where one max() per reason and scope cost 1.5 times as much
        scoped = case(*[(a.element.is_(None) if scope == "all" else a.element == scope,
                         pca_bit(reason, scope)) for scope in PCA_SCOPES], else_=0)
        coded = a.code.in_(rules.cluster(cluster))
        bits = bits + func.sum(distinct(case((coded, scoped), else_=0)))
    invitation = a.code.in_(rules.cluster("MHINVITE_COD"))
    invited = and_(func.count(case((invitation, 1))) >= rules.invitations_needed,
                   days_between(func.min(case((invitation, a.recorded_on))),
                                func.max(case((invitation, a.recorded_on))))
                   >= rules.invitation_gap_days)
    bits = bits + case((invited, INVITED_BIT), else_=0)
    lookup = (select(bits).where(a.patient_id == Patient.id, a.recorded_on >= start,
                                 a.recorded_on <= cut)
              .correlate(Patient).scalar_subquery())
    return case((_adjusted_recently(rules, ref), func.coalesce(lookup, 0)), else_=0)


def _adjusted_recently(rules: Ruleset, ref: date) -> ColumnElement[bool]:
    """The patient's latest care adjustment falls inside the PCA window (NULL when none)."""
    return Patient.last_care_adjustment_on >= window_start(ref, rules.pca_window_months)


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


STATE_VALUES = (ACHIEVED, OUTSTANDING, *[pca_state(r) for r in PCA_REASONS])
"""Every state an indicator can be in; the summary's SQL returns a state as its position."""
STATE_BASE = 8  # > len(STATE_VALUES): states packed into one integer, one digit each
assert len(STATE_VALUES) < STATE_BASE


@dataclass(frozen=True)
class _States:
    facts: CTE
    states: dict[str, ColumnElement[Any]]  # indicator id -> state (string, or position)
    phc_all_six: ColumnElement[int]
    due: ColumnElement[int]
    in_cohort: ColumnElement[bool]


def _states(rules: Ruleset, ref: date, cut: date, due_before: date | None,
            practice_code: str | None, *, whole_register: bool, coded: bool) -> _States:
    """The cohort's facts (the whole register's when ``whole_register``, with ``in_cohort``)
    and the expressions over them: each scored indicator's state (a ``STATE_VALUES`` string,
    or its position when ``coded``), ``phc_all_six`` and ``due``.

    One pass over ``patient``: the latest date of each element on or before ``cut`` comes from
    the patient row (``db.queries.latest``), and "recorded inside the window" is that date
    falling on or after the window's first day. Only the patients MH011 asks about (lipids
    inside 24 months, not 12) and those with records after ``cut`` reach into the records."""
    lipids_rule = next((i for i in rules.indicators if i.kind is IndicatorKind.LIPIDS), None)
    low_months = (lipids_rule.low_risk_window_months if lipids_rule and
                  lipids_rule.low_risk_window_months else 12)
    start12 = window_start(ref, 12)
    start_low = min(start12, window_start(ref, low_months))
    reg = register_columns(cut)
    adj = _adjustments(rules, ref, cut)

    bmi = latest.bmi_value(cut)
    white_or_unknown = Patient.ethnicity.in_([*sorted(WHITE_ETHNICITIES), "Z", ""])
    # BMI first: it decides for most people, and OR stops at the first true lookup. BMI >= 30
    # counts for everyone, so it is the ethnicity's lower threshold that decides.
    higher_risk = or_(
        bmi >= case((white_or_unknown, 25), else_=23),
        latest.smoking_code(cut) == codes.SMOKER,
        _higher_risk_condition(cut),
    )
    lipids_last = latest.element_last_on(Element.LIPIDS.value, cut)
    cohort = and_(reg["on_mh1"], ~reg["in_remission"])
    start_new = window_start(ref, rules.new_diagnosis_months)
    start_registered = window_start(ref, rules.new_registration_months)
    # Could any exception apply? Most patients have no recent adjustment, diagnosis or
    # registration: their states need only "done or outstanding", not five more tests each.
    exceptable = or_(_adjusted_recently(rules, ref), reg["first_dx"] >= start_new,
                     Patient.registered_on.between(start_registered, cut))
    # Everything per patient once, materialised: the state of each indicator below reads these
    # columns many times, and a correlated subquery inside a CASE would run at every reading.
    facts = (
        select(Patient.id.label("patient_id"), Patient.practice_id, Patient.registered_on,
               Patient.core_check_oldest_on, reg["first_dx"].label("first_dx"),
               reg["last_dx"].label("last_dx"),
               *[latest.element_last_on(e, cut).label(f"{e}_last") for e in CORE_VALUES],
               _care_plan_last_on(rules.cluster("MHP_COD"), cut).label(f"{CARE_PLAN}_last"),
               adj.label("pca_bits"), case((exceptable, 1), else_=0).label("exceptable"),
               # only asked when it decides MH011: lipids inside 24 months but not inside 12
               case((and_(lipids_last < start12, lipids_last >= start_low, higher_risk), 1),
                    else_=0).label("higher_risk"),
               *([case((cohort, 1), else_=0).label("in_cohort")] if whole_register else []))
        .where(or_(reg["on_mh1"], reg["on_mh2"]) if whole_register else cohort,
               *_one_practice(practice_code))
        .cte("qof_facts").prefix_with("MATERIALIZED")
    )
    f = facts.c

    def recorded(element: str) -> ColumnElement[bool]:
        """Recorded in the 12 months up to ``ref`` (and by ``cut``)."""
        return f[f"{element}_last"] >= start12

    lipids_ok = case((f.higher_risk == 1, recorded(Element.LIPIDS.value)),
                     else_=f.lipids_last >= start_low)

    def done(element: str) -> ColumnElement[bool]:
        if element == Element.LIPIDS.value:
            return lipids_ok == true()
        if element == CARE_PLAN:
            return and_(recorded(CARE_PLAN), f.care_plan_last >= f.last_dx)
        return recorded(element)

    def flagged(bit: int) -> ColumnElement[bool]:
        return f.pca_bits.op("&")(bit) != 0

    invited = flagged(INVITED_BIT)

    def value(v: str) -> Any:
        return literal(STATE_VALUES.index(v)) if coded else literal(v)

    def state(indicator: Indicator) -> ColumnElement[Any]:
        elements = indicator_elements(indicator)
        achieved = and_(*[done(e) for e in elements])
        whens: list[tuple[ColumnElement[bool], str]] = [(achieved, ACHIEVED),
                                                        (f.exceptable == 0, OUTSTANDING)]
        for reason in ("unsuitable", "declined"):
            mask = sum(pca_bit(reason, scope) for scope in ("all", *elements))
            whens.append((flagged(mask), pca_state(reason)))
        whens += [
            (invited, pca_state("no_response")),
            (f.first_dx >= start_new, pca_state("new_diagnosis")),
            (f.registered_on.between(start_registered, cut),
             pca_state("new_registration")),
        ]
        return case(*[(cond, value(v)) for cond, v in whens], else_=value(OUTSTANDING))

    all_six_12m = and_(*[recorded(e.value) for e in CORE_ELEMENTS])
    due = (or_(f.core_check_oldest_on.is_(None), f.core_check_oldest_on < due_before)
           if due_before else false())
    return _States(facts, {i.id: state(i) for i in rules.scored},
                   case((all_six_12m, 1), else_=0), case((due, 1), else_=0),
                   f.in_cohort == 1 if whole_register else true())


def patient_states(rules: Ruleset, ref: date, cut: date, due_before: date | None = None,
                   practice_code: str | None = None) -> Select[*tuple[Any, ...]]:
    """One row per patient in the SMI indicator cohort (MH1, not in remission, at ``cut``):
    ids, practice, one ``<indicator>`` state column per scored indicator, ``phc_all_six``
    (the national physical health check measure: all six core elements in 12 months, lipids
    included, whatever any PCA says) and ``due`` (the oldest core check falls due before
    ``due_before``: who could still be seen this month)."""
    s = _states(rules, ref, cut, due_before, practice_code, whole_register=False, coded=False)
    return select(s.facts.c.patient_id, s.facts.c.practice_id,
                  *[state.label(i) for i, state in s.states.items()],
                  s.phc_all_six.label("phc_all_six"), s.due.label("due"))

class SqlQofQueries:
    def __init__(self, session: Session) -> None:
        self._session = session

    def summary_counts(self, rules: Ruleset, ref: date, cut: date, due_before: date,
                       practice_code: str | None) -> list[dict[str, Any]]:
        """Per practice: register size, cohort size, and per scored indicator the number in
        each state (``<id>_A``, ``<id>_O``, ``<id>_P:<reason>``), plus the number of patients
        with anything outstanding. One grouped statement, whatever the register size.

        Each register patient's states, ``phc_all_six`` and ``due`` are packed into one small
        integer (NULL outside the indicator cohort); the statement counts patients per
        practice and distinct integer (a few hundred), and the combinations are added up
        here. One count per patient, where a conditional count per patient, indicator and
        state would cost ten times as much, and one sort of two integers per patient."""
        s = _states(rules, ref, cut, due_before, practice_code, whole_register=True, coded=True)
        packed: ColumnElement[int] = literal(0)
        for position, state in enumerate(s.states.values()):
            packed = packed + state * STATE_BASE ** position
        digits = len(s.states)
        packed = (packed + s.phc_all_six * STATE_BASE ** digits
                  + s.due * STATE_BASE ** (digits + 1))
        # materialised, so that the long key expression is worked out once per patient; grouped
        # straight from facts it is evaluated for the sort and again for the result
        keys = (select(s.facts.c.practice_id, case((s.in_cohort, packed)).label("key"))
                .cte("qof_keys").prefix_with("MATERIALIZED"))
        grouped = (select(keys.c.practice_id, keys.c.key, func.count().label("n"))
                   .group_by(keys.c.practice_id, keys.c.key))
        counts: dict[int, dict[str, Any]] = {}
        for practice_id, packed_key, n in self._session.execute(grouped):
            c = counts.get(practice_id)
            if c is None:
                c = counts[practice_id] = {"register": 0, "cohort": 0, "phc_all_six": 0,
                                           "outstanding": 0}
                for indicator in rules.scored:
                    c.update({f"{indicator.id}_{v}": 0 for v in (*STATE_VALUES, "due")})
            c["register"] += n
            if packed_key is None:
                continue
            c["cohort"] += n
            values = [(packed_key // STATE_BASE ** i) % STATE_BASE for i in range(digits + 2)]
            c["phc_all_six"] += n * values[digits]
            due = values[digits + 1] == 1
            for indicator, code in zip(rules.scored, values, strict=False):
                state = STATE_VALUES[code]
                c[f"{indicator.id}_{state}"] += n
                if state == OUTSTANDING and due:
                    c[f"{indicator.id}_due"] += n
            if STATE_VALUES.index(OUTSTANDING) in values[:digits]:
                c["outstanding"] += n
        practices = select(Practice.id, Practice.code, Practice.name).order_by(Practice.code)
        if practice_code:
            practices = practices.where(Practice.code == practice_code)
        out = []
        for p in self._session.execute(practices).mappings():
            c = counts.get(p["id"], {"register": 0})
            out.append({"practice_code": p["code"], "practice_name": p["name"], **c})
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
