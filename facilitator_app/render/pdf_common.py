"""What every PDF the app writes shares: A4, the embedded Unicode font, and "page X of Y".

The font is DejaVu Sans, shipped in ``resources/fonts`` (Bitstream Vera licence, see the
LICENSE file there) and embedded in every PDF, so names such as Zoë, Siobhán, Nguyễn or
Łukasz print correctly on any machine; ReportLab's built-in Helvetica has no glyphs for many
of them.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
MARGIN = 18 * mm


def resources_dir() -> Path:
    """``resources/`` beside the packages, or inside a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


@cache
def register_fonts() -> None:
    fonts = resources_dir() / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(fonts / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(fonts / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT,
                                  boldItalic=FONT_BOLD)


class NumberedCanvas(Canvas):
    """Writes "page X of Y" at the foot of every page once the number of pages is known:
    pages are held back until ``save`` and then written with the total.

    A PDF can hold several documents, such as a merged batch of letters: each one begins with
    a :class:`DocumentStart` flowable, numbers its own pages and may carry a label (the
    patient's NHS number) at the foot of each of its pages."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held: list[dict[str, Any]] = []
        self._starts: list[int] = []  # index of the first page of each document
        self._labels: list[str] = []

    def begin_document(self, label: str) -> None:
        """Called while drawing the first page of a document."""
        self._starts.append(len(self._held))
        self._labels.append(label)

    def showPage(self) -> None:  # noqa: N802 - ReportLab's name
        self._held.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]

    def save(self) -> None:
        starts = self._starts or [0]
        labels = self._labels or [""]
        ends = [*starts[1:], len(self._held)]
        font = FONT if FONT in pdfmetrics.getRegisteredFontNames() else "Helvetica"
        for index, state in enumerate(self._held):
            doc = max(i for i, first in enumerate(starts) if first <= index)
            self.__dict__.update(state)
            self.setFont(font, 7.5)
            self.drawRightString(A4[0] - MARGIN, 10 * mm,
                                 f"page {index - starts[doc] + 1} of {ends[doc] - starts[doc]}")
            if labels[doc]:
                self.drawString(MARGIN, 10 * mm, labels[doc])
            super().showPage()
        super().save()


class DocumentStart(Flowable):
    """Zero-size marker: a new document (one letter of a batch) starts on this page."""

    def __init__(self, label: str = "") -> None:
        super().__init__()
        self.label = label
        self.width = self.height = 0

    def wrap(self, _available_width: float, _available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        canvas = self.canv
        if isinstance(canvas, NumberedCanvas):
            canvas.begin_document(self.label)
