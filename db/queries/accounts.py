"""Accounts and shared settings (services/accounts.py, services/settings.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from db.models import AppSetting, Practice, User
from facilitator_app.domain.access import Role
from facilitator_app.services.accounts import UserAccount


class SqlAccountStore:
    def __init__(self, session: Session) -> None:
        self._session = session

    def _select(self) -> Select[*tuple[Any, ...]]:
        return (select(User.id, User.username, User.display_name, User.role, Practice.code,
                       User.active)
                .outerjoin(Practice, Practice.id == User.practice_id))

    def count(self) -> int:
        return int(self._session.scalar(select(func.count()).select_from(User)) or 0)

    def by_username(self, username: str) -> UserAccount | None:
        row = self._session.execute(self._select().where(User.username == username)).first()
        return _account(row) if row else None

    def password_hash(self, user_id: int) -> str | None:
        return self._session.scalar(select(User.password_hash).where(User.id == user_id))

    def all(self) -> list[UserAccount]:
        return [_account(r) for r in self._session.execute(self._select().order_by(User.username))]

    def practice_exists(self, code: str) -> bool:
        return self._session.scalar(select(Practice.id).where(Practice.code == code)) is not None

    def add(self, username: str, display_name: str, role: Role, practice_code: str | None,
            password_hash: str) -> int:
        practice_id = None
        if practice_code:
            practice_id = self._session.scalar(select(Practice.id)
                                               .where(Practice.code == practice_code))
        user = User(username=username, display_name=display_name, role=role.value,
                    practice_id=practice_id, password_hash=password_hash, active=True)
        self._session.add(user)
        self._session.flush()
        return user.id

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self._session.execute(update(User).where(User.id == user_id)
                              .values(password_hash=password_hash, version=User.version + 1))

    def set_active(self, user_id: int, active: bool) -> None:
        self._session.execute(update(User).where(User.id == user_id)
                              .values(active=active, version=User.version + 1))


def _account(row: Any) -> UserAccount:
    id_, username, display_name, role, practice, active = row
    return UserAccount(id_, username, display_name, Role(role), practice, bool(active))


class SqlSettingsStore:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, key: str) -> str | None:
        return self._session.scalar(select(AppSetting.value).where(AppSetting.key == key))

    def set(self, key: str, value: str) -> None:
        setting = self._session.get(AppSetting, key)
        if setting is None:
            self._session.add(AppSetting(key=key, value=value))
        else:
            setting.value = value
        self._session.flush()
