"""The administrator's screens: user accounts, the audit trail (search and verify) and the idle
lock setting. The services refuse anyone else; the menu only offers them to administrators.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from facilitator_app.domain.access import AccessDenied, Role
from facilitator_app.domain.dates import format_uk_date
from facilitator_app.services.accounts import (
    AccountProblem,
    UserAccount,
    add_user,
    change_password,
    list_users,
    set_user_active,
)
from facilitator_app.services.audit import AuditQuery, search_audit, verify_audit
from facilitator_app.services.caseload import list_practices
from facilitator_app.services.settings import (
    IDLE_LOCK_RANGE,
    SettingProblem,
    idle_lock_minutes,
    set_idle_lock_minutes,
)
from ui.context import UiContext
from ui.list_table import configure_list_table
from ui.models.text_table import Cell, TextTableModel
from ui.screens.sign_in import account_problem, password_box
from ui.widgets.fields import close_button, date_edit, to_date, wrapped
from ui.widgets.form_dialog import FormDialog

__all__ = ["AddUserDialog", "AuditDialog", "IdleLockDialog", "PasswordDialog", "UsersDialog"]

USER_HEADERS = ("User name", "Name", "Role", "Practice", "Active")
AUDIT_HEADERS = ("Id", "When (UTC)", "User", "Action", "Entity", "Detail")
AUDIT_PAGE = 500


class _AccountDialog(FormDialog):
    def _explain(self, exc: Exception) -> bool:
        if isinstance(exc, AccountProblem):
            field, message = account_problem(exc)
            self.show_problems([(field, message)] if field in self.errors else [], message)
        elif isinstance(exc, AccessDenied):
            self.refuse(str(exc))
        else:
            return False
        return True


class AddUserDialog(_AccountDialog):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Add a user", parent, about_name="About accounts",
                         mnemonics={"s"}, width_em=64)
        self.set_about("GPs and practice managers see only their own practice. Commissioners "
                       "see totals only. Give the person their password in person.")
        self.username = QLineEdit()
        self.username.setAccessibleName("User name")
        self.add_field("&User name:", "username", self.username)
        self.display_name = QLineEdit()
        self.display_name.setAccessibleName("Name")
        self.add_field("&Name:", "display_name", self.display_name)
        self.role = QComboBox()
        self.role.setAccessibleName("Role")
        for role in Role:
            self.role.addItem(role.label, role.value)
        self.add_field("&Role:", "role", self.role)
        self.practice = QComboBox()
        self.practice.setAccessibleName("Practice")
        self.practice.addItem("(not tied to a practice)", None)
        for p in list_practices(ctx.new_uow()):
            self.practice.addItem(f"{p.name} ({p.code})", p.code)
        self.add_field("Prac&tice:", "practice", self.practice,
                       description="needed for a GP or practice manager")
        self.password = password_box("Password")
        self.add_field("&Password:", "password", self.password)
        self.confirm = password_box("Password again")
        self.add_field("Password a&gain:", "confirm", self.confirm)

    def save(self) -> bool:
        if self.password.text() != self.confirm.text():
            self.show_problems([("confirm", "The two passwords differ.")])
            return False
        role = Role(self.role.currentData())
        return self._attempt(lambda: add_user(
            self._ctx.new_uow(), self.username.text().strip(), self.display_name.text().strip(),
            role, self.practice.currentData(), self.password.text()))


class PasswordDialog(_AccountDialog):
    """Change your own password (giving the current one), or reset someone else's."""

    def __init__(self, ctx: UiContext, username: str, parent: QWidget | None = None) -> None:
        own = ctx.actor is not None and ctx.actor.username == username
        super().__init__(ctx, "Change password" if own else f"Reset {username}'s password",
                         parent, about_name="About passwords", mnemonics={"s"}, width_em=56)
        self.username = username
        self.own = own
        self.current: QLineEdit | None = None
        if own:
            self.current = password_box("Current password")
            self.add_field("&Current password:", "current", self.current)
        self.password = password_box("New password")
        self.add_field("&New password:", "password", self.password)
        self.confirm = password_box("New password again")
        self.add_field("New password a&gain:", "confirm", self.confirm)

    def save(self) -> bool:
        if self.password.text() != self.confirm.text():
            self.show_problems([("confirm", "The two passwords differ.")])
            return False
        current = self.current.text() if self.current is not None else None
        return self._attempt(lambda: change_password(self._ctx.new_uow(), self.username,
                                                     self.password.text(), current))


