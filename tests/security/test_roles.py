"""Each role can do what its work needs and nothing more, enforced in the services (so on the
command line exactly as in the desktop app): a GP and a practice manager see only their own
practice, a commissioner sees aggregates only."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from facilitator_app.bootstrap import AppContext, build_context
from facilitator_app.cli import main
from facilitator_app.domain.access import AccessDenied, Actor, Permission, Role
from facilitator_app.domain.dates import QofYear
from facilitator_app.services.accounts import (
    AccountProblem,
    SignInFailed,
    add_user,
    change_password,
    list_users,
    set_user_active,
)
from facilitator_app.services.audit import AuditQuery, search_audit
from facilitator_app.services.budget import budget_position
from facilitator_app.services.caseload import count_caseload, list_practices
from facilitator_app.services.demo import build_demo_register
from facilitator_app.services.letters import LetterKind, letter_for
from facilitator_app.services.outcomes_report import OutcomeBy, outcomes_report
from facilitator_app.services.patients import PatientNotFound, find_patient_id, patient_record
from facilitator_app.services.ports import CaseloadQuery
from facilitator_app.services.qof import outstanding_patients, qof_summary
from facilitator_app.services.settings import set_idle_lock_minutes
from facilitator_app.services.worklist import WorklistQuery, recall_worklist
from tests.conftest import TEST_COST, TODAY

PASSWORD = "a-long-enough-password"
YEAR = QofYear(2026)
HOME, OTHER = "Z99001", "Z99002"  # demo practices


@pytest.fixture(scope="module")
def register(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo register with one account of every role (GP and manager at Z99001)."""
    from tests.conftest import new_register, open_test_context

    url = new_register(tmp_path_factory.mktemp("roles") / "roles.sqlite3")
    ctx = open_test_context(url)
    build_demo_register(ctx.new_uow(), 400, 1, TODAY)
    for name, role, practice in (("fac", Role.FACILITATOR, None), ("gp", Role.GP, HOME),
                                 ("pm", Role.PRACTICE_MANAGER, HOME),
                                 ("comm", Role.COMMISSIONER, None)):
        add_user(ctx.new_uow(), name, name.upper(), role, practice, PASSWORD, TEST_COST)
    ctx.close()
    yield url


def _as(url: str, username: str) -> AppContext:
    ctx = build_context(url, today=lambda: TODAY, cost=TEST_COST, encrypt_new=False)
    ctx.sign_in(username, "test-admin-password" if username == "admin" else PASSWORD)
    return ctx


def _patient_of(url: str, practice: str) -> int:
    ctx = _as(url, "admin")
    try:
        from facilitator_app.services.caseload import caseload_page

        rows = caseload_page(ctx.new_uow(), CaseloadQuery(practice_code=practice), TODAY, 0, 1,
                             1)
        return rows[0].patient_id
    finally:
        ctx.close()


USES: dict[str, Callable[[AppContext, int, int], object]] = {
    "caseload, every practice": lambda c, _h, _o: count_caseload(
        c.new_uow(), CaseloadQuery(), TODAY),
    "record, own practice": lambda c, h, _o: patient_record(c.new_uow(), h, TODAY),
    "record, other practice": lambda c, _h, o: patient_record(c.new_uow(), o, TODAY),
    "letter, own practice": lambda c, h, _o: letter_for(c.new_uow, h, LetterKind.REVIEW, TODAY),
    "letter, other practice": lambda c, _h, o: letter_for(c.new_uow, o, LetterKind.REVIEW,
                                                         TODAY),
    "QOF summary": lambda c, _h, _o: qof_summary(c.new_uow(), YEAR, TODAY),
    "QOF outstanding patients": lambda c, _h, _o: next(outstanding_patients(
        c.new_uow(), YEAR, TODAY)),
    "worklist of other practice": lambda c, _h, _o: next(recall_worklist(
        c.new_uow(), WorklistQuery(as_of=TODAY, practice_code=OTHER))),
    "outcomes report": lambda c, _h, _o: outcomes_report(
        c.new_uow(), TODAY.replace(year=2025), TODAY, OutcomeBy.STEP),
    "budget position": lambda c, _h, _o: budget_position(c.new_uow(), YEAR),
    "change a setting": lambda c, _h, _o: set_idle_lock_minutes(c.new_uow(), 12),
    "list users": lambda c, _h, _o: list_users(c.new_uow()),
    "audit trail": lambda c, _h, _o: search_audit(c.new_uow(), AuditQuery()),
}

