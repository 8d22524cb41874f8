"""The pathway budget, hand-computed (SQLite and PostgreSQL): a commitment spanning two
financial years, a part-paid invoice, a cancelled commitment, the overspend warning, and an
audit entry for every change."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import cast

import pytest
from sqlalchemy import select

from db.models import AuditEvent
from db.unit_of_work import SqlAlchemyUnitOfWork
from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.dates import QofYear
from facilitator_app.services.budget import (
    BudgetChanged,
    InvalidBudgetEntry,
    OverspendWarning,
    add_provider,
    add_provider_service,
    approve_invoice,
    authorise_commitment,
    budget_position,
    cancel_commitment,
    list_commitments,
    record_invoice,
    record_payment,
    set_budget_line,
)
from tests.builders import RegisterBuilder

TODAY = date(2027, 5, 10)
FY26, FY27 = QofYear(2026), QofYear(2027)


@dataclass
class Budget:
    patients: list[int]
    cbt: int
    peer: int
    talking: int
    peer_line: int
    spanning: int
    peer_commitment: int
    peer_invoice: int
    cancelled: int


def build(ctx: AppContext) -> Budget:
    b = RegisterBuilder(ctx)
    patients = [b.patient(f"P{i}").id for i in range(3)]
    b.commit()
    uow = ctx.new_uow
    talk = add_provider(uow(), "Talk Well", "0300 000 0001")
    pals = add_provider(uow(), "Peer Pals")
    cbt = add_provider_service(uow(), talk, "CBT session", "session", 4_500)
    peer = add_provider_service(uow(), pals, "Peer support week", "week", 10_000, 2_000)
    talking = set_budget_line(uow(), FY26, "Talking therapies", 1_000_000)
    peer_line = set_budget_line(uow(), FY26, "Peer support", 100_000)
    set_budget_line(uow(), FY27, "Talking therapies", 1_200_000)
    # 10 CBT sessions, 01/02/2027-30/04/2027: 59 days in 2026/27, 30 in 2027/28
    spanning = authorise_commitment(uow(), patients[0], cbt, talking, 10, date(2027, 2, 1),
                                    date(2027, 4, 30), TODAY).id
    # 6 weeks of peer support with 20 % VAT: £720 gross; 3 weeks invoiced, £200 paid
    peer_commitment = authorise_commitment(uow(), patients[1], peer, peer_line, 6,
                                           date(2026, 6, 1), date(2026, 7, 12), TODAY).id
    peer_invoice = record_invoice(uow(), peer_commitment, "PP-101", date(2026, 6, 28), 3,
                                  TODAY, approved_on=date(2026, 7, 1))
    record_payment(uow(), peer_invoice, date(2026, 7, 20), 20_000, TODAY)
    # 6 CBT sessions, 2 invoiced, then cancelled
    cancelled = authorise_commitment(uow(), patients[2], cbt, talking, 6, date(2026, 5, 1),
                                     date(2026, 6, 30), TODAY).id
    inv = record_invoice(uow(), cancelled, "TW-9", date(2026, 5, 14), 2, TODAY)
    approve_invoice(uow(), inv, date(2026, 5, 15), TODAY, 1)
    cancel_commitment(uow(), cancelled, date(2026, 5, 20), TODAY, 1)
    return Budget(patients, cbt, peer, talking, peer_line, spanning, peer_commitment,
                  peer_invoice, cancelled)


def test_hand_computed_position(ctx: AppContext) -> None:
    build(ctx)
    position = budget_position(ctx.new_uow(), FY26)
    lines = {p.label: p for p in position.lines}
    talking = lines["Talking therapies"]
    # spent: the 2 sessions invoiced before the cancellation (£90);
    # committed: 2026/27's share of the spanning commitment, floor(45,000 × 59 / 89) = 29,831p
    assert (talking.budget, talking.spent, talking.committed) == (1_000_000, 9_000, 29_831)
    assert talking.remaining == 961_169 and talking.forecast == 38_831
    peer = lines["Peer support"]
    assert (peer.spent, peer.committed, peer.remaining) == (36_000, 36_000, 28_000)
    total = position.total
    assert (total.budget, total.spent, total.committed) == (1_100_000, 45_000, 65_831)
    providers = {p.label: p for p in position.providers}
    assert (providers["Talk Well"].spent, providers["Talk Well"].committed) == (9_000, 29_831)
    # the rest of the spanning commitment is next year's, against that year's line
    (next_year,) = budget_position(ctx.new_uow(), FY27).lines
    assert (next_year.label, next_year.committed, next_year.spent) == (
        "Talking therapies", 45_000 - 29_831, 0)


def test_part_paid_invoice_and_payment_limits(ctx: AppContext) -> None:
    b = build(ctx)
    ((_, invoices),) = [x for x in list_commitments(ctx.new_uow(), FY26)
                        if x[0].id == b.peer_commitment]
    (invoice,) = invoices
    assert (invoice.gross_pence, invoice.paid_pence) == (36_000, 20_000)
    with pytest.raises(InvalidBudgetEntry, match="£10.00 more than the invoice"):
        record_payment(ctx.new_uow(), b.peer_invoice, date(2026, 8, 1), 17_000, TODAY)
    record_payment(ctx.new_uow(), b.peer_invoice, date(2026, 8, 1), 16_000, TODAY)
    with pytest.raises(InvalidBudgetEntry, match="Only 3 of the 6 units"):
        record_invoice(ctx.new_uow(), b.peer_commitment, "PP-102", date(2026, 7, 12), 4, TODAY)
    unapproved = record_invoice(ctx.new_uow(), b.peer_commitment, "PP-102", date(2026, 7, 12),
                                3, TODAY)
    with pytest.raises(InvalidBudgetEntry, match="Approve the invoice before paying"):
        record_payment(ctx.new_uow(), unapproved, date(2026, 7, 20), 100, TODAY)
    # an invoice not yet approved is not spend: the line is unchanged
    peer = {p.label: p for p in budget_position(ctx.new_uow(), FY26).lines}["Peer support"]
    assert (peer.spent, peer.committed) == (36_000, 36_000)


def test_overspend_is_warned_before_it_is_saved(ctx: AppContext) -> None:
    b = build(ctx)
    with pytest.raises(OverspendWarning) as warned:
        authorise_commitment(ctx.new_uow(), b.patients[0], b.peer, b.peer_line, 3,
                             date(2026, 9, 1), date(2026, 9, 21), TODAY)
    assert str(warned.value) == (
        "This commitment adds £360.00 to 'Peer support' in 2026/27, which has £280.00 "
        "remaining: it would overspend the line by £80.00.")
    peer = {p.label: p for p in budget_position(ctx.new_uow(), FY26).lines}["Peer support"]
    assert peer.committed == 36_000  # nothing was saved
    authorise_commitment(ctx.new_uow(), b.patients[0], b.peer, b.peer_line, 3,
                         date(2026, 9, 1), date(2026, 9, 21), TODAY, allow_overspend=True)
    peer = {p.label: p for p in budget_position(ctx.new_uow(), FY26).lines}["Peer support"]
    assert peer.remaining == -8_000


def test_bad_input_and_stale_versions(ctx: AppContext) -> None:
    b = build(ctx)
    with pytest.raises(InvalidBudgetEntry) as caught:
        authorise_commitment(ctx.new_uow(), b.patients[0], b.cbt, b.talking, 0,
                             date(2026, 5, 1), date(2026, 4, 1), TODAY)
    assert [p.field for p in caught.value.problems] == ["units", "end"]
    with pytest.raises(InvalidBudgetEntry, match="outside the 2026/27 budget line"):
        authorise_commitment(ctx.new_uow(), b.patients[0], b.cbt, b.talking, 1,
                             date(2027, 4, 2), date(2027, 4, 30), TODAY)
    with pytest.raises(InvalidBudgetEntry, match="already cancelled"):
        cancel_commitment(ctx.new_uow(), b.cancelled, date(2026, 6, 1), TODAY, 2)
    with pytest.raises(BudgetChanged):
        cancel_commitment(ctx.new_uow(), b.spanning, date(2027, 3, 1), TODAY, 7)
    with pytest.raises(InvalidBudgetEntry, match="already a provider"):
        add_provider(ctx.new_uow(), "talk well")


def test_every_change_is_audited_without_names(ctx: AppContext) -> None:
    build(ctx)
    with cast(SqlAlchemyUnitOfWork, ctx.new_uow()) as uow:
        events = [(e.action, e.entity, e.detail) for e in uow.session.scalars(
            select(AuditEvent).order_by(AuditEvent.id))]
    actions = [(action, entity) for action, entity, _ in events]
    assert actions.count(("create", "commitment")) == 3
    assert ("cancel", "commitment") in actions and ("pay", "invoice") in actions
    assert ("approve", "invoice") in actions
    cancel = next(detail for action, _, detail in events if action == "cancel")
    detail = json.loads(cancel)
    assert detail["before"]["status"] == "active" and detail["after"]["status"] == "cancelled"
    assert all("P0" not in d and "Alex" not in d for _, _, d in events)
