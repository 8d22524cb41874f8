"""The scores-over-time chart: said in words, and drawn with any number of points."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from ui.widgets.score_chart import SERIES_COLOURS, ChartSeries, ScoreChart, format_value


def _chart(qtbot: QtBot) -> ScoreChart:
    chart = ScoreChart()
    qtbot.addWidget(chart)
    chart.resize(chart.sizeHint())
    return chart


def _colours(image: QImage) -> set[str]:
    """Every distinct colour drawn (sampled every other pixel: enough for lines and markers)."""
    return {image.pixelColor(x, y).name()
            for y in range(0, image.height(), 2) for x in range(0, image.width(), 2)}


def _has_colour(image: QImage, colour: str) -> bool:
    return QColor(colour).name() in _colours(image)


def test_the_description_lists_every_point_in_words(qtbot: QtBot) -> None:
    chart = _chart(qtbot)
    chart.set_series("PHQ-9", [(date(2026, 6, 22), 9.0), (date(2026, 6, 1), 16.0)], 0, 27,
                     [(10, "caseness")])
    description = chart.accessibleDescription()
    assert description.startswith("PHQ-9: 16 on 01/06/2026, 9 on 22/06/2026")  # date order
    assert "Lines at 10 (caseness)" in description
    assert chart.accessibleName() == "PHQ-9 over time"


def test_several_series_are_described_and_a_chosen_name_is_kept(qtbot: QtBot) -> None:
    chart = _chart(qtbot)
    chart.setAccessibleName("Goal ratings over time")
    chart.set_series_list("Goal ratings (0–10)", [
        ("Goal 1", [(date(2026, 5, 1), 2.0), (date(2026, 7, 1), 6.0)]),
        ChartSeries("Goal 2", ((date(2026, 5, 1), 4.0),)),
        ("Goal 3", []),
    ], 0, 10)
    assert chart.accessibleName() == "Goal ratings over time"
    assert chart.accessibleDescription() == (
        "Goal 1: 2 on 01/05/2026, 6 on 01/07/2026; Goal 2: 4 on 01/05/2026; "
        "Goal 3: no scores yet.")
    assert [s.title for s in chart.series] == ["Goal 1", "Goal 2", "Goal 3"]


def test_values_are_written_plainly() -> None:
    assert [format_value(v) for v in (16.0, 21.54, 4.625, 0.5)] == ["16", "21.54", "4.62",
                                                                    "0.5"]


def test_renders_with_no_points(qtbot: QtBot) -> None:
    chart = _chart(qtbot)
    chart.set_series("GAD-7", [], 0, 21, [(8, "caseness")])
    pixmap = chart.grab()
    assert not pixmap.isNull() and pixmap.width() > 100 and pixmap.height() > 100
    assert not _has_colour(pixmap.toImage(), SERIES_COLOURS[0])  # no line drawn
    assert chart.accessibleDescription().startswith("GAD-7: no scores yet")


def test_renders_one_point(qtbot: QtBot) -> None:
    chart = _chart(qtbot)
    chart.set_series("PHQ-9", [(date(2026, 6, 1), 16.0)], 0, 27, [(10, "caseness")])
    image = chart.grab().toImage()
    assert _has_colour(image, SERIES_COLOURS[0])  # the marker


@pytest.mark.parametrize("count", [2, 40, 400])
def test_renders_many_points(qtbot: QtBot, count: int) -> None:
    chart = _chart(qtbot)
    start = date(2024, 1, 1)
    points = [(start + timedelta(days=7 * i), float(i % 28)) for i in range(count)]
    chart.set_series("PHQ-9", points, 0, 27, [(10, "caseness")])
    image = chart.grab().toImage()
    assert _has_colour(image, SERIES_COLOURS[0])
    assert chart.accessibleDescription().count(" on ") == count


def test_several_series_get_their_own_colours_and_a_legend(qtbot: QtBot) -> None:
    chart = _chart(qtbot)
    areas = ["Managing mental health", "Physical health and self-care", "Living skills"]
    chart.set_series_list("Recovery Star", [
        (area, [(date(2026, 3, 1), 3.0 + i), (date(2026, 9, 1), 5.0 + i)])
        for i, area in enumerate(areas)], 1, 10)
    small = chart.sizeHint()
    assert small.height() > chart.fontMetrics().height() * 14  # room for the legend
    colours = _colours(chart.grab().toImage())
    assert all(QColor(c).name() in colours for c in SERIES_COLOURS[:3])


def test_sizes_follow_the_font(qtbot: QtBot) -> None:
    chart = _chart(qtbot)
    before = chart.sizeHint()
    font = chart.font()
    font.setPointSizeF(font.pointSizeF() * 2)
    chart.setFont(font)
    after = chart.sizeHint()
    assert after.width() > before.width() * 1.5 and after.height() > before.height() * 1.5


def test_an_empty_range_is_refused(qtbot: QtBot) -> None:
    chart = _chart(qtbot)
    with pytest.raises(ValueError, match="must be above"):
        chart.set_series("PHQ-9", [], 5, 5)
