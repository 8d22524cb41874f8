"""Role checks the services make before they touch data (rules in domain/access.py).

Every use case starts with one of these, so the limits of a role hold whichever face calls it:
the desktop app hides what a role cannot do, but the refusal itself happens here.
"""

from __future__ import annotations

from facilitator_app.domain.access import AccessDenied, Actor, Permission
from facilitator_app.services.ports import UnitOfWork


class NotSignedIn(AccessDenied):
    """No one is signed in on this unit of work."""


def require(uow: UnitOfWork, permission: Permission) -> Actor:
    actor = signed_in(uow)
    actor.require(permission)
    return actor


def signed_in(uow: UnitOfWork) -> Actor:
    if uow.actor is None:
        raise NotSignedIn("Sign in first: no one is signed in.")
    return uow.actor


def practice_scope(uow: UnitOfWork, permission: Permission, requested: str | None) -> str | None:
    """The practice a listing may cover: their own for a practice-bound user (who is refused
    any other), whatever was asked for everyone else."""
    return signed_in(uow).practice_for(permission, requested)


def require_patient(uow: UnitOfWork, permission: Permission, patient_id: int) -> Actor:
    """May the signed-in user do this to this patient? Call inside the unit of work."""
    actor = require(uow, permission)
    if actor.role.practice_bound:
        actor.require_practice(permission, uow.patients.practice_code_of(patient_id))
    return actor
