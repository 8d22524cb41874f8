"""What a letterhead may hold: each problem names its field."""

from __future__ import annotations

from facilitator_app.domain.letterhead import (
    MAX_LOGO_BYTES,
    letterhead_problems,
    logo_format,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 20
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 20


def _fields(*args: object) -> list[str]:
    return [p.field for p in letterhead_problems(*args)]  # type: ignore[arg-type]


def test_logo_format_is_read_from_the_bytes_not_the_name() -> None:
    assert logo_format(PNG) == "PNG"
    assert logo_format(JPEG) == "JPEG"
    assert logo_format(b"GIF89a....") is None
    assert logo_format(b"") is None


def test_a_good_letterhead_has_no_problems() -> None:
    assert letterhead_problems("Riverside", "1 River Lane\nAnytown", "01632 960001", PNG) == []
    assert letterhead_problems("Riverside", "", "", None) == []


def test_each_problem_names_its_field() -> None:
    assert _fields("  ", "", "", None) == ["name"]
    assert _fields("x" * 201, "", "", None) == ["name"]
    assert _fields("x" * 200, "", "", None) == []
    assert _fields("R", "\n".join(["line"] * 7), "", None) == ["address"]
    assert _fields("R", "\n".join(["line"] * 6), "", None) == []
    assert _fields("R", "x" * 81, "", None) == ["address"]
    assert _fields("R", "", "0" * 41, None) == ["phone"]
    assert _fields("R", "", "", b"GIF89a") == ["logo"]
    assert _fields("R", "", "", PNG + b"\0" * MAX_LOGO_BYTES) == ["logo"]


def test_messages_say_what_fits() -> None:
    (problem,) = letterhead_problems("R", "\n".join(["l"] * 8), "", None)
    assert problem.message == "The address has 8 lines; at most 6 fit."
    (problem,) = letterhead_problems("R", "", "", b"not an image")
    assert problem.message == "The logo must be a PNG or JPEG image."
