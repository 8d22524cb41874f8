"""Use case: fill an empty database with the synthetic demo register."""

from __future__ import annotations

import time
from datetime import date

from facilitator_app.domain.access import Permission
from facilitator_app.domain.nhs_number import TEST_RANGE_CAPACITY
from facilitator_app.services import audit
from facilitator_app.services.access import require, signed_in
from facilitator_app.services.demo_care import MAX_SIGNPOSTINGS, demo_care
from facilitator_app.services.demo_data import demo_batches, practices_for
from facilitator_app.services.jobs import CancelToken, Progress, no_progress
from facilitator_app.services.ports import DemoSummary, UnitOfWork

# Every demo patient needs a distinct valid NHS number from the never-issued 999 range, and
# only 10 in 11 of its stems have a valid check digit.
MAX_DEMO_PATIENTS = TEST_RANGE_CAPACITY


class RegisterNotEmpty(RuntimeError):
    pass


def build_demo_register(
    uow: UnitOfWork,
    patients: int,
    seed: int,
    today: date,
    *,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> DemoSummary:
    """All or nothing: one transaction, so a cancelled or failed build leaves the database
    empty rather than half-filled."""
    if not 1 <= patients <= MAX_DEMO_PATIENTS:
        raise ValueError(
            f"--patients must be between 1 and {MAX_DEMO_PATIENTS:,} (the number of valid NHS "
            "numbers in the 999 test range, which is all the demo register may use)"
        )
    require(uow, Permission.IMPORT_DATA)
    cancel = cancel or CancelToken()
    started = time.perf_counter()
    observations = 0
    with uow:
        if not uow.demo.is_empty():
            raise RegisterNotEmpty(
                "This database already holds patients; the demo register is only built into "
                "an empty database (choose another file with --db)."
            )
        practices = practices_for(patients)
        practice_ids = uow.demo.add_practices(practices)
        done = 0
        for batch in demo_batches(patients, seed, today, practice_ids):
            cancel.raise_if_cancelled()
            observations += uow.demo.add_batch(batch)
            done += len(batch.patients)
            progress(done, patients)
        uow.demo.refresh_recall_anchor()
        cancel.raise_if_cancelled()
        sampled = uow.demo.sample_patients(every=20, limit=MAX_SIGNPOSTINGS)
        uow.demo.add_care(demo_care(seed, today, len(sampled)), sampled)
        audit.record(uow, "create", "demo_register", patients=patients, seed=seed)
        uow.commit()
    return DemoSummary(len(practices), patients, observations, time.perf_counter() - started)


def register_is_empty(uow: UnitOfWork) -> bool:
    """The app offers the demo register only when there is no real data to hide."""
    signed_in(uow)
    with uow:
        return uow.demo.is_empty()
