"""The practice selector every list screen has: "All practices" or one, by ODS code."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtWidgets import QComboBox

from facilitator_app.services.ports import PracticeRow


def fill_practices(combo: QComboBox, practices: Iterable[PracticeRow],
                   label: Callable[[PracticeRow], str] | None = None) -> None:
    """(Re)list the practices, keeping the chosen one if it is still there, without firing
    the combo's change signals (the caller reloads once, afterwards)."""
    chosen = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    combo.addItem("All practices", None)
    for p in practices:
        combo.addItem(label(p) if label else f"{p.name} ({p.code})", p.code)
    combo.setCurrentIndex(max(combo.findData(chosen), 0))
    combo.blockSignals(False)
