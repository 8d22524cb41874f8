"""Letterhead settings per practice: name, address, telephone and an optional logo, printed at
the top of every letter. Kept in the database (not a local settings file) so that everyone
sharing a register prints the same letterhead."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from facilitator_app.domain.access import Permission
from facilitator_app.domain.letterhead import LetterheadProblem, letterhead_problems
from facilitator_app.services import audit
from facilitator_app.services.access import require
from facilitator_app.services.caseload import UnknownPractice
from facilitator_app.services.letters import Letterhead
from facilitator_app.services.ports import UnitOfWork

__all__ = [
    "InvalidLetterhead",
    "LetterheadChanged",
    "LetterheadSettings",
    "LetterheadStore",
    "practice_letterhead",
    "save_letterhead",
]


@dataclass(frozen=True)
class LetterheadSettings:
    practice_code: str
    letterhead: Letterhead
    version: int  # the row version read; saving with a stale one is refused


class LetterheadStore(Protocol):
    def practice_letterhead(self, practice_code: str) -> LetterheadSettings | None: ...
    def save_letterhead(self, practice_code: str, letterhead: Letterhead,
                        expected_version: int) -> bool: ...


class InvalidLetterhead(ValueError):
    def __init__(self, problems: list[LetterheadProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


class LetterheadChanged(Exception):
    """Someone else saved this practice's letterhead since it was read."""

    def __init__(self) -> None:
        super().__init__("This practice's letterhead was changed by someone else since you "
                         "opened it. Open it again to see their changes; nothing was saved.")


def _readable_image(data: bytes) -> bool:
    """Whether ReportLab (which prints it) can read the image: a PNG or JPEG header on a
    damaged file would otherwise fail every letter of a batch."""
    import io

    from reportlab.lib.utils import ImageReader

    try:
        width, height = ImageReader(io.BytesIO(data)).getSize()
    except Exception:  # noqa: BLE001 - any failure to decode means the same to the user
        return False
    return width > 0 and height > 0


def practice_letterhead(uow: UnitOfWork, practice_code: str) -> LetterheadSettings:
    require(uow, Permission.MANAGE_SETTINGS)
    with uow:
        settings = uow.letterheads.practice_letterhead(practice_code)
    if settings is None:
        raise UnknownPractice(practice_code)
    return settings


def save_letterhead(uow: UnitOfWork, practice_code: str, letterhead: Letterhead,
                    expected_version: int) -> LetterheadSettings:
    """Validate and save; raises InvalidLetterhead (every problem, by field), UnknownPractice
    or LetterheadChanged. Returns the settings as saved (with the new version)."""
    clean = Letterhead(letterhead.name.strip(), "\n".join(
        line.strip() for line in letterhead.address.splitlines() if line.strip()),
        letterhead.phone.strip(), letterhead.logo or None)
    problems = letterhead_problems(clean.name, clean.address, clean.phone, clean.logo)
    if clean.logo and not problems and not _readable_image(clean.logo):
        problems.append(LetterheadProblem("logo", "The logo file is damaged: it could not be "
                                                  "read as an image."))
    if problems:
        raise InvalidLetterhead(problems)
    require(uow, Permission.MANAGE_SETTINGS)
    with uow:
        before = uow.letterheads.practice_letterhead(practice_code)
        if before is None:
            raise UnknownPractice(practice_code)
        if not uow.letterheads.save_letterhead(practice_code, clean, expected_version):
            raise LetterheadChanged()
        audit.record(uow, "update", "letterhead", practice=practice_code,
                     before=before.letterhead, after=clean)
        uow.commit()
        saved = uow.letterheads.practice_letterhead(practice_code)
    assert saved is not None
    return saved
