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
OPTIONAL = "Optional"


def element_rows(elements: Iterable[ElementView]) -> list[tuple[Cell, ...]]:
    """Core elements first (they decide recall), then the optional extras. An extra is never
    "overdue": its Status says "Optional", so the only red on the page is what recall needs."""
    ordered = sorted(elements, key=lambda e: not e.core)  # stable: keeps the service's order
    rows: list[tuple[Cell, ...]] = []
    for e in ordered:
        if e.core:
            status = Cell(e.status.label, status_style.BACKGROUND[e.status],
                          status_style.EXPLANATION[e.status])
            due = Cell(format_uk_date(e.next_due) if e.next_due else NEVER_DONE)
        else:
            status = Cell(OPTIONAL, None, "Part of a comprehensive check; not needed for recall.")
            due = Cell(format_uk_date(e.next_due) if e.next_due else "")
        rows.append(
            (
                Cell(e.label),
                Cell(e.value_text or NOT_RECORDED),
                Cell(format_uk_date(e.observed_on)),
                status,
                due,
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
