"""Scores over time: a small QPainter line chart of one or more series of (date, value) points.

For questionnaire totals (PHQ-9 with its caseness line at 10, GAD-7 at 8), goal ratings (0–10)
and Recovery Star areas (1–10, one line per area). Everything is sized from the font, so it
reads at any text scale. Colour is never the only cue: each series has its own marker shape
as well as its colour, the legend names them, a lone series has its values written beside the
points, threshold lines are dashed and labelled, and the accessible description says every
point in words ("PHQ-9: 16 on 01/06/2026, 9 on 22/06/2026").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from facilitator_app.domain.dates import format_uk_date

# Okabe–Ito colours: told apart with the common colour vision deficiencies.
SERIES_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
                  "#000000", "#F0E442")
MARKERS = ("circle", "square", "triangle", "diamond", "down", "cross")
_GRID = QColor("#d9d9d9")
_THRESHOLD = QColor("#555555")


@dataclass(frozen=True)
class ChartSeries:
    """One line: its name in the legend and its points (put in date order when drawn)."""

    title: str
    points: tuple[tuple[date, float], ...]


SeriesLike = ChartSeries | tuple[str, Sequence[tuple[date, float]]]


def _as_series(s: SeriesLike) -> ChartSeries:
    if isinstance(s, ChartSeries):
        return s
    name, points = s
    return ChartSeries(name, tuple(points))


def format_value(value: float) -> str:
    """16.0 → "16", 21.54 → "21.54", 4.625 → "4.63"."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def describe(series: Sequence[ChartSeries],
             thresholds: Sequence[tuple[float, str]] = ()) -> str:
    """Every point in words, oldest first, series by series; then the threshold lines."""
    parts = []
    for s in series:
        points = sorted(s.points, key=lambda p: p[0])
        if points:
            parts.append(f"{s.title}: " + ", ".join(
                f"{format_value(v)} on {format_uk_date(d)}" for d, v in points))
        else:
            parts.append(f"{s.title}: no scores yet")
    text = "; ".join(parts) if parts else "No scores yet"
    if thresholds:
        text += ". Lines at " + ", ".join(f"{format_value(v)} ({label})"
                                          for v, label in thresholds)
    return text + "."


def _nice_step(span: float, max_ticks: int) -> float:
    """A 1, 2 or 5 × 10ⁿ step giving at most ``max_ticks`` intervals over ``span``."""
    if span <= 0:
        return 1.0
    rough = span / max(1, max_ticks)
    power = 10 ** math.floor(math.log10(rough))
    for factor in (1, 2, 5, 10):
        if factor * power >= rough:
            return float(factor * power)
    return float(10 * power)  # pragma: no cover


class ScoreChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._series: list[ChartSeries] = []
        self._thresholds: list[tuple[float, str]] = []
        self._y_min = 0.0
        self._y_max = 10.0
        self._title = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        super().setAccessibleName("Scores over time")
        self._default_name = True
        self.setAccessibleDescription(describe([]))

    # -- data -----------------------------------------------------------------------------------

    def set_series(self, title: str, points: Sequence[tuple[date, float]], y_min: float,
                   y_max: float, thresholds: Sequence[tuple[float, str]] = ()) -> None:
        """One series, e.g. PHQ-9 totals from 0 to 27 with the caseness line at 10."""
        self.set_series_list(title, [ChartSeries(title, tuple(points))], y_min, y_max,
                             thresholds)

    def set_series_list(self, title: str, series: Sequence[SeriesLike], y_min: float,
                        y_max: float, thresholds: Sequence[tuple[float, str]] = ()) -> None:
        """Several series on one scale with a legend (goal ratings, Recovery Star areas): each a
        ``ChartSeries`` or a ``(name, points)`` pair."""
        if y_max <= y_min:
            raise ValueError(f"y_max ({y_max}) must be above y_min ({y_min})")
        self._series = [ChartSeries(s.title, tuple(sorted(s.points, key=lambda p: p[0])))
                        for s in map(_as_series, series)]
        self._thresholds = list(thresholds)
        self._y_min, self._y_max = float(y_min), float(y_max)
        self._title = title
        if self._default_name and title:  # a name the caller chose is kept
            self.setAccessibleName(f"{title} over time")
        self.setAccessibleDescription(describe(self._series, self._thresholds))
        self.updateGeometry()
        self.update()

    def setAccessibleName(self, name: str) -> None:
        self._default_name = False
        super().setAccessibleName(name)

    @property
    def series(self) -> list[ChartSeries]:
        return list(self._series)

    # -- size -----------------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        m = self.fontMetrics()
        return QSize(m.horizontalAdvance("M") * 36, m.height() * 14 + self._legend_height(
            m.horizontalAdvance("M") * 36))

    def minimumSizeHint(self) -> QSize:
        m = self.fontMetrics()
        return QSize(m.horizontalAdvance("M") * 18, m.height() * 8)

    def _legend_entries(self) -> list[tuple[int, str, float]]:
        m = self.fontMetrics()
        sample = m.height() * 2
        return [(i, s.title, sample + m.horizontalAdvance(f" {s.title}") + m.height())
                for i, s in enumerate(self._series)]

    def _legend_rows(self, width: float) -> list[list[tuple[int, str, float]]]:
        if len(self._series) < 2:
            return []  # one series: the accessible name and axis say what it is
        rows: list[list[tuple[int, str, float]]] = [[]]
        used = 0.0
        for entry in self._legend_entries():
            if rows[-1] and used + entry[2] > width:
                rows.append([])
                used = 0.0
            rows[-1].append(entry)
            used += entry[2]
        return rows

    def _legend_height(self, width: float) -> int:
        rows = self._legend_rows(width)
        return len(rows) * round(self.fontMetrics().height() * 1.3) if rows else 0

    # -- painting -------------------------------------------------------------------------------

    def _marker(self, painter: QPainter, index: int, centre: QPointF, radius: float) -> None:
        shape = MARKERS[index % len(MARKERS)]
        x, y, r = centre.x(), centre.y(), radius
        if shape == "circle":
            painter.drawEllipse(centre, r, r)
        elif shape == "square":
            painter.drawRect(QRectF(x - r * 0.9, y - r * 0.9, r * 1.8, r * 1.8))
        elif shape == "triangle":
            painter.drawPolygon(QPolygonF([QPointF(x, y - r * 1.15), QPointF(x + r, y + r * 0.8),
                                           QPointF(x - r, y + r * 0.8)]))
        elif shape == "diamond":
            painter.drawPolygon(QPolygonF([QPointF(x, y - r * 1.2), QPointF(x + r * 1.2, y),
                                           QPointF(x, y + r * 1.2), QPointF(x - r * 1.2, y)]))
        elif shape == "down":
            painter.drawPolygon(QPolygonF([QPointF(x, y + r * 1.15), QPointF(x + r, y - r * 0.8),
                                           QPointF(x - r, y - r * 0.8)]))
        else:
            path = QPainterPath()
            path.moveTo(x - r, y - r)
            path.lineTo(x + r, y + r)
            path.moveTo(x + r, y - r)
            path.lineTo(x - r, y + r)
            pen = QPen(painter.pen())
            pen.setWidthF(max(2.0, r / 2))
            painter.save()
            painter.setPen(pen)
            painter.drawPath(path)
            painter.restore()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        m = self.fontMetrics()
        line = m.height()
        text = self.palette().text().color()
        pad = line * 0.5

        legend_rows = self._legend_rows(self.width() - 2 * pad)
        legend_height = self._legend_height(self.width() - 2 * pad)
        self._paint_legend(painter, legend_rows, pad)

        y_step = _nice_step(self._y_max - self._y_min,
                            max(2, int((self.height() - legend_height) / (line * 2))))
        first_tick = math.ceil(self._y_min / y_step) * y_step
        ticks = []
        value = first_tick
        while value <= self._y_max + 1e-9:
            ticks.append(value)
            value += y_step
        label_width = max(m.horizontalAdvance(format_value(t)) for t in ticks) if ticks else 0
        plot = QRectF(pad + label_width + pad, legend_height + line,
                      self.width() - (pad + label_width + pad) - pad * 2,
                      self.height() - legend_height - line - line * 2)
        if plot.width() < line * 2 or plot.height() < line * 2:
            painter.end()
            return

        def y_of(v: float) -> float:
            v = min(max(v, self._y_min), self._y_max)
            return plot.bottom() - (v - self._y_min) / (self._y_max - self._y_min) * plot.height()

        # grid and y axis labels
        for t in ticks:
            y = y_of(t)
            painter.setPen(QPen(_GRID, 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(text)
            painter.drawText(QRectF(pad, y - line / 2, label_width, line),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             format_value(t))
        painter.setPen(QPen(text, 1))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())

        # thresholds: dashed, labelled above the line at the right
        captions: list[tuple[QRectF, str]] = []
        for value, label in self._thresholds:
            y = y_of(value)
            pen = QPen(_THRESHOLD, max(1.5, line / 10), Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            caption = f"{label} ({format_value(value)})" if label else format_value(value)
            width = m.horizontalAdvance(caption) + pad
            captions.append((QRectF(plot.right() - pad - width, y - line * 1.1, width, line),
                             caption))

        def paint_captions() -> None:  # last, on a background: no line runs through them
            for box, caption in captions:
                painter.fillRect(box, self.palette().window())
                painter.setPen(text)
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter, caption)

        days = sorted({d for s in self._series for d, _ in s.points})
        if not days:
            painter.setPen(text)
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "No scores recorded yet")
            paint_captions()
            painter.end()
            return

        radius = max(3.0, line / 4)
        inner = plot.adjusted(radius * 3, 0, -radius * 3, 0)
        first, last = days[0].toordinal(), days[-1].toordinal()

        def x_of(d: date) -> float:
            if last == first:
                return inner.center().x()
            return inner.left() + (d.toordinal() - first) / (last - first) * inner.width()

        self._paint_dates(painter, days, x_of, plot, text)

        single = len(self._series) == 1
        for index, s in enumerate(self._series):
            colour = QColor(SERIES_COLOURS[index % len(SERIES_COLOURS)])
            points = [QPointF(x_of(d), y_of(v)) for d, v in s.points]
            painter.setPen(QPen(colour, max(2.0, line / 8)))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            if len(points) > 1:
                painter.drawPolyline(QPolygonF(points))
            painter.setBrush(colour)
            for point in points:
                self._marker(painter, index, point, radius)
            spacing = m.horizontalAdvance("00.00 ")
            if single and len(points) * spacing <= inner.width() + spacing:
                painter.setPen(text)
                for point, (_, v) in zip(points, s.points, strict=True):
                    painter.drawText(QRectF(point.x() - spacing, point.y() - radius - line * 1.1,
                                            spacing * 2, line),
                                     Qt.AlignmentFlag.AlignCenter, format_value(v))
        paint_captions()
        painter.end()

    def _paint_legend(self, painter: QPainter, rows: list[list[tuple[int, str, float]]],
                      pad: float) -> None:
        m = self.fontMetrics()
        line = m.height()
        row_height = round(line * 1.3)
        radius = max(3.0, line / 4)
        for r, row in enumerate(rows):
            x = pad
            y = r * row_height + row_height / 2
            for index, title, width in row:
                colour = QColor(SERIES_COLOURS[index % len(SERIES_COLOURS)])
                painter.setPen(QPen(colour, max(2.0, line / 8)))
                painter.drawLine(QPointF(x, y), QPointF(x + line * 1.6, y))
                painter.setBrush(colour)
                self._marker(painter, index, QPointF(x + line * 0.8, y), radius)
                painter.setPen(self.palette().text().color())
                painter.drawText(QRectF(x + line * 2, y - line / 2, width - line * 2, line),
                                 Qt.AlignmentFlag.AlignVCenter, title)
                x += width

    def _paint_dates(self, painter: QPainter, days: list[date], x_of: Callable[[date], float],
                     plot: QRectF,
                     text: QColor) -> None:
        """As many dates under the axis as fit without overlapping: always the first and the
        last, then others left to right."""
        m = self.fontMetrics()
        width = m.horizontalAdvance("00/00/0000") + m.horizontalAdvance("M")
        chosen: list[tuple[float, date]] = []
        candidates = [days[0], days[-1], *days[1:-1]] if len(days) > 1 else days
        for d in candidates:
            x = x_of(d)
            if all(abs(x - other) >= width for other, _ in chosen):
                chosen.append((x, d))
        painter.setPen(QPen(text, 1))
        for x, d in chosen:
            painter.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + m.height() / 4))
            left = min(max(x - width / 2, 0.0), self.width() - width)
            painter.drawText(QRectF(left, plot.bottom() + m.height() / 4, width, m.height()),
                             Qt.AlignmentFlag.AlignCenter, format_uk_date(d))
