"""Typed SQLAlchemy models for the register.

Every table carries, beside its integer key, a stable ``global_id`` (UUID), ``created_at`` /
``updated_at`` timestamps and a ``version`` counter. The integer keys are local to one database;
the global ids let registers from several laptops and a team server be merged and synchronised
later without renumbering, and the version column gives optimistic concurrency control (two users
editing one patient are detected, not silently overwritten).

Patient-identifiable data lives only in ``patient``; every other table refers to it by key.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

from db.ids import uuid7

# Named constraints: Alembic batch mode (SQLite) can only alter constraints that have names.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Timestamps are stored in UTC so that laptops in different states agree when merged."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Tracked:
    """Columns every table shares: local key, global id, timestamps and optimistic version."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    global_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid7)
    # Server defaults too, so bulk inserts can leave these to the database.
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.current_timestamp()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        default=utcnow,
        onupdate=utcnow,
        server_default=func.current_timestamp(),
    )
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # The ORM bumps `version` on every UPDATE and raises StaleDataError when the row was
        # changed by someone else since it was read.
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class Practice(Tracked, Base):
    __tablename__ = "practice"

    code: Mapped[str] = mapped_column(String(10), unique=True)  # ODS code, e.g. "B86001"
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    # letterhead logo, PNG or JPEG bytes (checked on save); in the database so a shared
    # PostgreSQL register prints the same letterhead on every laptop
    logo: Mapped[bytes | None] = mapped_column(LargeBinary)

    patients: Mapped[list[Patient]] = relationship(back_populates="practice")


# The caseload's recall key: the recall anchor with NULL (a core element never recorded, the
# most overdue) as 0001-01-01. Queries must spell it exactly so (db.queries.caseload.recall_key)
# for SQLite and PostgreSQL to answer them from the expression indexes below.
NEVER_RECORDED_KEY = "0001-01-01"
RECALL_KEY_SQL = f"coalesce(core_check_oldest_on, '{NEVER_RECORDED_KEY}')"


class Patient(Tracked, Base):
    __tablename__ = "patient"

    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"))
    nhs_number: Mapped[str] = mapped_column(String(10), unique=True)  # digits only
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    # casefolded "family given": one indexed key for name sort and prefix search
    sort_name: Mapped[str] = mapped_column(String(201))
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))  # F, M, I (indeterminate), U (unknown)
    ethnicity: Mapped[str] = mapped_column(String(2), default="Z")  # NHS ethnic category code
    address: Mapped[str] = mapped_column(Text, default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    registered_on: Mapped[date | None] = mapped_column(Date)
    # Denormalised recall anchor: the oldest of the latest dates of the six core check elements,
    # NULL when any core element was never recorded. Status (overdue / due / done) is a date
    # comparison on it, so the caseload can filter and sort 1,000,000 patients by an index.
    # Maintained by db.queries.recall.refresh_recall_anchor whenever observations change.
    core_check_oldest_on: Mapped[date | None] = mapped_column(Date)
    # Its indexes hold it as RECALL_KEY_SQL, never-recorded as a date before any real one, so
    # that each status, "overdue" (never, or before a cut-off) included, is one index range.
    # Denormalised latest dates, kept by the same refresh (db.queries.recall) in the same
    # transaction as any write of the records they summarise. Whole-register statements (QOF,
    # recall worklist, register size) read them from this one row instead of aggregating
    # every patient's records; a date later than the statement's cut-off sends that one
    # patient back to the indexed records (see db.queries.latest). Latest date ever recorded
    # of each core check element:
    bmi_last_on: Mapped[date | None] = mapped_column(Date)
    blood_pressure_last_on: Mapped[date | None] = mapped_column(Date)
    lipids_last_on: Mapped[date | None] = mapped_column(Date)
    glucose_last_on: Mapped[date | None] = mapped_column(Date)
    alcohol_last_on: Mapped[date | None] = mapped_column(Date)
    smoking_last_on: Mapped[date | None] = mapped_column(Date)
    care_plan_last_on: Mapped[date | None] = mapped_column(Date)  # element care_plan
    # ... with what the latest records said where MH011 asks (is this person at higher risk?):
    # the value of the latest BMI, and the latest smoking status code (the greatest code on
    # the latest date, as the statements order them).
    bmi_last_value: Mapped[float | None] = mapped_column(Float)
    smoking_last_code: Mapped[str | None] = mapped_column(String(20))
    # ... and of the register records (first diagnosis is the earliest ever):
    first_diagnosis_on: Mapped[date | None] = mapped_column(Date)
    last_diagnosis_on: Mapped[date | None] = mapped_column(Date)
    last_remission_on: Mapped[date | None] = mapped_column(Date)
    last_lithium_issue_on: Mapped[date | None] = mapped_column(Date)
    last_lithium_stop_on: Mapped[date | None] = mapped_column(Date)
    # ... and of personalised care adjustments and invitations (only patients with one recent
    # enough are looked up):
    last_care_adjustment_on: Mapped[date | None] = mapped_column(Date)

    practice: Mapped[Practice] = relationship(back_populates="patients")

    __table_args__ = (
        Index("ix_patient_practice_sort_name", "practice_id", "sort_name", "id"),
        Index("ix_patient_sort_name", "sort_name", "id"),
        Index("ix_patient_practice_recall", "practice_id", text(RECALL_KEY_SQL), "id"),
        Index("ix_patient_recall", text(RECALL_KEY_SQL), "id"),
        Index("ix_patient_practice_dob", "practice_id", "date_of_birth", "id"),
        Index("ix_patient_dob", "date_of_birth", "id"),
        Index("ix_patient_practice_nhs", "practice_id", "nhs_number"),
    )


class SmiDiagnosis(Tracked, Base):
    """An MH_COD record: psychosis, schizophrenia or bipolar disorder, dated."""

    __tablename__ = "smi_diagnosis"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(20))  # SNOMED CT concept id
    category: Mapped[str] = mapped_column(String(30))  # schizophrenia, bipolar, psychosis, ...
    diagnosed_on: Mapped[date] = mapped_column(Date)

    __table_args__ = (
        Index("ix_smi_diagnosis_patient", "patient_id", "diagnosed_on"),
        UniqueConstraint("patient_id", "code", "diagnosed_on", name="uq_smi_diagnosis_record"),
    )