ALLOWED = {
    "admin": set(USES),
    "fac": set(USES) - {"list users", "audit trail"},
    "gp": {"caseload, every practice", "record, own practice", "letter, own practice",
           "QOF summary", "QOF outstanding patients"},
    "pm": {"caseload, every practice", "letter, own practice", "QOF summary",
           "QOF outstanding patients"},
    "comm": {"QOF summary", "outcomes report", "budget position"},
}


@pytest.mark.parametrize("username", sorted(ALLOWED))
def test_each_role_is_held_to_what_it_needs(register: str, username: str) -> None:
    home, other = _patient_of(register, HOME), _patient_of(register, OTHER)
    ctx = _as(register, username)
    try:
        outcome = {}
        for use, call in USES.items():
            try:
                call(ctx, home, other)
                outcome[use] = True
            except AccessDenied:
                outcome[use] = False
        assert {u for u, ok in outcome.items() if ok} == ALLOWED[username]
    finally:
        ctx.close()


def test_practice_bound_users_see_only_their_practice(register: str) -> None:
    ctx = _as(register, "gp")
    try:
        assert [p.code for p in list_practices(ctx.new_uow())] == [HOME]
        everyone = count_caseload(ctx.new_uow(), CaseloadQuery(), TODAY)
        own = count_caseload(ctx.new_uow(), CaseloadQuery(practice_code=HOME), TODAY)
        assert everyone == own > 0
        summary = qof_summary(ctx.new_uow(), YEAR, TODAY)
        assert [p.code for p in summary.practices] == [HOME]
        assert {p.practice_code for p in outstanding_patients(ctx.new_uow(), YEAR, TODAY)} \
            == {HOME}
    finally:
        ctx.close()
    admin = _as(register, "admin")
    try:
        from facilitator_app.domain.nhs_number import format_nhs_number
        from facilitator_app.services.patients import patient_record as record

        other = record(admin.new_uow(), _patient_of(register, OTHER), TODAY)
        other_number = format_nhs_number(other.nhs_number)
    finally:
        admin.close()
    gp = _as(register, "gp")
    try:
        with pytest.raises(PatientNotFound):  # another practice's patient is not there for them
            find_patient_id(gp.new_uow(), other_number)
    finally:
        gp.close()


def test_sign_in_failures_give_one_message_and_are_audited(register: str) -> None:
    ctx = build_context(register, today=lambda: TODAY, cost=TEST_COST, encrypt_new=False)
    for name, password in (("gp", "wrong-password!"), ("nobody", PASSWORD)):
        with pytest.raises(SignInFailed, match="user name or password is not right"):
            ctx.sign_in(name, password)
    ctx.sign_in("admin", "test-admin-password")
    failed = search_audit(ctx.new_uow(), AuditQuery(action="sign_in_failed"))[1]
    # a name that is no account is not kept: it may be a password typed in the wrong box
    assert {f.detail for f in failed[:2]} == {'{"username": "gp"}',
                                              '{"username": "(not an account)"}'}
    ctx.close()


