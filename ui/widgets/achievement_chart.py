"""A bar per indicator: achievement %, with the lower and upper thresholds marked.

Plain QPainter, sized from the font, so it reads at any text scale. Colour is only a second
cue: every bar is labelled with its percentage, and the accessible description says it all in
words.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget


@dataclass(frozen=True)
class Bar:
    label: str
    achievement: float | None
    lower: float
    upper: float


_BELOW = QColor("#c62828")
_BETWEEN = QColor("#f9a825")
_ABOVE = QColor("#2e7d32")
_TRACK = QColor("#e6e6e6")


class AchievementChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bars: list[Bar] = []
        self.setAccessibleName("Achievement against thresholds")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_bars(self, bars: list[Bar]) -> None:
        self._bars = bars
        self.setAccessibleDescription("; ".join(
            f"{b.label} {'n/a' if b.achievement is None else f'{b.achievement:.1f}%'} "
            f"(thresholds {b.lower:g}–{b.upper:g}%)" for b in bars))
        self.updateGeometry()
        self.update()

    def _row_height(self) -> int:
        return self.fontMetrics().height() + 6

    def sizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance("M") * 40,
                     self._row_height() * max(1, len(self._bars)) + 8)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        metrics = self.fontMetrics()
        label_width = metrics.horizontalAdvance("MH000  ")
        value_width = metrics.horizontalAdvance("100.0%  ")
        track = max(10, self.width() - label_width - value_width - 8)
        row = self._row_height()
        for i, bar in enumerate(self._bars):
            y = 4 + i * row
            painter.setPen(self.palette().text().color())
            painter.drawText(QRectF(0, y, label_width, row), Qt.AlignmentFlag.AlignVCenter,
                             bar.label)
            box = QRectF(label_width, y + 3, track, row - 6)
            painter.fillRect(box, _TRACK)
            value = bar.achievement or 0.0
            colour = _ABOVE if value >= bar.upper else _BETWEEN if value > bar.lower else _BELOW
            painter.fillRect(QRectF(box.left(), box.top(), track * value / 100, box.height()),
                             colour)
            painter.setPen(QPen(self.palette().text().color(), 2))
            for mark in (bar.lower, bar.upper):
                x = box.left() + track * mark / 100
                painter.drawLine(int(x), int(box.top()) - 2, int(x), int(box.bottom()) + 2)
            text = "n/a" if bar.achievement is None else f"{bar.achievement:.1f}%"
            painter.drawText(QRectF(box.right() + 6, y, value_width, row),
                             Qt.AlignmentFlag.AlignVCenter, text)
        painter.end()
