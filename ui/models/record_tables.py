"""The rows of the patient panel's tables: check elements and open follow-ups, as text.

Kept apart from the widgets so the wording (what "never done" or "(optional)" says) is tested
without building a window.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from facilitator_app.domain.checks import RecallStatus
from facilitator_app.domain.dates import format_uk_date
from facilitator_app.services.ports import ElementView, FollowUpView
from ui import status_style
from ui.models.text_table import Cell

ELEMENT_HEADERS = ("Element", "Latest value", "Date", "Status", "Next due")
FOLLOW_UP_HEADERS = ("Action", "Who", "Due")

NOT_RECORDED = "not recorded"
NEVER_DONE = "never done"
OPTIONAL = " (optional)"


def element_rows(elements: Iterable[ElementView]) -> list[tuple[Cell, ...]]:
    """Core elements first (they decide recall), then the optional extras, each marked."""
    ordered = sorted(elements, key=lambda e: not e.core)  # stable: keeps the service's order
    rows: list[tuple[Cell, ...]] = []
    for e in ordered:
        colour = status_style.BACKGROUND[e.status] if e.core else None
        rows.append(
            (
                Cell(e.label if e.core else e.label + OPTIONAL),
                Cell(e.value_text or NOT_RECORDED),
                Cell(format_uk_date(e.observed_on)),
                Cell(e.status.label, colour, status_style.EXPLANATION[e.status]),
                Cell(format_uk_date(e.next_due) if e.next_due else NEVER_DONE),
            )
        )
    return rows


def open_follow_ups(follow_ups: Iterable[FollowUpView]) -> list[FollowUpView]:
    return sorted((f for f in follow_ups if f.done_on is None), key=lambda f: f.due_on)


def follow_up_rows(follow_ups: Iterable[FollowUpView], today: date) -> list[tuple[Cell, ...]]:
    """Open actions, soonest first; an overdue one says so in words, not only in bold."""
    rows: list[tuple[Cell, ...]] = []
    for f in open_follow_ups(follow_ups):
        overdue = f.due_on < today
        due = format_uk_date(f.due_on) + (" (overdue)" if overdue else "")
        colour = status_style.BACKGROUND[RecallStatus.OVERDUE] if overdue else None
        rows.append((Cell(f.action), Cell(f.assigned_to), Cell(due, colour, bold=overdue)))
    return rows
