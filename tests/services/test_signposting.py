"""The service directory, signposting a patient, outcomes and the follow-up list (SQLite and
PostgreSQL); the letter lists the services a patient was signposted to."""

from __future__ import annotations

from datetime import date

import pytest

from facilitator_app.bootstrap import AppContext
from facilitator_app.services.caseload import UnknownPractice
from facilitator_app.services.letters import LetterKind, letter_for
from facilitator_app.services.patients import PatientNotFound
from facilitator_app.services.signposting import (
    InvalidSignposting,
    ServiceEntry,
    SignpostingChanged,
    add_service,
    list_services,
    patient_signpostings,
    record_signpost_outcome,
    record_signposting,
    signposting_by_id,
    signpostings_due,
    update_service,
)
from tests.builders import RegisterBuilder
from tests.conftest import TODAY


def _setup(ctx: AppContext) -> tuple[int, int, int, int]:
    b = RegisterBuilder(ctx)
    ann = b.patient("Ann", "Alice", dob=date(1980, 1, 1)).id
    bob = b.patient("Bob", "Ben", practice="A00002").id
    b.commit()
    smoking = add_service(ctx.new_uow(), ServiceEntry(
        " Stop Smoking Service ", "smoking_cessation", "0300 000 0000", "Adults", True))
    ips = add_service(ctx.new_uow(), ServiceEntry("IPS employment", "employment"))
    return ann, bob, smoking, ips


def test_directory_lists_by_category_and_hides_inactive(ctx: AppContext) -> None:
    _, _, smoking, ips = _setup(ctx)
    names = [s.entry.name for s in list_services(ctx.new_uow())]
    assert names == ["IPS employment", "Stop Smoking Service"]  # by category, trimmed
    (only,) = list_services(ctx.new_uow(), "smoking_cessation")
    assert only.entry.purchased and only.category_label == "Smoking cessation"
    update_service(ctx.new_uow(), ips, ServiceEntry("IPS employment", "employment",
                                                    active=False), 1)
    assert [s.id for s in list_services(ctx.new_uow())] == [smoking]
    assert len(list_services(ctx.new_uow(), include_inactive=True)) == 2
    with pytest.raises(SignpostingChanged):
        update_service(ctx.new_uow(), ips, ServiceEntry("Renamed", "employment"), 1)
    with pytest.raises(InvalidSignposting) as caught:
        add_service(ctx.new_uow(), ServiceEntry("", "astrology"))
    assert [p.field for p in caught.value.problems] == ["name", "category"]


def test_signposting_follow_up_and_outcomes(ctx: AppContext) -> None:
    ann, bob, smoking, ips = _setup(ctx)
    first = record_signposting(ctx.new_uow(), ann, smoking, date(2026, 11, 1), "Smokes 20/day",
                               date(2026, 11, 15), TODAY)
    later = record_signposting(ctx.new_uow(), bob, ips, date(2026, 11, 20), "Wants work",
                               date(2026, 11, 22), TODAY)
    record_signposting(ctx.new_uow(), ann, ips, date(2026, 11, 21), "Work", date(2026, 12, 5),
                       TODAY)
    due = signpostings_due(ctx.new_uow(), TODAY)
    assert [d.id for d in due] == [first, later]  # longest overdue first; 05/12 not yet
    assert [d.id for d in signpostings_due(ctx.new_uow(), TODAY, "A00002")] == [later]
    # the day before the follow-up date it is not due
    assert [d.id for d in signpostings_due(ctx.new_uow(), date(2026, 11, 14))] == []

    current = signposting_by_id(ctx.new_uow(), first)
    record_signpost_outcome(ctx.new_uow(), first, "waiting", date(2026, 11, 16), TODAY,
                            current.version, next_follow_up=date(2026, 11, 30))
    assert [d.id for d in signpostings_due(ctx.new_uow(), TODAY)] == [later]
    assert [d.id for d in signpostings_due(ctx.new_uow(), date(2026, 11, 30))] == [later, first]
    with pytest.raises(SignpostingChanged):  # a stale version is refused, not overwritten
        record_signpost_outcome(ctx.new_uow(), first, "attended", TODAY, TODAY,
                                current.version)
    record_signpost_outcome(ctx.new_uow(), first, "attended", TODAY, TODAY,
                            current.version + 1)
    settled = signposting_by_id(ctx.new_uow(), first)
    assert (settled.outcome, settled.outcome_on, settled.follow_up_on) == (
        "attended", TODAY, None)
    assert settled.outcome_label == "Attended"
    assert [s.id for s in patient_signpostings(ctx.new_uow(), ann)][-1] == first


def test_bad_input_names_the_field_and_writes_nothing(ctx: AppContext) -> None:
    ann, _, smoking, _ = _setup(ctx)
    with pytest.raises(InvalidSignposting) as caught:
        record_signposting(ctx.new_uow(), ann, 999, date(2026, 11, 30), " ",
                           date(2026, 11, 1), TODAY)
    assert [p.field for p in caught.value.problems] == [
        "signposted_on", "reason", "follow_up_on", "service"]
    assert patient_signpostings(ctx.new_uow(), ann) == []
    with pytest.raises(PatientNotFound):
        record_signposting(ctx.new_uow(), 999_999, smoking, TODAY, "x", None, TODAY)
    sid = record_signposting(ctx.new_uow(), ann, smoking, TODAY, "x", None, TODAY)
    with pytest.raises(InvalidSignposting, match="give the date to follow up again"):
        record_signpost_outcome(ctx.new_uow(), sid, "waiting", TODAY, TODAY, 1)
    with pytest.raises(InvalidSignposting, match="before the signposting"):
        record_signpost_outcome(ctx.new_uow(), sid, "declined", date(2026, 11, 1), TODAY, 1)
    with pytest.raises(UnknownPractice):
        signpostings_due(ctx.new_uow(), TODAY, "Z00000")


def test_letter_lists_services_signposted_in_the_last_year(ctx: AppContext) -> None:
    ann, _, smoking, ips = _setup(ctx)
    record_signposting(ctx.new_uow(), ann, smoking, date(2025, 11, 21), "old", None, TODAY)
    record_signposting(ctx.new_uow(), ann, smoking, date(2026, 3, 2), "smoking", None, TODAY)
    record_signposting(ctx.new_uow(), ann, ips, date(2026, 10, 1), "work", None, TODAY)
    letter = letter_for(ctx.new_uow, ann, LetterKind.REVIEW, TODAY)
    assert letter.signposted == (
        "Stop Smoking Service (Smoking cessation), 02/03/2026",
        "IPS employment (Employment), 01/10/2026",
    )
