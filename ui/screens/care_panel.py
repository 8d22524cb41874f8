"""The care-episode section of the patient record (domain.md §6, §7.1, §5.2, §5.3): where the
patient is in stepped care, what can be done next, the episode's dated timeline, why its
outcome counts (or does not), and the scores over time.

Made to sit inside the record's scroll area in a narrow right-hand panel: no scroll area of its
own, tables that grow to show every row, labels that wrap, and the action buttons in a grid
that reflows to as many rows as the width needs. Every chart has a text alternative under it
(and as its accessible description); colour only repeats what the text says.

Reads are a few indexed queries (``patient_episodes``, ``measure_history``) on the GUI thread,
as the rest of the record's are; every change goes through a dialog in ``episode_dialogs``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from facilitator_app.domain.access import AccessDenied
from facilitator_app.domain.checks import RecallStatus
from facilitator_app.domain.clusters import CLUSTERS
from facilitator_app.domain.dates import format_uk_date
from facilitator_app.domain.measures import SPECS, Measure
from facilitator_app.domain.outcomes import GAD7_CASENESS, PHQ9_CASENESS, EpisodeOutcome
from facilitator_app.domain.recovery import (
    GOAL_RATING_MAX,
    RECOVERY_STAR_AREAS,
    RECOVERY_STAR_MAX,
    RECOVERY_STAR_MIN,
    recovery_star_stage,
)
from facilitator_app.domain.stepped_care import (
    ATTENDANCE_LABELS,
    DISCHARGE_LABELS,
    STEP_LABELS,
    Attendance,
    DischargeReason,
    Step,
)
from facilitator_app.services.care_records import MeasureRow
from facilitator_app.services.outcome_measures import measure_history
from facilitator_app.services.patients import PatientNotFound
from facilitator_app.services.stepped_care import (
    EpisodeDetail,
    EpisodeNotFound,
    patient_episodes,
)
from ui import status_style
from ui.context import UiContext
from ui.models.text_table import Cell, TextTableModel
from ui.screens.episode_dialogs import (
    ClusterDialog,
    DischargeDialog,
    EpisodeDialog,
    GoalsDialog,
    OpenEpisodeDialog,
    RecoveryStarDialog,
    ReferralDialog,
    ReferralStatusDialog,
    SessionDialog,
    StepChangeDialog,
    referral_label,
)
from ui.widgets.record_widgets import bullets, heading, record_table, value_label
from ui.widgets.score_chart import ChartSeries, ScoreChart

__all__ = ["ACTIONS", "CarePanel", "FlowLayout", "outcome_headline"]

NO_PATIENT = "No patient selected."
NO_EPISODE = ("No care episode yet. Open one when the patient is referred to you "
              "(Open episode…).")

OTHER_MEASURES = {Measure.SWEMWBS: "wellbeing, metric score",
                  Measure.DIALOG: "quality of life, mean of items 1–8",
                  Measure.REQOL10: "quality of life; below 24 is the clinical range"}

ACTIONS: dict[str, tuple[str, str]] = {
    # name: (button text, what it does: tooltip and accessible description)
    "open": ("&Open episode…", "Open a stepped-care episode: the referral to you"),
    "session": ("Record sess&ion…", "Record a session of an intervention in this episode"),
    "step": ("Cha&nge step…", "Step up or down, with the date and the reason"),
    "refer": ("Refer on&ward…", "Refer to a specialist service (CMHT, EIP, crisis, NHS "
                                "Talking Therapies)"),
    "referral_status": ("Referral stat&us…", "Record that a specialist referral was "
                                             "accepted, declined, seen or closed"),
    "cluster": ("C&are cluster…", "Assign or review the MHCT care cluster"),
    "goals": ("&Goals…", "Set the patient's goals, or rate them at a review"),
    "star": ("Reco&very Star…", "Record a Recovery Star review"),
    "discharge": ("&Discharge…", "Discharge this episode"),
}


# -- layout helpers -------------------------------------------------------------------------------


class FlowLayout(QLayout):
    """Items in equal-width cells, left to right, wrapping onto as many rows as the width
    needs: a grid whose column count follows the width (and the text scale)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []

    def addItem(self, item: QLayoutItem, /) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int, /) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int, /) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int, /) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect, /) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize(self._cell().width(), self._cell().height())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _gap(self, orientation: Qt.Orientation) -> int:
        if self.spacing() >= 0:
            return self.spacing()
        style = QApplication.style()
        metric = (QStyle.PixelMetric.PM_LayoutHorizontalSpacing
                  if orientation is Qt.Orientation.Horizontal
                  else QStyle.PixelMetric.PM_LayoutVerticalSpacing)
        gap = style.pixelMetric(metric) if style is not None else -1
        return gap if gap >= 0 else 6

    def _visible(self) -> list[QLayoutItem]:
        return [item for item in self._items if not item.isEmpty()]

    def _cell(self) -> QSize:
        size = QSize(0, 0)
        for item in self._visible():
            size = size.expandedTo(item.sizeHint())
        return size

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        cell = self._cell()
        h_gap, v_gap = self._gap(Qt.Orientation.Horizontal), self._gap(Qt.Orientation.Vertical)
        width = min(cell.width(), max(area.width(), 1))
        columns = max(1, (area.width() + h_gap) // (width + h_gap)) if width else 1
        items = self._visible()
        for n, item in enumerate(items):
            row, column = divmod(n, columns)
            if move:
                item.setGeometry(QRect(QPoint(area.x() + column * (width + h_gap),
                                              area.y() + row * (cell.height() + v_gap)),
                                       QSize(width, cell.height())))
        rows = -(-len(items) // columns)
        return m.top() + m.bottom() + max(0, rows * cell.height() + (rows - 1) * v_gap)


def _section(text: str, scale: float = 1.1) -> QLabel:
    """A section heading with half a line of room above it (which hides with it)."""
    label = heading(text, scale)
    label.setContentsMargins(0, label.fontMetrics().height() // 2, 0, 0)
    return label


# -- words for what the record holds ---------------------------------------------------------------


def outcome_headline(outcome: EpisodeOutcome, discharged: bool) -> str:
    """What the paired scores add up to, in a line; the reasons say why."""
    so_far = "" if discharged else " (so far: first and latest scores)"
    if not outcome.judged:
        return ("Not counted in the outcome rates" if discharged
                else "Not counted in the outcome rates yet")
    if outcome.caseness_at_start is False:
        parts = ["Below caseness at the start: not counted for recovery"]
    else:
        parts = ["Recovered" if outcome.recovered else "Not recovered"]
    if outcome.reliable_recovery:
        parts.append("reliable recovery")
    if outcome.reliable_improvement:
        parts.append("reliable improvement")
    elif outcome.reliable_deterioration:
        parts.append("reliable deterioration")
    else:
        parts.append("no reliable change")
    return "; ".join(parts) + so_far


def _scores_text(title: str, rows: list[MeasureRow]) -> str:
    """"This episode: 17 on 01/06/2026 (moderately severe), 15 on …" ("none" when empty)."""
    scores = ", ".join(f"{m.raw_total} on {format_uk_date(m.completed_on)}"
                       + (f" ({m.band})" if m.band else "")
                       + (" — item 9 risk flagged" if m.risk_flag else "") for m in rows)
    return (f"{title}: " if title else "") + (scores or "none") + "."


def _sessions_text(detail: EpisodeDetail) -> str:
    if not detail.sessions:
        return "None recorded."
    counts = {a: sum(s.attendance == a for s in detail.sessions) for a in Attendance}
    parts = [f"{n} {ATTENDANCE_LABELS[a].lower()}" for a, n in counts.items() if n]
    total = len(detail.sessions)
    return f"{total} session{'s' if total != 1 else ''}: " + ", ".join(parts)


def _step_text(step: int) -> str:
    return STEP_LABELS[Step(step)] if step in set(Step) else f"Step {step}"


def _earlier_text(detail: EpisodeDetail) -> str:
    e = detail.episode
    span = f"{format_uk_date(e.referred_on)} – {format_uk_date(e.discharged_on) or 'open'}"
    steps = (f"step {e.start_step}" if e.start_step == e.current_step
             else f"step {e.start_step} → {e.current_step}")
    ended = (DISCHARGE_LABELS[DischargeReason(e.discharge_reason)]
             if e.discharge_reason in set(DischargeReason) else "")
    parts = [span, f"referred by {e.referral_source}", steps,
             f"{detail.attended} attended session{'s' if detail.attended != 1 else ''}"]
    if ended:
        parts.append(ended)
    parts.append("outcome: " + outcome_headline(detail.outcome, True).lower())
    return " · ".join(parts)


# -- the panel ------------------------------------------------------------------------------------


class CarePanel(QWidget):
    """``changed`` (patient id) is emitted after a dialog saved a change, so lists that show
    episodes can reload."""

    changed = Signal(int)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.patient_id: int | None = None
        self.episodes: list[EpisodeDetail] = []
        self.history: dict[Measure, list[MeasureRow]] = {}
        self.dialog: EpisodeDialog | None = None
        self.setAccessibleName("Care episode")

        self.empty_label = value_label()
        self.state_badge = QLabel()
        self.state_badge.setAccessibleName("Episode state")
        self.state_badge.setFrameShape(QFrame.Shape.StyledPanel)
        self.state_badge.setMargin(self.fontMetrics().horizontalAdvance(" "))
        self.no_episode_label = value_label()
        self.episode_label = value_label("Episode")
        self.step_label = value_label("Step")
        self.facilitator_label = value_label("Facilitator")
        self.cluster_label = value_label("Care cluster")
        self.sessions_label = value_label("Sessions")
        self.referrals_label = value_label("Specialist referrals")
        self.message = value_label("Care episode message")
        self.message.setVisible(False)

        self.buttons: dict[str, QPushButton] = {}
        for name, (text, what) in ACTIONS.items():
            button = QPushButton(text)
            button.setAccessibleName(text.replace("&", "").rstrip("…"))
            button.setAccessibleDescription(what)
            button.setToolTip(what)
            button.clicked.connect(lambda _checked=False, n=name: self.open_dialog(n))
            self.buttons[name] = button

        self.timeline = TextTableModel(("Date", "What"))
        self.timeline_view = record_table(
            self.timeline, "Episode timeline",
            "Everything recorded in the episode, oldest first: referral, step changes, "
            "interventions, sessions, specialist referrals, questionnaires, cluster, discharge.",
            stretch_column=1)
        self.outcome_headline = value_label("Outcome")
        self.outcome_headline.setFont(heading("").font())
        self.outcome_label = value_label("Why: the paired scores")

        self.measures_note = value_label("Which scores the charts show")
        self.phq_caption = _section("", 1.0)
        self.phq_chart = ScoreChart()
        self.phq_chart.setAccessibleName("PHQ-9 over time")
        self.phq_text = value_label("PHQ-9 scores in words")
        self.gad_caption = _section("", 1.0)
        self.gad_chart = ScoreChart()
        self.gad_chart.setAccessibleName("GAD-7 over time")
        self.gad_text = value_label("GAD-7 scores in words")
        # SWEMWBS, DIALOG and ReQoL-10: a chart each, shown once the patient has a score
        self.other_measures: dict[Measure, tuple[QLabel, ScoreChart, QLabel]] = {}
        for measure in OTHER_MEASURES:
            chart = ScoreChart()
            chart.setAccessibleName(f"{SPECS[measure].title} over time")
            self.other_measures[measure] = (_section("", 1.0), chart, value_label(
                f"{SPECS[measure].title} scores in words"))
        self.star_chart = ScoreChart()
        self.star_chart.setAccessibleName("Recovery Star areas over time")
        self.goals_chart = ScoreChart()
        self.goals_chart.setAccessibleName("Goal ratings over time")
        self.goals_text = value_label("Goal ratings in words")
        self.star_summary = value_label("Recovery Star summary")
        self.star = TextTableModel(("Area", "First", "Latest", "Change", "Stage"))
        self.star_view = record_table(
            self.star, "Recovery Star",
            "Each area's score at the first and the latest review of the episode (1–10), the "
            "change, and the latest score's Journey of Change stage.", stretch_column=0)
        self.earlier_label = value_label("Earlier episodes")

        self.content = QWidget()
        self._build(self.content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.content)
        self.clear()

    def _build(self, page: QWidget) -> None:
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        title = QHBoxLayout()
        title.addWidget(heading("Care episode", 1.2), 1)
        title.addWidget(self.state_badge, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(title)
        layout.addWidget(self.no_episode_label)
        self.details = QWidget()
        details = QFormLayout(self.details)
        details.setContentsMargins(0, 0, 0, 0)
        details.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for text, widget in (("Episode:", self.episode_label), ("Step:", self.step_label),
                             ("Facilitator:", self.facilitator_label),
                             ("Care cluster:", self.cluster_label),
                             ("Sessions:", self.sessions_label),
                             ("Referrals:", self.referrals_label)):
            details.addRow(text, widget)
        layout.addWidget(self.details)

        self.button_grid = QWidget()
        self.button_grid.setAccessibleName("Care episode actions")
        flow = FlowLayout(self.button_grid)
        flow.setContentsMargins(0, 0, 0, 0)
        for button in self.buttons.values():
            flow.addWidget(button)
        layout.addWidget(self.button_grid)
        layout.addWidget(self.message)

        self.episode_sections = QWidget()
        sections = QVBoxLayout(self.episode_sections)
        sections.setContentsMargins(0, 0, 0, 0)
        sections.addWidget(_section("Timeline"))
        sections.addWidget(self.timeline_view)
        sections.addWidget(_section("Outcome (NHS Talking Therapies paired scores)"))
        sections.addWidget(self.outcome_headline)
        sections.addWidget(self.outcome_label)
        layout.addWidget(self.episode_sections)

        layout.addWidget(_section("PHQ-9 and GAD-7 over time"))
        charts: tuple[QWidget, ...] = (self.measures_note, self.phq_caption, self.phq_chart,
                                       self.phq_text, self.gad_caption, self.gad_chart,
                                       self.gad_text)
        for part in charts:
            layout.addWidget(part)
        for caption, chart, words in self.other_measures.values():
            layout.addWidget(caption)
            layout.addWidget(chart)
            layout.addWidget(words)
        self.goals_heading = _section("Goals")
        layout.addWidget(self.goals_heading)
        layout.addWidget(self.goals_chart)
        layout.addWidget(self.goals_text)
        self.star_heading = _section("Recovery Star")
        layout.addWidget(self.star_heading)
        layout.addWidget(self.star_summary)
        layout.addWidget(self.star_chart)
        layout.addWidget(self.star_view)
        self.earlier_heading = _section("Earlier episodes")
        layout.addWidget(self.earlier_heading)
        layout.addWidget(self.earlier_label)

        chain: list[QWidget] = [*self.buttons.values(), self.timeline_view, self.star_view]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    # -- showing ----------------------------------------------------------------------------------

    @property
    def current(self) -> EpisodeDetail | None:
        """The open episode, or else the latest one."""
        return self.episodes[0] if self.episodes else None

    @property
    def is_open(self) -> bool:
        current = self.current
        return current is not None and current.episode.discharged_on is None

    def clear(self, message: str = NO_PATIENT) -> None:
        self.patient_id = None
        self.episodes = []
        self.history = {}
        self.empty_label.setText(message)
        self.empty_label.setVisible(True)
        self.content.setVisible(False)

    def show_patient(self, patient_id: int) -> None:
        if patient_id != self.patient_id:
            self._say("")
        try:
            episodes = patient_episodes(self._ctx.new_uow(), patient_id)
            history = measure_history(self._ctx.new_uow(), patient_id)
        except (PatientNotFound, AccessDenied) as exc:
            self.clear(str(exc))
            return
        self.patient_id = patient_id
        self.episodes = episodes
        self.history = history
        self.empty_label.setVisible(False)
        self.content.setVisible(True)
        self._show_state()
        self._show_timeline()
        self._show_measures()
        self._show_goals()
        self._show_star()
        earlier = [_earlier_text(d) for d in self.episodes[1:]]
        self.earlier_label.setText(bullets(earlier))
        self.earlier_heading.setVisible(bool(earlier))
        self.earlier_label.setVisible(bool(earlier))
        self._enable()

    def _show_state(self) -> None:
        current, today = self.current, self._ctx.today()
        self.no_episode_label.setText(NO_EPISODE)
        self.no_episode_label.setVisible(current is None)
        self.details.setVisible(current is not None)
        self.episode_sections.setVisible(current is not None)
        if current is None:
            self.state_badge.setText("No episode")
            return
        e = current.episode
        if e.discharged_on is None:
            self.state_badge.setText(f"Open at step {e.current_step}")
            self.episode_label.setText(f"Open since {format_uk_date(e.referred_on)}, referred "
                                       f"by {e.referral_source}")
        else:
            reason = (DISCHARGE_LABELS[DischargeReason(e.discharge_reason)]
                      if e.discharge_reason in set(DischargeReason) else "")
            self.state_badge.setText(f"Discharged {format_uk_date(e.discharged_on)}")
            self.episode_label.setText(
                f"Discharged {format_uk_date(e.discharged_on)}: {reason}"
                + (f" ({e.discharge_note})" if e.discharge_note else "")
                + f". Referred {format_uk_date(e.referred_on)} by {e.referral_source}.")
        step = _step_text(e.current_step)
        if e.start_step != e.current_step:
            step += f" (started at step {e.start_step})"
        self.step_label.setText(step)
        self.facilitator_label.setText(e.facilitator or "Not recorded")
        if e.cluster is None or e.cluster_on is None:
            self.cluster_label.setText("Not recorded")
        else:
            due = current.cluster_review_due
            text = (f"{e.cluster}: {CLUSTERS[e.cluster].label}, assigned "
                    f"{format_uk_date(e.cluster_on)}")
            if due is not None:
                text += f". Review due by {format_uk_date(due)}"
                if due < today and e.discharged_on is None:
                    text += " (overdue)"
            self.cluster_label.setText(text + ".")
        self.sessions_label.setText(_sessions_text(current))
        still_open = current.open_referrals
        others = [r for r in current.referrals if r not in still_open]
        lines = [f"Open: {referral_label(r)}" for r in still_open]
        lines += [referral_label(r) for r in others]
        self.referrals_label.setText("\n".join(lines) or "None")

    def _show_timeline(self) -> None:
        current = self.current
        if current is None:
            self.timeline.set_rows([])
            return
        risk = status_style.BACKGROUND[RecallStatus.OVERDUE]  # a second cue: the text says it
        rows = []
        for entry in current.timeline:
            flagged = "risk flagged" in entry.text
            rows.append((Cell(format_uk_date(entry.on)),
                         Cell(entry.text, background=risk if flagged else None,
                              tooltip=entry.kind.capitalize(),
                              bold=entry.kind in ("step", "discharge"))))
        self.timeline.set_rows(rows)
        self.outcome_headline.setText(outcome_headline(current.outcome,
                                                       current.episode.discharged_on is not None))
        self.outcome_label.setText(bullets(list(current.outcome.reasons)))

    def _show_measures(self) -> None:
        """The charts show the scores since the shown episode's referral, so its course is
        readable in a narrow panel; the words under each chart give every score on record."""
        current = self.current
        since = current.episode.referred_on if current is not None else None
        self.measures_note.setText(
            f"Charts: scores since this episode's referral ({format_uk_date(since)}); the "
            "words under each give every score on record." if since else
            "Every score on record.")
        for caption, chart, text, measure, caseness, about in (
            (self.phq_caption, self.phq_chart, self.phq_text, Measure.PHQ9, PHQ9_CASENESS,
             "depression"),
            (self.gad_caption, self.gad_chart, self.gad_text, Measure.GAD7, GAD7_CASENESS,
             "anxiety"),
        ):
            spec = SPECS[measure]
            rows = self.history.get(measure, [])
            shown = [m for m in rows if since is None or m.completed_on >= since]
            caption.setText(f"{spec.title} ({about}, {spec.total_min}–{spec.total_max}; "
                            f"caseness {caseness} or more)")
            chart.set_series(spec.title, [(m.completed_on, float(m.raw_total)) for m in shown],
                             spec.total_min, spec.total_max, [(float(caseness), "caseness")])
            earlier = [m for m in rows if m not in shown]
            words = _scores_text("This episode" if since else spec.title, shown)
            if earlier:
                words += " Before it: " + _scores_text("", earlier)
            chart.setAccessibleDescription(f"{spec.title}: {words}")
            chart.setVisible(bool(shown))
            caption.setVisible(bool(rows))
            text.setText(words if rows else f"No {spec.title} recorded.")

        for measure, (caption, chart, text) in self.other_measures.items():
            spec = SPECS[measure]
            rows = self.history.get(measure, [])
            caption.setText(f"{spec.title} ({OTHER_MEASURES[measure]}, {spec.total_min:g}–"
                            f"{spec.total_max:g})")
            chart.set_series(spec.title, [(m.completed_on, float(m.score)) for m in rows],
                             float(spec.total_min), float(spec.total_max), [])
            words = "; ".join(f"{round(m.score, 2):g} on {format_uk_date(m.completed_on)}"
                              + (f" ({m.band})" if m.band else "") for m in rows)
            chart.setAccessibleDescription(f"{spec.title}: {words}")
            text.setText(words)
            for part in (caption, chart, text):
                part.setVisible(bool(rows))

    def _show_goals(self) -> None:
        current = self.current
        goals = current.goals if current is not None else ()
        self.goals_heading.setVisible(current is not None)
        self.goals_text.setVisible(current is not None)
        if not goals:
            self.goals_chart.setVisible(False)
            self.goals_text.setText("No goals set for this episode.")
            return
        series = [ChartSeries(f"Goal {g.position}", tuple((d, float(v)) for d, v in g.ratings))
                  for g in goals]
        self.goals_chart.set_series_list("Goal ratings", series, 0, GOAL_RATING_MAX)
        lines = []
        for g in goals:
            ratings = " → ".join(f"{v} ({format_uk_date(d)})" for d, v in g.ratings)
            lines.append(f"Goal {g.position}: “{g.text}” — set {format_uk_date(g.set_on)}; "
                         + (f"rated {ratings}" if ratings else "not rated yet"))
        words = bullets(lines)
        self.goals_chart.setAccessibleDescription(words)
        self.goals_chart.setVisible(any(g.ratings for g in goals))
        self.goals_text.setText(words)

    def _show_star(self) -> None:
        current = self.current
        reviews = sorted(current.star_reviews, key=lambda r: r.rated_on) if current else []
        self.star_heading.setVisible(current is not None)
        self.star_summary.setVisible(current is not None)
        self.star_view.setVisible(bool(reviews))
        self.star_chart.setVisible(bool(reviews))
        if not reviews:
            self.star_summary.setText("No Recovery Star review in this episode.")
            self.star.set_rows([])
            return
        self.star_chart.set_series_list(
            "Recovery Star", [ChartSeries(area, tuple((r.rated_on, float(r.scores[area]))
                                                      for r in reviews if area in r.scores))
                              for area in RECOVERY_STAR_AREAS],
            RECOVERY_STAR_MIN, RECOVERY_STAR_MAX)
        self.star_chart.setAccessibleDescription(
            "Recovery Star: each area's score at each review, listed in the table below.")
        first, latest = reviews[0], reviews[-1]
        total_first = sum(first.scores.get(a, 0) for a in RECOVERY_STAR_AREAS)
        total_latest = sum(latest.scores.get(a, 0) for a in RECOVERY_STAR_AREAS)
        maximum = RECOVERY_STAR_MAX * len(RECOVERY_STAR_AREAS)
        if len(reviews) == 1:
            summary = (f"One review, {format_uk_date(latest.rated_on)}: total {total_latest} "
                       f"of {maximum}.")
        else:
            change = total_latest - total_first
            summary = (f"Latest review {format_uk_date(latest.rated_on)} (first "
                       f"{format_uk_date(first.rated_on)}, {len(reviews)} reviews): total "
                       f"{total_latest} of {maximum}, {_signed(change)} since the first.")
        self.star_summary.setText(summary)
        rows = []
        for area in RECOVERY_STAR_AREAS:
            a, b = first.scores.get(area), latest.scores.get(area)
            change_text = "" if a is None or b is None or len(reviews) == 1 else _signed(b - a)
            rows.append((Cell(area), Cell("" if a is None else str(a)),
                         Cell("" if b is None else str(b)), Cell(change_text),
                         Cell(recovery_star_stage(b) if b else "")))
        self.star.set_rows(rows)

    def _enable(self) -> None:
        current, is_open = self.current, self.is_open
        for name, button in self.buttons.items():
            if name == "open":
                button.setEnabled(self.patient_id is not None and not is_open)
            elif name == "referral_status":
                button.setEnabled(is_open and current is not None and bool(current.referrals))
            else:
                button.setEnabled(is_open)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # -- the dialogs ------------------------------------------------------------------------------

    def open_dialog(self, name: str) -> EpisodeDialog | None:
        """Open the dialog behind button ``name`` (a key of ``ACTIONS``), window-modal; the
        panel reloads when it saves. None when the action does not apply now."""
        button = self.buttons[name]
        if self.patient_id is None or not button.isEnabled():
            return None
        patient_id, current = self.patient_id, self.current
        factories: dict[str, Callable[[], EpisodeDialog]] = {
            "open": lambda: OpenEpisodeDialog(self._ctx, patient_id, self),
        }
        if current is not None:
            episode_id = current.episode.id
            first_open = current.open_referrals[0].id if current.open_referrals else None
            factories |= {
                "session": lambda: SessionDialog(self._ctx, episode_id, self),
                "step": lambda: StepChangeDialog(self._ctx, episode_id, self),
                "refer": lambda: ReferralDialog(self._ctx, episode_id, self),
                "referral_status": lambda: ReferralStatusDialog(self._ctx, episode_id, self,
                                                                first_open),
                "cluster": lambda: ClusterDialog(self._ctx, episode_id, self),
                "goals": lambda: GoalsDialog(self._ctx, episode_id, self),
                "star": lambda: RecoveryStarDialog(self._ctx, episode_id, self),
                "discharge": lambda: DischargeDialog(self._ctx, episode_id, self),
            }
        try:
            dialog = factories[name]()
        except (EpisodeNotFound, PatientNotFound) as exc:
            self._say(f"{exc} The record has been read again.")
            self.show_patient(patient_id)
            return None
        dialog.saved.connect(self._saved)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog = dialog
        dialog.finished.connect(self._dialog_closed)
        dialog.open()
        return dialog

    def _dialog_closed(self) -> None:
        self.dialog = None

    def _saved(self) -> None:
        if self.patient_id is None:
            return
        patient_id = self.patient_id
        self._say("")
        self.show_patient(patient_id)
        self.changed.emit(patient_id)


def _signed(delta: int) -> str:
    return f"+{delta}" if delta > 0 else f"−{-delta}" if delta < 0 else "no change"
