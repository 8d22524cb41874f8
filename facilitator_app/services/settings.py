"""Settings shared by everyone on one register, and noticing when the QOF rules change.

Each change is audited with its old and new value, as the IG lead asks of rules, thresholds and
settings. The QOF rules and thresholds ship with the app, so "a change" is a new version of
them: the first sign-in after one records the old and new fingerprint.
"""

from __future__ import annotations

from typing import Protocol

from facilitator_app.domain.access import Permission
from facilitator_app.services import audit
from facilitator_app.services.access import require, signed_in
from facilitator_app.services.ports import UnitOfWork

IDLE_LOCK_KEY = "idle_lock_minutes"
IDLE_LOCK_DEFAULT = 10
IDLE_LOCK_RANGE = (1, 120)
RULES_KEY = "rules_fingerprint"


class SettingsStore(Protocol):
    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...


class SettingProblem(ValueError):
    """A setting value out of range; the message names the setting."""


def idle_lock_minutes(uow: UnitOfWork) -> int:
    """Minutes without keyboard or mouse before the app locks itself."""
    signed_in(uow)
    with uow:
        stored = uow.settings.get(IDLE_LOCK_KEY)
    return int(stored) if stored and stored.isdigit() else IDLE_LOCK_DEFAULT


def set_idle_lock_minutes(uow: UnitOfWork, minutes: int) -> None:
    require(uow, Permission.MANAGE_SETTINGS)
    low, high = IDLE_LOCK_RANGE
    if not low <= minutes <= high:
        raise SettingProblem(f"idle lock: give {low} to {high} minutes.")
    with uow:
        before = uow.settings.get(IDLE_LOCK_KEY)
        uow.settings.set(IDLE_LOCK_KEY, str(minutes))
        audit.record(uow, "update", "setting", setting=IDLE_LOCK_KEY,
                     before=int(before) if before else IDLE_LOCK_DEFAULT, after=minutes)
        uow.commit()


def note_rules_fingerprint(uow: UnitOfWork, fingerprint: str) -> bool:
    """Audit a change of the QOF rules and thresholds since the last sign-in; True if changed."""
    signed_in(uow)
    with uow:
        before = uow.settings.get(RULES_KEY)
        if before == fingerprint:
            return False
        uow.settings.set(RULES_KEY, fingerprint)
        audit.record(uow, "rules_changed", "rules", before=before, after=fingerprint)
        uow.commit()
        return True
