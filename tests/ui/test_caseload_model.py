"""CaseloadModel against a list-backed fake of the caseload service."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from facilitator_app.domain.checks import RecallStatus
from facilitator_app.services.ports import CaseloadQuery, CaseloadRow, CaseloadSort
from ui import status_style
from ui.models.caseload_model import PAGE_SIZE, CaseloadModel, Column

DISPLAY = Qt.ItemDataRole.DisplayRole
STATUSES = (RecallStatus.OVERDUE, RecallStatus.DUE_SOON, RecallStatus.DONE)


def make_row(i: int) -> CaseloadRow:
    status = STATUSES[i % 3]
    return CaseloadRow(
        patient_id=i + 1,
        nhs_number=f"{9434765919 + i}",
        family_name=f"smith{i:05d}",
        given_name="Alex",
        date_of_birth=date(1970, 1, 2),
        sex="F",
        practice_code="Z99001",
        core_check_oldest_on=None,
        open_follow_ups=1 if i % 4 == 0 else 0,
        status=status,
        next_due=None if status is RecallStatus.OVERDUE else date(2026, 12, 1),
    )


@dataclass
class FakeCaseload:
    """Rows filtered by family-name prefix; records every call the model makes."""

    rows: list[CaseloadRow]
    counts: list[CaseloadQuery] = field(default_factory=list)
    pages: list[tuple[int, int, int]] = field(default_factory=list)

    def _matching(self, query: CaseloadQuery) -> list[CaseloadRow]:
        return [r for r in self.rows if r.family_name.startswith(query.text.lower())]

    def count(self, query: CaseloadQuery) -> int:
        self.counts.append(query)
        return len(self._matching(query))

    def page(self, query: CaseloadQuery, offset: int, limit: int, total: int) -> list[CaseloadRow]:
        self.pages.append((offset, limit, total))
        return self._matching(query)[offset : offset + limit]


@pytest.fixture
def fake() -> FakeCaseload:
    return FakeCaseload([make_row(i) for i in range(1050)])


@pytest.fixture
def model(fake: FakeCaseload) -> CaseloadModel:
    return CaseloadModel(fake.count, fake.page)


def text(model: CaseloadModel, row: int, column: Column) -> str:
    value = model.data(model.index(row, column), DISPLAY)
    assert isinstance(value, str)
    return value


def test_row_count_is_the_true_total_and_nothing_is_read_up_front(
    model: CaseloadModel, fake: FakeCaseload
) -> None:
    assert model.rowCount() == 1050
    assert model.columnCount() == len(Column)
    assert fake.pages == []


def test_first_and_last_rows_read_the_pages_that_hold_them(
    model: CaseloadModel, fake: FakeCaseload
) -> None:
    assert text(model, 0, Column.NAME) == "SMITH00000, Alex"
    assert text(model, 1049, Column.NAME) == "SMITH01049, Alex"
    assert fake.pages == [(0, PAGE_SIZE, 1050), (1000, PAGE_SIZE, 1050)]
    text(model, 1, Column.NAME)
    text(model, 1001, Column.NHS_NUMBER)
    assert len(fake.pages) == 2  # served from the cache


def test_formats_nhs_number_dates_and_next_due(model: CaseloadModel) -> None:
    assert text(model, 0, Column.NHS_NUMBER) == "943 476 5919"
    assert text(model, 0, Column.DATE_OF_BIRTH) == "02/01/1970"
    assert text(model, 0, Column.PRACTICE) == "Z99001"
    assert text(model, 0, Column.NEXT_DUE) == "never done"
    assert text(model, 1, Column.NEXT_DUE) == "01/12/2026"


def test_status_is_always_text_with_colour_and_tooltip_as_extras(model: CaseloadModel) -> None:
    assert text(model, 0, Column.STATUS) == "Overdue + follow-up"
    assert text(model, 1, Column.STATUS) == "Due soon"
    assert text(model, 2, Column.STATUS) == "Up to date"
    assert text(model, 3, Column.STATUS) == "Overdue"
    background = model.data(model.index(1, Column.NAME), Qt.ItemDataRole.BackgroundRole)
    assert background == status_style.BACKGROUND[RecallStatus.DUE_SOON]
    accent = model.data(model.index(0, Column.STATUS), Qt.ItemDataRole.BackgroundRole)
    assert accent == status_style.FOLLOW_UP_BACKGROUND
    tooltip = model.data(model.index(0, Column.STATUS), Qt.ItemDataRole.ToolTipRole)
    assert "Overdue" in tooltip and "follow-up" in tooltip
    assert model.data(model.index(0, Column.NAME), Qt.ItemDataRole.ToolTipRole) is None


def test_status_colours_keep_text_readable() -> None:
    for colour in (*status_style.BACKGROUND.values(), status_style.FOLLOW_UP_BACKGROUND):
        assert status_style.contrast_ratio(status_style.TEXT, colour) >= 4.5


@pytest.mark.parametrize(
    ("column", "sort"),
    [
        (Column.NHS_NUMBER, CaseloadSort.NHS_NUMBER),
        (Column.NAME, CaseloadSort.NAME),
        (Column.DATE_OF_BIRTH, CaseloadSort.DATE_OF_BIRTH),
        (Column.PRACTICE, CaseloadSort.NAME),
        (Column.STATUS, CaseloadSort.RECALL),
        (Column.NEXT_DUE, CaseloadSort.RECALL),
    ],
)
def test_sort_maps_columns_to_service_orders(
    model: CaseloadModel, fake: FakeCaseload, column: Column, sort: CaseloadSort
) -> None:
    model.sort(column, Qt.SortOrder.DescendingOrder)
    assert (model.query.sort, model.query.descending) == (sort, True)
    assert fake.counts[-1] == model.query
    model.sort(column, Qt.SortOrder.AscendingOrder)
    assert (model.query.sort, model.query.descending) == (sort, False)


def test_set_query_resets_counts_again_and_forgets_pages(
    qtbot: QtBot, model: CaseloadModel, fake: FakeCaseload
) -> None:
    text(model, 0, Column.NAME)
    with qtbot.waitSignal(model.modelReset, timeout=1000):
        model.set_query(replace(model.query, text="SMITH001"))
    assert model.rowCount() == 100
    assert model.cached_pages == 0
    assert text(model, 0, Column.NAME) == "SMITH00100, Alex"
    assert fake.pages[-1] == (0, PAGE_SIZE, 100)


def test_page_cache_is_bounded_and_keeps_recent_pages(fake: FakeCaseload) -> None:
    model = CaseloadModel(fake.count, fake.page, page_size=10, max_pages=3)
    for row in range(0, 100, 10):  # ten pages
        model.patient_id(row)
        model.patient_id(0)  # page 0 stays the most recently used
    assert model.cached_pages == 3
    reads = len(fake.pages)
    model.patient_id(5)
    assert len(fake.pages) == reads
    model.patient_id(15)  # evicted long ago: read again
    assert len(fake.pages) == reads + 1


def test_patient_id_and_out_of_range_rows(model: CaseloadModel) -> None:
    assert model.patient_id(0) == 1
    assert model.patient_id(1049) == 1050
    assert model.patient_id(1050) is None
    assert model.patient_id(-1) is None
