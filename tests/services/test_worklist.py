"""The recall worklist on hand-built registers whose dates sit on the edges, on SQLite and
PostgreSQL, and against the pure recall rules (domain.checks) as an oracle."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

import facilitator_app.domain.codes as codes
from db.models import CareAdjustment, Patient
from db.queries.worklist import SqlWorklistQueries, Strategy
from db.unit_of_work import SqlAlchemyUnitOfWork
from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.checks import (
    CORE_ELEMENTS,
    Element,
    RecallStatus,
    done_in_qof_year,
    needed_before_year_end,
    next_due,
    recall_status,
)
from facilitator_app.domain.dates import QofYear
from facilitator_app.domain.names import name_sort_key
from facilitator_app.domain.register import RegisterFacts, register_status
from facilitator_app.services.caseload import UnknownPractice
from facilitator_app.services.worklist import (
    ElementState,
    WorklistQuery,
    WorklistRow,
    recall_worklist,
    worklist_cells,
    worklist_spec,
    worklist_summary,
)
from tests.builders import CORE_CODE, RegisterBuilder

NEVER = ElementState.NEVER
OVERDUE = ElementState.OVERDUE
DUE_SOON = ElementState.DUE_SOON
NEEDED = ElementState.NEEDED
DONE = ElementState.DONE


def rows(ctx: AppContext, as_of: date, **kw: object) -> list[WorklistRow]:
    return list(recall_worklist(ctx.new_uow(), WorklistQuery(as_of, **kw)))  # type: ignore[arg-type]


def by_name(found: list[WorklistRow]) -> dict[str, WorklistRow]:
    return {r.family_name: r for r in found}


def states(row: WorklistRow) -> dict[Element, ElementState]:
    return {e.element: e.state for e in row.elements}


def record(b: RegisterBuilder, p: Patient, on: date, *elements: Element) -> None:
    for element in elements or CORE_ELEMENTS:
        b.observation(p, CORE_CODE[element], None if element is Element.SMOKING else 1.0, on)


def pca(b: RegisterBuilder, p: Patient, on: date, reason: str = "declined",
        element: Element | None = None) -> None:
    code = codes.PCA_DECLINED if reason == "declined" else codes.PCA_UNSUITABLE
    b.session.add(CareAdjustment(patient_id=p.id, reason=reason, code=code,
                                 element=element.value if element else None, recorded_on=on))


# -- dates on the edges --------------------------------------------------------------------------


def test_the_day_a_check_falls_out_of_the_twelve_months(ctx: AppContext) -> None:
    b = RegisterBuilder(ctx)
    p = b.patient("Edge")
    record(b, p, date(2025, 6, 15))
    b.commit()

    on_due_day = rows(ctx, date(2026, 6, 15))[0]
    assert set(states(on_due_day).values()) == {DUE_SOON}
    assert on_due_day.elements[0].text == "Due 15/06/2026"
    day_after = rows(ctx, date(2026, 6, 16))[0]
    assert set(states(day_after).values()) == {OVERDUE}
    assert day_after.elements[0].text == "Overdue (due 15/06/2026)"
    assert day_after.oldest_due == date(2026, 6, 15)

    # due soon starts 30 days before the due date, inclusive; the day before it the element is
    # clinically up to date but not yet recorded in 2026/27
    assert set(states(rows(ctx, date(2026, 5, 16))[0]).values()) == {DUE_SOON}
    before = rows(ctx, date(2026, 5, 15))[0]
    assert set(states(before).values()) == {NEEDED}
    assert before.elements[0].text == "Needed (last 15/06/2025)"
    assert before.needed_before_year_end == CORE_ELEMENTS


def test_29_february_falls_due_on_28_february(ctx: AppContext) -> None:
    b = RegisterBuilder(ctx)
    p = b.patient("Leap")
    record(b, p, date(2024, 2, 29), Element.BMI)
    b.commit()

    bmi = rows(ctx, date(2025, 2, 28))[0].elements[0]
    assert (bmi.element, bmi.state, bmi.next_due) == (Element.BMI, DUE_SOON, date(2025, 2, 28))
    row = rows(ctx, date(2025, 3, 1))[0]
    bmi = row.elements[0]
    assert bmi.state is OVERDUE and bmi.text == "Overdue (due 28/02/2025)"
    # 29/02/2024 is in 2023/24, so BMI is still needed for 2024/25
    assert bmi.needed_by == date(2025, 3, 31)
    assert Element.BMI in row.needed_before_year_end
    assert worklist_cells(row)[11] == (
        "BMI, Blood pressure, Lipids, Glucose / HbA1c, Alcohol, Smoking status"
    )


def test_qof_year_edges_31_march_and_1_april(ctx: AppContext) -> None:
    b = RegisterBuilder(ctx)
    march = b.patient("March")
    record(b, march, date(2025, 3, 31))
    april = b.patient("April")
    record(b, april, date(2025, 4, 1))
    b.commit()

    # on 31/03/2025 March's check counts for 2024/25; April's is still in the future
    found = by_name(rows(ctx, date(2025, 3, 31), outstanding_only=False))
    assert set(states(found["March"]).values()) == {DONE}
    assert found["March"].elements[0].text == "Done 31/03/2025"
    assert found["March"].outstanding == 0
    assert set(states(found["April"]).values()) == {NEVER}  # 01/04 is after the as-of date

    # the next day is 2025/26: March's check no longer counts for the year, April's does
    found = by_name(rows(ctx, date(2025, 4, 1), outstanding_only=False))
    assert set(states(found["March"]).values()) == {NEEDED}
    assert found["March"].outstanding == 6
    assert set(states(found["April"]).values()) == {DONE}

    # 31/03/2026: April's check (01/04/2025) counts for 2025/26 and falls due tomorrow;
    # March's falls due today (due soon, not yet overdue) and never counted for 2025/26
    found = by_name(rows(ctx, date(2026, 3, 31)))
    assert set(states(found["April"]).values()) == {DUE_SOON}
    assert found["April"].needed_before_year_end == ()
    assert set(states(found["March"]).values()) == {DUE_SOON}
    assert found["March"].needed_before_year_end == CORE_ELEMENTS
    assert set(states(by_name(rows(ctx, date(2026, 4, 1)))["March"]).values()) == {OVERDUE}


def test_a_year_that_has_ended_needs_nothing_more(ctx: AppContext) -> None:
    b = RegisterBuilder(ctx)
    p = b.patient("Late")
    record(b, p, date(2025, 1, 10))
    b.commit()
    row = rows(ctx, date(2025, 5, 1), year=QofYear(2024), outstanding_only=False)[0]
    assert set(states(row).values()) == {DONE}
    assert row.needed_before_year_end == ()
    # the current year, by contrast, still needs it
    row = rows(ctx, date(2025, 5, 1))[0]
    assert set(states(row).values()) == {NEEDED}


def test_never_recorded(ctx: AppContext) -> None:
    b = RegisterBuilder(ctx)
    b.patient("Nothing")
    b.commit()
    row = rows(ctx, date(2026, 11, 22))[0]
    assert set(states(row).values()) == {NEVER}
    assert row.outstanding == 6 and row.never_recorded
    assert row.oldest_due is None and row.oldest_due_text == "Never recorded"
    assert {e.text for e in row.elements} == {"Never recorded"}
    assert row.worst is NEVER


def test_records_after_the_as_of_date_are_ignored(ctx: AppContext) -> None:
    b = RegisterBuilder(ctx)
    p = b.patient("Future")
    record(b, p, date(2025, 1, 10))
    record(b, p, date(2026, 6, 1))
    b.commit()
    row = rows(ctx, date(2026, 5, 1))[0]
    assert {e.last_done for e in row.elements} == {date(2025, 1, 10)}
    assert set(states(row).values()) == {OVERDUE}


# -- who is in the cohort ------------------------------------------------------------------------


def test_cohort_is_mh1_not_in_remission(ctx: AppContext) -> None:
    b = RegisterBuilder(ctx)
    b.patient("Plain", diagnosed=date(2010, 3, 12))
    remitted = b.patient("Remitted", diagnosed=date(2010, 3, 12))
    b.remission(remitted, date(2020, 1, 1))
    same_day = b.patient("Tie", diagnosed=date(2020, 1, 1))
    b.remission(same_day, date(2020, 1, 1))
    recoded = b.patient("Recoded", diagnosed=date(2010, 3, 12))
    b.remission(recoded, date(2020, 1, 1))
    b.diagnosis(recoded, date(2024, 5, 1))
    lithium = b.patient("Lithium", diagnosed=None)
    b.lithium(lithium, date(2026, 10, 1))
    b.patient("Later", diagnosed=date(2026, 12, 1))
    b.commit()

    assert set(by_name(rows(ctx, date(2026, 11, 22)))) == {"Plain", "Recoded"}
    # before the re-diagnosis Recoded was in remission
    assert set(by_name(rows(ctx, date(2024, 4, 30)))) == {"Plain"}


def test_practice_filter_and_unknown_practice(ctx: AppContext) -> None:
    b = RegisterBuilder(ctx)
    b.practice("A00001")
    b.practice("B00002", "Other Surgery")
    b.patient("Ours", practice="A00001")
    b.patient("Theirs", practice="B00002")
    b.commit()
    today = date(2026, 11, 22)
    assert {r.practice_code for r in rows(ctx, today)} == {"A00001", "B00002"}
    only = rows(ctx, today, practice_code="B00002")
    assert [(r.family_name, r.practice_code) for r in only] == [("Theirs", "B00002")]
    with pytest.raises(UnknownPractice):
        rows(ctx, today, practice_code="Z00000")
    with pytest.raises(UnknownPractice):
        worklist_summary(ctx.new_uow(), WorklistQuery(today, practice_code="Z00000"))


def test_care_adjustments_are_shown_not_hidden(ctx: AppContext) -> None:
    b = RegisterBuilder(ctx)
    p = b.patient("Declined")
    pca(b, p, date(2026, 5, 2))
    pca(b, p, date(2026, 7, 9), "unsuitable", Element.BMI)
    pca(b, p, date(2026, 3, 31))  # 2025/26: not this year's
    pca(b, p, date(2026, 12, 1))  # after the as-of date
    b.patient("Other")
    b.commit()
    found = by_name(rows(ctx, date(2026, 11, 22)))
    assert set(found) == {"Declined", "Other"}  # one row each, the adjusted patient included
    row = found["Declined"]
    assert row.outstanding == 6
    assert row.adjustments_text == (
        "Declined (all elements) 02/05/2026; Unsuitable (BMI) 09/07/2026"
    )
    assert worklist_cells(row)[-1] == row.adjustments_text
    assert found["Other"].adjustments == ()


def test_sorted_by_most_outstanding_then_longest_overdue_then_name(ctx: AppContext) -> None:
    b = RegisterBuilder(ctx)
    one = b.patient("One")  # only smoking outstanding
    record(b, one, date(2026, 10, 1), *CORE_ELEMENTS[:5])
    record(b, one, date(2025, 10, 1), Element.SMOKING)
    for family, on in (("ThreeOld", date(2024, 1, 1)), ("ThreeNew", date(2025, 6, 1))):
        p = b.patient(family)
        record(b, p, date(2026, 10, 1), *CORE_ELEMENTS[:3])
        record(b, p, on, *CORE_ELEMENTS[3:])
    three_never = b.patient("ThreeNever")  # never recorded beats any date
    record(b, three_never, date(2026, 10, 1), *CORE_ELEMENTS[:3])
    record(b, three_never, date(2020, 1, 1), *CORE_ELEMENTS[3:5])
    b.patient("Bravo")
    b.patient("Alpha")
    done = b.patient("Done")
    record(b, done, date(2026, 10, 1))
    b.commit()
    found = rows(ctx, date(2026, 11, 22))
    assert [r.family_name for r in found] == [
        "Alpha", "Bravo", "ThreeNever", "ThreeOld", "ThreeNew", "One"
    ]
    assert [r.outstanding for r in found] == [6, 6, 3, 3, 3, 1]
    assert found[3].oldest_due == date(2025, 1, 1)
    everyone = rows(ctx, date(2026, 11, 22), outstanding_only=False)
    assert everyone[-1].family_name == "Done" and everyone[-1].outstanding == 0


def test_summary_counts_the_same_cohort(ctx: AppContext) -> None:
    b = RegisterBuilder(ctx)
    b.patient("Nothing")
    done = b.patient("Done")
    record(b, done, date(2026, 10, 1))
    part = b.patient("Part")
    record(b, part, date(2026, 10, 1), Element.BMI, Element.SMOKING)
    b.commit()
    summary = worklist_summary(ctx.new_uow(), WorklistQuery(date(2026, 11, 22)))
    assert (summary.cohort, summary.with_outstanding) == (3, 2)
    assert summary.outstanding_by_element[Element.BMI] == 1
    assert summary.outstanding_by_element[Element.LIPIDS] == 2
    assert summary.needed_by_element[Element.LIPIDS] == 2
    assert summary.needed_by_element[Element.SMOKING] == 1


# -- the oracle ------------------------------------------------------------------------------------

EDGES = [date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 1), date(2024, 11, 22),
         date(2025, 2, 28), date(2025, 3, 1), date(2025, 3, 31), date(2025, 4, 1),
         date(2025, 10, 23), date(2025, 10, 24), date(2025, 11, 22), date(2025, 11, 23)]
AS_OF = [date(2025, 2, 28), date(2025, 3, 1), date(2025, 3, 31), date(2025, 4, 1),
         date(2025, 11, 22), date(2026, 11, 22)]


@dataclass
class Person:
    patient_id: int
    sort_name: str
    register: RegisterFacts
    observed: dict[Element, list[date]] = field(default_factory=dict)


def _dates(rng: random.Random, most: int) -> list[date]:
    picks = rng.sample(EDGES, rng.randint(0, most))
    picks += [date(2023, 1, 1) + timedelta(days=rng.randint(0, 1400))
              for _ in range(rng.randint(0, 1))]
    return sorted(set(picks))


def _expected(person: Person, as_of: date, year: QofYear) -> tuple[list[ElementState], int]:
    result = []
    for element in CORE_ELEMENTS:
        dates = [d for d in person.observed.get(element, []) if d <= as_of]
        last = max(dates, default=None)
        status = recall_status(last, as_of)
        needed = as_of <= year.end and not done_in_qof_year(dates, year)
        if year == QofYear.containing(as_of):
            assert needed == needed_before_year_end(dates, as_of)
        if last is None:
            result.append(NEVER)
        elif status is RecallStatus.OVERDUE:
            result.append(OVERDUE)
        elif status is RecallStatus.DUE_SOON:
            result.append(DUE_SOON)
        else:
            result.append(NEEDED if needed else DONE)
    return result, sum(s is not DONE for s in result)


@pytest.mark.parametrize("strategy", ["lookup", "scan"])
def test_sql_matches_the_pure_rules(ctx: AppContext, strategy: Strategy) -> None:
    rng = random.Random(20260331)
    b = RegisterBuilder(ctx)
    people: dict[int, Person] = {}
    for _ in range(90):
        facts = RegisterFacts(
            diagnosis_dates=tuple(rng.sample([date(2010, 1, 1), date(2024, 6, 1),
                                              date(2025, 3, 31)], rng.randint(0, 2))),
            remission_dates=(date(2020, 1, 1),) if rng.random() < 0.2 else (),
            lithium_issue_dates=(date(2025, 1, 15),) if rng.random() < 0.2 else (),
        )
        family = f"P{rng.randint(0, 40):02d}"  # shared names exercise the id tie-break
        p = b.patient(family, diagnosed=None)
        for d in facts.diagnosis_dates:
            b.diagnosis(p, d)
        for d in facts.remission_dates:
            b.remission(p, d)
        for d in facts.lithium_issue_dates:
            b.lithium(p, d)
        person = Person(p.id, name_sort_key(family, "Alex"), facts)
        for element in CORE_ELEMENTS:
            person.observed[element] = _dates(rng, 3)
            for d in person.observed[element]:
                b.observation(p, CORE_CODE[element], 1.0, d)
        people[p.id] = person
    b.commit()

    checked = 0
    seen: set[ElementState] = set()
    for as_of in AS_OF:
        for year in (QofYear.containing(as_of), QofYear(2024), QofYear(2025)):
            spec = worklist_spec(WorklistQuery(as_of, year, outstanding_only=False))
            uow = ctx.new_uow()
            assert isinstance(uow, SqlAlchemyUnitOfWork)
            with uow:
                got = list(SqlWorklistQueries(uow.session, strategy).rows(spec))
            cohort = {pid for pid, person in people.items()
                      if register_status(person.register, as_of).in_indicator_denominator}
            assert {r.patient_id for r in got} == cohort
            keys = []
            for row in got:
                want_states, want_outstanding = _expected(people[row.patient_id], as_of, year)
                assert [e.state for e in row.elements] == want_states, (as_of, year)
                seen.update(want_states)
                assert row.outstanding == want_outstanding
                observed = people[row.patient_id].observed
                for e in row.elements:
                    want_last = max((d for d in observed[e.element] if d <= as_of), default=None)
                    assert e.last_done == want_last
                    if e.state is OVERDUE and want_last:
                        assert next_due(want_last) < as_of
                # the SQL orders by the oldest of all six dates (never = oldest): for anyone
                # with something outstanding that is the oldest outstanding one
                oldest = min(e.last_done or date.min for e in row.elements)
                if row.outstanding:
                    assert oldest == min(e.last_done or date.min
                                         for e in row.elements if e.state.outstanding)
                keys.append((-row.outstanding, oldest, people[row.patient_id].sort_name,
                             row.patient_id))
                checked += 1
            # within one outstanding count the oldest outstanding date orders the rows
            assert keys == sorted(keys)
    assert checked > 500
    assert seen == set(ElementState)  # the random register reaches every state
