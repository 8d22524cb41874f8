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
    pages are held back until ``save`` and then written with the total."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - ReportLab's name
        self._held.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]

    def save(self) -> None:
        total = len(self._held)
        for state in self._held:
            self.__dict__.update(state)
            self.setFont(FONT if FONT in pdfmetrics.getRegisteredFontNames() else "Helvetica",
                         7.5)
            self.drawRightString(A4[0] - MARGIN, 10 * mm,
                                 f"page {self.getPageNumber()} of {total}")
            super().showPage()
        super().save()
