"""How recall status looks, in one place, so the caseload and the patient panel agree.

Colour is only ever a second cue: every coloured cell also carries the status as text, because
some users cannot tell red from green and screen readers do not read colours. The backgrounds
are soft so that dark text on them keeps a WCAG contrast of at least 4.5:1, and the text colour
is set explicitly with them so a dark desktop theme cannot put white text on a pale cell.
"""

from __future__ import annotations

from PySide6.QtGui import QColor

from facilitator_app.domain.checks import RecallStatus

TEXT = QColor("#1a1a1a")

BACKGROUND: dict[RecallStatus, QColor] = {
    RecallStatus.OVERDUE: QColor("#f8d4d4"),  # light red
    RecallStatus.DUE_SOON: QColor("#fde7b0"),  # amber
    RecallStatus.DONE: QColor("#d5ecd4"),  # light green
}
FOLLOW_UP_BACKGROUND = QColor("#cfe0fc")  # light blue accent

FOLLOW_UP_SUFFIX = " + follow-up"

EXPLANATION: dict[RecallStatus, str] = {
    RecallStatus.OVERDUE: "Overdue: at least one core check element was never recorded, "
    "or its last record is more than 12 months old.",
    RecallStatus.DUE_SOON: "Due soon: a core check element falls due within the next 30 days.",
    RecallStatus.DONE: "Up to date: every core check element was recorded in the last 12 months.",
}
FOLLOW_UP_EXPLANATION = "An abnormal result has a follow-up action that is not yet done."


def status_text(status: RecallStatus, open_follow_ups: int = 0) -> str:
    """The label users read (and screen readers speak); the colour only repeats it."""
    return status.label + (FOLLOW_UP_SUFFIX if open_follow_ups > 0 else "")


def status_tooltip(status: RecallStatus, open_follow_ups: int = 0) -> str:
    lines = [EXPLANATION[status]]
    if open_follow_ups > 0:
        plural = "s" if open_follow_ups > 1 else ""
        lines.append(f"{open_follow_ups} open follow-up{plural}. {FOLLOW_UP_EXPLANATION}")
    return "\n".join(lines)


def contrast_ratio(foreground: QColor, background: QColor) -> float:
    """WCAG 2 contrast ratio, so a test can hold the colours above to 4.5:1."""

    def luminance(colour: QColor) -> float:
        def channel(value: float) -> float:
            return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

        return (
            0.2126 * channel(colour.redF())
            + 0.7152 * channel(colour.greenF())
            + 0.0722 * channel(colour.blueF())
        )

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
