"""Signposting: the directory of local services, recording that a patient was signposted to
one (date, reason, when to follow up), the outcome of each follow-up, and the list of
signpostings whose follow-up is due."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from facilitator_app.domain.access import Permission
from facilitator_app.domain.signposting import (
    CATEGORY_LABELS,
    OUTCOME_LABELS,
    ServiceCategory,
    SignpostOutcome,
    SignpostProblem,
    validate_service,
    validate_signpost_outcome,
    validate_signposting,
)
from facilitator_app.services import audit
from facilitator_app.services.access import practice_scope, require, require_patient, signed_in
from facilitator_app.services.caseload import UnknownPractice
from facilitator_app.services.patients import PatientNotFound
from facilitator_app.services.ports import UnitOfWork

__all__ = [
    "InvalidSignposting",
    "LocalServiceView",
    "ServiceEntry",
    "SignpostingChanged",
    "SignpostingDue",
    "SignpostingQueries",
    "SignpostingView",
    "add_service",
    "list_services",
    "patient_signpostings",
    "record_signpost_outcome",
    "record_signposting",
    "signposting_by_id",
    "signpostings_due",
    "update_service",
]


@dataclass(frozen=True)
class ServiceEntry:
    name: str
    category: str
    contact: str = ""
    eligibility: str = ""
    purchased: bool = False
    active: bool = True


@dataclass(frozen=True)
class LocalServiceView:
    id: int
    version: int
    entry: ServiceEntry

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS[ServiceCategory(self.entry.category)]


@dataclass(frozen=True)
class SignpostingView:
    id: int
    version: int
    service_id: int
    service_name: str
    category: str
    signposted_on: date
    reason: str
    follow_up_on: date | None
    outcome: str | None
    outcome_on: date | None
    patient_id: int = 0

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[SignpostOutcome(self.outcome)] if self.outcome else "No outcome yet"

    @property
    def summary(self) -> str:
        """How a letter or the panel names it: "Stop Smoking Service (Smoking cessation)"."""
        return f"{self.service_name} ({CATEGORY_LABELS[ServiceCategory(self.category)]})"


@dataclass(frozen=True)
class SignpostingDue:
    id: int
    version: int
    patient_id: int
    nhs_number: str
    given_name: str
    family_name: str
    practice_code: str
    service_name: str
    category: str
    signposted_on: date
    follow_up_on: date
    outcome: str | None


class SignpostingQueries(Protocol):
    def services(self, category: str | None, include_inactive: bool) -> list[LocalServiceView]: ...
    def service(self, service_id: int) -> LocalServiceView | None: ...
    def add_service(self, entry: ServiceEntry) -> int: ...
    def update_service(self, service_id: int, entry: ServiceEntry,
                       expected_version: int) -> bool: ...
    def patient_birth_date(self, patient_id: int) -> date | None: ...
    def add_signposting(self, patient_id: int, service_id: int, on: date, reason: str,
                        follow_up_on: date | None) -> int: ...
    def signposting(self, signposting_id: int) -> SignpostingView | None: ...
    def set_outcome(self, signposting_id: int, outcome: str, on: date,
                    follow_up_on: date | None, expected_version: int) -> bool: ...
    def for_patient(self, patient_id: int, since: date | None) -> list[SignpostingView]: ...
    def due(self, as_of: date, practice_code: str | None) -> list[SignpostingDue]: ...


class InvalidSignposting(ValueError):
    def __init__(self, problems: Sequence[SignpostProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)


class SignpostingChanged(Exception):
    def __init__(self, what: str = "This record") -> None:
        super().__init__(f"{what} was changed by someone else since you opened it; nothing "
                         "was saved. Open it again to see their change.")


def list_services(uow: UnitOfWork, category: str | None = None,
                  include_inactive: bool = False) -> list[LocalServiceView]:
    if category is not None and category not in set(ServiceCategory):
        raise InvalidSignposting([SignpostProblem("category",
                                                  f"{category!r} is not a category.")])
    signed_in(uow)
    with uow:
        return uow.signposting.services(category, include_inactive)


def _clean(entry: ServiceEntry) -> ServiceEntry:
    clean = ServiceEntry(entry.name.strip(), entry.category, entry.contact.strip(),
                         entry.eligibility.strip(), entry.purchased, entry.active)
    problems = validate_service(clean.name, clean.category, clean.contact, clean.eligibility)
    if problems:
        raise InvalidSignposting(problems)
    return clean


def add_service(uow: UnitOfWork, entry: ServiceEntry) -> int:
    clean = _clean(entry)
    require(uow, Permission.MANAGE_SETTINGS)
    with uow:
        service_id = uow.signposting.add_service(clean)
        audit.record(uow, "create", "local_service", service_id, after=clean)
        uow.commit()
    return service_id


def update_service(uow: UnitOfWork, service_id: int, entry: ServiceEntry,
                   expected_version: int) -> None:
    clean = _clean(entry)
    require(uow, Permission.MANAGE_SETTINGS)
    with uow:
        before = uow.signposting.service(service_id)
        if before is None:
            raise LookupError(f"There is no service {service_id} in the directory.")
        if not uow.signposting.update_service(service_id, clean, expected_version):
            raise SignpostingChanged("This service")
        audit.record(uow, "update", "local_service", service_id, before=before.entry,
                     after=clean)
        uow.commit()


def record_signposting(uow: UnitOfWork, patient_id: int, service_id: int, on: date,
                       reason: str, follow_up_on: date | None, today: date) -> int:
    """Raises InvalidSignposting (every problem, by field) or PatientNotFound."""
    require(uow, Permission.MANAGE_CARE)
    with uow:
        born = uow.signposting.patient_birth_date(patient_id)
        if born is None:
            raise PatientNotFound("That patient is no longer in this register.")
        problems = validate_signposting(on, reason, follow_up_on, born, today)
        service = uow.signposting.service(service_id)
        if service is None:
            problems.append(SignpostProblem("service", f"There is no service {service_id} in "
                                            "the directory."))
        elif not service.entry.active:
            problems.append(SignpostProblem("service", f"{service.entry.name} is no longer "
                                            "active in the directory."))
        if problems:
            raise InvalidSignposting(problems)
        signposting_id = uow.signposting.add_signposting(patient_id, service_id, on,
                                                         reason.strip(), follow_up_on)
        audit.record(uow, "create", "signposting", signposting_id,
                     after={"patient": patient_id, "service": service_id, "on": on,
                            "follow_up_on": follow_up_on})
        uow.commit()
    return signposting_id


def record_signpost_outcome(uow: UnitOfWork, signposting_id: int, outcome: str, on: date,
                            today: date, expected_version: int,
                            next_follow_up: date | None = None) -> None:
    """The outcome of a follow-up. "Waiting" needs the date to follow up again; any other
    outcome settles it (no follow-up date left). A stale version is refused."""
    require(uow, Permission.MANAGE_CARE)
    with uow:
        current = uow.signposting.signposting(signposting_id)
        if current is None:
            raise LookupError(f"There is no signposting {signposting_id}.")
        problems = validate_signpost_outcome(outcome, on, current.signposted_on,
                                             next_follow_up, today)
        if problems:
            raise InvalidSignposting(problems)
        follow_up = next_follow_up if outcome == SignpostOutcome.WAITING else None
        if not uow.signposting.set_outcome(signposting_id, outcome, on, follow_up,
                                           expected_version):
            raise SignpostingChanged("This signposting")
        audit.record(uow, "update", "signposting", signposting_id,
                     before={"outcome": current.outcome, "outcome_on": current.outcome_on,
                             "follow_up_on": current.follow_up_on},
                     after={"outcome": outcome, "outcome_on": on, "follow_up_on": follow_up})
        uow.commit()


def signposting_by_id(uow: UnitOfWork, signposting_id: int) -> SignpostingView:
    """One signposting as it stands (with its version, for a change). Raises LookupError."""
    with uow:
        current = uow.signposting.signposting(signposting_id)
        if current is None:
            raise LookupError(f"There is no signposting {signposting_id}.")
        require_patient(uow, Permission.VIEW_RECORD, current.patient_id)
    return current


def patient_signpostings(uow: UnitOfWork, patient_id: int,
                         since: date | None = None) -> list[SignpostingView]:
    with uow:
        require_patient(uow, Permission.VIEW_RECORD, patient_id)
        found = uow.signposting.for_patient(patient_id, since)
        audit.record(uow, "view", "patient", patient_id, part="signposting")
        uow.commit()
        return found


def signpostings_due(uow: UnitOfWork, as_of: date,
                     practice_code: str | None = None) -> list[SignpostingDue]:
    """Signpostings with a follow-up date on or before ``as_of`` and no settled outcome,
    longest overdue first."""
    practice_code = practice_scope(uow, Permission.VIEW_REGISTER, practice_code)
    with uow:
        if practice_code is not None and not uow.register.practice_exists(practice_code):
            raise UnknownPractice(practice_code)
        return uow.signposting.due(as_of, practice_code)
