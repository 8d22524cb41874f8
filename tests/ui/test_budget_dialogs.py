"""The pathway budget dialogs (pytest-qt, offscreen): each refusal is shown beside the field it
names and nothing is saved; buying a service shows its value and year split first; an
overspend is saved only once the warning is confirmed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.dates import QofYear
from facilitator_app.domain.nhs_number import format_nhs_number
from facilitator_app.services.budget import (
    add_provider,
    add_provider_service,
    approve_invoice,
    authorise_commitment,
    budget_position,
    commitment_by_id,
    invoice_by_id,
    list_commitments,
    list_providers,
    record_invoice,
    set_budget_line,
)
from tests.builders import RegisterBuilder
from tests.conftest import TODAY
from ui.screens.budget_dialogs import (
    NOT_AUTHORISED,
    ApproveInvoiceDialog,
    BudgetLineDialog,
    CancelCommitmentDialog,
    CommitmentDialog,
    InvoiceDialog,
    PaymentDialog,
    ProviderDialog,
    ServiceDialog,
)

FY26, FY27 = QofYear(2026), QofYear(2027)


@dataclass
class Setup:
    nhs_number: str  # as typed: digits only
    patient_id: int
    cbt: int  # Talk Well, £45.00 a session, no VAT
    peer: int  # Peer Pals, £100.00 a week + 20 % VAT
    talking: int  # 2026/27, £10,000.00
    peer_line: int  # 2026/27, £500.00
    talking_next: int  # 2027/28, £12,000.00


def _setup(ctx: AppContext) -> Setup:
    b = RegisterBuilder(ctx)
    patient = b.patient("King", "Isla", dob=date(1980, 1, 1))
    nhs_number, patient_id = patient.nhs_number, patient.id
    b.commit()
    uow = ctx.new_uow
    talk = add_provider(uow(), "Talk Well")
    pals = add_provider(uow(), "Peer Pals")
    return Setup(nhs_number, patient_id,
                 add_provider_service(uow(), talk, "CBT session", "session", 4_500),
                 add_provider_service(uow(), pals, "Peer support week", "week", 10_000, 2_000),
                 set_budget_line(uow(), FY26, "Talking therapies", 1_000_000),
                 set_budget_line(uow(), FY26, "Peer support", 50_000),
                 set_budget_line(uow(), FY27, "Talking therapies", 1_200_000))


def _lines(ctx: AppContext, year: QofYear = FY26) -> dict[str, tuple[int, int, int]]:
    """Each line's (budget, committed, spent)."""
    return {p.label: (p.budget, p.committed, p.spent)
            for p in budget_position(ctx.new_uow(), year).lines}


# -- budget lines, providers, services ----------------------------------------------------------


