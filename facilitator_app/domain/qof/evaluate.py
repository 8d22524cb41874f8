"""One patient through the QOF mental health rules, with the reason for every outcome.

Practice managers' first complaint about QOF tools is figures they cannot explain, so each
outcome says in plain English which rule decided it and the dated record behind it ("Blood
pressure recorded 12/03/2025", "Declined (informed dissent) 04/02/2025", "In remission since
01/06/2020"). This is also the oracle for ``db/queries/qof.py``: a test runs both over random
registers and requires the same counts.

Rule order per indicator (domain.md §2.2): achieved first (a PCA never removes an achiever),
then a valid PCA removes the patient from the denominator, otherwise they are outstanding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from facilitator_app.domain.checks import CORE_ELEMENTS, ELEMENT_LABELS, Element
from facilitator_app.domain.dates import format_uk_date, in_window
from facilitator_app.domain.qof.rules import Indicator, IndicatorKind, Ruleset
from facilitator_app.domain.register import RegisterFacts, register_status

__all__ = [
    "CARE_PLAN",
    "HIGHER_RISK_CONDITIONS",
    "INVITATION",
    "PCA_REASONS",
    "Outcome",
    "QofFacts",
    "State",
    "element_label",
    "evaluate",
    "indicator_elements",
    "known_by",
    "lipids_higher_risk",
]

CARE_PLAN = Element.CARE_PLAN.value  # observation element of an MHP_COD care plan record

INVITATION = "invitation"
"""``care_adjustment.reason`` of an MHINVITE_COD invitation record: not an adjustment itself,
but two unanswered invitations at least 7 days apart are one (domain.md §2.2)."""

PCA_REASONS: Mapping[str, str] = {
    "unsuitable": "Care unsuitable (clinical judgement)",
    "declined": "Informed dissent",
    "no_response": "No response to invitations",
    "new_diagnosis": "Newly diagnosed in the last 3 months",
    "new_registration": "Newly registered in the last 3 months",
}
"""PCA reasons in the order they are tried, with their report wording."""

HIGHER_RISK_CONDITIONS = frozenset({"atypical_antipsychotic", "type1", "type2", "ckd345"})
"""Recorded conditions (clinical_condition) that put MH011 on the 12-month window. Of the
business rule's list (antipsychotic in the last 6 months; CHD, diabetes, stroke, TIA, PAD,
CKD 3-5, familial hypercholesterolaemia), these are the ones the app records (app rule: an
atypical antipsychotic recorded as current stands for "prescribed in the last 6 months")."""

WHITE_ETHNICITIES = frozenset({"A", "B", "C"})
SMOKER_CODE = "77176002"


class State(StrEnum):
    ACHIEVED = "achieved"
    EXCEPTED = "excepted"
    OUTSTANDING = "outstanding"
    NOT_ELIGIBLE = "not in denominator"


@dataclass(frozen=True)
class Outcome:
    indicator: str
    state: State
    reason: str
    pca: str | None = None  # key of PCA_REASONS when EXCEPTED
    needs: tuple[str, ...] = ()  # elements still to do when OUTSTANDING


@dataclass(frozen=True)
class QofFacts:
    """Everything the MH rules read for one patient; records after ``ref`` may be included
    and are ignored."""

    register: RegisterFacts
    registered_on: date | None = None
    ethnicity: str = "Z"
    records: Mapping[str, tuple[date, ...]] = field(default_factory=dict)  # element -> dates
    adjustments: tuple[tuple[str, str | None, date], ...] = ()  # reason, element or None, date
    invitations: tuple[date, ...] = ()
    smoking: tuple[tuple[date, str], ...] = ()  # (date, SNOMED status code)
    bmi: tuple[tuple[date, float], ...] = ()
    conditions: tuple[str, ...] = ()  # present at ref (latest record per condition)


def indicator_elements(indicator: Indicator) -> tuple[str, ...]:
    """The records an indicator looks at; element-specific PCAs for these apply to it."""
    if indicator.kind is IndicatorKind.ELEMENT:
        assert indicator.element is not None
        return (indicator.element,)
    if indicator.kind is IndicatorKind.LIPIDS:
        return (Element.LIPIDS.value,)
    if indicator.kind is IndicatorKind.CARE_PLAN:
        return (CARE_PLAN,)
    if indicator.kind is IndicatorKind.ALL_CORE:
        return tuple(e.value for e in CORE_ELEMENTS)
    return ()


def _latest(items: Iterable[tuple[date, object]], ref: date) -> tuple[date, object] | None:
    dated = [item for item in items if item[0] <= ref]
    return max(dated, key=lambda item: (item[0], str(item[1]))) if dated else None  # as SQL ties


def lipids_higher_risk(facts: QofFacts, ref: date) -> str | None:
    """Why MH011 uses the 12-month window for this patient, or None (24 months)."""
    present = sorted(HIGHER_RISK_CONDITIONS & set(facts.conditions))
    if present:
        return f"recorded condition: {', '.join(present)}"
    smoking = _latest(facts.smoking, ref)
    if smoking and smoking[1] == SMOKER_CODE:
        return f"current smoker ({format_uk_date(smoking[0])})"
    bmi = _latest(facts.bmi, ref)
    if bmi:
        value = float(bmi[1])  # type: ignore[arg-type]
        white_or_unknown = facts.ethnicity in WHITE_ETHNICITIES or facts.ethnicity in ("", "Z")
        cut = 30.0 if value >= 30 else (25.0 if white_or_unknown else 23.0)
        if value >= cut:
            return f"BMI {value:g} ≥ {cut:g} ({format_uk_date(bmi[0])})"
    return None


def _done(facts: QofFacts, element: str, ref: date, months: int) -> date | None:
    dates = [d for d in facts.records.get(element, ()) if in_window(d, ref, months)]
    return max(dates) if dates else None


def element_label(element: str) -> str:
    return ELEMENT_LABELS[Element(element)]


def known_by(facts: QofFacts, cut: date) -> QofFacts:
    """The facts as they stood on ``cut``: later records are not known yet."""
    register = facts.register
    return replace(
        facts,
        register=RegisterFacts(
            tuple(d for d in register.diagnosis_dates if d <= cut),
            tuple(d for d in register.remission_dates if d <= cut),
            tuple(d for d in register.lithium_issue_dates if d <= cut),
            tuple(d for d in register.lithium_stop_dates if d <= cut)),
        records={k: tuple(d for d in v if d <= cut) for k, v in facts.records.items()},
        adjustments=tuple(a for a in facts.adjustments if a[2] <= cut),
        invitations=tuple(d for d in facts.invitations if d <= cut),
        smoking=tuple(x for x in facts.smoking if x[0] <= cut),
        bmi=tuple(x for x in facts.bmi if x[0] <= cut),
        registered_on=(facts.registered_on if facts.registered_on and facts.registered_on <= cut
                       else None),
    )


def evaluate(facts: QofFacts, rules: Ruleset, ref: date,
             cut: date | None = None) -> dict[str, Outcome]:
    """Outcomes at the achievement date ``ref`` (windows end there) from what was recorded by
    ``cut`` (default ``ref``; earlier for a year still running, when register membership is
    also taken at ``cut``). ``facts.conditions`` must already be those present at ``cut``."""
    if cut is not None and cut < ref:
        facts = known_by(facts, cut)
    status = register_status(facts.register, cut or ref)
    outcomes: dict[str, Outcome] = {}
    for indicator in rules.indicators:
        outcomes[indicator.id] = _one(indicator, facts, rules, ref, status.on_register,
                                      status.on_mh1, status.in_remission)
    return outcomes


def _one(indicator: Indicator, facts: QofFacts, rules: Ruleset, ref: date, on_register: bool,
         on_mh1: bool, in_remission: bool) -> Outcome:
    iid = indicator.id
    if indicator.kind is IndicatorKind.REGISTER:
        return (Outcome(iid, State.ACHIEVED, "On the SMI register") if on_register
                else Outcome(iid, State.NOT_ELIGIBLE, "Not on the SMI register"))
    if not on_mh1:
        return Outcome(iid, State.NOT_ELIGIBLE, "Lithium only: on the register but in no "
                       "indicator denominator" if on_register else "Not on the SMI register")
    if in_remission:
        last = max(d for d in facts.register.remission_dates if d <= ref)
        return Outcome(iid, State.NOT_ELIGIBLE, f"In remission since {format_uk_date(last)}")

    done, needs = _numerator(indicator, facts, rules, ref)
    if not needs:
        return Outcome(iid, State.ACHIEVED, done)
    pca = _pca(indicator, facts, rules, ref)
    if pca is not None:
        key, text = pca
        return Outcome(iid, State.EXCEPTED, text, pca=key)
    return Outcome(iid, State.OUTSTANDING, done, needs=needs)


def _numerator(indicator: Indicator, facts: QofFacts, rules: Ruleset, ref: date) -> (
        tuple[str, tuple[str, ...]]):
    """(what was found, in words; the elements still needed)."""
    kind = indicator.kind
    if kind is IndicatorKind.CARE_PLAN:
        last_dx = max(d for d in facts.register.diagnosis_dates if d <= ref)
        plans = [d for d in facts.records.get(CARE_PLAN, ())
                 if in_window(d, ref, indicator.window_months) and d >= last_dx]
        if plans:
            return f"Care plan agreed {format_uk_date(max(plans))}", ()
        return (f"No care plan since the latest diagnosis ({format_uk_date(last_dx)}) in the "
                f"last {indicator.window_months} months", (CARE_PLAN,))
    if kind is IndicatorKind.ELEMENT:
        assert indicator.element is not None
        return _element_found(facts, indicator.element, ref, indicator.window_months)
    if kind is IndicatorKind.LIPIDS:
        return _lipids_found(indicator, facts, ref)
    # ALL_CORE counts the MH011 numerator for lipids (domain.md §2.1), so MH011's windows
    # decide it; the other elements need the 12-month window.
    lipids_rule = next((i for i in rules.indicators if i.kind is IndicatorKind.LIPIDS),
                       indicator)
    found: list[str] = []
    needs: list[str] = []
    for element in CORE_ELEMENTS:
        text, need = (_lipids_found(lipids_rule, facts, ref) if element is Element.LIPIDS
                      else _element_found(facts, element.value, ref, indicator.window_months))
        found.append(text)
        needs.extend(need)
    return "; ".join(found), tuple(needs)


def _element_found(facts: QofFacts, element: str, ref: date, months: int) -> (
        tuple[str, tuple[str, ...]]):
    done = _done(facts, element, ref, months)
    if done:
        return f"{element_label(element)} recorded {format_uk_date(done)}", ()
    return f"{element_label(element)} not recorded in the last {months} months", (element,)


def _lipids_found(indicator: Indicator, facts: QofFacts, ref: date) -> tuple[str, tuple[str, ...]]:
    higher = lipids_higher_risk(facts, ref)
    months = 12 if higher or indicator.low_risk_window_months is None else (
        indicator.low_risk_window_months)
    text, needs = _element_found(facts, Element.LIPIDS.value, ref, months)
    why = f"higher risk: {higher}" if higher else "lower risk"
    return f"{text} ({why}: {months}-month window)", needs


def _pca(indicator: Indicator, facts: QofFacts, rules: Ruleset, ref: date) -> (
        tuple[str, str] | None):
    elements = set(indicator_elements(indicator))
    for reason in ("unsuitable", "declined"):
        dates = [d for r, element, d in facts.adjustments
                 if r == reason and (element is None or element in elements)
                 and in_window(d, ref, rules.pca_window_months)]
        if dates:
            return reason, f"{PCA_REASONS[reason]} {format_uk_date(max(dates))}"
    invited = sorted(d for d in facts.invitations if in_window(d, ref, rules.pca_window_months))
    if (len(invited) >= rules.invitations_needed
            and (invited[-1] - invited[0]).days >= rules.invitation_gap_days):
        return "no_response", (f"{PCA_REASONS['no_response']}: {len(invited)} invitations, "
                               f"{format_uk_date(invited[0])} to {format_uk_date(invited[-1])}")
    first_dx = min(d for d in facts.register.diagnosis_dates if d <= ref)
    if in_window(first_dx, ref, rules.new_diagnosis_months):
        return "new_diagnosis", f"First diagnosed {format_uk_date(first_dx)}"
    if facts.registered_on and in_window(facts.registered_on, ref, rules.new_registration_months):
        return "new_registration", f"Registered {format_uk_date(facts.registered_on)}"
    return None
