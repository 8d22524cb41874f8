"""Who may do what: the roles, the permissions each holds, and the practice a role is tied to.

The rules are pure so they can be read and tested on their own; the services apply them to the
signed-in user (``services/access.py``) before they touch any data, so a role's limits hold on
the command line exactly as in the desktop app.

Each role holds only what its work needs:

- a **facilitator** case-manages every patient on the registers of the practices they cover, and
  holds the pathway budget;
- a **GP** sees and updates the records of their own practice's patients and prints letters;
- a **practice manager** runs recall and QOF for their own practice: the lists of who needs
  what, letters and QOF summaries, but not the clinical record itself;
- a **commissioner** sees aggregates only: QOF achievement, outcomes and budget statements;
- an **administrator** manages accounts, settings, backups and the audit trail. Whoever can
  restore a backup can in effect read everything in it, so the administrator also holds every
  clinical permission; an IG lead should give the role to as few people as possible.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    FACILITATOR = "facilitator"
    GP = "gp"
    PRACTICE_MANAGER = "practice_manager"
    COMMISSIONER = "commissioner"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return {
            "facilitator": "Mental health facilitator",
            "gp": "GP",
            "practice_manager": "Practice manager",
            "commissioner": "Commissioner",
            "administrator": "Administrator",
        }[self.value]

    @property
    def practice_bound(self) -> bool:
        """GPs and practice managers work for one practice and see only its patients."""
        return self in (Role.GP, Role.PRACTICE_MANAGER)


class Permission(StrEnum):
    VIEW_REGISTER = "view_register"  # lists of identifiable patients: caseload, recall, due
    VIEW_RECORD = "view_record"  # one patient's clinical record
    RECORD_CHECKS = "record_checks"  # physical health checks and their follow-ups
    MANAGE_CARE = "manage_care"  # episodes, questionnaires, signposting
    PRINT_LETTERS = "print_letters"
    IMPORT_DATA = "import_data"  # practice extracts and the demo register
    VIEW_QOF = "view_qof"  # aggregate QOF achievement
    VIEW_OUTCOMES = "view_outcomes"  # aggregate outcomes report
    VIEW_BUDGET = "view_budget"  # budget position and statements (aggregates)
    MANAGE_BUDGET = "manage_budget"
    MANAGE_SETTINGS = "manage_settings"  # letterheads, the service directory, app settings
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"
    MANAGE_BACKUPS = "manage_backups"

    @property
    def label(self) -> str:
        """What the permission lets someone do, to finish "Your account cannot ..."."""
        return _PERMISSION_LABELS[self]


_PERMISSION_LABELS = {
    Permission.VIEW_REGISTER: "see lists of patients",
    Permission.VIEW_RECORD: "open patient records",
    Permission.RECORD_CHECKS: "record physical health checks",
    Permission.MANAGE_CARE: "record care, questionnaires or signposting",
    Permission.PRINT_LETTERS: "print letters",
    Permission.IMPORT_DATA: "import practice data",
    Permission.VIEW_QOF: "see QOF summaries",
    Permission.VIEW_OUTCOMES: "see outcomes reports",
    Permission.VIEW_BUDGET: "see the pathway budget",
    Permission.MANAGE_BUDGET: "change the pathway budget",
    Permission.MANAGE_SETTINGS: "change settings",
    Permission.MANAGE_USERS: "manage user accounts",
    Permission.VIEW_AUDIT: "see the audit trail",
    Permission.MANAGE_BACKUPS: "make or restore backups",
}

_FACILITATOR = frozenset({
    Permission.VIEW_REGISTER, Permission.VIEW_RECORD, Permission.RECORD_CHECKS,
    Permission.MANAGE_CARE, Permission.PRINT_LETTERS, Permission.IMPORT_DATA,
    Permission.VIEW_QOF, Permission.VIEW_OUTCOMES, Permission.VIEW_BUDGET,
    Permission.MANAGE_BUDGET, Permission.MANAGE_SETTINGS,
})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.FACILITATOR: _FACILITATOR,
    Role.GP: frozenset({
        Permission.VIEW_REGISTER, Permission.VIEW_RECORD, Permission.RECORD_CHECKS,
        Permission.PRINT_LETTERS, Permission.VIEW_QOF,
    }),
    Role.PRACTICE_MANAGER: frozenset({
        Permission.VIEW_REGISTER, Permission.PRINT_LETTERS, Permission.VIEW_QOF,
    }),
    Role.COMMISSIONER: frozenset({
        Permission.VIEW_QOF, Permission.VIEW_OUTCOMES, Permission.VIEW_BUDGET,
    }),
    Role.ADMINISTRATOR: frozenset(Permission),
}


class AccessDenied(Exception):
    """The signed-in user's role does not allow this; the message says what and why."""


@dataclass(frozen=True)
class Actor:
    """The signed-in user, as the services see them (no password, no key)."""

    user_id: int
    username: str
    role: Role
    practice_code: str | None = None  # set for practice-bound roles

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise AccessDenied(
                f"Your account ({self.role.label}) cannot {permission.label}."
            )

    def practice_for(self, permission: Permission, requested: str | None) -> str | None:
        """The practice a request may cover: a practice-bound user gets their own practice
        when they ask for every practice, and is refused any other."""
        self.require(permission)
        if not self.role.practice_bound:
            return requested
        if self.practice_code is None:  # fail closed: None would mean every practice
            raise AccessDenied(f"Your account ({self.role.label}) has no practice set: ask "
                               "your administrator to set it.")
        if requested is not None and requested != self.practice_code:
            raise AccessDenied(
                f"Your account ({self.role.label}) covers practice {self.practice_code} only."
            )
        return self.practice_code

    def require_practice(self, permission: Permission, practice_code: str | None) -> None:
        """A practice-bound user may touch a patient only of their own practice."""
        self.require(permission)
        if self.role.practice_bound and practice_code != self.practice_code:
            raise AccessDenied(
                f"Your account ({self.role.label}) covers patients of practice "
                f"{self.practice_code} only."
            )


MIN_PASSWORD_LENGTH = 10
USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")


def password_problem(password: str, username: str = "") -> str | None:
    """Why a new password is not good enough, or None. Length beats complexity rules (NCSC)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"The password must be at least {MIN_PASSWORD_LENGTH} characters long."
    if username and password.casefold() == username.casefold():
        return "The password must not be the user name."
    if password.strip() != password:
        return "The password must not start or end with a space."
    return None


def username_problem(username: str) -> str | None:
    if not 2 <= len(username) <= 60:
        return "The user name must be 2 to 60 characters long."
    if not set(username) <= USERNAME_CHARS:
        return "The user name may use lower-case letters, digits, '.', '_' and '-' only."
    return None