class Remission(Tracked, Base):
    """An MHREM_COD record. Remission is an event, not a property of a diagnosis: a later
    diagnosis code ends it (domain.md section 1)."""

    __tablename__ = "remission"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(20))
    recorded_on: Mapped[date] = mapped_column(Date)

    __table_args__ = (
        Index("ix_remission_patient", "patient_id", "recorded_on"),
        UniqueConstraint("patient_id", "recorded_on", name="uq_remission_record"),
    )


class MedicationIssue(Tracked, Base):
    """A prescription issue (LIT_COD for lithium) or, with ``stopped`` true, a stop record
    (LITSTP_COD): the register rule compares the latest of each."""

    __tablename__ = "medication_issue"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    drug: Mapped[str] = mapped_column(String(40))  # e.g. "lithium"
    code: Mapped[str] = mapped_column(String(20), default="")  # dm+d / SNOMED where known
    issued_on: Mapped[date] = mapped_column(Date)
    stopped: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        Index("ix_medication_issue_patient", "patient_id", "drug", "issued_on"),
        UniqueConstraint(
            "patient_id", "drug", "issued_on", "stopped", name="uq_medication_issue_record"
        ),
    )


class Observation(Tracked, Base):
    """One table for every check element: a coded value with unit, date and source."""

    __tablename__ = "observation"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    element: Mapped[str] = mapped_column(String(30))  # facilitator_app.domain.checks.Element
    code: Mapped[str] = mapped_column(String(20))  # SNOMED CT concept id
    value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20), default="")
    observed_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20), default="form")  # form, import, demo

    __table_args__ = (
        # Covering index for "latest per element" (code included: the latest smoking status
        # and the care-plan cluster are answered from the index, not the table).
        Index("ix_observation_patient_element_date_code", "patient_id", "element",
              "observed_on", "code"),
        UniqueConstraint("patient_id", "code", "observed_on", name="uq_observation_record"),
    )


class CareAdjustment(Tracked, Base):
    """A personalised care adjustment (formerly exception reporting), or an invitation."""

    __tablename__ = "care_adjustment"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(30))  # unsuitable, declined, invitation
    code: Mapped[str] = mapped_column(String(20))
    element: Mapped[str | None] = mapped_column(String(30))  # None: all MH indicators
    recorded_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_care_adjustment_patient", "patient_id", "recorded_on"),)


