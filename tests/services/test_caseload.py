"""Caseload filtering, sorting and paging against a hand-built register (today 22/11/2026).

Recall cut-offs on 22/11/2026 with 12-month recall and 30 days' notice: a core element last
done 21/11/2025 is overdue (next due 21/11/2026); 22/11/2025 is due today; 22/12/2025 is due
within 30 days; 23/12/2025 is up to date.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event

import facilitator_app.domain.codes as codes
from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.checks import CORE_ELEMENTS, RecallStatus
from facilitator_app.services.caseload import caseload_page, count_caseload, list_practices
from facilitator_app.services.ports import CaseloadFilter, CaseloadQuery, CaseloadSort
from tests.builders import CORE_CODE, RegisterBuilder
from tests.conftest import TODAY


@pytest.fixture
def register(ctx: AppContext) -> AppContext:
    b = RegisterBuilder(ctx)
    b.full_check(b.patient("Adams"), date(2025, 11, 21))
    b.full_check(b.patient("Baker"), date(2025, 11, 22))
    b.full_check(b.patient("Clark"), date(2025, 12, 22))
    b.full_check(b.patient("Davies"), date(2025, 12, 23))
    b.patient("Evans")
    fox = b.patient("Fox")
    for element in CORE_ELEMENTS[:-1]:  # never asked about smoking
        b.observation(fox, CORE_CODE[element], 1.0, date(2026, 6, 1))
    green = b.patient("Green")
    b.observation(green, codes.BMI, 31.0, date(2024, 2, 29))
    b.full_check(green, date(2026, 1, 10))
    b.follow_up(green, due=date(2026, 2, 10))
    hall = b.patient("Hall", practice="B00002")
    b.full_check(hall, date(2026, 3, 1))
    b.follow_up(hall, due=date(2026, 4, 1), done=date(2026, 3, 20))
    b.commit()
    return ctx


def names(ctx: AppContext, query: CaseloadQuery) -> list[str]:
    total = count_caseload(ctx.new_uow(), query, TODAY)
    rows = caseload_page(ctx.new_uow(), query, TODAY, 0, 100, total)
    return [r.family_name for r in rows]


def test_practices_with_counts(register: AppContext) -> None:
    practices = {p.code: p.patient_count for p in list_practices(register.new_uow())}
    assert practices == {"A00001": 7, "B00002": 1}


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (CaseloadFilter.ALL, ["Adams", "Baker", "Clark", "Davies", "Evans", "Fox", "Green",
                              "Hall"]),
        (CaseloadFilter.OVERDUE, ["Adams", "Evans", "Fox"]),
        (CaseloadFilter.DUE, ["Baker", "Clark"]),
        (CaseloadFilter.DONE, ["Davies", "Green", "Hall"]),
        (CaseloadFilter.FOLLOW_UP, ["Green"]),
    ],
)
def test_status_filters_at_the_recall_boundaries(
    register: AppContext, status: CaseloadFilter, expected: list[str]
) -> None:
    assert names(register, CaseloadQuery(status=status)) == expected


def test_practice_and_text_filters(register: AppContext) -> None:
    assert "Hall" not in names(register, CaseloadQuery(practice_code="A00001"))
    assert names(register, CaseloadQuery(practice_code="B00002")) == ["Hall"]
    assert names(register, CaseloadQuery(text="da")) == ["Davies"]
    assert names(register, CaseloadQuery(text="  EV ")) == ["Evans"]
    assert names(register, CaseloadQuery(practice_code="NOPE")) == []


def test_nhs_number_prefix_search(register: AppContext) -> None:
    everyone = caseload_page(register.new_uow(), CaseloadQuery(), TODAY, 0, 100, 8)
    target = everyone[3]
    spaced = f"{target.nhs_number[:3]} {target.nhs_number[3:6]} {target.nhs_number[6:]}"
    assert names(register, CaseloadQuery(text=spaced)) == [target.family_name]


def test_recall_sort_puts_never_done_first(register: AppContext) -> None:
    ordered = names(register, CaseloadQuery(sort=CaseloadSort.RECALL))
    assert ordered == ["Evans", "Fox", "Adams", "Baker", "Clark", "Davies", "Green", "Hall"]
    backwards = names(register, CaseloadQuery(sort=CaseloadSort.RECALL, descending=True))
    assert backwards == list(reversed(ordered))


def test_rows_carry_status_and_next_due(register: AppContext) -> None:
    rows = {r.family_name: r for r in
            caseload_page(register.new_uow(), CaseloadQuery(), TODAY, 0, 100, 8)}
    assert rows["Baker"].status is RecallStatus.DUE_SOON
    assert rows["Baker"].next_due == date(2026, 11, 22)
    assert rows["Adams"].status is RecallStatus.OVERDUE
    assert rows["Evans"].next_due is None
    assert rows["Green"].open_follow_ups == 1 and rows["Hall"].open_follow_ups == 0
    # Green's 2024 BMI is superseded by the 2026 check
    assert rows["Green"].core_check_oldest_on == date(2026, 1, 10)


@pytest.mark.parametrize("sort", list(CaseloadSort))
@pytest.mark.parametrize("descending", [False, True])
def test_pages_read_from_either_end_join_up(
    register: AppContext, sort: CaseloadSort, descending: bool
) -> None:
    query = CaseloadQuery(sort=sort, descending=descending)
    whole = [r.patient_id for r in caseload_page(register.new_uow(), query, TODAY, 0, 8, 8)]
    assert len(set(whole)) == 8
    for size in (1, 3, 5):
        pieced = []
        for offset in range(0, 8, size):
            pieced += [r.patient_id for r in
                       caseload_page(register.new_uow(), query, TODAY, offset, size, 8)]
        assert pieced == whole, size


@pytest.mark.parametrize("practice", [None, "A00001"])
@pytest.mark.parametrize("status", [CaseloadFilter.OVERDUE, CaseloadFilter.DUE,
                                    CaseloadFilter.DONE])
def test_each_recall_status_is_one_range_of_a_recall_index(
    register: AppContext, status: CaseloadFilter, practice: str | None
) -> None:
    """The count and both ends' pages of a status filter in recall order are index searches
    (SEARCH ... USING ... INDEX ix_..._recall), never a scan of the whole index: the overdue
    filter took 138-176 ms at 909,091 patients when it was one."""
    statements: list[tuple[str, object]] = []

    def capture(conn: object, cursor: object, sql: str, params: object, *args: object) -> None:
        if sql.lstrip().upper().startswith("SELECT") and "FROM patient" in sql:
            statements.append((sql, params))

    query = CaseloadQuery(status=status, sort=CaseloadSort.RECALL, practice_code=practice)
    with register.new_uow() as uow:
        engine = uow.session.get_bind()
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's planner rightly scans tables this small")
    event.listen(engine, "before_cursor_execute", capture)
    try:
        total = count_caseload(register.new_uow(), query, TODAY)
        caseload_page(register.new_uow(), query, TODAY, 0, 1, total)
        caseload_page(register.new_uow(), query, TODAY, max(total - 1, 0), 1, total)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert total > 0 and len(statements) >= 2
    with engine.connect() as conn:
        for sql, params in statements:
            plan = " / ".join(row[3] for row in conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {sql}", params))  # type: ignore[arg-type]
            patient_step = next(s for s in plan.split(" / ") if " patient " in f" {s} ")
            assert patient_step.startswith("SEARCH patient USING"), plan
            assert "_recall" in patient_step, plan
