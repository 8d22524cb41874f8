"""Two users editing the same patient at once: the second save is refused and says why, never
silently overwriting the first. Run with two sessions (two signed-in contexts) on SQLite and on
PostgreSQL, one after the other and truly at the same time on two threads."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from facilitator_app.bootstrap import AppContext, build_context
from facilitator_app.domain.access import Role
from facilitator_app.domain.check_form import CheckForm
from facilitator_app.services.accounts import add_user
from facilitator_app.services.audit import AuditQuery, search_audit
from facilitator_app.services.follow_ups import (
    FollowUpChanged,
    complete_follow_up,
    follow_up_state,
)
from facilitator_app.services.patients import patient_record
from facilitator_app.services.record_check import CheckClashed, record_check
from tests.builders import RegisterBuilder
from tests.conftest import TEST_COST, TODAY

PASSWORD = "second-user-password"
FIRST = CheckForm("02/11/2026", systolic="128", diastolic="82")
SECOND = CheckForm("02/11/2026", systolic="171", diastolic="99")


@pytest.fixture
def two_users(ctx: AppContext, db_url: str) -> tuple[AppContext, AppContext, int]:
    """The test administrator and a facilitator, each signed in on their own context."""
    add_user(ctx.new_uow(), "fac", "Second User", Role.FACILITATOR, None, PASSWORD, TEST_COST)
    b = RegisterBuilder(ctx)
    patient = b.patient()
    b.follow_up(patient, due=TODAY)
    patient_id = patient.id
    b.commit()
    other = build_context(db_url, today=lambda: TODAY, cost=TEST_COST, encrypt_new=False)
    other.sign_in("fac", PASSWORD)
    yield ctx, other, patient_id
    other.close()


def _systolic(ctx: AppContext, patient_id: int) -> float | None:
    record = patient_record(ctx.new_uow(), patient_id, TODAY)
    bp = next(e for e in record.elements if e.element.value == "blood_pressure")
    return float(bp.value_text.split("/")[0]) if bp.value_text[:1].isdigit() else None


def test_the_second_of_two_checks_opened_on_one_record_is_refused(
        two_users: tuple[AppContext, AppContext, int]) -> None:
    first, second, patient_id = two_users
    seen_by_first = patient_record(first.new_uow(), patient_id, TODAY).version
    seen_by_second = patient_record(second.new_uow(), patient_id, TODAY).version
    assert seen_by_first == seen_by_second
    record_check(first.new_uow(), patient_id, FIRST, TODAY, "admin",
                 expected_version=seen_by_first)
    with pytest.raises(CheckClashed, match="Someone else saved"):
        record_check(second.new_uow(), patient_id, SECOND, TODAY, "fac",
                     expected_version=seen_by_second)
    assert _systolic(first, patient_id) == 128  # the first check stands, untouched
    saves = search_audit(first.new_uow(), AuditQuery(action="record_check"))[1]
    assert [s.username for s in saves] == ["admin"]
    fresh = patient_record(second.new_uow(), patient_id, TODAY).version
    record_check(second.new_uow(), patient_id, SECOND, TODAY, "fac", expected_version=fresh)
    assert _systolic(first, patient_id) == 171  # once they have looked again, it saves


def test_two_checks_saved_at_the_same_moment_one_wins_one_is_told(
        two_users: tuple[AppContext, AppContext, int]) -> None:
    first, second, patient_id = two_users
    version = patient_record(first.new_uow(), patient_id, TODAY).version
    start = threading.Barrier(2)
    outcome: dict[str, str] = {}

    def save(ctx: AppContext, form: CheckForm, who: str) -> None:
        start.wait()
        try:
            record_check(ctx.new_uow(), patient_id, form, TODAY, who, expected_version=version)
            outcome[who] = "saved"
        except CheckClashed:
            outcome[who] = "refused"

    threads = [threading.Thread(target=save, args=(first, FIRST, "admin")),
               threading.Thread(target=save, args=(second, SECOND, "fac"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcome.values()) == ["refused", "saved"]
    winner = next(w for w, o in outcome.items() if o == "saved")
    assert _systolic(first, patient_id) == (128 if winner == "admin" else 171)


def test_a_follow_up_closed_by_one_user_cannot_be_closed_again_by_another(
        two_users: tuple[AppContext, AppContext, int]) -> None:
    first, second, patient_id = two_users
    from facilitator_app.services.follow_ups import FollowUpQuery, open_follow_ups

    (row,) = list(open_follow_ups(first.new_uow(), FollowUpQuery(as_of=TODAY)))
    complete_follow_up(first.new_uow(), row.follow_up_id, TODAY, "Seen by GP", row.version,
                       today=TODAY)
    with pytest.raises(FollowUpChanged):
        complete_follow_up(second.new_uow(), row.follow_up_id, TODAY, "Phoned", row.version,
                           today=TODAY)
    assert follow_up_state(second.new_uow(), row.follow_up_id).done_on == TODAY
    assert date(2026, 11, 22) == TODAY
