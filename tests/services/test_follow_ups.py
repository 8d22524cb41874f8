"""The caseload-wide follow-up list and recording one as done, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from db.models import FollowUp, Observation
from db.unit_of_work import SqlAlchemyUnitOfWork
from facilitator_app.bootstrap import AppContext
from facilitator_app.domain import codes
from facilitator_app.services.caseload import UnknownPractice
from facilitator_app.services.follow_ups import (
    FollowUpAlreadyDone,
    FollowUpChanged,
    FollowUpFilter,
    FollowUpQuery,
    FollowUpRow,
    complete_follow_up,
    count_open_follow_ups,
    count_overdue_follow_ups,
    follow_up_page,
    follow_up_state,
    open_follow_ups,
)
from tests.builders import RegisterBuilder
from tests.conftest import TODAY


@dataclass(frozen=True)
class FollowUpIds:
    hba1c: int  # Ann, A00001, due 30/11/2026 (in 8 days), raised by HbA1c 52 on 03/09/2026
    bp: int  # Ann, A00001, due 01/10/2026 (52 days overdue), for the GP
    later: int  # Bob, A00002, due 31/01/2027
    done: int  # Bob, A00002, done 02/09/2026 (never listed)


def build_follow_ups(ctx: AppContext) -> FollowUpIds:
    """Two patients at two practices with three open follow-ups and one done."""
    b = RegisterBuilder(ctx)
    ann = b.patient("Ann", "Alice", practice="A00001")
    bob = b.patient("Bob", "Bert", practice="A00002")
    hba1c = Observation(patient_id=ann.id, element="glucose", code=codes.HBA1C, value=52.0,
                        unit="mmol/mol", observed_on=date(2026, 9, 3))
    b.session.add(hba1c)
    b.session.flush()

    def add(follow_up: FollowUp) -> int:
        b.session.add(follow_up)
        b.session.flush()
        return follow_up.id

    ids = FollowUpIds(
        hba1c=add(FollowUp(patient_id=ann.id, observation_id=hba1c.id,
                           action="Refer to NHS Diabetes Prevention Programme",
                           assigned_to="Facilitator", due_on=date(2026, 11, 30))),
        bp=add(FollowUp(patient_id=ann.id, action="GP review of blood pressure",
                        assigned_to="GP", due_on=date(2026, 10, 1))),
        later=add(FollowUp(patient_id=bob.id, action="GP review", assigned_to="GP",
                           due_on=date(2027, 1, 31))),
        done=add(FollowUp(patient_id=bob.id, action="GP review", assigned_to="GP",
                          due_on=date(2026, 9, 1), done_on=date(2026, 9, 2),
                          outcome="Seen")),
    )
    b.commit()
    return ids


def _listed(ctx: AppContext, **kw: object) -> list[int]:
    query = FollowUpQuery(**{"as_of": TODAY, **kw})  # type: ignore[arg-type]
    return [r.follow_up_id for r in open_follow_ups(ctx.new_uow(), query)]


def _row(ctx: AppContext, follow_up_id: int) -> FollowUpRow:
    query = FollowUpQuery(as_of=TODAY)
    return next(r for r in open_follow_ups(ctx.new_uow(), query)
                if r.follow_up_id == follow_up_id)


def _open_count(ctx: AppContext) -> int:
    return count_open_follow_ups(ctx.new_uow(), FollowUpQuery(as_of=TODAY))


def test_open_follow_ups_soonest_due_first(ctx: AppContext) -> None:
    ids = build_follow_ups(ctx)
    assert _listed(ctx) == [ids.bp, ids.hba1c, ids.later]
    assert _open_count(ctx) == 3


def test_filters_practice_overdue_due_within_and_assignee(ctx: AppContext) -> None:
    ids = build_follow_ups(ctx)
    assert _listed(ctx, practice_code="A00002") == [ids.later]
    assert _listed(ctx, show=FollowUpFilter.OVERDUE) == [ids.bp]
    assert _listed(ctx, show=FollowUpFilter.DUE_SOON) == [ids.bp, ids.hba1c]  # 14 days
    # "due within 8 days" includes the 8th day (30/11); 7 days does not
    assert _listed(ctx, show=FollowUpFilter.DUE_SOON, due_within_days=8) == [ids.bp, ids.hba1c]
    assert _listed(ctx, show=FollowUpFilter.DUE_SOON, due_within_days=7) == [ids.bp]
    assert _listed(ctx, assigned_to="GP") == [ids.bp, ids.later]
    assert _listed(ctx, practice_code="A00002", show=FollowUpFilter.OVERDUE) == []
    # due on the as-of date is not yet overdue
    assert _listed(ctx, show=FollowUpFilter.OVERDUE, as_of=date(2026, 10, 1)) == []
    query = FollowUpQuery(as_of=TODAY, practice_code="A00001")
    assert count_open_follow_ups(ctx.new_uow(), query) == 2
    assert count_overdue_follow_ups(ctx.new_uow(), query) == 1
    with pytest.raises(UnknownPractice):
        count_open_follow_ups(ctx.new_uow(), FollowUpQuery(as_of=TODAY, practice_code="X1"))
    with pytest.raises(UnknownPractice):
        open_follow_ups(ctx.new_uow(), FollowUpQuery(as_of=TODAY, practice_code="X1"))


def test_rows_carry_patient_state_and_the_result_that_raised_it(ctx: AppContext) -> None:
    ids = build_follow_ups(ctx)
    bp, hba1c, later = (_row(ctx, i) for i in (ids.bp, ids.hba1c, ids.later))
    assert (bp.family_name, bp.practice_code, bp.assigned_to) == ("Ann", "A00001", "GP")
    assert len(bp.nhs_number) == 10 and bp.version == 1
    assert bp.days_overdue == 52 and bp.overdue and bp.state_text == "Overdue by 52 days"
    assert bp.result_text == "" and bp.result_on is None
    assert hba1c.days_overdue == 0 and hba1c.state_text == "Due in 8 days"
    assert (hba1c.result_value, hba1c.result_unit, hba1c.result_on) == (
        52.0, "mmol/mol", date(2026, 9, 3))
    assert hba1c.result_text == "HbA1c 52 mmol/mol on 03/09/2026"
    assert later.family_name == "Bob" and later.practice_code == "A00002"


def test_pages_from_either_end_match_the_stream(ctx: AppContext) -> None:
    build_follow_ups(ctx)
    query = FollowUpQuery(as_of=TODAY)
    total = count_open_follow_ups(ctx.new_uow(), query)
    streamed = [r.follow_up_id for r in open_follow_ups(ctx.new_uow(), query)]
    paged = [r.follow_up_id for offset in range(0, total, 1)
             for r in follow_up_page(ctx.new_uow(), query, offset, 1, total)]
    assert paged == streamed
    assert [r.follow_up_id for r in follow_up_page(ctx.new_uow(), query, 1, 5, total)] == \
        streamed[1:]
    assert follow_up_page(ctx.new_uow(), query, total, 5, total) == []


def test_completing_closes_it_and_a_second_completion_is_refused(ctx: AppContext) -> None:
    ids = build_follow_ups(ctx)
    row = _row(ctx, ids.bp)
    complete_follow_up(ctx.new_uow(), ids.bp, date(2026, 11, 20), " Seen by GP; ABPM booked ",
                       row.version, today=TODAY)
    assert _listed(ctx) == [ids.hba1c, ids.later]
    state = follow_up_state(ctx.new_uow(), ids.bp)
    assert state.done_on == date(2026, 11, 20) and state.version == row.version + 1
    # again with the version it now has: already done, and says when
    with pytest.raises(FollowUpAlreadyDone, match="already recorded as done"):
        complete_follow_up(ctx.new_uow(), ids.bp, TODAY, "again", state.version, today=TODAY)
    # one closed before it was ever listed (as the demo register makes them)
    with pytest.raises(FollowUpAlreadyDone, match=r"on 02/09/2026"):
        complete_follow_up(ctx.new_uow(), ids.done, TODAY, "again", 1, today=TODAY)


def test_a_stale_version_is_reported_not_overwritten(ctx: AppContext) -> None:
    ids = build_follow_ups(ctx)
    # two people list the same follow-up; the first records it, the second is told
    mine, theirs = _row(ctx, ids.bp), _row(ctx, ids.bp)
    complete_follow_up(ctx.new_uow(), ids.bp, TODAY, "Reviewed by GP", theirs.version,
                       today=TODAY)
    with pytest.raises(FollowUpChanged, match="changed by someone else"):
        complete_follow_up(ctx.new_uow(), ids.bp, TODAY, "Also reviewed", mine.version,
                           today=TODAY)
    assert follow_up_state(ctx.new_uow(), ids.bp).version == theirs.version + 1


def test_a_change_between_read_and_write_is_caught_by_the_version_column(
        ctx: AppContext) -> None:
    """Two units of work open at once: the first has the row loaded when the second commits,
    so only the ORM's ``WHERE version = ?`` on the UPDATE can notice."""
    ids = build_follow_ups(ctx)
    first = ctx.new_uow()
    assert isinstance(first, SqlAlchemyUnitOfWork)
    with first:
        loaded = first.session.get(FollowUp, ids.bp)
        assert loaded is not None and loaded.version == 1
        complete_follow_up(ctx.new_uow(), ids.bp, TODAY, "Reviewed by GP", 1, today=TODAY)
        assert not first.follow_ups.complete(ids.bp, TODAY, "Overwrite?", 1)
    second = ctx.new_uow()
    assert isinstance(second, SqlAlchemyUnitOfWork)
    with second:
        row = second.session.get(FollowUp, ids.bp)
        assert row is not None and (row.outcome, row.version) == ("Reviewed by GP", 2)


def test_bad_input_is_refused(ctx: AppContext) -> None:
    ids = build_follow_ups(ctx)
    with pytest.raises(ValueError, match="in the future"):
        complete_follow_up(ctx.new_uow(), ids.bp, date(2026, 11, 23), "x", 1, today=TODAY)
    with pytest.raises(ValueError, match="outcome"):
        complete_follow_up(ctx.new_uow(), ids.bp, TODAY, "  \n", 1, today=TODAY)
    with pytest.raises(ValueError, match=r"before the result that raised it \(03/09/2026\)"):
        complete_follow_up(ctx.new_uow(), ids.hba1c, date(2026, 9, 2), "x", 1, today=TODAY)
    with pytest.raises(ValueError, match="no follow-up 999"):
        complete_follow_up(ctx.new_uow(), 999, TODAY, "x", 1, today=TODAY)
    with pytest.raises(ValueError, match="negative"):
        FollowUpQuery(as_of=TODAY, due_within_days=-1)
    assert _open_count(ctx) == 3  # nothing was written
    # the day of the result itself is allowed
    complete_follow_up(ctx.new_uow(), ids.hba1c, date(2026, 9, 3), "Referred", 1, today=TODAY)
    assert _open_count(ctx) == 2
