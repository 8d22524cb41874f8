"""The SQLAlchemy unit of work: one Session, one transaction, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from db.encryption import NoKeySlots
from db.queries.accounts import SqlAccountStore, SqlSettingsStore
from db.queries.audit import SqlAuditLog
from db.queries.budget import SqlBudgetQueries
from db.queries.care import SqlCareQueries
from db.queries.caseload import SqlCaseloadQueries
from db.queries.checks import SqlCheckWriter
from db.queries.demo import SqlDemoWriter
from db.queries.follow_ups import SqlFollowUpQueries
from db.queries.imports import SqlImportWriter
from db.queries.letters import SqlLetterheadStore, SqlLetterQueries
from db.queries.outcomes_report import SqlOutcomeReport
from db.queries.patients import SqlPatientQueries
from db.queries.qof import SqlQofQueries
from db.queries.register import SqlRegisterQueries
from db.queries.signposting import SqlSignpostingQueries
from db.queries.worklist import SqlWorklistQueries
from facilitator_app.domain.access import AccessDenied, Actor
from facilitator_app.services.accounts import AccountStore, KeySlots
from facilitator_app.services.audit import AuditLog
from facilitator_app.services.budget import BudgetQueries
from facilitator_app.services.care_records import CareQueries
from facilitator_app.services.follow_ups import FollowUpsQueries
from facilitator_app.services.imports import ImportWriter
from facilitator_app.services.letterhead import LetterheadStore
from facilitator_app.services.letters import LetterQueries
from facilitator_app.services.outcomes_report import OutcomeReportQueries
from facilitator_app.services.ports import (
    CaseloadQueries,
    DemoWriter,
    PatientQueries,
    RegisterQueries,
)
from facilitator_app.services.qof import QofQueries
from facilitator_app.services.record_check import CheckWriter
from facilitator_app.services.settings import SettingsStore
from facilitator_app.services.signposting import SignpostingQueries
from facilitator_app.services.worklist import WorklistQueries


class SqlAlchemyUnitOfWork:
    """A Session belongs to one thread: make a fresh unit of work per use case. ``actor`` is
    the signed-in user the services check and audit; ``keys`` the register's key slots."""

    accounts: AccountStore
    audit: AuditLog
    settings: SettingsStore
    caseload: CaseloadQueries
    patients: PatientQueries
    register: RegisterQueries
    demo: DemoWriter
    imports: ImportWriter
    worklist: WorklistQueries
    qof: QofQueries
    follow_ups: FollowUpsQueries
    letters: LetterQueries
    letterheads: LetterheadStore
    signposting: SignpostingQueries
    care: CareQueries
    outcomes: OutcomeReportQueries
    budget: BudgetQueries
    checks: CheckWriter

    def __init__(self, factory: sessionmaker[Session], actor: Actor | None = None,
                 keys: KeySlots | None = None) -> None:
        self._factory = factory
        self.actor = actor
        self.keys: KeySlots = keys if keys is not None else NoKeySlots()

    def __enter__(self) -> Self:
        self.session = self._factory()
        self.accounts = SqlAccountStore(self.session)
        self.audit = SqlAuditLog(self.session)
        self.settings = SqlSettingsStore(self.session)
        self.caseload = SqlCaseloadQueries(self.session)
        self.patients = SqlPatientQueries(self.session)
        self.register = SqlRegisterQueries(self.session)
        self.worklist = SqlWorklistQueries(self.session)
        self.qof = SqlQofQueries(self.session)
        self.follow_ups = SqlFollowUpQueries(self.session)
        self.letters = SqlLetterQueries(self.session)
        self.letterheads = SqlLetterheadStore(self.session)
        self.signposting = SqlSignpostingQueries(self.session)
        self.care = SqlCareQueries(self.session)
        self.outcomes = SqlOutcomeReport(self.session)
        self.budget = SqlBudgetQueries(self.session)
        self.demo = SqlDemoWriter(self.session)
        self.imports = SqlImportWriter(self.session)
        self.checks = SqlCheckWriter(self.session)
        if self.actor is not None:
            self._still_signed_in(self.actor)
        return self

    def _still_signed_in(self, actor: Actor) -> None:
        """An account switched off or given another role since sign-in stops working at once,
        in every open session (a shared PostgreSQL register has several)."""
        account = self.accounts.by_username(actor.username)
        if account is None or not account.active or account.id != actor.user_id \
                or account.role is not actor.role or account.practice_code != actor.practice_code:
            self.session.close()
            raise AccessDenied("Your account was switched off or changed since you signed in: "
                               "sign in again.")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.rollback()  # errors, cancels, early returns: all undone
        self.session.close()

    def commit(self) -> None:
        self.session.commit()
