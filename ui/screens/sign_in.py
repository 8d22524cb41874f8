"""Signing in at start, creating the administrator on a first run, and the idle lock.

Nothing of the register is shown before someone signs in: on an encrypted register nothing can
be, since its key comes out of the signing-in user's key slot. The idle lock covers the window
after a set time without keyboard or mouse; only the signed-in user's password (checked again
by the services) takes it away.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QLineEdit, QWidget

from facilitator_app.domain.access import MIN_PASSWORD_LENGTH, AccessDenied
from facilitator_app.services.accounts import AccountProblem
from ui.context import UiContext
from ui.widgets.form_dialog import FormDialog

__all__ = ["IdleLock", "LockDialog", "SignInDialog", "account_problem"]

# AccountProblem messages start with the field they are about ("password: ...").
_FIELDS = {"user name": "username", "name": "display_name", "password": "password",
           "new password": "password", "current password": "current", "practice": "practice"}


def account_problem(exc: AccountProblem) -> tuple[str | None, str]:
    """(form field, message) of a refused account change."""
    head, _, rest = str(exc).partition(": ")
    return (_FIELDS[head], rest) if head in _FIELDS and rest else (None, str(exc))


def password_box(name: str) -> QLineEdit:
    box = QLineEdit()
    box.setEchoMode(QLineEdit.EchoMode.Password)
    box.setAccessibleName(name)
    return box


class SignInDialog(FormDialog):
    """Sign in; on a first run (no accounts yet) create the administrator instead."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        self.first_run = ctx.needs_first_account()
        title = "Set up Facilitator" if self.first_run else "Sign in to Facilitator"
        super().__init__(ctx, title, parent, about_name="About signing in", mnemonics={"s"},
                         width_em=60)
        self.save_button.setText("Create &administrator" if self.first_run else "&Sign in")
        self.username = QLineEdit()
        self.username.setAccessibleName("User name")
        self.add_field("&User name:", "username", self.username)
        if self.first_run:
            self.set_about(
                "This is a new register. Create its administrator account: the person who "
                "adds everyone else's accounts and looks after backups. "
                + ("The register will be encrypted with a key only your password (and the "
                   "passwords of accounts you add) can open: if every password is lost, so "
                   "is the register. " if ctx.first_account_encrypts else "")
                + f"Use at least {MIN_PASSWORD_LENGTH} characters; a few unrelated words work "
                "well.")
            self.display_name = QLineEdit()
            self.display_name.setAccessibleName("Your name")
            self.add_field("Your &name:", "display_name", self.display_name,
                           description="as it should appear in the audit trail")
        else:
            self.set_about(f"Register: {ctx.database}")
        self.password = password_box("Password")
        self.add_field("&Password:", "password", self.password)
        if self.first_run:
            self.confirm = password_box("Password again")
            self.add_field("Password a&gain:", "confirm", self.confirm)
        self.username.setFocus()

    def save(self) -> bool:
        username = self.username.text().strip()
        password = self.password.text()
        if self.first_run:
            if password != self.confirm.text():
                self.show_problems([("confirm", "The two passwords differ.")])
                return False
            name = self.display_name.text().strip()
            return self._attempt(lambda: self._ctx.create_first_administrator(
                username, name, password))
        return self._attempt(lambda: self._ctx.sign_in(username, password))

    def _explain(self, exc: Exception) -> bool:
        if isinstance(exc, AccountProblem):
            field, message = account_problem(exc)
            self.show_problems([(field, message)] if field else [], "" if field else message)
        elif isinstance(exc, AccessDenied):
            self.password.clear()
            self.show_problems([], str(exc))
        else:
            return False
        return True


class LockDialog(FormDialog):
    """Covers the app after the idle time: the signed-in user's password unlocks it."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Facilitator is locked", parent, about_name="Why it is locked",
                         mnemonics={"u"}, width_em=56)
        actor = ctx.actor
        self.username = actor.username if actor else ""
        self.save_button.setText("&Unlock")
        self.set_about(f"Locked after a time without use, to keep patient records private. "
                       f"{self.username}, enter your password to carry on.")
        self.password = password_box("Password")
        self.add_field("&Password:", "password", self.password)
        self._confirmed = False
        for button in self.buttons.buttons():
            if button is not self.save_button:
                button.setText("&Quit Facilitator")
                button.setAccessibleName("Quit Facilitator")
        self.password.setFocus()

    def save(self) -> bool:
        if not self._attempt(lambda: self._ctx.confirm_identity(self.password.text())):
            return False
        if self._confirmed:
            return True
        self.password.clear()
        self.show_problems([("password", "That is not the password.")])
        return False

    def _saved(self, result: object) -> None:
        self._confirmed = result is True

    def _explain(self, exc: Exception) -> bool:
        if isinstance(exc, AccessDenied):  # switched off meanwhile: only Quit is left
            self.refuse(str(exc))
            return True
        return False


class IdleLock(QObject):
    """Watches the application's keyboard and mouse; after ``minutes`` without either, emits
    ``locked`` (the main window then hides its contents behind a LockDialog)."""

    locked = Signal()
    _ACTIVITY = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress,
                           QEvent.Type.MouseMove, QEvent.Type.Wheel})

    def __init__(self, minutes: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.locked)
        self.set_minutes(minutes)

    def set_minutes(self, minutes: int) -> None:
        self.timer.setInterval(minutes * 60_000)
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in self._ACTIVITY and self.timer.isActive():
            self.timer.start()
        return False

    def pause(self) -> None:
        self.timer.stop()

    def resume(self) -> None:
        self.timer.start()