class FollowUp(Tracked, Base):
    """An action arising from an abnormal result; open until ``done_on`` is recorded."""

    __tablename__ = "follow_up"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    observation_id: Mapped[int | None] = mapped_column(
        ForeignKey("observation.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(Text)
    assigned_to: Mapped[str] = mapped_column(String(100), default="")
    due_on: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index("ix_follow_up_patient_open", "patient_id", "done_on"),
        # the caseload-wide list of open follow-ups, soonest due first
        Index("ix_follow_up_open_due", "done_on", "due_on"),
    )


class ClinicalCondition(Tracked, Base):
    """A yes/no fact QRISK3 needs that the check itself does not measure (atrial fibrillation,
    CKD 3-5, type 2 diabetes...). ``condition`` is the :class:`Qrisk3Inputs` field name; the
    latest record per condition wins, so "no longer on corticosteroids" is a record too."""

    __tablename__ = "clinical_condition"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    condition: Mapped[str] = mapped_column(String(40))
    present: Mapped[bool] = mapped_column(default=True)
    recorded_on: Mapped[date] = mapped_column(Date)

    __table_args__ = (
        UniqueConstraint(
            "patient_id", "condition", "recorded_on", name="uq_clinical_condition_record"
        ),
    )


class ImportRecord(Tracked, Base):
    """One import of a practice extract that was written (dry runs are not recorded).

    The SHA-256 of the file's bytes identifies it, so "was this file imported before, when and
    by whom" has an answer; the counts say what it changed. No patient data is kept here."""

    __tablename__ = "import_record"

    kind: Mapped[str] = mapped_column(String(20))  # register, results
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(100))
    rows: Mapped[int] = mapped_column(Integer)
    added: Mapped[int] = mapped_column(Integer)  # patients or results new to the register
    updated: Mapped[int] = mapped_column(Integer)  # patients whose details changed
    unchanged: Mapped[int] = mapped_column(Integer)  # rows already on the register as they are


class User(Tracked, Base):
    __tablename__ = "app_user"

    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(30))  # facilitator, gp, practice_manager, ...
    practice_id: Mapped[int | None] = mapped_column(ForeignKey("practice.id"))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)


class AuditEvent(Tracked, Base):
    """Append-only, hash-chained record of who did what (domain/audit_chain.py). ``detail`` never
    holds names or NHS numbers: entities are referred to by global id. The database refuses
    UPDATE and DELETE on this table (triggers in migration 0007)."""

    __tablename__ = "audit_event"

    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    username: Mapped[str] = mapped_column(String(60), default="")  # as it was at the time
    action: Mapped[str] = mapped_column(String(40))  # view, create, update, export, ...
    entity: Mapped[str] = mapped_column(String(40))
    entity_global_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    detail: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_event_occurred", "occurred_at"),)


