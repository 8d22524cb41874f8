"""SMI register membership: every test case of domain.md §1.1, plus the edges the brief names."""

from __future__ import annotations

from datetime import date

from facilitator_app.domain.register import RegisterFacts, RegisterStatus, register_status

REF = date(2025, 3, 31)


def _lithium(issues: tuple[date, ...], stops: tuple[date, ...] = ()) -> RegisterStatus:
    return register_status(RegisterFacts(lithium_issue_dates=issues, lithium_stop_dates=stops), REF)


def test_lithium_issued_30_09_2024_is_outside_the_6_month_window() -> None:
    status = _lithium((date(2024, 9, 30),))
    assert not status.on_mh2 and not status.on_register
    assert (
        "last lithium issue 30/09/2024 is not within 6 months of 31/03/2025 "
        "(needs 01/10/2024 or later)"
    ) in status.reasons


def test_lithium_issued_01_10_2024_is_inside() -> None:
    status = _lithium((date(2024, 10, 1),))
    assert status.on_mh2 and status.on_register
    assert status.reasons[1] == "lithium issued 01/10/2024, within 6 months of 31/03/2025"


def test_lithium_stopped_after_the_last_issue_is_off() -> None:
    status = _lithium((date(2025, 2, 1),), (date(2025, 2, 15),))
    assert not status.on_mh2 and not status.on_register
    assert "lithium stopped 15/02/2025 after the last issue" in status.reasons


def test_lithium_reissued_after_a_stop_is_on() -> None:
    status = _lithium((date(2025, 2, 1),), (date(2025, 1, 15),))
    assert status.on_mh2
    assert (
        "lithium issued 01/02/2025, within 6 months of 31/03/2025 "
        "(the stop recorded 15/01/2025 was before it)"
    ) in status.reasons


def test_lithium_stopped_the_same_day_as_the_issue_is_off() -> None:
    status = _lithium((date(2025, 2, 1),), (date(2025, 2, 1),))
    assert not status.on_mh2
    assert "lithium stopped 01/02/2025 the same day as the last issue" in status.reasons


def test_only_the_latest_issue_counts() -> None:
    # a stop between an old issue and the latest one does not matter: the latest issue decides
    status = _lithium((date(2024, 3, 1), date(2024, 12, 1)), (date(2024, 4, 1),))
    assert status.on_mh2


def test_lithium_only_person_is_on_mh001_but_in_no_denominator() -> None:
    status = _lithium((date(2025, 3, 1),))
    assert status == RegisterStatus(
        on_mh1=False, on_mh2=True, in_remission=False, reasons=status.reasons
    )
    assert status.on_register
    assert status.lithium_only
    assert not status.in_indicator_denominator
    assert status.reasons == (
        "no SMI diagnosis recorded on or before 31/03/2025",
        "lithium issued 01/03/2025, within 6 months of 31/03/2025",
        "on the register for lithium only: not in the SMI indicator denominators",
    )


def test_schizophrenia_2010_then_remission_2020() -> None:
    facts = RegisterFacts(diagnosis_dates=(date(2010, 3, 12),), remission_dates=(date(2020, 6, 1),))
    status = register_status(facts, REF)
    assert status.on_mh1 and status.on_register  # remission does not remove from MH001
    assert status.in_remission
    assert not status.in_indicator_denominator  # not in MH002-MH021
    assert not status.lithium_only
    assert status.reasons == (
        "SMI diagnosis recorded 12/03/2010",
        "in remission since 01/06/2020 (no later diagnosis code)",
        "in remission: on the register but not in the SMI indicator denominators",
    )


def test_recoded_schizophrenia_2024_ends_remission() -> None:
    facts = RegisterFacts(
        diagnosis_dates=(date(2010, 3, 12), date(2024, 5, 20)),
        remission_dates=(date(2020, 6, 1),),
    )
    status = register_status(facts, REF)
    assert status.on_mh1 and not status.in_remission
    assert status.in_indicator_denominator
    assert status.reasons == (
        "SMI diagnosis recorded 12/03/2010 (latest diagnosis code 20/05/2024)",
        "remission recorded 01/06/2020 ended by the diagnosis code of 20/05/2024",
    )


def test_same_day_remission_and_diagnosis_counts_as_remission() -> None:
    day = date(2022, 7, 4)
    status = register_status(RegisterFacts(diagnosis_dates=(day,), remission_dates=(day,)), REF)
    assert status.in_remission and not status.in_indicator_denominator
    assert (
        "in remission since 04/07/2022 (no later diagnosis code) "
        "(recorded the same day as the diagnosis code)"
    ) in status.reasons


def test_records_after_ref_are_ignored() -> None:
    after = date(2025, 4, 1)
    # a diagnosis after ref does not put anyone on the register
    status = register_status(RegisterFacts(diagnosis_dates=(after,)), REF)
    assert not status.on_register
    assert status.reasons == (
        "no SMI diagnosis recorded on or before 31/03/2025",
        "no lithium issued on or before 31/03/2025",
        "not on the SMI register at 31/03/2025",
    )
    # a later remission does not end the denominator at ref
    facts = RegisterFacts(diagnosis_dates=(date(2010, 3, 12),), remission_dates=(after,))
    assert register_status(facts, REF).in_indicator_denominator
    # a later re-code does not end remission at ref
    facts = RegisterFacts(
        diagnosis_dates=(date(2010, 3, 12), after), remission_dates=(date(2020, 6, 1),)
    )
    assert register_status(facts, REF).in_remission
    # a later stop does not take anyone off lithium; a later issue does not put them on
    assert _lithium((date(2025, 2, 1),), (after,)).on_mh2
    assert not _lithium((after,)).on_mh2


def test_ref_itself_is_included() -> None:
    assert register_status(RegisterFacts(diagnosis_dates=(REF,)), REF).on_mh1
    assert _lithium((REF,)).on_mh2


def test_remission_without_a_diagnosis_means_nothing() -> None:
    status = register_status(RegisterFacts(remission_dates=(date(2020, 6, 1),)), REF)
    assert not status.on_register and not status.in_remission


def test_diagnosis_and_lithium_both_routes() -> None:
    facts = RegisterFacts(diagnosis_dates=(date(2010, 3, 12),), lithium_issue_dates=(REF,))
    status = register_status(facts, REF)
    assert status.on_mh1 and status.on_mh2
    assert status.in_indicator_denominator and not status.lithium_only
    assert status.reasons == (
        "SMI diagnosis recorded 12/03/2010",
        "lithium issued 31/03/2025, within 6 months of 31/03/2025",
    )


def test_order_and_duplicates_do_not_matter() -> None:
    a = RegisterFacts(
        diagnosis_dates=(date(2024, 5, 20), date(2010, 3, 12), date(2010, 3, 12)),
        remission_dates=(date(2020, 6, 1),),
    )
    b = RegisterFacts(
        diagnosis_dates=(date(2010, 3, 12), date(2024, 5, 20)),
        remission_dates=(date(2020, 6, 1), date(2020, 6, 1)),
    )
    assert register_status(a, REF) == register_status(b, REF)
