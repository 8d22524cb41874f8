"""The small dialogs that change a stepped-care episode (domain.md §6, §7.1, §5.3): opening one,
recording a session, changing step, referring on and recording the referral's status, the
care cluster, goals and their ratings, a Recovery Star review, and discharge.

Each dialog reads the episode once when it opens and checks nothing itself: the services do
(``services/stepped_care.py``, ``services/outcome_measures.py``) and every problem they report
is shown beside the field it names, in the field's accessible description, and listed under
the form. Saving is one quick transaction, so it runs on the GUI thread. A change to the
episode row (step, cluster, discharge) and to a referral carries the version read when the
dialog opened: if someone else changed it since, nothing is saved and the dialog says so.

``save() -> bool`` is the test hook (the Save button calls it and closes on success).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from facilitator_app.domain.clusters import (
    BLANK_CLUSTER,
    CLUSTERS,
    cluster_review_due,
    validate_cluster,
)
from facilitator_app.domain.dates import format_uk_date
from facilitator_app.domain.nhs_number import format_nhs_number
from facilitator_app.domain.recovery import (
    GOAL_MAX_CHARS,
    GOAL_RATING_MAX,
    MAX_GOALS,
    RECOVERY_STAR_AREAS,
    RECOVERY_STAR_MAX,
    RECOVERY_STAR_STAGES,
    RECOVERY_STAR_STAGES_SOURCE,
    recovery_star_stage,
)
from facilitator_app.domain.stepped_care import (
    ATTENDANCE_LABELS,
    DISCHARGE_LABELS,
    INTERVENTION_LABELS,
    MAX_SESSION_MINUTES,
    REFERRAL_TARGET_LABELS,
    STEP_LABELS,
    Attendance,
    Intervention,
    ReferralStatus,
    ReferralTarget,
    Step,
    validate_session,
)
from facilitator_app.services.care_records import InterventionRow, ReferralRow
from facilitator_app.services.outcome_measures import (
    InvalidRecord,
    rate_goals,
    record_recovery_star,
    set_goals,
)
from facilitator_app.services.patients import PatientNotFound, patient_record
from facilitator_app.services.stepped_care import (
    EpisodeChanged,
    EpisodeDetail,
    EpisodeNotFound,
    InvalidEpisode,
    add_intervention,
    change_step,
    discharge,
    episode_detail,
    open_episode,
    patient_episodes,
    record_session,
    refer_to_specialist,
    set_cluster,
    update_referral,
)
from ui.context import UiContext
from ui.widgets.fields import (
    Problem,
    bold,
    choose,
    date_edit,
    qdate,
    red,
    text_box,
    to_date,
    wrapped,
)
from ui.widgets.form_dialog import FormDialog

__all__ = [
    "REFERRAL_SOURCES",
    "REFERRAL_STATUS_LABELS",
    "ClusterDialog",
    "DischargeDialog",
    "EpisodeDialog",
    "GoalsDialog",
    "OpenEpisodeDialog",
    "RecoveryStarDialog",
    "ReferralDialog",
    "ReferralStatusDialog",
    "SessionDialog",
    "StepChangeDialog",
    "cluster_choice_label",
    "episode_summary",
    "intervention_label",
    "referral_label",
]

REFERRAL_SOURCES = ("GP", "Self-referral", "Practice nurse", "Community mental health team",
                    "NHS Talking Therapies", "Social prescriber")
"""Suggestions only: the box takes any text."""

REFERRAL_STATUS_LABELS: dict[ReferralStatus, str] = {
    ReferralStatus.SENT: "Sent (waiting for a reply)",
    ReferralStatus.ACCEPTED: "Accepted (waiting to be seen)",
    ReferralStatus.DECLINED: "Declined by the service",
    ReferralStatus.SEEN: "Seen by the service",
    ReferralStatus.CLOSED: "Closed",
}

NEW_INTERVENTION = "Start a new intervention…"
NOT_RATED = "Not rated"
NOT_SCORED = "Not scored"


# -- small pieces ---------------------------------------------------------------------------------


def intervention_label(row: InterventionRow) -> str:
    name = (INTERVENTION_LABELS[Intervention(row.kind)] if row.kind in set(Intervention)
            else row.kind)
    by = f", {row.delivered_by}" if row.delivered_by else ""
    return f"{name} (step {row.step}, from {format_uk_date(row.started_on)}{by})"


def referral_label(row: ReferralRow) -> str:
    target = REFERRAL_TARGET_LABELS[ReferralTarget(row.target)]
    status = ReferralStatus(row.status)
    when = (f"sent {format_uk_date(row.referred_on)}" if status is ReferralStatus.SENT
            else f"{status.value} {format_uk_date(row.status_on)}")
    return f"{target} ({when})"


def episode_summary(detail: EpisodeDetail) -> str:
    """One line saying which episode a dialog is about."""
    e = detail.episode
    text = f"Episode referred {format_uk_date(e.referred_on)} by {e.referral_source}"
    if e.discharged_on is not None:
        text += f", discharged {format_uk_date(e.discharged_on)}"
    else:
        text += f", now at step {e.current_step}"
    if e.facilitator:
        text += f"; facilitator {e.facilitator}"
    return text + "."


def _patient_line(ctx: UiContext, patient_id: int) -> str:
    record = patient_record(ctx.new_uow(), patient_id, ctx.today())
    return (f"{record.family_name.upper()}, {record.given_name} · NHS number "
            f"{format_nhs_number(record.nhs_number)} · born {format_uk_date(record.date_of_birth)}")


# -- the shared dialog ----------------------------------------------------------------------------


class EpisodeDialog(FormDialog):
    """A form of labelled fields, each with its problem message underneath, a summary of every
    problem under the form and Save / Cancel. ``saved`` is emitted after a successful save."""

    saved = Signal()

    def __init__(self, ctx: UiContext, title: str, parent: QWidget | None = None) -> None:
        super().__init__(ctx, title, parent, about_name="About this episode",
                         mnemonics={"s", "c"},  # Save and Cancel
                         width_em=80)
        self.heading = bold(wrapped(name="Patient"))
        self._column.insertWidget(0, self.heading)

    def add_note(self, text: str) -> QLabel:
        note = wrapped(text)
        self.fields.addRow(note)
        return note

    def field_of(self, message: str) -> str | None:
        """The field a service message without one (InvalidRecord) is about, if known."""
        return None

    def _explain(self, exc: Exception) -> bool:
        if isinstance(exc, InvalidEpisode):
            self.show_problems([(p.field, p.message) for p in exc.problems])
        elif isinstance(exc, InvalidRecord):
            self.show_problems([(self.field_of(text), text) for text in exc.problems])
        elif isinstance(exc, EpisodeChanged):
            self.refuse(str(exc))  # the version is stale: saving again cannot work
        elif isinstance(exc, EpisodeNotFound | PatientNotFound):
            self.refuse(f"Nothing was saved: {exc}")
        else:
            return False
        return True

    def _saved(self, result: object) -> None:
        self.saved.emit()


class _OnEpisode(EpisodeDialog):
    """A dialog about one episode, read when it opens (``detail``, ``version``)."""

    def __init__(self, ctx: UiContext, episode_id: int, title: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, title, parent)
        self.episode_id = episode_id
        self.detail = episode_detail(ctx.new_uow(), episode_id)
        self.version = self.detail.episode.version
        self.heading.setText(_patient_line(ctx, self.detail.episode.patient_id))
        self.about.setText(episode_summary(self.detail))


# -- opening an episode ---------------------------------------------------------------------------


class OpenEpisodeDialog(EpisodeDialog):
    """Referral to the facilitator: when, by whom, the starting step and who holds it.
    ``episode_id`` is set once saved."""

    def __init__(self, ctx: UiContext, patient_id: int, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Open a care episode", parent)
        self.patient_id = patient_id
        self.episode_id: int | None = None
        self.heading.setText(_patient_line(ctx, patient_id))
        earlier = patient_episodes(ctx.new_uow(), patient_id)
        self.about.setText("A referral to the facilitator starts a stepped-care episode. "
                           + (f"{len(earlier)} earlier episode(s) on record."
                              if earlier else "No earlier episode on record."))

        self.referred_on = date_edit(ctx.today(), "Referral date")
        self.source = QComboBox()
        self.source.setEditable(True)
        self.source.addItems(REFERRAL_SOURCES)
        self.source.setCurrentIndex(-1)
        self.source.setEditText("")
        self.source.setAccessibleName("Referred by")
        if (line := self.source.lineEdit()) is not None:
            line.setAccessibleName("Referred by")
            line.setPlaceholderText("Choose or type who referred")
        self.step = QComboBox()
        for step in Step:
            self.step.addItem(STEP_LABELS[step], int(step))
        self.step.setAccessibleName("Starting step")
        self.facilitator = QLineEdit(earlier[0].episode.facilitator if earlier else "")
        self.facilitator.setAccessibleName("Facilitator")
        self.facilitator.setPlaceholderText("Who holds the episode")

        self.add_field("Referral date:", "referred_on", self.referred_on)
        self.add_field("Referred by:", "referral_source", self.source)
        self.add_field("Starting step:", "step", self.step,
                       description="NICE stepped care: the least intrusive effective step first")
        self.add_field("Facilitator:", "facilitator", self.facilitator)

    def set_values(self, referred_on: date, source: str, step: int, facilitator: str) -> None:
        self.referred_on.setDate(qdate(referred_on))
        self.source.setEditText(source)
        choose(self.step, step)
        self.facilitator.setText(facilitator)

    def save(self) -> bool:
        def action() -> None:
            self.episode_id = open_episode(
                self._ctx.new_uow(), self.patient_id, to_date(self.referred_on),
                self.source.currentText(), int(self.step.currentData()),
                self.facilitator.text(), self._ctx.today())

        return self._attempt(action)


# -- a session ------------------------------------------------------------------------------------


class SessionDialog(_OnEpisode):
    """A session of one of the episode's interventions, or of a new one started on the
    session's date at the episode's current step."""

    def __init__(self, ctx: UiContext, episode_id: int, parent: QWidget | None = None) -> None:
        super().__init__(ctx, episode_id, "Record a session", parent)
        self.intervention = QComboBox()
        self.intervention.setAccessibleName("Intervention")
        for row in sorted(self.detail.interventions, key=lambda r: r.started_on, reverse=True):
            self.intervention.addItem(intervention_label(row), row.id)
        self.intervention.addItem(NEW_INTERVENTION, None)
        self.kind = QComboBox()
        self.kind.setAccessibleName("New intervention")
        for kind, label in INTERVENTION_LABELS.items():
            self.kind.addItem(label, kind.value)
        self.delivered_by = QLineEdit()
        self.delivered_by.setAccessibleName("Delivered by")
        self.delivered_by.setPlaceholderText("Leave blank when you deliver it")
        self.on = date_edit(self.today, "Session date")
        self.minutes = QSpinBox()
        self.minutes.setRange(0, MAX_SESSION_MINUTES)
        self.minutes.setSuffix(" min")
        self.minutes.setAccessibleName("Length of the session in minutes")
        self.attendance = QComboBox()
        self.attendance.setAccessibleName("Attendance")
        for attendance, label in ATTENDANCE_LABELS.items():
            self.attendance.addItem(label, attendance.value)
        self.note = text_box("Note", 3, "Optional: what was covered, what was agreed")

        self.add_field("Intervention:", "intervention", self.intervention)
        self.add_field("New intervention:", "kind", self.kind,
                       description="Started on the session date at the episode's current step")
        self.add_field("Delivered by:", "delivered_by", self.delivered_by)
        self.add_field("Session date:", "session_on", self.on, aliases=("started_on",))
        self.add_field("Length:", "duration", self.minutes,
                       description=f"Attended sessions last 1–{MAX_SESSION_MINUTES} minutes")
        self.add_field("Attendance:", "attendance", self.attendance)
        self.add_field("Note:", "note", self.note)
        self.intervention.currentIndexChanged.connect(self._update)
        self.attendance.currentIndexChanged.connect(self._update)
        self._update()

    @property
    def starts_new(self) -> bool:
        return self.intervention.currentData() is None

    def _update(self) -> None:
        self.kind.setEnabled(self.starts_new)
        self.delivered_by.setEnabled(self.starts_new)
        attended = self.attendance.currentData() == Attendance.ATTENDED
        if not attended:
            self.minutes.setValue(0)
        self.minutes.setEnabled(attended)

    def choose_intervention(self, intervention_id: int | None) -> None:
        """An existing intervention of the episode, or None to start a new one."""
        choose(self.intervention, intervention_id)

    def set_new_intervention(self, kind: str, delivered_by: str = "") -> None:
        self.choose_intervention(None)
        choose(self.kind, kind)
        self.delivered_by.setText(delivered_by)

    def set_session(self, on: date, minutes: int, attendance: str, note: str = "") -> None:
        self.on.setDate(qdate(on))
        self.minutes.setValue(minutes)
        choose(self.attendance, attendance)
        self.note.setPlainText(note)
        self._update()  # a session not attended has no length

    def save(self) -> bool:
        on, minutes = to_date(self.on), self.minutes.value()
        attendance = str(self.attendance.currentData())
        note = self.note.toPlainText()
        today, episode = self.today, self.detail.episode
        if self.starts_new:
            # Two services, two transactions: check the session first so a refused session
            # never leaves a new intervention behind with nothing in it.
            # (the new intervention starts on the session date, so the same date rules cover it)
            problems = validate_session(on, minutes, attendance, episode.referred_on,
                                        episode.discharged_on, today)
            if problems:
                self.show_problems([(p.field, p.message) for p in problems])
                return False

            def action() -> None:
                new_id = add_intervention(self._ctx.new_uow(), self.episode_id,
                                          str(self.kind.currentData()), on,
                                          self.delivered_by.text(), today)
                self.intervention.insertItem(0, self.kind.currentText(), new_id)
                self.intervention.setCurrentIndex(0)  # if the session fails now, reuse it
                record_session(self._ctx.new_uow(), new_id, on, minutes, attendance, today,
                               note)
        else:
            def action() -> None:
                record_session(self._ctx.new_uow(), int(self.intervention.currentData()), on,
                               minutes, attendance, today, note)

        return self._attempt(action)


# -- a step change --------------------------------------------------------------------------------


class StepChangeDialog(_OnEpisode):
    """Step up or down: the new step, when, and why (required, domain.md §6)."""

    def __init__(self, ctx: UiContext, episode_id: int, parent: QWidget | None = None) -> None:
        super().__init__(ctx, episode_id, "Change step", parent)
        current = self.detail.episode.current_step
        self.to_step = QComboBox()
        self.to_step.setAccessibleName("New step")
        for step in Step:
            if step != current:
                self.to_step.addItem(STEP_LABELS[step], int(step))
        choose(self.to_step, current + 1 if current < Step.FIVE else current - 1)
        self.on = date_edit(self.today, "Date of the step change")
        self.reason = text_box("Reason for the step change", 3,
                                "e.g. no reliable improvement after 6 weeks")
        self.add_note(f"Now at {STEP_LABELS[Step(current)].lower()}.")
        self.add_field("New step:", "step", self.to_step)
        self.add_field("Date:", "changed_on", self.on)
        self.add_field("Reason:", "reason", self.reason,
                       description="Every step change needs a reason")
        self.add_note("Step up when PHQ-9/GAD-7 have not reliably improved after 4–6 weeks, on "
                      "deterioration, PHQ-9 item 9 at 1 or more, or psychotic or manic "
                      "symptoms. Step down when no longer caseness on two consecutive measures "
                      "and the patient agrees.")

    def set_values(self, to_step: int, on: date, reason: str) -> None:
        choose(self.to_step, to_step)
        self.on.setDate(qdate(on))
        self.reason.setPlainText(reason)

    def save(self) -> bool:
        return self._attempt(lambda: change_step(
            self._ctx.new_uow(), self.episode_id, to_date(self.on),
            int(self.to_step.currentData()), self.reason.toPlainText(), self.today,
            self.version))


# -- specialist referrals -------------------------------------------------------------------------


class ReferralDialog(_OnEpisode):
    """A referral on to specialist care. ``referral_id`` is set once saved."""

    def __init__(self, ctx: UiContext, episode_id: int, parent: QWidget | None = None) -> None:
        super().__init__(ctx, episode_id, "Refer to a specialist service", parent)
        self.referral_id: int | None = None
        self.target = QComboBox()
        self.target.setAccessibleName("Refer to")
        for target, label in REFERRAL_TARGET_LABELS.items():
            self.target.addItem(label, target.value)
        self.on = date_edit(self.today, "Date referred")
        self.note = text_box("Note", 3, "Optional: why, and what was asked for")
        self.add_field("Refer to:", "target", self.target)
        self.add_field("Date referred:", "referral_on", self.on)
        self.add_field("Note:", "note", self.note)
        self.add_note("The episode cannot be discharged while this referral is sent or "
                      "accepted: record it as seen, declined or closed first.")

    def set_values(self, target: str, on: date, note: str = "") -> None:
        choose(self.target, target)
        self.on.setDate(qdate(on))
        self.note.setPlainText(note)

    def save(self) -> bool:
        def action() -> None:
            self.referral_id = refer_to_specialist(
                self._ctx.new_uow(), self.episode_id, str(self.target.currentData()),
                to_date(self.on), self.note.toPlainText(), self.today)

        return self._attempt(action)


class ReferralStatusDialog(_OnEpisode):
    """What became of a specialist referral: accepted, declined, seen or closed, and when."""

    def __init__(self, ctx: UiContext, episode_id: int, parent: QWidget | None = None,
                 referral_id: int | None = None) -> None:
        super().__init__(ctx, episode_id, "Record a referral's status", parent)
        self.referral = QComboBox()
        self.referral.setAccessibleName("Referral")
        ordered = sorted(self.detail.referrals,
                         key=lambda r: (not ReferralStatus(r.status).is_open, r.referred_on))
        self._referrals = {r.id: r for r in ordered}
        for row in ordered:
            self.referral.addItem(referral_label(row), row.id)
        self.status = QComboBox()
        self.status.setAccessibleName("Status")
        for status, label in REFERRAL_STATUS_LABELS.items():
            self.status.addItem(label, status.value)
        self.on = date_edit(self.today, "Date of the status")
        self.add_field("Referral:", "referral", self.referral)
        self.current = self.add_note("")
        self.add_field("New status:", "status", self.status)
        self.add_field("Date:", "status_on", self.on)
        self.current.setAccessibleName("The referral as it stands")
        self.referral.currentIndexChanged.connect(self._referral_chosen)
        if referral_id is not None:
            choose(self.referral, referral_id)
        if not ordered:
            self.save_button.setEnabled(False)
            self._say("This episode has no specialist referrals.")
        self._referral_chosen()

    @property
    def chosen(self) -> ReferralRow | None:
        referral_id = self.referral.currentData()
        return None if referral_id is None else self._referrals[int(referral_id)]

    def _referral_chosen(self) -> None:
        row = self.chosen
        if row is None:
            self.current.setText("")
            return
        status = ReferralStatus(row.status)
        self.current.setText(f"Referred {format_uk_date(row.referred_on)}. Status now: "
                             f"{REFERRAL_STATUS_LABELS[status].lower()}, since "
                             f"{format_uk_date(row.status_on)}."
                             + (f" Note: {row.note}" if row.note else ""))
        choose(self.status, status.value)

    def set_values(self, status: str, on: date, referral_id: int | None = None) -> None:
        if referral_id is not None:
            choose(self.referral, referral_id)
        choose(self.status, status)
        self.on.setDate(qdate(on))

    def save(self) -> bool:
        row = self.chosen
        if row is None:
            return False
        return self._attempt(lambda: update_referral(
            self._ctx.new_uow(), row.id, str(self.status.currentData()), to_date(self.on),
            self.today, row.version))


# -- the care cluster -----------------------------------------------------------------------------


def cluster_choice_label(number: int) -> str:
    c = CLUSTERS[number]
    return f"{number}: {c.label} (review {c.review_label})"


class ClusterDialog(_OnEpisode):
    """The MHCT care cluster (domain.md §7.1) and the date it was assigned; the review due date
    follows as the choice changes. Cluster 9, the blank cluster, is never offered."""

    def __init__(self, ctx: UiContext, episode_id: int, parent: QWidget | None = None) -> None:
        super().__init__(ctx, episode_id, "Care cluster", parent)
        episode = self.detail.episode
        self.cluster = QComboBox()
        self.cluster.setAccessibleName("Care cluster")
        for number in sorted(CLUSTERS):
            if number != BLANK_CLUSTER:
                self.cluster.addItem(cluster_choice_label(number), number)
        if episode.cluster is not None and episode.cluster != BLANK_CLUSTER:
            choose(self.cluster, episode.cluster)
        self.on = date_edit(self.today, "Date assigned")
        self.review_due = bold(wrapped())
        self.review_due.setAccessibleName("Review due")
        if episode.cluster is not None and episode.cluster_on is not None:
            due = self.detail.cluster_review_due
            self.add_note(f"Now cluster {episode.cluster} ({CLUSTERS[episode.cluster].label}), "
                          f"assigned {format_uk_date(episode.cluster_on)}"
                          + (f"; review due by {format_uk_date(due)}." if due else "."))
        else:
            self.add_note("No care cluster recorded for this episode yet.")
        self.add_field("Cluster:", "cluster", self.cluster)
        self.add_field("Date assigned:", "cluster_on", self.on)
        self.fields.addRow("Review due:", self.review_due)
        self.add_note(f"Cluster {BLANK_CLUSTER} is the blank cluster and is never assigned. "
                      "Clusters 1–4 are typically primary care or NHS Talking Therapies, 5 and "
                      "above secondary care; treat them as a local classification.")
        self.cluster.currentIndexChanged.connect(self._update)
        self.on.dateChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        number = self.cluster.currentData()
        if number is None:
            self.review_due.setText("")
            return
        due = cluster_review_due(int(number), to_date(self.on))
        self.review_due.setText(
            f"{format_uk_date(due)} ({CLUSTERS[int(number)].review_label} after the date "
            "assigned)" if due else "no review")

    def set_cluster(self, number: int) -> bool:
        """Choose cluster ``number``; a number that cannot be assigned (9, or outside 0–21) is
        refused beside the field and the choice is left as it was."""
        if (message := validate_cluster(number)) is not None:
            self.show_problems([("cluster", message + ".")])
            return False
        choose(self.cluster, number)
        self.show_problems([])
        return True

    def set_date(self, on: date) -> None:
        self.on.setDate(qdate(on))

    def save(self) -> bool:
        return self._attempt(lambda: set_cluster(
            self._ctx.new_uow(), self.episode_id, int(self.cluster.currentData()),
            to_date(self.on), self.today, self.version))


# -- discharge ------------------------------------------------------------------------------------


class DischargeDialog(_OnEpisode):
    """Discharge: the date, the reason and a note. Refused while a specialist referral is
    open; the open referrals are named at the top before anything is typed."""

    def __init__(self, ctx: UiContext, episode_id: int, parent: QWidget | None = None) -> None:
        super().__init__(ctx, episode_id, "Discharge", parent)
        self.open_referrals = red(bold(wrapped()))
        self.open_referrals.setAccessibleName("Open referrals")
        # framed by a box rather than the label's own margin, so the wrapped text is never cut
        self.open_referrals_box = QFrame()
        self.open_referrals_box.setFrameShape(QFrame.Shape.StyledPanel)
        inside = QVBoxLayout(self.open_referrals_box)
        em = self.fontMetrics().horizontalAdvance("x")
        inside.setContentsMargins(em, em // 2, em, em // 2)
        inside.addWidget(self.open_referrals)
        still_open = self.detail.open_referrals
        if still_open:
            self.open_referrals.setText(
                "Referrals still open: " + ", ".join(referral_label(r) for r in still_open)
                + ". Record each as seen, declined or closed (Referral status…) before "
                "discharging.")
        self.open_referrals_box.setVisible(bool(still_open))
        self.fields.addRow(self.open_referrals_box)
        self.on = date_edit(self.today, "Discharge date")
        self.reason = QComboBox()
        self.reason.setAccessibleName("Reason for discharge")
        self.reason.addItem("Choose a reason…", "")
        for reason, label in DISCHARGE_LABELS.items():
            self.reason.addItem(label, reason.value)
        self.note = text_box("Note", 3, "Optional: e.g. who care was handed to")
        latest = max((e.on for e in self.detail.timeline), default=None)
        self.add_field("Discharge date:", "discharged_on", self.on,
                       description=(f"Not before the latest entry in the timeline, "
                                    f"{format_uk_date(latest)}" if latest else ""))
        self.add_field("Reason:", "reason", self.reason)
        self.add_field("Note:", "note", self.note)
        attended = self.detail.attended
        self.add_note(f"{attended} attended session{'' if attended == 1 else 's'} in this "
                      "episode. A course counts as finished with 2 or more.")

    def set_values(self, on: date, reason: str, note: str = "") -> None:
        self.on.setDate(qdate(on))
        choose(self.reason, reason)
        self.note.setPlainText(note)

    def show_problems(self, problems: Sequence[Problem], headline: str = "") -> None:
        super().show_problems(problems, headline)
        refusal = [text for field, text in problems if field == "referrals"]
        if refusal:  # the service's message names what is still open as it stands now
            self.open_referrals.setText("\n".join(refusal))
            self.open_referrals_box.setVisible(True)

    def save(self) -> bool:
        return self._attempt(lambda: discharge(
            self._ctx.new_uow(), self.episode_id, to_date(self.on),
            str(self.reason.currentData()), self.note.toPlainText(), self.today, self.version))


# -- goals ----------------------------------------------------------------------------------------


class GoalsDialog(_OnEpisode):
    """Up to three goals in the patient's own words, set once; after that, each goal rated
    0–10 at a review (every goal, every time)."""

    def __init__(self, ctx: UiContext, episode_id: int, parent: QWidget | None = None) -> None:
        super().__init__(ctx, episode_id, "Goals", parent)
        self.goals = self.detail.goals
        title = "Rate goals" if self.goals else "Set goals"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.goal_edits: list[QLineEdit] = []
        self.rating_spins: dict[int, QSpinBox] = {}  # by goal id
        self.on = date_edit(self.today, "Date")
        if not self.goals:
            self.add_note(f"Up to {MAX_GOALS} goals, in the patient's own words (not rewritten). "
                          "Goals are set once; rate them at each review.")
            for n in range(1, MAX_GOALS + 1):
                edit = QLineEdit()
                edit.setMaxLength(GOAL_MAX_CHARS)
                edit.setAccessibleName(f"Goal {n}")
                edit.setPlaceholderText("Optional" if n > 1 else "In the patient's words")
                self.goal_edits.append(edit)
                self.add_field(f"Goal {n}:", f"goal_{n}", edit)
            self.add_field("Date set:", "on", self.on)
        else:
            self.add_note(f"Rate each goal from 0 (no progress) to {GOAL_RATING_MAX} (goal "
                          "reached), as the patient sees it.")
            for goal in self.goals:
                spin = QSpinBox()
                spin.setRange(-1, GOAL_RATING_MAX)
                spin.setSpecialValueText(NOT_RATED)
                spin.setValue(-1)
                spin.setAccessibleName(f"Goal {goal.position} rating, 0 to {GOAL_RATING_MAX}")
                last = (f"last rated {goal.ratings[-1][1]} on "
                        f"{format_uk_date(goal.ratings[-1][0])}" if goal.ratings
                        else "not rated yet")
                text = wrapped(f"“{goal.text}” (set {format_uk_date(goal.set_on)}; {last})")
                self.rating_spins[goal.id] = spin
                self.add_field(f"Goal {goal.position}:", f"goal_{goal.position}", spin,
                               beside=text, description=goal.text)
            self.add_field("Review date:", "on", self.on)

    @property
    def rating_mode(self) -> bool:
        return bool(self.goals)

    def field_of(self, message: str) -> str | None:
        if m := re.match(r"Goal (\d+)", message):
            return f"goal_{m.group(1)}"
        lower = message.lower()
        if "date" in lower or "referral" in lower:
            return "on"
        return "goal_1" if "goal" in lower and not self.rating_mode else None

    def set_goal_texts(self, texts: Sequence[str]) -> None:
        for edit, text in zip(self.goal_edits, [*texts, "", "", ""], strict=False):
            edit.setText(text)

    def set_ratings(self, by_position: Mapping[int, int | None]) -> None:
        for goal in self.goals:
            value = by_position.get(goal.position)
            self.rating_spins[goal.id].setValue(-1 if value is None else value)

    def set_date(self, on: date) -> None:
        self.on.setDate(qdate(on))

    def save(self) -> bool:
        on, today = to_date(self.on), self.today
        if not self.rating_mode:
            texts = [e.text() for e in self.goal_edits]
            return self._attempt(lambda: set_goals(self._ctx.new_uow(), self.episode_id, texts,
                                                   on, today))
        scores = {goal_id: (None if spin.value() < 0 else spin.value())
                  for goal_id, spin in self.rating_spins.items()}
        return self._attempt(lambda: rate_goals(self._ctx.new_uow(), self.episode_id, on,
                                                scores, today))


# -- Recovery Star --------------------------------------------------------------------------------


class RecoveryStarDialog(_OnEpisode):
    """A Mental Health Recovery Star review: every area scored 1–10, with its Journey of Change
    stage beside it and the last review's score for comparison."""

    def __init__(self, ctx: UiContext, episode_id: int, parent: QWidget | None = None) -> None:
        super().__init__(ctx, episode_id, "Recovery Star review", parent)
        reviews = sorted(self.detail.star_reviews, key=lambda r: r.rated_on)
        last = reviews[-1] if reviews else None
        stages = ", ".join(f"{low}–{high} {name}" for low, high, name in RECOVERY_STAR_STAGES)
        self.add_note(f"Score each area 1–{RECOVERY_STAR_MAX}. Stages: {stages} "
                      f"({RECOVERY_STAR_STAGES_SOURCE}). The Recovery Star is a licensed tool: "
                      "use it only under a Star licence.")
        if last is not None:
            self.add_note(f"Last review {format_uk_date(last.rated_on)}: its scores are shown "
                          "beside each area.")
        self.on = date_edit(self.today, "Review date")
        self.add_field("Review date:", "on", self.on)
        self.spins: dict[str, QSpinBox] = {}
        self.stages: dict[str, QLabel] = {}
        for area in RECOVERY_STAR_AREAS:
            spin = QSpinBox()
            spin.setRange(0, RECOVERY_STAR_MAX)
            spin.setSpecialValueText(NOT_SCORED)
            spin.setAccessibleName(f"{area}, score 1 to {RECOVERY_STAR_MAX}")
            stage = wrapped()
            stage.setAccessibleName(f"{area}: stage")
            self.spins[area], self.stages[area] = spin, stage
            previous = last.scores.get(area) if last is not None else None
            spin.valueChanged.connect(lambda _v, a=area, p=previous: self._stage(a, p))
            self.add_field(f"{area}:", area, spin, beside=stage)
            self._stage(area, previous)

    def _stage(self, area: str, previous: int | None) -> None:
        value = self.spins[area].value()
        parts = [recovery_star_stage(value)] if value else []
        if previous is not None:
            parts.append(f"last time {previous} ({recovery_star_stage(previous)})")
        self.stages[area].setText(" · ".join(parts))

    def field_of(self, message: str) -> str | None:
        for area in RECOVERY_STAR_AREAS:
            if message.startswith(area):
                return area
        return "on" if "date" in message.lower() or "review" in message.lower() else None

    def set_scores(self, scores: Mapping[str, int | None]) -> None:
        for area, spin in self.spins.items():
            value = scores.get(area)
            spin.setValue(0 if value is None else value)

    def set_date(self, on: date) -> None:
        self.on.setDate(qdate(on))

    def save(self) -> bool:
        scores = {area: (spin.value() or None) for area, spin in self.spins.items()}
        return self._attempt(lambda: record_recovery_star(
            self._ctx.new_uow(), self.episode_id, to_date(self.on), scores, self.today))