class AuditHead(Base):
    """One row: the last entry of the audit chain. Appending updates it in the same
    transaction, which also serialises appends (a row lock on PostgreSQL, the write lock on
    SQLite), so two users writing at once cannot fork the chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_event_id: Mapped[int | None] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class AppSetting(Base):
    """Settings shared by everyone using this register (for example the idle-lock time).
    Every change is audited with its old and new value."""

    __tablename__ = "app_setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# -- stepped care, outcomes and signposting (issue 7) ----------------------------------------


class CareEpisode(Tracked, Base):
    """One referral to the facilitator until discharge: the steps it went through, the
    interventions and sessions delivered, referrals on to specialist care, goals and scores."""

    __tablename__ = "care_episode"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    referred_on: Mapped[date] = mapped_column(Date)
    referral_source: Mapped[str] = mapped_column(String(100))
    facilitator: Mapped[str] = mapped_column(String(100), default="")
    start_step: Mapped[int] = mapped_column(Integer)
    current_step: Mapped[int] = mapped_column(Integer)
    cluster: Mapped[int | None] = mapped_column(Integer)  # MHCT care cluster 0-21
    cluster_on: Mapped[date | None] = mapped_column(Date)
    discharged_on: Mapped[date | None] = mapped_column(Date)
    discharge_reason: Mapped[str | None] = mapped_column(String(30))
    discharge_note: Mapped[str] = mapped_column(Text, default="")

    # for writing an episode in one go (the demo); the use cases read through queries
    interventions: Mapped[list[Intervention]] = relationship()
    step_changes: Mapped[list[StepChange]] = relationship()
    measures: Mapped[list[MeasureResponse]] = relationship()
    goals: Mapped[list[EpisodeGoal]] = relationship()
    star_ratings: Mapped[list[RecoveryStarRating]] = relationship()

    __table_args__ = (
        Index("ix_care_episode_patient", "patient_id", "referred_on"),
        Index("ix_care_episode_discharged", "discharged_on"),
    )


class StepChange(Tracked, Base):
    __tablename__ = "step_change"

    episode_id: Mapped[int] = mapped_column(ForeignKey("care_episode.id", ondelete="CASCADE"),
                                            index=True)
    changed_on: Mapped[date] = mapped_column(Date)
    from_step: Mapped[int] = mapped_column(Integer)
    to_step: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)


class SpecialistReferral(Tracked, Base):
    __tablename__ = "specialist_referral"

    episode_id: Mapped[int] = mapped_column(ForeignKey("care_episode.id", ondelete="CASCADE"),
                                            index=True)
    target: Mapped[str] = mapped_column(String(30))
    referred_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    status_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")


class Intervention(Tracked, Base):
    """A low-intensity intervention within an episode, at the step it was delivered, by the
    facilitator or a provider (``delivered_by``: outcomes are reported per provider)."""

    __tablename__ = "intervention"

    episode_id: Mapped[int] = mapped_column(ForeignKey("care_episode.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[str] = mapped_column(String(40))
    step: Mapped[int] = mapped_column(Integer)
    started_on: Mapped[date] = mapped_column(Date)
    delivered_by: Mapped[str] = mapped_column(String(200), default="")

    sessions: Mapped[list[InterventionSession]] = relationship()


class InterventionSession(Tracked, Base):
    __tablename__ = "intervention_session"

    intervention_id: Mapped[int] = mapped_column(
        ForeignKey("intervention.id", ondelete="CASCADE"), index=True)
    session_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    attendance: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")


class MeasureResponse(Tracked, Base):
    """One completed questionnaire (PHQ-9, GAD-7, SWEMWBS, ...), item by item. The total, score
    and band are stored as computed when it was saved, so reports are plain SQL."""

    __tablename__ = "measure_response"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    episode_id: Mapped[int | None] = mapped_column(
        ForeignKey("care_episode.id", ondelete="SET NULL"))
    measure: Mapped[str] = mapped_column(String(20))
    completed_on: Mapped[date] = mapped_column(Date)
    answers: Mapped[str] = mapped_column(String(100))  # item values, comma-separated, in order
    raw_total: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(40), default="")
    risk_flag: Mapped[bool] = mapped_column(default=False)
    risk_action: Mapped[str] = mapped_column(Text, default="")
    self_completed: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        Index("ix_measure_response_patient", "patient_id", "measure", "completed_on"),
        Index("ix_measure_response_episode", "episode_id", "measure", "completed_on"),
    )


class EpisodeGoal(Tracked, Base):
    """A personal goal in the patient's own words, set at the start of an episode."""

    __tablename__ = "episode_goal"

    episode_id: Mapped[int] = mapped_column(ForeignKey("care_episode.id", ondelete="CASCADE"),
                                            index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1-3
    text: Mapped[str] = mapped_column(Text)
    set_on: Mapped[date] = mapped_column(Date)

    ratings: Mapped[list[GoalRating]] = relationship()


class GoalRating(Tracked, Base):
    __tablename__ = "goal_rating"

    goal_id: Mapped[int] = mapped_column(ForeignKey("episode_goal.id", ondelete="CASCADE"),
                                         index=True)
    rated_on: Mapped[date] = mapped_column(Date)
    score: Mapped[int] = mapped_column(Integer)  # 0-10

    __table_args__ = (UniqueConstraint("goal_id", "rated_on", name="uq_goal_rating_day"),)


class RecoveryStarRating(Tracked, Base):
    """One area of a Mental Health Recovery Star review (1-10); a review is ten rows."""

    __tablename__ = "recovery_star_rating"

    episode_id: Mapped[int] = mapped_column(ForeignKey("care_episode.id", ondelete="CASCADE"))
    rated_on: Mapped[date] = mapped_column(Date)
    area: Mapped[str] = mapped_column(String(60))
    score: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("episode_id", "rated_on", "area", name="uq_recovery_star_area_day"),
    )


