"""The commissioner's statement, hand-computed: totals, monthly spend, outcomes per provider,
small-number suppression, and the PDF and XLSX read back (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.measures import Measure
from facilitator_app.services.budget import (
    add_provider,
    add_provider_service,
    authorise_commitment,
    record_invoice,
    set_budget_line,
)
from facilitator_app.services.budget_statement import (
    UnknownProvider,
    budget_statement,
    write_budget_statement,
)
from facilitator_app.services.outcome_measures import record_measure
from facilitator_app.services.stepped_care import (
    add_intervention,
    discharge,
    episode_detail,
    open_episode,
    record_session,
)
from tests.builders import RegisterBuilder
from tests.services.test_budget import FY26, TODAY, build

PHQ_16 = [2, 2, 2, 2, 2, 2, 2, 2, 0]
PHQ_9 = [1, 1, 1, 1, 1, 1, 1, 2, 0]
GAD_9 = [2, 2, 2, 1, 1, 1, 0]
GAD_7 = [1, 1, 1, 1, 1, 1, 1]


def test_statement_totals_months_and_suppression(ctx: AppContext) -> None:
    build(ctx)
    s = budget_statement(ctx.new_uow(), FY26, TODAY)
    assert (s.total.budget, s.total.spent, s.total.committed) == (1_100_000, 45_000, 65_831)
    months = dict(s.monthly_spend)
    assert months[date(2026, 5, 1)] == 9_000 and months[date(2026, 7, 1)] == 36_000
    assert sum(months.values()) == 45_000 and len(months) == 12
    assert min(months) == date(2026, 4, 1) and max(months) == date(2027, 3, 1)
    talk = next(o for o in s.outcomes if o.provider == "Talk Well")
    assert (talk.referred, talk.spend) == (2, 9_000)  # both commitments start in 2026/27
    cells = talk.cells(5)
    assert cells[1] == "<5" and cells[7:] == ["n/a", "n/a", "n/a"]  # costs would reveal it
    unsuppressed = budget_statement(ctx.new_uow(), FY26, TODAY, suppress_below=1)
    talk = next(o for o in unsuppressed.outcomes if o.provider == "Talk Well")
    assert talk.cells(1)[1] == "2" and talk.cells(1)[7] == "£45.00"


def test_one_provider_statement(ctx: AppContext) -> None:
    build(ctx)
    s = budget_statement(ctx.new_uow(), FY26, TODAY, provider="peer pals")
    assert s.provider == "Peer Pals" and s.lines == ()
    assert [p.label for p in s.providers] == ["Peer Pals"]
    assert [o.provider for o in s.outcomes] == ["Peer Pals"]
    assert sum(p for _, p in s.monthly_spend) == 36_000
    with pytest.raises(UnknownProvider):
        budget_statement(ctx.new_uow(), FY26, TODAY, provider="Nobody")


def test_pdf_and_xlsx_carry_no_identifiers(ctx: AppContext, tmp_path: Path) -> None:
    build(ctx)
    s = budget_statement(ctx.new_uow(), FY26, TODAY)
    write_budget_statement(s, tmp_path / "s.pdf")
    text = " ".join(p.extract_text() for p in PdfReader(tmp_path / "s.pdf").pages)
    assert "Pathway budget statement 2026/27" in text
    assert "Talking therapies" in text and "£10,000.00" in text and "£9,611.69" in text
    assert "<5" in text and "page 1 of" in text
    assert not re.search(r"\d{3} \d{3} \d{4}", text) and "P0" not in text
    write_budget_statement(s, tmp_path / "s.xlsx")
    book = load_workbook(tmp_path / "s.xlsx")
    assert book.sheetnames == ["Summary", "Budget lines", "Providers", "Monthly spend",
                               "Outcomes"]
    lines = book["Budget lines"]
    assert [c.value for c in lines[2]][:4] == ["Peer support", 1000, 360, 360]
    with pytest.raises(ValueError, match=".pdf or .xlsx"):
        write_budget_statement(s, tmp_path / "s.doc")


def test_outcomes_per_provider_and_unit_costs(ctx: AppContext) -> None:
    """Five patients, each bought 3 CBT sessions (£45 each), each finishing a course that
    recovers (PHQ 16 → 9, GAD 9 → 7): £675 spent, cost £135 per patient and per recovery."""
    b = RegisterBuilder(ctx)
    patients = [b.patient(f"R{i}").id for i in range(6)]
    b.commit()
    uow = ctx.new_uow
    talk = add_provider(uow(), "Talk Well")
    cbt = add_provider_service(uow(), talk, "CBT session", "session", 4_500)
    line = set_budget_line(uow(), FY26, "Talking therapies", 1_000_000)
    start = date(2026, 6, 1)
    for n, patient_id in enumerate(patients):
        episode = open_episode(uow(), patient_id, start, "GP", 2, "", TODAY)
        commitment = authorise_commitment(uow(), patient_id, cbt, line, 3, start,
                                          start + timedelta(days=30), TODAY).id
        if n == 5:
            continue  # referred, never started
        gsh = add_intervention(uow(), episode, "guided_self_help", start, "Talk Well", TODAY)
        for week in range(3):
            record_session(uow(), gsh, start + timedelta(days=7 * week), 50, "attended", TODAY)
        for measure, first, last in ((Measure.PHQ9, PHQ_16, PHQ_9), (Measure.GAD7, GAD_9,
                                                                     GAD_7)):
            record_measure(uow(), patient_id, measure, first, start, TODAY)
            record_measure(uow(), patient_id, measure, last, start + timedelta(days=14), TODAY)
        discharge(uow(), episode, start + timedelta(days=21), "recovered", "", TODAY,
                  episode_detail(uow(), episode).episode.version)
        record_invoice(uow(), commitment, f"TW-{n}", start + timedelta(days=21), 3, TODAY,
                       approved_on=start + timedelta(days=25))
    (talk_outcome,) = budget_statement(uow(), FY26, TODAY).outcomes
    assert (talk_outcome.referred, talk_outcome.started, talk_outcome.completed,
            talk_outcome.recovered, talk_outcome.improved, talk_outcome.spend) == (
        6, 5, 5, 5, 5, 67_500)
    assert talk_outcome.cells(5)[6:] == ["£675.00", "£112.50", "£135.00", "£135.00"]