def test_budget_line_amount_is_read_in_pounds_and_an_existing_line_is_replaced(
        qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    s = _setup(sqlite_ctx)
    dialog = BudgetLineDialog(sqlite_ctx, FY26)
    qtbot.addWidget(dialog)
    dialog.set_values("Physical activity", "two thousand")
    assert not dialog.save()
    assert "not an amount in pounds and pence" in dialog.shown_problem("amount")
    assert "Physical activity" not in _lines(sqlite_ctx)

    dialog.set_values("Physical activity", "£2,500.50")
    with qtbot.waitSignal(dialog.saved, timeout=1000) as saved:
        assert dialog.save()
    assert _lines(sqlite_ctx)["Physical activity"] == (250_050, 0, 0)
    assert saved.args and saved.args[0] == dialog.saved_id

    again = BudgetLineDialog(sqlite_ctx, FY26)
    qtbot.addWidget(again)
    again.set_values("Talking therapies", "9,000")
    assert again.current.text() == "Now £10,000.00: saving replaces it."
    assert again.save()
    assert again.saved_id == s.talking  # the same line, a new amount
    assert _lines(sqlite_ctx)["Talking therapies"] == (900_000, 0, 0)


def test_budget_line_for_another_year_and_blank_name(qtbot: QtBot,
                                                     sqlite_ctx: AppContext) -> None:
    _setup(sqlite_ctx)
    dialog = BudgetLineDialog(sqlite_ctx, FY26)
    qtbot.addWidget(dialog)
    dialog.set_values("  ", "100")
    assert not dialog.save()
    assert dialog.shown_problem("name") == "The budget line needs a name."
    dialog.set_values("Peer support", "800", FY27)
    assert dialog.current.text() == "A new line."  # 2027/28 has no line of that name yet
    assert dialog.save()
    assert _lines(sqlite_ctx, FY27)["Peer support"] == (80_000, 0, 0)
    assert _lines(sqlite_ctx)["Peer support"] == (50_000, 0, 0)


def test_provider_needs_a_unique_name(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    _setup(sqlite_ctx)
    dialog = ProviderDialog(sqlite_ctx)
    qtbot.addWidget(dialog)
    assert not dialog.save()
    assert dialog.shown_problem("name") == "The provider needs a name."
    assert dialog.name.accessibleDescription() == "The provider needs a name."
    dialog.set_values("talk well")
    assert not dialog.save()
    assert dialog.shown_problem("name") == "There is already a provider called 'talk well'."
    dialog.set_values("Active Lives", "0300 000 0003")
    assert dialog.save()
    names = {p.name: p.contact for p, _ in list_providers(sqlite_ctx.new_uow())}
    assert names["Active Lives"] == "0300 000 0003" and len(names) == 3


def test_service_with_price_and_vat(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    _setup(sqlite_ctx)
    pals = next(p.id for p, _ in list_providers(sqlite_ctx.new_uow()) if p.name == "Peer Pals")
    dialog = ServiceDialog(sqlite_ctx, pals)
    qtbot.addWidget(dialog)
    assert "Peer support week (£100.00 per week)" in dialog.offers.text()
    dialog.set_values(pals, "", " ", "")
    assert not dialog.save()
    assert dialog.shown_problem("unit_price") == "Type an amount in pounds."
    dialog.set_values(pals, "", " ", "12.50")
    assert not dialog.save()  # the service's own checks, each beside its field
    assert dialog.shown_problem("name") == "The service needs a name."
    assert dialog.shown_problem("unit").startswith("Say what one unit is")
    dialog.set_values(pals, "Group session", "place", "12.50", 20)
    assert dialog.save()
    (service,) = [s for p, services in list_providers(sqlite_ctx.new_uow()) if p.id == pals
                  for s in services if s.name == "Group session"]
    assert (service.unit, service.unit_price_pence, service.vat_basis_points) == (
        "place", 1_250, 2_000)


def test_service_dialog_without_providers_says_so(qtbot: QtBot,
                                                  sqlite_ctx: AppContext) -> None:
    dialog = ServiceDialog(sqlite_ctx)
    qtbot.addWidget(dialog)
    assert not dialog.save_button.isEnabled()
    assert "add a provider first" in dialog.problem_text


# -- buying a service ---------------------------------------------------------------------------


def test_commitment_shows_value_and_the_split_over_31_march(qtbot: QtBot,
                                                            sqlite_ctx: AppContext) -> None:
    s = _setup(sqlite_ctx)
    dialog = CommitmentDialog(sqlite_ctx, FY26)
    qtbot.addWidget(dialog)
    # 10 sessions, 01/02/2027-30/04/2027: 59 days in 2026/27, 30 in 2027/28
    dialog.set_values(s.nhs_number, s.cbt, s.talking, 10, date(2027, 2, 1), date(2027, 4, 30))
    assert dialog.patient.text().startswith("KING, Isla, born 01/01/1980")
    assert dialog.nhs_number.text() == format_nhs_number(s.nhs_number)
    preview = dialog.preview_text
    assert "10 × session at £45.00 = £450.00 (no VAT) = £450.00" in preview
    assert "2026/27: £298.31 (59 days); 2027/28: £151.69 (30 days)" in preview
    assert "'Talking therapies' 2026/27 would have £9,701.69 remaining" in preview
    assert _lines(sqlite_ctx)["Talking therapies"] == (1_000_000, 0, 0)  # nothing saved yet

    with qtbot.waitSignal(dialog.saved, timeout=1000):
        assert dialog.save()
    saved = dialog.saved_commitment
    assert saved is not None and saved.gross_pence == 45_000
    assert saved.shares == {FY26: 29_831, FY27: 15_169}
    assert _lines(sqlite_ctx)["Talking therapies"] == (1_000_000, 29_831, 0)
    assert _lines(sqlite_ctx, FY27)["Talking therapies"] == (1_200_000, 15_169, 0)


def test_commitment_in_one_year_with_vat(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    s = _setup(sqlite_ctx)
    dialog = CommitmentDialog(sqlite_ctx, FY26)
    qtbot.addWidget(dialog)
    dialog.set_values(s.nhs_number, s.peer, s.peer_line, 2, date(2026, 9, 1),
                      date(2026, 9, 14))
    assert "2 × week at £100.00 = £200.00 + VAT £40.00 at 20% = £240.00" in dialog.preview_text
    assert "All in financial year 2026/27: £240.00 (14 days)." in dialog.preview_text
    assert dialog.line_note.text() == "has £500.00 remaining."


def test_commitment_lines_follow_the_start_dates_year(qtbot: QtBot,
                                                      sqlite_ctx: AppContext) -> None:
    s = _setup(sqlite_ctx)
    dialog = CommitmentDialog(sqlite_ctx, FY26)
    qtbot.addWidget(dialog)
    dialog.set_values(s.nhs_number, s.cbt, s.talking, 2, date(2026, 6, 1), date(2026, 6, 30))
    dialog.start.setDate(dialog.start.date().addYears(1))  # 01/06/2027: a 2027/28 start
    assert dialog.line.currentData() == s.talking_next  # the same-named line of that year
    assert [dialog.line.itemText(i) for i in range(dialog.line.count())] == [
        "Talking therapies (2027/28)"]


def test_commitment_refuses_a_bad_nhs_number_and_bad_dates(qtbot: QtBot,
                                                           sqlite_ctx: AppContext) -> None:
    s = _setup(sqlite_ctx)
    dialog = CommitmentDialog(sqlite_ctx, FY26)
    qtbot.addWidget(dialog)
    dialog.set_values("943 476 5910", s.cbt, s.talking, 4, date(2026, 6, 1), date(2026, 6, 30))
    assert "check" in dialog.shown_problem("nhs_number")  # shown as soon as it is typed
    assert not dialog.save()
    assert "check" in dialog.shown_problem("nhs_number")
    dialog.set_values("999 999 9999", s.cbt, s.talking, 4, date(2026, 6, 1), date(2026, 6, 30))
    assert not dialog.save()
    assert dialog.shown_problem("nhs_number") == ("No patient with that NHS number in this "
                                                  "register.")
    dialog.set_values(s.nhs_number, s.cbt, s.talking, 4, date(2026, 6, 30), date(2026, 6, 1))
    assert dialog.days.text() == "The end is before the start."
    assert not dialog.save()
    assert dialog.shown_problem("end") == ("The end (01/06/2026) is before the start "
                                           "(30/06/2026).")
    assert list_commitments(sqlite_ctx.new_uow(), FY26) == []


def test_overspend_declined_saves_nothing(qtbot: QtBot, sqlite_ctx: AppContext,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    s = _setup(sqlite_ctx)
    # 3 weeks of peer support with VAT: £360.00 against a £500.00 line, twice
    authorise_commitment(sqlite_ctx.new_uow(), s.patient_id, s.peer, s.peer_line, 3,
                         date(2026, 6, 1), date(2026, 6, 21), TODAY)
    dialog = CommitmentDialog(sqlite_ctx, FY26)
    qtbot.addWidget(dialog)
    asked: list[str] = []

    def decline(warning: str) -> bool:
        asked.append(warning)
        return False

    monkeypatch.setattr(dialog, "confirm_overspend", decline)
    dialog.set_values(s.nhs_number, s.peer, s.peer_line, 3, date(2026, 9, 1),
                      date(2026, 9, 21))
    assert "would be overspent by £220.00. You will be asked to confirm" in dialog.preview_text
    assert not dialog.save()
    assert asked == ["This commitment adds £360.00 to 'Peer support' in 2026/27, which has "
                     "£140.00 remaining: it would overspend the line by £220.00."]
    assert dialog.problem_text == f"{NOT_AUTHORISED}\n{asked[0]}"
    assert len(list_commitments(sqlite_ctx.new_uow(), FY26)) == 1
    assert _lines(sqlite_ctx)["Peer support"] == (50_000, 36_000, 0)


def test_overspend_confirmed_is_saved(qtbot: QtBot, sqlite_ctx: AppContext,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    s = _setup(sqlite_ctx)
    dialog = CommitmentDialog(sqlite_ctx, FY26)
    qtbot.addWidget(dialog)
    asked: list[str] = []

    def confirm(warning: str) -> bool:
        asked.append(warning)
        return True

    monkeypatch.setattr(dialog, "confirm_overspend", confirm)
    dialog.set_values(s.nhs_number, s.peer, s.peer_line, 6, date(2026, 9, 1),
                      date(2026, 10, 12))
    assert dialog.save()
    assert len(asked) == 1 and "overspend the line by £220.00" in asked[0]
    budget, committed, spent = _lines(sqlite_ctx)["Peer support"]
    assert (committed, budget - committed - spent) == (72_000, -22_000)


def test_no_confirmation_is_asked_within_the_budget(qtbot: QtBot, sqlite_ctx: AppContext,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    s = _setup(sqlite_ctx)
    dialog = CommitmentDialog(sqlite_ctx, FY26)
    qtbot.addWidget(dialog)

    def never(warning: str) -> bool:
        raise AssertionError(f"asked without an overspend: {warning}")

    monkeypatch.setattr(dialog, "confirm_overspend", never)
    dialog.set_values(s.nhs_number, s.peer, s.peer_line, 1, date(2026, 9, 1), date(2026, 9, 7))
    assert dialog.save()
    assert _lines(sqlite_ctx)["Peer support"] == (50_000, 12_000, 0)


# -- cancelling, invoices, approval and payments ------------------------------------------------


def _commitment(ctx: AppContext, s: Setup, units: int = 6) -> int:
    """``units`` weeks of peer support (£120.00 a week with VAT) from 01/06/2026."""
    return authorise_commitment(ctx.new_uow(), s.patient_id, s.peer, s.peer_line, units,
                                date(2026, 6, 1), date(2026, 7, 12), TODAY,
                                allow_overspend=True).id


def test_cancel_releases_what_was_not_invoiced(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    s = _setup(sqlite_ctx)
    commitment = _commitment(sqlite_ctx, s, 3)
    invoice = record_invoice(sqlite_ctx.new_uow(), commitment, "PP-1", date(2026, 6, 8), 1,
                             TODAY, approved_on=date(2026, 6, 9))
    assert invoice > 0
    dialog = CancelCommitmentDialog(sqlite_ctx, commitment)
    qtbot.addWidget(dialog)
    assert "Invoiced so far: 1 of 3 units, £120.00" in dialog.about.text()
    assert "releases the rest (£240.00)" in dialog.about.text()
    dialog.set_values(date(2026, 5, 1))  # before the start
    assert not dialog.save()
    assert dialog.shown_problem("cancelled_on").startswith("The cancellation date must be")
    dialog.set_values(date(2026, 6, 10))
    assert dialog.save()
    row = commitment_by_id(sqlite_ctx.new_uow(), commitment)
    assert (row.status, row.cancelled_on) == ("cancelled", date(2026, 6, 10))
    assert _lines(sqlite_ctx)["Peer support"] == (50_000, 0, 12_000)

    again = CancelCommitmentDialog(sqlite_ctx, commitment)
    qtbot.addWidget(again)
    assert not again.save_button.isEnabled()
    assert again.problem_text == "This commitment was cancelled on 10/06/2026."


def test_cancelled_by_someone_else_meanwhile(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    s = _setup(sqlite_ctx)
    commitment = _commitment(sqlite_ctx, s)
    dialog = CancelCommitmentDialog(sqlite_ctx, commitment)
    qtbot.addWidget(dialog)
    other = CancelCommitmentDialog(sqlite_ctx, commitment)  # someone else, at the same time
    qtbot.addWidget(other)
    other.set_values(date(2026, 6, 5))
    assert other.save()
    assert not dialog.save()
    assert dialog.shown_problem("cancelled_on") == "This commitment is already cancelled."
    assert commitment_by_id(sqlite_ctx.new_uow(), commitment).cancelled_on == date(2026, 6, 5)


def test_invoice_units_left_and_approval_at_once(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    s = _setup(sqlite_ctx)
    commitment = _commitment(sqlite_ctx, s)
    dialog = InvoiceDialog(sqlite_ctx, commitment)
    qtbot.addWidget(dialog)
    assert dialog.units.value() == 6 and "6 left to invoice" in dialog.about.text()
    dialog.set_values("", date(2026, 6, 28), 3)
    assert dialog.total.text() == "£300.00 + VAT £60.00 = £360.00"
    assert not dialog.save()
    assert dialog.shown_problem("reference") == "Give the provider's invoice reference."
    dialog.set_values("PP-101", date(2026, 12, 1), 3)
    assert not dialog.save()
    assert dialog.shown_problem("invoice_date") == "The invoice date is in the future."
    dialog.set_values("PP-101", date(2026, 6, 28), 3, approved_on=date(2026, 7, 1))
    assert dialog.save()
    invoice = invoice_by_id(sqlite_ctx.new_uow(), dialog.saved_id or 0)
    assert (invoice.reference, invoice.units, invoice.gross_pence, invoice.approved_on) == (
        "PP-101", 3, 36_000, date(2026, 7, 1))
    assert _lines(sqlite_ctx)["Peer support"] == (50_000, 36_000, 36_000)

    more = InvoiceDialog(sqlite_ctx, commitment)
    qtbot.addWidget(more)
    more.set_values("PP-102", date(2026, 7, 12), 4)
    assert not more.save()
    assert more.shown_problem("units") == ("Only 3 of the 6 units committed are left to "
                                           "invoice; this invoice is for 4.")
    more.set_values("PP-102", date(2026, 7, 12), 3, net="290")
    assert more.total.text() == "£290.00 + VAT £58.00 = £348.00"
    assert more.save()
    assert invoice_by_id(sqlite_ctx.new_uow(), more.saved_id or 0).approved_on is None


def test_approve_invoice(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    s = _setup(sqlite_ctx)
    invoice = record_invoice(sqlite_ctx.new_uow(), _commitment(sqlite_ctx, s), "PP-1",
                             date(2026, 6, 28), 2, TODAY)
    dialog = ApproveInvoiceDialog(sqlite_ctx, invoice)
    qtbot.addWidget(dialog)
    assert "not yet approved" in dialog.about.text()
    dialog.set_values(date(2026, 6, 1))
    assert not dialog.save()
    assert dialog.shown_problem("approved_on") == ("The approval date must be between the "
                                                   "invoice date (28/06/2026) and today.")
    assert _lines(sqlite_ctx)["Peer support"][2] == 0
    dialog.set_values(date(2026, 7, 2))
    assert dialog.save()
    assert invoice_by_id(sqlite_ctx.new_uow(), invoice).approved_on == date(2026, 7, 2)
    assert _lines(sqlite_ctx)["Peer support"][2] == 24_000  # spend from the approval


def test_part_payment_then_an_over_payment_is_refused(qtbot: QtBot,
                                                      sqlite_ctx: AppContext) -> None:
    s = _setup(sqlite_ctx)
    invoice = record_invoice(sqlite_ctx.new_uow(), _commitment(sqlite_ctx, s), "PP-1",
                             date(2026, 6, 28), 3, TODAY, approved_on=date(2026, 7, 1))
    dialog = PaymentDialog(sqlite_ctx, invoice)
    qtbot.addWidget(dialog)
    assert dialog.amount.text() == "360.00"  # what is outstanding, to start with
    dialog.set_values("200", date(2026, 7, 20))
    assert dialog.save()
    assert invoice_by_id(sqlite_ctx.new_uow(), invoice).paid_pence == 20_000

    rest = PaymentDialog(sqlite_ctx, invoice)
    qtbot.addWidget(rest)
    assert "£160.00 is still to pay" in rest.about.text()
    rest.set_values("170.00", date(2026, 8, 1))
    assert not rest.save()
    assert rest.shown_problem("amount") == "That would pay £10.00 more than the invoice is for."
    assert rest.amount.accessibleDescription() == rest.shown_problem("amount")
    rest.set_values("160", date(2026, 12, 1))
    assert not rest.save()
    assert rest.shown_problem("paid_on") == "The payment date is in the future."
    assert invoice_by_id(sqlite_ctx.new_uow(), invoice).paid_pence == 20_000
    rest.set_values("160", date(2026, 8, 1))
    assert rest.save()
    assert invoice_by_id(sqlite_ctx.new_uow(), invoice).paid_pence == 36_000

    done = PaymentDialog(sqlite_ctx, invoice)
    qtbot.addWidget(done)
    assert not done.save_button.isEnabled()
    assert done.problem_text == "This invoice has been paid in full."


def test_an_unapproved_invoice_cannot_be_paid(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    s = _setup(sqlite_ctx)
    invoice = record_invoice(sqlite_ctx.new_uow(), _commitment(sqlite_ctx, s), "PP-1",
                             date(2026, 6, 28), 3, TODAY)
    dialog = PaymentDialog(sqlite_ctx, invoice)
    qtbot.addWidget(dialog)
    assert not dialog.save_button.isEnabled()
    assert dialog.problem_text == "Approve the invoice before paying it."
    approve_invoice(sqlite_ctx.new_uow(), invoice, date(2026, 7, 1), TODAY, 1)
    after = PaymentDialog(sqlite_ctx, invoice)
    qtbot.addWidget(after)
    assert after.save_button.isEnabled()


def test_every_field_has_a_label_with_a_mnemonic_and_a_name(qtbot: QtBot,
                                                           sqlite_ctx: AppContext) -> None:
    s = _setup(sqlite_ctx)
    commitment = _commitment(sqlite_ctx, s)
    invoice = record_invoice(sqlite_ctx.new_uow(), commitment, "PP-1", date(2026, 6, 28), 3,
                             TODAY, approved_on=date(2026, 7, 1))
    dialogs = [BudgetLineDialog(sqlite_ctx, FY26), ProviderDialog(sqlite_ctx),
               ServiceDialog(sqlite_ctx), CommitmentDialog(sqlite_ctx, FY26),
               CancelCommitmentDialog(sqlite_ctx, commitment),
               InvoiceDialog(sqlite_ctx, commitment), ApproveInvoiceDialog(sqlite_ctx, invoice),
               PaymentDialog(sqlite_ctx, invoice)]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        keys = []
        for field, editor in dialog.editors.items():
            assert editor.accessibleName(), (dialog.windowTitle(), field)
            label = dialog.fields.labelForField(editor.parentWidget())
            assert isinstance(label, QLabel) and label.buddy() is editor
            text = label.text()
            assert "&" in text, (dialog.windowTitle(), field)
            keys.append(text[text.index("&") + 1].lower())
        assert len(keys) == len(set(keys)) and "s" not in keys, dialog.windowTitle()