class LocalService(Tracked, Base):
    """The directory of local services patients are signposted to."""

    __tablename__ = "local_service"

    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(30), index=True)
    contact: Mapped[str] = mapped_column(Text, default="")
    eligibility: Mapped[str] = mapped_column(Text, default="")
    purchased: Mapped[bool] = mapped_column(default=False)  # bought from the pathway budget
    active: Mapped[bool] = mapped_column(default=True)


class Signposting(Tracked, Base):
    __tablename__ = "signposting"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("local_service.id"))
    signposted_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_on: Mapped[date | None] = mapped_column(Date)

    service: Mapped[LocalService] = relationship()

    __table_args__ = (
        Index("ix_signposting_patient", "patient_id", "signposted_on"),
        Index("ix_signposting_follow_up", "follow_up_on"),
    )


# -- pathway budget (issue 8) -------------------------------------------------------------
# Money is integer pence everywhere; VAT rates are basis points (2000 = 20 %).


class Provider(Tracked, Base):
    """Someone the pathway budget buys care from (talking therapies, peer support, ...)."""

    __tablename__ = "provider"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    contact: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)


class ProviderService(Tracked, Base):
    __tablename__ = "provider_service"

    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40))  # session, week, course, place
    unit_price_pence: Mapped[int] = mapped_column(BigInteger)
    vat_basis_points: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)

    provider: Mapped[Provider] = relationship()

    __table_args__ = (UniqueConstraint("provider_id", "name", name="uq_provider_service_name"),)


class BudgetLine(Tracked, Base):
    """One line of a financial year's pathway budget (1 April - 31 March)."""

    __tablename__ = "budget_line"

    financial_year: Mapped[int] = mapped_column(Integer)  # the year it starts, 2026 = 2026/27
    name: Mapped[str] = mapped_column(String(200))
    amount_pence: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (UniqueConstraint("financial_year", "name", name="uq_budget_line_name"),)


class Commitment(Tracked, Base):
    """A service bought for a patient: the price and VAT are copied from the service when it
    is authorised, so a later price change does not rewrite what was agreed."""

    __tablename__ = "commitment"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    episode_id: Mapped[int | None] = mapped_column(
        ForeignKey("care_episode.id", ondelete="SET NULL"))
    service_id: Mapped[int] = mapped_column(ForeignKey("provider_service.id"), index=True)
    budget_line_id: Mapped[int] = mapped_column(ForeignKey("budget_line.id"), index=True)
    units: Mapped[int] = mapped_column(Integer)
    unit_price_pence: Mapped[int] = mapped_column(BigInteger)
    vat_basis_points: Mapped[int] = mapped_column(Integer)
    net_pence: Mapped[int] = mapped_column(BigInteger)
    vat_pence: Mapped[int] = mapped_column(BigInteger)
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="active")  # active, cancelled
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    authorised_by: Mapped[str] = mapped_column(String(100), default="")

    # for writing a commitment in one go (the demo); the use cases read through queries
    episode: Mapped[CareEpisode | None] = relationship()
    service: Mapped[ProviderService] = relationship()
    budget_line: Mapped[BudgetLine] = relationship()
    invoices: Mapped[list[Invoice]] = relationship()


class Invoice(Tracked, Base):
    """An invoice matched to one commitment; spend counts from its approval date."""

    __tablename__ = "invoice"

    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"), index=True)
    reference: Mapped[str] = mapped_column(String(100))
    invoice_date: Mapped[date] = mapped_column(Date)
    units: Mapped[int] = mapped_column(Integer)
    net_pence: Mapped[int] = mapped_column(BigInteger)
    vat_pence: Mapped[int] = mapped_column(BigInteger)
    approved_on: Mapped[date | None] = mapped_column(Date, index=True)

    payments: Mapped[list[Payment]] = relationship()


class Payment(Tracked, Base):
    __tablename__ = "payment"

    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    paid_on: Mapped[date] = mapped_column(Date)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