class UsersDialog(QDialog):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.setWindowTitle("User accounts")
        self.setAccessibleName("User accounts")
        self.model = TextTableModel(USER_HEADERS)
        self.table = QTableView()
        configure_list_table(self.table, self.model, "User accounts",
                             "Everyone who may sign in to this register",
                             dict(enumerate(("administrator.one", "Firstname Lastname",
                                             "Mental health facilitator", "A00001", "yes"))))
        self.message = wrapped(name="What happened")
        self.add_button = QPushButton("&Add user…")
        self.add_button.clicked.connect(self.add)
        self.password_button = QPushButton("&Password…")
        self.password_button.clicked.connect(self.password)
        self.active_button = QPushButton("S&witch off / on")
        self.active_button.clicked.connect(self.toggle_active)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.password_button, self.active_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close_button(self))
        column = QVBoxLayout(self)
        column.addWidget(self.table, 1)
        column.addWidget(self.message)
        column.addLayout(buttons)
        self.resize(self.fontMetrics().horizontalAdvance("x") * 110,
                    self.fontMetrics().height() * 24)
        self.accounts: list[UserAccount] = []
        self.reload()

    def reload(self) -> None:
        self.accounts = list_users(self._ctx.new_uow())
        self.model.set_rows([[Cell(u.username), Cell(u.display_name), Cell(u.role.label),
                              Cell(u.practice_code or ""), Cell("yes" if u.active else "no")]
                             for u in self.accounts])

    def selected(self) -> UserAccount | None:
        rows = self.table.selectionModel().selectedRows()
        return self.accounts[rows[0].row()] if rows else None

    def add(self) -> AddUserDialog:
        dialog = AddUserDialog(self._ctx, self)
        dialog.accepted.connect(self.reload)
        dialog.open()
        return dialog

    def password(self) -> PasswordDialog | None:
        account = self.selected()
        if account is None:
            self.message.setText("Choose an account first.")
            return None
        dialog = PasswordDialog(self._ctx, account.username, self)
        dialog.open()
        return dialog

    def toggle_active(self) -> None:
        account = self.selected()
        if account is None:
            self.message.setText("Choose an account first.")
            return
        try:
            set_user_active(self._ctx.new_uow(), account.username, not account.active)
        except (AccountProblem, AccessDenied) as exc:
            self.message.setText(account_problem(exc)[1] if isinstance(exc, AccountProblem)
                                 else str(exc))
            return
        self.message.setText(
            f"{account.username} is switched off: their password no longer opens anything."
            if account.active else
            f"{account.username} is active again. Give them a new password (Password…) "
            "before they sign in.")
        self.reload()


