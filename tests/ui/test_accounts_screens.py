"""Signing in, the first-run administrator, the idle lock, a role's view of the main window,
and the administrator's accounts and audit screens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from facilitator_app.bootstrap import AppContext, build_context
from facilitator_app.domain.access import Role
from facilitator_app.services.accounts import add_user, list_users
from facilitator_app.services.audit import AuditQuery, search_audit
from facilitator_app.services.demo import build_demo_register
from tests.conftest import ADMIN, ADMIN_PASSWORD, TEST_COST, TODAY
from ui.main_window import MainWindow
from ui.screens.admin import AuditDialog, UsersDialog
from ui.screens.sign_in import SignInDialog

PASSWORD = "a-long-enough-password"


def test_first_run_creates_an_encrypted_register_and_its_administrator(
        qtbot: QtBot, tmp_path: Path) -> None:
    ctx = build_context(f"sqlite:///{tmp_path / 'new.sqlite3'}", today=lambda: TODAY,
                        cost=TEST_COST)
    dialog = SignInDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.first_run and "encrypted" in dialog.about.text()
    dialog.username.setText("ann")
    dialog.display_name.setText("Ann Admin")
    dialog.password.setText(PASSWORD)
    dialog.confirm.setText("something else")
    assert not dialog.save()
    assert dialog.shown_problem("confirm") == "The two passwords differ."
    dialog.confirm.setText(PASSWORD)
    dialog.password.setText("short")
    dialog.confirm.setText("short")
    assert not dialog.save()
    assert "at least 10 characters" in dialog.shown_problem("password")
    dialog.password.setText(PASSWORD)
    dialog.confirm.setText(PASSWORD)
    assert dialog.save(), dialog.problem_text
    assert ctx.actor is not None and ctx.actor.role is Role.ADMINISTRATOR and ctx.encrypted
    ctx.close()


def test_first_run_promises_encryption_only_when_it_will_happen(
        qtbot: QtBot, tmp_path: Path) -> None:
    """Encryption turned off (or a PostgreSQL register): the first-run text says nothing of
    a key, and the register made is plain."""
    ctx = build_context(f"sqlite:///{tmp_path / 'plain.sqlite3'}", today=lambda: TODAY,
                        cost=TEST_COST, encrypt_new=False)
    dialog = SignInDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.first_run and not ctx.first_account_encrypts
    assert "encrypted" not in dialog.about.text()
    ctx.create_first_administrator("ann", "Ann Admin", PASSWORD)
    assert not ctx.encrypted
    ctx.close()


def test_sign_in_refuses_a_wrong_password_and_clears_it(qtbot: QtBot,
                                                       sqlite_ctx: AppContext) -> None:
    ctx = build_context(sqlite_ctx.database, today=lambda: TODAY, cost=TEST_COST,
                        encrypt_new=False)
    dialog = SignInDialog(ctx)
    qtbot.addWidget(dialog)
    assert not dialog.first_run
    dialog.username.setText(ADMIN)
    dialog.password.setText("wrong password")
    assert not dialog.save()
    assert "not right" in dialog.problem_text and dialog.password.text() == ""
    dialog.password.setText(ADMIN_PASSWORD)
    assert dialog.save() and ctx.actor is not None
    ctx.close()


@pytest.fixture
def register(sqlite_ctx: AppContext) -> AppContext:
    build_demo_register(sqlite_ctx.new_uow(), 120, 1, TODAY)
    add_user(sqlite_ctx.new_uow(), "comm", "Commissioner", Role.COMMISSIONER, None, PASSWORD,
             TEST_COST)
    add_user(sqlite_ctx.new_uow(), "pm", "Manager", Role.PRACTICE_MANAGER, "Z99001",
             PASSWORD, TEST_COST)
    return sqlite_ctx


def _window_as(qtbot: QtBot, register: AppContext, username: str) -> Iterator[MainWindow]:
    ctx = build_context(register.database, today=lambda: TODAY, cost=TEST_COST,
                        encrypt_new=False)
    ctx.sign_in(username, PASSWORD)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()
    ctx.close()


def _tabs(window: MainWindow) -> list[str]:
    return [window.tabs.tabText(i) for i in range(window.tabs.count())]


def test_a_commissioner_sees_only_aggregate_screens(qtbot: QtBot, register: AppContext) -> None:
    for window in _window_as(qtbot, register, "comm"):
        assert _tabs(window) == ["&QOF", "&Outcomes", "Pathway &budget"]
        assert "budget" in window.budget_label.text().lower()
        assert "Ad&min" not in [a.text() for a in window.menuBar().actions()]
        assert "commissioner" in window.user_label.text().lower()


def test_a_practice_manager_sees_lists_but_not_records(qtbot: QtBot,
                                                       register: AppContext) -> None:
    for window in _window_as(qtbot, register, "pm"):
        assert "&Caseload" in _tabs(window) and "Pathway &budget" not in _tabs(window)
        qtbot.waitUntil(lambda w=window: w.caseload.model.rowCount() > 0)  # type: ignore[misc]
        first = window.caseload.model.row(0)
        assert first is not None and first.practice_code == "Z99001"
        window.panel.show_patient(first.patient_id)
        assert window.panel.record is None  # refused: a practice manager opens no records
        assert not window.panel.record_check_button.isEnabled()
        assert window.panel.print_letter_button.isEnabled()


def test_the_idle_lock_hides_the_window_until_the_password_is_given(
        qtbot: QtBot, register: AppContext) -> None:
    window = MainWindow(register)
    qtbot.addWidget(window)
    window.show()
    window.idle_lock.timer.setInterval(50)
    window.idle_lock.resume()
    qtbot.waitUntil(lambda: window.lock_dialog is not None, timeout=3000)
    lock = window.lock_dialog
    assert lock is not None and not window.tabs.isVisible()
    lock.password.setText("not it")
    assert not lock.save() and window.lock_dialog is lock
    assert register.actor is not None  # a wrong password does not sign them out
    lock.password.setText(ADMIN_PASSWORD)
    lock._save_clicked()
    assert window.lock_dialog is None and window.tabs.isVisible()
    window.close()


def test_the_administrator_adds_a_user_and_verifies_the_audit_trail(
        qtbot: QtBot, register: AppContext) -> None:
    users = UsersDialog(register)
    qtbot.addWidget(users)
    adding = users.add()
    adding.username.setText("gp1")
    adding.display_name.setText("Dr One")
    adding.role.setCurrentIndex(adding.role.findData(Role.GP.value))
    adding.password.setText(PASSWORD)
    adding.confirm.setText(PASSWORD)
    assert not adding.save()  # a GP needs their practice
    assert "practice" in adding.shown_problem("practice")
    adding.practice.setCurrentIndex(adding.practice.findData("Z99001"))
    assert adding.save()
    adding.accept()
    assert "gp1" in [u.username for u in list_users(register.new_uow())]
    assert users.model.rowCount() == len(list_users(register.new_uow()))
    audit = AuditDialog(register)
    qtbot.addWidget(audit)
    assert audit.model.rowCount() > 0 and "matching entries" in audit.message.text()
    audit.verify()
    assert "intact" in audit.message.text()
    created = search_audit(register.new_uow(), AuditQuery(action="create", entity="user"))[1]
    assert any('"username": "gp1"' in e.detail for e in created)
