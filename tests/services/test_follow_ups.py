"""The caseload-wide follow-up list and recording one as done, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from facilitator_app.bootstrap import AppContext
from facilitator_app.cli import main
from facilitator_app.domain import codes
from facilitator_app.services.caseload import UnknownPractice
from facilitator_app.services.follow_ups import (
    FollowUpChanged,
    FollowUpFilter,
    FollowUpQuery,
    complete_follow_up,
    count_open_follow_ups,
    open_follow_ups,
)
from tests.builders import RegisterBuilder
from tests.conftest import TODAY


def _register(ctx: AppContext) -> None:
    b = RegisterBuilder(ctx)
    ann = b.patient("Ann", practice="A00001")
    bob = b.patient("Bob", practice="A00002")
    b.follow_up(ann, due=date(2026, 11, 30))  # due in 8 days
    b.follow_up(ann, due=date(2026, 10, 1))  # 52 days overdue
    b.follow_up(bob, due=date(2027, 1, 31))  # later
    b.follow_up(bob, due=date(2026, 9, 1), done=date(2026, 9, 2))  # done: never listed
    b.observation(ann, codes.HBA1C, 52.0, date(2026, 9, 3))
    b.commit()


def _ids(ctx: AppContext, **kw: object) -> list[tuple[str, date]]:
    query = FollowUpQuery(as_of=TODAY, **kw)  # type: ignore[arg-type]
    return [(r.family_name, r.due_on) for r in open_follow_ups(ctx.new_uow(), query)]


def test_open_follow_ups_soonest_due_first_with_filters(ctx: AppContext) -> None:
    _register(ctx)
    assert _ids(ctx) == [("Ann", date(2026, 10, 1)), ("Ann", date(2026, 11, 30)),
                         ("Bob", date(2027, 1, 31))]
    assert _ids(ctx, show=FollowUpFilter.OVERDUE) == [("Ann", date(2026, 10, 1))]
    assert _ids(ctx, show=FollowUpFilter.DUE_SOON) == [("Ann", date(2026, 10, 1)),
                                                       ("Ann", date(2026, 11, 30))]
    assert _ids(ctx, practice_code="A00002") == [("Bob", date(2027, 1, 31))]
    assert count_open_follow_ups(ctx.new_uow(), FollowUpQuery(as_of=TODAY)) == 3
    first = next(open_follow_ups(ctx.new_uow(), FollowUpQuery(as_of=TODAY)))
    assert first.days_overdue == 52 and first.overdue
    with pytest.raises(UnknownPractice):
        count_open_follow_ups(ctx.new_uow(), FollowUpQuery(as_of=TODAY, practice_code="X1"))


def test_completing_closes_it_once(ctx: AppContext) -> None:
    _register(ctx)
    row = next(open_follow_ups(ctx.new_uow(), FollowUpQuery(as_of=TODAY)))
    complete_follow_up(ctx.new_uow(), row.follow_up_id, TODAY, "Seen by GP; repeat in 3 months",
                       row.version, TODAY)
    assert count_open_follow_ups(ctx.new_uow(), FollowUpQuery(as_of=TODAY)) == 2
    with pytest.raises(ValueError, match="already recorded as done on 22/11/2026"):
        complete_follow_up(ctx.new_uow(), row.follow_up_id, TODAY, "again", row.version + 1,
                           TODAY)


def test_a_stale_version_is_reported_not_overwritten(ctx: AppContext) -> None:
    _register(ctx)
    row = next(open_follow_ups(ctx.new_uow(), FollowUpQuery(as_of=TODAY)))
    # two people read the same version; the first saves, the second is told
    complete_follow_up(ctx.new_uow(), row.follow_up_id, TODAY, "Reviewed", row.version, TODAY)
    with pytest.raises(FollowUpChanged, match="Someone else changed"):
        complete_follow_up(ctx.new_uow(), row.follow_up_id, TODAY, "Also reviewed",
                           row.version, TODAY)


def test_bad_input_is_refused(ctx: AppContext) -> None:
    _register(ctx)
    row = next(open_follow_ups(ctx.new_uow(), FollowUpQuery(as_of=TODAY)))
    with pytest.raises(ValueError, match="in the future"):
        complete_follow_up(ctx.new_uow(), row.follow_up_id, date(2026, 11, 23), "x",
                           row.version, TODAY)
    with pytest.raises(ValueError, match="outcome"):
        complete_follow_up(ctx.new_uow(), row.follow_up_id, TODAY, "  ", row.version, TODAY)
    with pytest.raises(ValueError, match="no follow-up 999"):
        complete_follow_up(ctx.new_uow(), 999, TODAY, "x", 1, TODAY)


def test_cli_list_and_done(sqlite_ctx: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    _register(sqlite_ctx)
    db = sqlite_ctx.database
    assert main(["--db", db, "followups", "list", "--format", "csv", "--as-of",
                 "22/11/2026"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Id,Version,Due,Days overdue") and len(lines) == 4
    first_id = lines[1].split(",")[0]
    assert main(["--db", db, "followups", "done", first_id, "--outcome", "Seen",
                 "--on", "2026-11-20"]) == 0
    assert main(["--db", db, "followups", "list", "--overdue", "--as-of", "2026-11-22"]) == 0
    assert "0 open follow-ups" in capsys.readouterr().err
    assert main(["--db", db, "followups", "done", first_id, "--outcome", "x",
                 "--on", "2026-11-20"]) == 2
