"""The pathway budget screen (pytest-qt, offscreen): the position strip after each step of a
year's work (a line, a provider and service, a commitment over 31 March, an overspend
declined and then authorised, an invoice, a part payment, a refused over-payment, a
cancellation), the tables, and the statement written off the GUI thread after its warning."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget
from pytestqt.qtbot import QtBot

from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.dates import QofYear
from facilitator_app.services.budget import list_commitments, list_providers
from tests.builders import RegisterBuilder
from ui.screens.budget import LEAVING_TEXT, BudgetScreen, position_words
from ui.screens.budget_dialogs import BudgetDialog

FY26 = QofYear(2026)


def _screen(qtbot: QtBot, ctx: AppContext) -> BudgetScreen:
    screen = BudgetScreen(ctx, load_now=False)
    qtbot.addWidget(screen)
    with qtbot.waitSignal(screen.loaded, timeout=10_000):
        screen.reload()
    return screen


def _patients(ctx: AppContext, n: int = 2) -> list[str]:
    b = RegisterBuilder(ctx)
    numbers = [b.patient(f"Patient{i}", "Sam").nhs_number for i in range(n)]
    b.commit()
    return numbers


def _save(qtbot: QtBot, screen: BudgetScreen, dialog: BudgetDialog | None) -> None:
    """Save the dialog and wait for the screen to read the budget again."""
    assert dialog is not None
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(screen.loaded, timeout=10_000):
        assert dialog.save(), dialog.problem_text
    dialog.close()


def _strip(screen: BudgetScreen) -> dict[str, str]:
    """What each tile says: its caption and amount, as a screen reader reads it."""
    return {key: tile.accessibleName() for key, tile in screen.strip.tiles.items()}


def _column(screen: BudgetScreen, model: str, column: int) -> list[str]:
    m = getattr(screen, f"{model}_model")
    return [m.text(r, column) for r in range(m.rowCount())]


def test_a_years_work_through_the_screen(qtbot: QtBot, sqlite_ctx: AppContext,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = _patients(sqlite_ctx)
    screen = _screen(qtbot, sqlite_ctx)
    assert screen.chosen_year() == FY26  # the year of today, 22/11/2026
    assert screen.strip.words.text().startswith("No budget set for 2026/27 yet")
    assert "No budget lines for 2026/27 yet" in screen.message.text()

    # a line
    line = screen.line_dialog()
    line.set_values("Talking therapies", "1,000")
    _save(qtbot, screen, line)
    assert _strip(screen) == {"budget": "Budget £1,000.00", "committed": "Committed £0.00",
                              "spent": "Spent £0.00", "remaining": "Remaining £1,000.00",
                              "forecast": "Forecast outturn £0.00"}
    assert "Budget line 'Talking therapies' 2026/27 saved." in screen.message.text()
    assert _column(screen, "lines", 0) == ["Talking therapies", "Total"]

    # a provider and its service
    provider = screen.provider_dialog()
    provider.set_values("Talk Well", "0300 000 0001")
    _save(qtbot, screen, provider)
    assert _column(screen, "providers", 1) == ["No services yet"]
    screen.providers_table.selectRow(0)
    service = screen.service_dialog()
    assert service.provider.currentText() == "Talk Well"  # the provider selected
    service.set_values(service.provider.currentData(), "CBT session", "session", "45")
    _save(qtbot, screen, service)
    assert _column(screen, "providers", 1) == ["CBT session £45.00 per session"]
    ((_, (cbt,)),) = list_providers(sqlite_ctx.new_uow())
    line_id = screen.commitment_dialog().line.currentData()

    # a commitment spanning 31 March: its value and the year split shown before saving
    buy = screen.commitment_dialog()
    buy.set_values(first, cbt.id, line_id, 10, date(2027, 2, 1), date(2027, 4, 30))
    assert "2026/27: £298.31 (59 days); 2027/28: £151.69 (30 days)" in buy.preview_text
    _save(qtbot, screen, buy)
    assert screen.message.text().startswith(
        "Commitment 1 authorised: £450.00 (2026/27 £298.31; 2027/28 £151.69).")
    assert _strip(screen)["committed"] == "Committed £298.31"
    assert _strip(screen)["remaining"] == "Remaining £701.69"
    assert screen.selected_commitment is not None and screen.selected_commitment.id == 1
    assert [screen.commitments_model.text(0, c) for c in range(7)] == [
        "1", "01/02/2027 – 30/04/2027", "Talk Well: CBT session", "10 × session", "£450.00",
        "£0.00", "Active"]

    # an overspend: declined, nothing saved; then authorised
    asked: list[str] = []
    big = screen.commitment_dialog()
    monkeypatch.setattr(big, "confirm_overspend", lambda text: asked.append(text) or False)
    big.set_values(second, cbt.id, line_id, 20, date(2026, 6, 1), date(2026, 11, 30))
    qtbot.addWidget(big)
    assert not big.save()
    assert asked and "would overspend the line by £198.31" in asked[0]
    assert len(list_commitments(sqlite_ctx.new_uow(), FY26)) == 1
    assert _strip(screen)["committed"] == "Committed £298.31"
    monkeypatch.setattr(big, "confirm_overspend", lambda text: True)
    with qtbot.waitSignal(screen.loaded, timeout=10_000):
        assert big.save()
    assert _strip(screen)["committed"] == "Committed £1,198.31"
    assert _strip(screen)["remaining"] == "Overspent by £198.31"
    assert "the budget is overspent by £198.31" in screen.strip.words.text()
    assert _column(screen, "lines", 4)[0] == "Overspent by £198.31"
    assert screen.strip.tiles["forecast"].note.text() == (
        "spent + committed: £198.31 over budget")

    # an invoice against the second commitment, approved at once
    assert screen.select_commitment(big.saved_id or 0)
    invoice = screen.invoice_dialog()
    assert invoice is not None
    invoice.set_values("TW-1", date(2026, 7, 31), 8, approved_on=date(2026, 8, 3))
    _save(qtbot, screen, invoice)
    assert _strip(screen)["spent"] == "Spent £360.00"
    assert _strip(screen)["committed"] == "Committed £838.31"
    assert screen.selected_invoice is not None and screen.selected_invoice.reference == "TW-1"
    assert [screen.invoices_model.text(0, c) for c in range(6)] == [
        "TW-1", "31/07/2026", "8", "£360.00", "03/08/2026", "Not paid"]
    assert screen.pay.isEnabled() and not screen.approve.isEnabled()

    # a part payment, then an over-payment refused with its message
    payment = screen.payment_dialog()
    assert payment is not None
    payment.set_values("100", date(2026, 8, 20))
    _save(qtbot, screen, payment)
    assert screen.invoices_model.text(0, 5) == "£100.00 (part)"
    assert screen.invoice_hint.text() == "£260.00 still to pay."
    over = screen.payment_dialog()
    assert over is not None
    qtbot.addWidget(over)
    over.set_values("261", date(2026, 8, 21))
    assert not over.save()
    assert over.shown_problem("amount") == "That would pay £1.00 more than the invoice is for."
    assert screen.invoices_model.text(0, 5) == "£100.00 (part)"
    assert _strip(screen)["spent"] == "Spent £360.00"  # paying is not spending twice

    # cancelling the second commitment keeps what was invoiced
    cancel = screen.cancel_dialog()
    assert cancel is not None
    cancel.set_values(date(2026, 9, 1))
    _save(qtbot, screen, cancel)
    assert _strip(screen)["committed"] == "Committed £298.31"
    assert _strip(screen)["spent"] == "Spent £360.00"
    assert _strip(screen)["remaining"] == "Remaining £341.69"
    assert "Cancelled 01/09/2026" in _column(screen, "commitments", 6)
    assert not screen.cancel.isEnabled()
    screen.shutdown()


def test_overspend_words_and_the_next_year(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    screen = _screen(qtbot, sqlite_ctx)
    for year, amount in ((FY26, "500"), (QofYear(2027), "750.25")):
        line = screen.line_dialog()
        line.set_values("Peer support", amount, year)
        _save(qtbot, screen, line)
    assert _strip(screen)["budget"] == "Budget £500.00"
    with qtbot.waitSignal(screen.loaded, timeout=10_000):
        screen.set_year(QofYear(2027))
    assert _strip(screen)["budget"] == "Budget £750.25"
    assert screen.commitments_label.text() == "Commitments r&unning in 2027/28 (0):"
    total = screen.view.position.total if screen.view else None
    assert total is not None and position_words(QofYear(2027), total) == (
        "2027/28: of a budget of £750.25, £0.00 is spent and £0.00 committed, so £750.25 "
        "remains. Forecast outturn £0.00, £750.25 under budget.")
    screen.shutdown()


def _statement_ready(qtbot: QtBot, ctx: AppContext) -> BudgetScreen:
    (number,) = _patients(ctx, 1)
    screen = _screen(qtbot, ctx)
    line = screen.line_dialog()
    line.set_values("Talking therapies", "1,000")
    _save(qtbot, screen, line)
    provider = screen.provider_dialog()
    provider.set_values("Talk Well")
    _save(qtbot, screen, provider)
    service = screen.service_dialog()
    service.set_values(service.provider.itemData(0), "CBT session", "session", "45")
    _save(qtbot, screen, service)
    buy = screen.commitment_dialog()
    buy.set_values(number, buy.service.itemData(0), buy.line.itemData(0), 4,
                   date(2026, 6, 1), date(2026, 6, 30))
    _save(qtbot, screen, buy)
    return screen


def test_statement_pdf_and_xlsx_after_the_warning(qtbot: QtBot, sqlite_ctx: AppContext,
                                                  tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    screen = _statement_ready(qtbot, sqlite_ctx)
    assert screen.statement_for.count() == 2  # all providers, and Talk Well
    warned: list[tuple[str, str | None]] = []

    def agree(fmt: str, provider: str | None) -> bool:
        warned.append((fmt, provider))
        return True

    monkeypatch.setattr(screen, "confirm_export", agree)
    task = screen.export("pdf", tmp_path / "statement")
    assert task is not None
    qtbot.waitUntil(lambda: "written to" in screen.export_message.text(), timeout=10_000)
    pdf = tmp_path / "statement.pdf"  # the suffix added
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "2026/27" in text and "Talk Well" in text
    assert "Sam" not in text and "Patient0" not in text  # aggregate only

    task = screen.export("xlsx", tmp_path / "talk-well.xlsx", provider="Talk Well")
    assert task is not None
    qtbot.waitUntil(lambda: "talk-well.xlsx" in screen.export_message.text()
                    and "written to" in screen.export_message.text(), timeout=10_000)
    book = load_workbook(tmp_path / "talk-well.xlsx")
    cells = [str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
             for c in row if c is not None]
    assert any("2026/27" in c for c in cells) and any("Talk Well" in c for c in cells)
    assert warned == [("pdf", None), ("xlsx", "Talk Well")]
    screen.shutdown()


def test_statement_not_written_when_the_warning_is_declined(
        qtbot: QtBot, sqlite_ctx: AppContext, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    screen = _screen(qtbot, sqlite_ctx)
    monkeypatch.setattr(screen, "confirm_export", lambda fmt, provider: False)
    assert screen.export("pdf", tmp_path / "statement.pdf") is None
    assert not (tmp_path / "statement.pdf").exists()
    assert screen.export_message.text() == "Statement not written."
    assert "aggregate figures only" in LEAVING_TEXT and '"<5"' in LEAVING_TEXT
    screen.shutdown()


def test_buttons_follow_the_selection(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    screen = _statement_ready(qtbot, sqlite_ctx)
    screen.commitments_table.clearSelection()
    screen.commitments_table.setCurrentIndex(screen.commitments_model.index(-1, -1))
    screen.select_commitment(0)  # no such commitment: nothing chosen
    assert screen.cancel_dialog() is None and screen.invoice_dialog() is None
    assert not screen.cancel.isEnabled() and not screen.invoice.isEnabled()
    assert screen.commitment_hint.text().startswith("Select a commitment")
    assert screen.select_commitment(1)
    assert screen.cancel.isEnabled() and screen.invoice.isEnabled()
    assert not screen.approve.isEnabled() and not screen.pay.isEnabled()
    assert screen.invoices_label.text() == "&What was invoiced against commitment 1 (0 invoices):"
    invoice = screen.invoice_dialog()
    assert invoice is not None
    invoice.set_values("TW-9", date(2026, 6, 30), 4)
    _save(qtbot, screen, invoice)
    assert screen.approve.isEnabled() and not screen.pay.isEnabled()
    assert screen.invoice_hint.text() == "Approve the invoice before recording a payment."
    assert not screen.invoice.isEnabled()  # every unit invoiced
    assert screen.commitments_model.text(0, 6) == "Fully invoiced"
    approve = screen.approve_dialog()
    assert approve is not None
    approve.set_values(date(2026, 7, 1))
    _save(qtbot, screen, approve)
    assert screen.pay.isEnabled() and screen.invoices_model.text(0, 4) == "01/07/2026"
    assert _strip(screen)["spent"] == "Spent £180.00"
    screen.shutdown()


def test_named_controls_and_unique_mnemonics(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    screen = _statement_ready(qtbot, sqlite_ctx)
    screen.show()
    stops = [w for w in screen.findChildren(QWidget)
             if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisibleTo(screen)]
    assert [w for w in stops if not w.accessibleName()] == []
    texts = [b.text() for b in screen.findChildren(QAbstractButton) if b.window() is screen]
    texts += [label.text() for label in screen.findChildren(QLabel)
              if label.buddy() and label.window() is screen]  # not the dialogs' own
    texts += [screen.figures.tabText(i) for i in range(screen.figures.count())]
    keys = [t[t.index("&") + 1].lower() for t in texts if "&" in t]
    assert len(keys) == len(set(keys)), sorted(keys)
    assert {"b", "s", "p", "v", "n", "i", "a", "m", "d", "x", "y", "l", "o"} <= set(keys)
    for tile in screen.strip.tiles.values():  # large: the amount is bigger than its caption
        assert tile.amount.fontMetrics().height() > tile.caption.fontMetrics().height()
    screen.shutdown()
