"""What a practice letterhead may hold: checked before it is saved, so a letter batch never
fails halfway on a logo ReportLab cannot read or an address too long for the letterhead."""

from __future__ import annotations

from dataclasses import dataclass

MAX_NAME = 200
MAX_PHONE = 40
MAX_ADDRESS_LINES = 6
MAX_LINE = 80
MAX_LOGO_BYTES = 1_000_000

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


@dataclass(frozen=True)
class LetterheadProblem:
    field: str  # "name", "address", "phone" or "logo"
    message: str


def logo_format(data: bytes) -> str | None:
    """"PNG" or "JPEG" from the file's first bytes (its name may say anything), else None."""
    if data.startswith(_PNG):
        return "PNG"
    if data.startswith(_JPEG):
        return "JPEG"
    return None


def letterhead_problems(name: str, address: str, phone: str,
                        logo: bytes | None) -> list[LetterheadProblem]:
    """Every problem, each naming its field; an empty list means it can be saved."""
    problems: list[LetterheadProblem] = []
    if not name.strip():
        problems.append(LetterheadProblem("name", "The practice name is needed."))
    elif len(name) > MAX_NAME:
        problems.append(LetterheadProblem(
            "name", f"The practice name is {len(name)} characters; at most {MAX_NAME} fit."))
    lines = [line for line in address.splitlines() if line.strip()]
    if len(lines) > MAX_ADDRESS_LINES:
        problems.append(LetterheadProblem(
            "address", f"The address has {len(lines)} lines; at most {MAX_ADDRESS_LINES} fit."))
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE:
            problems.append(LetterheadProblem(
                "address", f"Address line {number} is {len(line)} characters; at most "
                f"{MAX_LINE} fit."))
    if len(phone) > MAX_PHONE:
        problems.append(LetterheadProblem(
            "phone", f"The telephone number is {len(phone)} characters; at most {MAX_PHONE}."))
    if logo is not None:
        if len(logo) > MAX_LOGO_BYTES:
            problems.append(LetterheadProblem(
                "logo", f"The logo is {len(logo) / 1e6:.1f} MB; at most "
                f"{MAX_LOGO_BYTES / 1e6:.0f} MB (a letterhead logo needs far less)."))
        elif logo_format(logo) is None:
            problems.append(LetterheadProblem("logo", "The logo must be a PNG or JPEG image."))
    return problems
