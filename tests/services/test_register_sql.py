"""The set-based register query must agree with the pure rule for every patient.

The pure rule (domain.register.register_status) is tested against domain.md's worked examples;
here it is the oracle for the SQL, on random registers whose dates crowd the window edges.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.register import RegisterFacts, register_status
from facilitator_app.services.caseload import register_entries
from tests.builders import RegisterBuilder

REF = date(2025, 3, 31)
EDGES = [date(2024, 9, 30), date(2024, 10, 1), date(2025, 3, 31), date(2025, 4, 1),
         date(2010, 1, 1), date(2020, 6, 1), date(2024, 6, 1), date(2025, 2, 1)]


def _some_dates(rng: random.Random) -> tuple[date, ...]:
    picks = rng.sample(EDGES, rng.randint(0, 3))
    picks += [date(2009, 1, 1) + timedelta(days=rng.randint(0, 6000))
              for _ in range(rng.randint(0, 2))]
    return tuple(sorted(set(picks)))


def test_sql_register_matches_the_pure_rule(ctx: AppContext) -> None:
    rng = random.Random(20250331)
    b = RegisterBuilder(ctx)
    expected: dict[str, tuple[bool, bool, bool]] = {}
    for i in range(120):
        facts = RegisterFacts(
            diagnosis_dates=_some_dates(rng) if rng.random() < 0.7 else (),
            remission_dates=_some_dates(rng) if rng.random() < 0.4 else (),
            lithium_issue_dates=_some_dates(rng) if rng.random() < 0.5 else (),
            lithium_stop_dates=_some_dates(rng) if rng.random() < 0.3 else (),
        )
        # same-day issue and stop would be two records with one key; keep the stop
        issues = tuple(d for d in facts.lithium_issue_dates if d not in facts.lithium_stop_dates)
        facts = RegisterFacts(facts.diagnosis_dates, facts.remission_dates, issues,
                              facts.lithium_stop_dates)
        p = b.patient(f"P{i:03d}", diagnosed=None)
        for d in facts.diagnosis_dates:
            b.diagnosis(p, d)
        for d in facts.remission_dates:
            b.remission(p, d)
        for d in facts.lithium_issue_dates:
            b.lithium(p, d)
        for d in facts.lithium_stop_dates:
            b.lithium(p, d, stopped=True)
        status = register_status(facts, REF)
        if status.on_register:
            expected[p.nhs_number] = (status.on_mh1, status.on_mh2, status.in_remission)
    b.commit()
    got = {e.nhs_number: (e.on_mh1, e.on_mh2, e.in_remission)
           for e in register_entries(ctx.new_uow(), None, REF)}
    assert got == expected
    assert 20 < len(expected) < 120  # the random register exercises both sides
