"""The demo register's stepped care and signposting: present, valid by the domain's own rules,
and the same for the same seed."""

from __future__ import annotations

from datetime import date
from typing import cast

from sqlalchemy import func, select

from db.models import CareEpisode, MeasureResponse, Signposting
from db.unit_of_work import SqlAlchemyUnitOfWork
from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.measures import Measure, score_answers
from facilitator_app.services.demo import build_demo_register
from facilitator_app.services.demo_care import SERVICES, demo_care
from facilitator_app.services.outcomes_report import outcomes_report
from facilitator_app.services.signposting import list_services, signpostings_due
from tests.conftest import TODAY


def test_demo_care_is_deterministic() -> None:
    assert demo_care(3, TODAY, 50) == demo_care(3, TODAY, 50)
    assert demo_care(3, TODAY, 50) != demo_care(4, TODAY, 50)


def test_demo_register_has_valid_care_and_signposting(sqlite_ctx: AppContext) -> None:
    build_demo_register(sqlite_ctx.new_uow(), 1200, 1, TODAY)
    assert len(list_services(sqlite_ctx.new_uow())) == len(SERVICES)
    with cast(SqlAlchemyUnitOfWork, sqlite_ctx.new_uow()) as uow:
        s = uow.session
        episodes = s.scalar(select(func.count()).select_from(CareEpisode))
        assert episodes == 60  # every 20th patient
        assert s.scalar(select(func.count()).select_from(Signposting)) == 60
        for m in s.scalars(select(MeasureResponse)):
            answers = [int(a) for a in m.answers.split(",")]
            again = score_answers(Measure(m.measure), answers)
            assert (again.raw_total, again.band, again.risk_flag) == (
                m.raw_total, m.band, m.risk_flag)
            assert not m.risk_flag or m.risk_action  # item 9 always has its risk action
            assert m.completed_on <= TODAY
        late = s.scalar(select(func.count()).select_from(CareEpisode).where(
            CareEpisode.discharged_on > TODAY))
        assert late == 0
    report = outcomes_report(sqlite_ctx.new_uow(), date(2025, 4, 1), date(2027, 3, 31))
    assert report.total is not None and report.total.rates.paired > 0
    assert signpostings_due(sqlite_ctx.new_uow(), TODAY)
