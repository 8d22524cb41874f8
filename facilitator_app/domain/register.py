"""SMI register membership (QOF MH001) at a reference date (domain.md §1).

MH001 is the union of two sub-registers:

* MH1: any SMI diagnosis code (MH_COD) dated on or before ``ref``, ever. Remission does not
  remove anyone from MH1; it only removes them from the indicator denominators (MH002-MH021).
* MH2: lithium issued in the 6 months up to ``ref`` and not stopped since the latest issue.
  People on MH2 only ("lithium only") are on MH001 but in no indicator denominator and are not
  counted for SMI physical health checks. (A public implementation says Business Rules v51 drop
  the lithium route - unverified; the rule here is v49/v50.)

The function also says *why*, in dated plain English, because a facilitator asked "why is this
person on my list?" must be able to answer from the screen without reading business rules.

``db/queries/register.py`` is the set-based SQL twin of ``register_status``; a test checks the
two agree on random registers, so change them together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from facilitator_app.domain.dates import format_uk_date, in_window, window_start

__all__ = ["LITHIUM_WINDOW_MONTHS", "RegisterFacts", "RegisterStatus", "register_status"]

LITHIUM_WINDOW_MONTHS = 6


@dataclass(frozen=True)
class RegisterFacts:
    """The dated records the register rules look at, for one person.

    Dates only: which code was used does not matter to membership. Order and duplicates do not
    matter either; records after the reference date may be included and are ignored.
    """

    diagnosis_dates: tuple[date, ...] = ()  # MH_COD
    remission_dates: tuple[date, ...] = ()  # MHREM_COD
    lithium_issue_dates: tuple[date, ...] = ()  # LIT_COD issues
    lithium_stop_dates: tuple[date, ...] = ()  # LITSTP_COD


@dataclass(frozen=True)
class RegisterStatus:
    on_mh1: bool
    on_mh2: bool
    in_remission: bool
    reasons: tuple[str, ...] = ()

    @property
    def on_register(self) -> bool:
        """On MH001: either sub-register."""
        return self.on_mh1 or self.on_mh2

    @property
    def in_indicator_denominator(self) -> bool:
        """In the MH002-MH021 denominators (before PCAs): an SMI diagnosis and not in remission."""
        return self.on_mh1 and not self.in_remission

    @property
    def lithium_only(self) -> bool:
        """On MH001 through lithium alone: counted for the register, not for the indicators."""
        return self.on_mh2 and not self.on_mh1


def _latest(dates: Iterable[date], ref: date) -> date | None:
    return max((d for d in dates if d <= ref), default=None)


def _earliest(dates: Iterable[date], ref: date) -> date | None:
    return min((d for d in dates if d <= ref), default=None)


def register_status(facts: RegisterFacts, ref: date) -> RegisterStatus:
    """Register membership at ``ref`` (normally 31 March), with dated reasons.

    Every record dated after ``ref`` is ignored, so running the rule for a past year gives the
    answer the practice would have had then.

    Remission: in remission iff the latest remission code is on or after the latest diagnosis
    code; a same-day tie counts as remission, as in both public implementations (domain.md §1,
    unverified against the Business Rules). A remission code without any diagnosis means nothing
    here.

    MH2: the latest issue is in the window (ref - 6 months, ref], i.e. on or after
    ``window_start(ref, 6)``, and there is no stop record on or after that issue. A stop on the
    same day as the issue counts as stopped: this is the cautious reading where public
    implementations differ (domain.md §1).
    """
    ref_text = format_uk_date(ref)
    reasons: list[str] = []

    first_dx = _earliest(facts.diagnosis_dates, ref)
    last_dx = _latest(facts.diagnosis_dates, ref)
    on_mh1 = last_dx is not None
    if first_dx is None or last_dx is None:
        reasons.append(f"no SMI diagnosis recorded on or before {ref_text}")
    elif first_dx == last_dx:
        reasons.append(f"SMI diagnosis recorded {format_uk_date(first_dx)}")
    else:
        reasons.append(
            f"SMI diagnosis recorded {format_uk_date(first_dx)} "
            f"(latest diagnosis code {format_uk_date(last_dx)})"
        )

    in_remission = False
    last_rem = _latest(facts.remission_dates, ref)
    if last_dx is not None and last_rem is not None:
        if last_rem >= last_dx:
            in_remission = True
            tie = " (recorded the same day as the diagnosis code)" if last_rem == last_dx else ""
            reasons.append(
                f"in remission since {format_uk_date(last_rem)} (no later diagnosis code){tie}"
            )
        else:
            reasons.append(
                f"remission recorded {format_uk_date(last_rem)} ended by the diagnosis code "
                f"of {format_uk_date(last_dx)}"
            )

    on_mh2, lithium_reason = _lithium(facts, ref)
    if lithium_reason is not None:
        reasons.append(lithium_reason)
    elif not on_mh1:
        reasons.append(f"no lithium issued on or before {ref_text}")

    status = RegisterStatus(on_mh1, on_mh2, in_remission)
    if status.lithium_only:
        reasons.append("on the register for lithium only: not in the SMI indicator denominators")
    elif in_remission:
        reasons.append("in remission: on the register but not in the SMI indicator denominators")
    elif not status.on_register:
        reasons.append(f"not on the SMI register at {ref_text}")
    return RegisterStatus(on_mh1, on_mh2, in_remission, tuple(reasons))


def _lithium(facts: RegisterFacts, ref: date) -> tuple[bool, str | None]:
    """MH2 membership and the sentence explaining it (None when lithium was never issued)."""
    ref_text = format_uk_date(ref)
    last_issue = _latest(facts.lithium_issue_dates, ref)
    last_stop = _latest(facts.lithium_stop_dates, ref)
    if last_issue is None:
        return False, None
    issued = format_uk_date(last_issue)
    if not in_window(last_issue, ref, LITHIUM_WINDOW_MONTHS):
        start = format_uk_date(window_start(ref, LITHIUM_WINDOW_MONTHS))
        return False, (
            f"last lithium issue {issued} is not within 6 months of {ref_text} "
            f"(needs {start} or later)"
        )
    if last_stop is not None and last_stop >= last_issue:
        when = "the same day as" if last_stop == last_issue else "after"
        return False, f"lithium stopped {format_uk_date(last_stop)} {when} the last issue"
    earlier_stop = (
        f" (the stop recorded {format_uk_date(last_stop)} was before it)" if last_stop else ""
    )
    return True, f"lithium issued {issued}, within 6 months of {ref_text}{earlier_stop}"