class AuditDialog(QDialog):
    """Search the audit trail (newest first, 500 at a time) and verify its hash chain."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.setWindowTitle("Audit trail")
        self.setAccessibleName("Audit trail")
        today = date.today()  # the trail is stamped by the clock, not the app's working date
        self.user = QLineEdit()
        self.user.setAccessibleName("User name")
        self.user.setPlaceholderText("any user")
        self.action = QComboBox()
        self.action.setAccessibleName("Action")
        self.action.addItem("any action", None)
        for action in ("view", "create", "update", "record_check", "letter", "export",
                       "import", "sign_in", "sign_in_failed", "rules_changed", "verify"):
            self.action.addItem(action.replace("_", " "), action)
        self.start = date_edit(today - timedelta(days=30), "From")
        self.end = date_edit(today, "To")
        self.search_button = QPushButton("&Search")
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(self.search)
        self.verify_button = QPushButton("&Verify chain")
        self.verify_button.clicked.connect(self.verify)
        filters = QHBoxLayout()
        for label, widget in (("&User:", self.user), ("&Action:", self.action),
                              ("&From:", self.start), ("&To:", self.end)):
            text = QLabel(label)
            text.setBuddy(widget)
            filters.addWidget(text)
            filters.addWidget(widget)
        filters.addWidget(self.search_button)
        filters.addStretch(1)
        self.model = TextTableModel(AUDIT_HEADERS)
        self.table = QTableView()
        configure_list_table(self.table, self.model, "Audit entries",
                             "Newest first; entities are named by their global id",
                             dict(enumerate(("12345", "01/12/2026 21:30:00", "facilitator",
                                             "record check", "patient",
                                             "x" * 60))))
        self.message = wrapped(name="Search and verification result")
        buttons = QHBoxLayout()
        buttons.addWidget(self.verify_button)
        buttons.addStretch(1)
        buttons.addWidget(close_button(self))
        column = QVBoxLayout(self)
        column.addLayout(filters)
        column.addWidget(self.table, 1)
        column.addWidget(self.message)
        column.addLayout(buttons)
        self.resize(self.fontMetrics().horizontalAdvance("x") * 150,
                    self.fontMetrics().height() * 30)
        self.search()

    def query(self) -> AuditQuery:
        start: date = to_date(self.start)
        return AuditQuery(username=self.user.text().strip() or None,
                          action=self.action.currentData(), occurred_from=start,
                          occurred_to=to_date(self.end))

    def search(self) -> None:
        total, rows = search_audit(self._ctx.new_uow(), self.query(), limit=AUDIT_PAGE)
        self.model.set_rows([[Cell(str(r.id)), Cell(f"{format_uk_date(r.occurred_at.date())} "
                                                    f"{r.occurred_at:%H:%M:%S}"),
                              Cell(r.username), Cell(r.action.replace("_", " ")),
                              Cell(r.entity), Cell(r.detail, tooltip=r.entity_ref or "")]
                             for r in rows])
        shown = f"the newest {len(rows):,} of " if total > len(rows) else ""
        self.message.setText(f"Showing {shown}{total:,} matching entries.")

    def verify(self) -> None:
        report = verify_audit(self._ctx.new_uow())
        if report.intact:
            self.message.setText(f"The audit trail is intact: {report.entries:,} entries. Head "
                                 f"hash {report.head_hash}: keep a note of it outside this "
                                 "laptop.")
        else:
            self.message.setText(f"THE AUDIT TRAIL IS BROKEN at entry {report.first_break}: "
                                 f"{report.problem}. Tell your IG lead.")


class IdleLockDialog(FormDialog):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Idle lock", parent, about_name="About the idle lock",
                         mnemonics={"s"}, width_em=56)
        self.set_about("Facilitator locks itself after this long without keyboard or mouse, "
                       "for everyone using this register.")
        self.minutes = QSpinBox()
        self.minutes.setRange(*IDLE_LOCK_RANGE)
        self.minutes.setSuffix(" minutes")
        self.minutes.setAccessibleName("Minutes before locking")
        self.minutes.setValue(idle_lock_minutes(ctx.new_uow()))
        self.add_field("&Lock after:", "minutes", self.minutes)

    def save(self) -> bool:
        return self._attempt(lambda: set_idle_lock_minutes(self._ctx.new_uow(),
                                                           self.minutes.value()))

    def _explain(self, exc: Exception) -> bool:
        if isinstance(exc, SettingProblem | AccessDenied):
            self.show_problems([("minutes", str(exc))])
            return True
        return False
