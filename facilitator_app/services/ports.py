"""The contract between the services and storage: plain DTOs and Protocols.

Services and the UI see only these types; ``db/`` implements the Protocols and
``facilitator_app/bootstrap.py`` is the only place that wires the two together.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

from facilitator_app.domain.checks import Element, RecallStatus

if TYPE_CHECKING:  # feature modules define their own storage Protocols next to their services
    from facilitator_app.domain.access import Actor
    from facilitator_app.services.accounts import AccountStore, KeySlots
    from facilitator_app.services.audit import AuditLog
    from facilitator_app.services.budget import BudgetQueries
    from facilitator_app.services.care_records import CareQueries
    from facilitator_app.services.demo_care import DemoCare
    from facilitator_app.services.follow_ups import FollowUpsQueries
    from facilitator_app.services.imports import ImportWriter
    from facilitator_app.services.letterhead import LetterheadStore
    from facilitator_app.services.letters import LetterQueries
    from facilitator_app.services.outcomes_report import OutcomeReportQueries
    from facilitator_app.services.qof import QofQueries
    from facilitator_app.services.record_check import CheckWriter
    from facilitator_app.services.settings import SettingsStore
    from facilitator_app.services.signposting import SignpostingQueries
    from facilitator_app.services.worklist import WorklistQueries

# ---------------------------------------------------------------------------------------------
# Caseload


class CaseloadFilter(StrEnum):
    ALL = "all"
    OVERDUE = "overdue"
    DUE = "due"
    DONE = "done"
    FOLLOW_UP = "follow_up"

    @property
    def label(self) -> str:
        return {
            "all": "All patients",
            "overdue": "Overdue",
            "due": "Due soon",
            "done": "Up to date",
            "follow_up": "Open follow-up",
        }[self.value]


class CaseloadSort(StrEnum):
    NAME = "name"
    NHS_NUMBER = "nhs_number"
    DATE_OF_BIRTH = "date_of_birth"
    RECALL = "recall"  # longest overdue (never done) first


@dataclass(frozen=True)
class CaseloadQuery:
    practice_code: str | None = None  # None: every practice
    text: str = ""  # family-name prefix, or NHS number prefix when digits
    status: CaseloadFilter = CaseloadFilter.ALL
    sort: CaseloadSort = CaseloadSort.NAME
    descending: bool = False


@dataclass(frozen=True)
class RecallCutoffs:
    """Status as plain date comparisons (see domain.checks.overdue_before): OVERDUE iff the
    recall anchor is NULL or < overdue_before; DUE iff < due_soon_before; else DONE."""

    overdue_before: date
    due_soon_before: date


@dataclass(frozen=True)
class PracticeRow:
    code: str
    name: str
    patient_count: int


@dataclass(frozen=True)
class CaseloadRow:
    patient_id: int
    nhs_number: str
    family_name: str
    given_name: str
    date_of_birth: date
    sex: str
    practice_code: str
    core_check_oldest_on: date | None
    open_follow_ups: int
    status: RecallStatus
    next_due: date | None  # None: a core element was never recorded


# ---------------------------------------------------------------------------------------------
# One patient's record


@dataclass(frozen=True)
class DiagnosisView:
    label: str
    category: str
    diagnosed_on: date


@dataclass(frozen=True)
class ElementView:
    element: Element
    label: str
    value_text: str  # e.g. "132/84 mmHg", "27.4 kg/m²", "Ex-smoker"; "" when never recorded
    observed_on: date | None
    status: RecallStatus
    next_due: date | None
    core: bool


@dataclass(frozen=True)
class FollowUpView:
    action: str
    assigned_to: str
    due_on: date
    done_on: date | None


@dataclass(frozen=True)
class PatientRecord:
    patient_id: int
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: date
    age: int
    sex: str
    ethnicity: str
    address: str
    postcode: str
    practice_code: str
    practice_name: str
    diagnoses: tuple[DiagnosisView, ...]
    register_reasons: tuple[str, ...]
    in_remission: bool
    on_lithium: bool
    elements: tuple[ElementView, ...]
    follow_ups: tuple[FollowUpView, ...]
    status: RecallStatus
    version: int = 0  # the patient row's version: a check saved against a stale one is refused


# Raw facts the storage returns for one patient; the service turns them into a PatientRecord.


@dataclass(frozen=True)
class ObservationFact:
    element: str
    code: str
    value: float | None
    unit: str
    observed_on: date


@dataclass(frozen=True)
class PatientFacts:
    patient_id: int
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    ethnicity: str
    address: str
    postcode: str
    practice_code: str
    practice_name: str
    diagnoses: tuple[tuple[str, str, date], ...]  # (code, category, diagnosed_on)
    remission_dates: tuple[date, ...]
    lithium_issue_dates: tuple[date, ...]
    lithium_stop_dates: tuple[date, ...]
    latest_observations: tuple[ObservationFact, ...]  # latest per code
    follow_ups: tuple[FollowUpView, ...]
    version: int = 0


# ---------------------------------------------------------------------------------------------
# Register listing


@dataclass(frozen=True)
class RegisterEntry:
    nhs_number: str
    family_name: str
    given_name: str
    date_of_birth: date
    sex: str
    practice_code: str
    on_mh1: bool
    on_mh2: bool
    in_remission: bool
    core_check_oldest_on: date | None


# ---------------------------------------------------------------------------------------------
# Demo register


@dataclass(frozen=True)
class DemoPractice:
    code: str
    name: str
    address: str
    phone: str


@dataclass
class DemoBatch:
    """One chunk of synthetic patients with their records, keyed by a patient's position in the
    batch (``patient_index``) because database keys do not exist until the batch is written."""

    patients: list[dict[str, object]] = field(default_factory=list)
    diagnoses: list[dict[str, object]] = field(default_factory=list)
    remissions: list[dict[str, object]] = field(default_factory=list)
    medications: list[dict[str, object]] = field(default_factory=list)
    observations: list[dict[str, object]] = field(default_factory=list)
    adjustments: list[dict[str, object]] = field(default_factory=list)
    follow_ups: list[dict[str, object]] = field(default_factory=list)


@dataclass(frozen=True)
class DemoSummary:
    practices: int
    patients: int
    observations: int
    seconds: float


# ---------------------------------------------------------------------------------------------
# Storage protocols


class CaseloadQueries(Protocol):
    def practices(self) -> list[PracticeRow]: ...

    def count(self, query: CaseloadQuery, cutoffs: RecallCutoffs) -> int: ...

    def page(
        self, query: CaseloadQuery, cutoffs: RecallCutoffs, offset: int, limit: int, total: int
    ) -> list[CaseloadRow]:
        """Rows ``offset``..``offset+limit`` in the query's order; ``status`` and ``next_due``
        are left for the service to fill in (it owns the recall rule)."""
        ...


class PatientQueries(Protocol):
    def facts(self, patient_id: int) -> PatientFacts | None: ...

    def id_for_nhs_number(self, nhs_number: str) -> int | None: ...

    def practice_code_of(self, patient_id: int) -> str | None: ...


class RegisterQueries(Protocol):
    def entries(self, practice_code: str | None, ref: date) -> Iterator[RegisterEntry]: ...

    def practice_exists(self, code: str) -> bool: ...


class DemoWriter(Protocol):
    def is_empty(self) -> bool: ...

    def add_practices(self, practices: Sequence[DemoPractice]) -> dict[str, int]: ...

    def add_batch(self, batch: DemoBatch) -> int:
        """Write one batch; returns the number of observations written."""
        ...

    def refresh_recall_anchor(self) -> None: ...

    def sample_patients(self, every: int, limit: int) -> list[int]:
        """Ids of every ``every``-th patient, at most ``limit``: who gets demo care."""
        ...

    def add_care(self, care: DemoCare, patient_ids: Sequence[int]) -> None:
        """The demo's services, episodes and signpostings (``patient_index`` into the ids)."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Nothing is kept unless ``commit()`` is called; leaving the ``with``
    block rolls back whatever is left (errors, cancels, early returns). ``actor`` is the
    signed-in user the services check and audit (None before sign-in)."""

    actor: Actor | None
    accounts: AccountStore
    keys: KeySlots
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

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...