def test_accounts_lifecycle(register: str) -> None:
    admin = _as(register, "admin")
    try:
        with pytest.raises(AccountProblem, match="practice"):
            add_user(admin.new_uow(), "gp2", "GP Two", Role.GP, None, PASSWORD, TEST_COST)
        with pytest.raises(AccountProblem, match="at least 10"):
            add_user(admin.new_uow(), "fac2", "F Two", Role.FACILITATOR, None, "short",
                     TEST_COST)
        add_user(admin.new_uow(), "fac2", "F Two", Role.FACILITATOR, None, PASSWORD, TEST_COST)
        with pytest.raises(AccountProblem, match="taken"):
            add_user(admin.new_uow(), "fac2", "F Two", Role.FACILITATOR, None, PASSWORD,
                     TEST_COST)
        set_user_active(admin.new_uow(), "fac2", False)
        with pytest.raises(AccountProblem, match="your own"):
            set_user_active(admin.new_uow(), "admin", False)
    finally:
        admin.close()
    with pytest.raises(SignInFailed):
        _as(register, "fac2")  # switched off
    fac = _as(register, "fac")
    try:
        with pytest.raises(AccountProblem, match="current password"):
            change_password(fac.new_uow(), "fac", "another-long-password", "wrong", TEST_COST)
        with pytest.raises(AccessDenied):
            change_password(fac.new_uow(), "gp", "another-long-password", None, TEST_COST)
        change_password(fac.new_uow(), "fac", "another-long-password", PASSWORD, TEST_COST)
    finally:
        fac.close()
    ctx = build_context(register, today=lambda: TODAY, cost=TEST_COST, encrypt_new=False)
    assert ctx.sign_in("fac", "another-long-password") == Actor(ctx.actor.user_id, "fac",  # type: ignore[union-attr]
                                                                Role.FACILITATOR)
    ctx.close()


def _cli(register: str, user: str, *argv: str) -> int:
    return main(["--db", register, "--user", user, *argv])


def test_the_command_line_holds_each_role_to_the_same_limits(
        register: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACILITATOR_PASSWORD", PASSWORD)
    assert _cli(register, "gp", "register", "list") == 0
    listed = capsys.readouterr().out.splitlines()[2:]
    assert listed and all(f" {HOME} " in line for line in listed)
    assert _cli(register, "gp", "register", "list", "--practice", OTHER) == 3
    assert f"covers practice {HOME} only" in capsys.readouterr().err
    assert _cli(register, "comm", "register", "list") == 3
    assert "cannot see lists of patients" in capsys.readouterr().err
    assert _cli(register, "comm", "qof", "summary", "--year", "2026", "--out",
                str(tmp_path / "qof.csv")) == 0
    assert _cli(register, "pm", "checks", "due", "--practice", HOME) == 0
    assert _cli(register, "fac", "users", "list") == 3
    assert _cli(register, "fac", "audit", "verify") == 3
    assert _cli(register, "fac", "backup") == 3
    capsys.readouterr()
    monkeypatch.setenv("FACILITATOR_PASSWORD", "wrong-password!")
    assert _cli(register, "fac", "register", "list") == 3
    assert "user name or password is not right" in capsys.readouterr().err


def test_every_service_refuses_when_no_one_is_signed_in(ctx: AppContext) -> None:
    ctx.actor = None
    for use, call in USES.items():
        with pytest.raises(AccessDenied):
            call(ctx, 1, 2)
        assert use


def test_every_role_has_its_permissions_written_down() -> None:
    from facilitator_app.domain.access import ROLE_PERMISSIONS

    assert set(ROLE_PERMISSIONS) == set(Role)
    assert ROLE_PERMISSIONS[Role.COMMISSIONER].isdisjoint(
        {Permission.VIEW_REGISTER, Permission.VIEW_RECORD, Permission.PRINT_LETTERS})


def test_an_account_switched_off_stops_working_in_sessions_already_open(register: str) -> None:
    admin = _as(register, "admin")
    add_user(admin.new_uow(), "temp", "Temp", Role.FACILITATOR, None, PASSWORD, TEST_COST)
    temp = _as(register, "temp")
    try:
        assert count_caseload(temp.new_uow(), CaseloadQuery(), TODAY) > 0
        set_user_active(admin.new_uow(), "temp", False)
        with pytest.raises(AccessDenied, match="switched off or changed"):
            count_caseload(temp.new_uow(), CaseloadQuery(), TODAY)
    finally:
        temp.close()
        admin.close()


def test_a_practice_bound_account_without_a_practice_sees_nothing() -> None:
    orphan = Actor(9, "gp", Role.GP, None)
    with pytest.raises(AccessDenied, match="no practice set"):
        orphan.practice_for(Permission.VIEW_REGISTER, None)
