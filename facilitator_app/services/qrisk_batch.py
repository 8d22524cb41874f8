"""Bulk QRISK3 scoring of a CSV file: the clinical safety officer's validation run.

ClinRisk's terms ask every implementer to check results against the original QRISK3-2017
(domain.md §4.1). This service is how that is done and re-done: the safety officer scores the
same people with the original calculator and with this file, and compares the two columns.
That only works if every input row comes back, in its place, with either a score or a reason:

* every original column is written back unchanged and in order, followed by ``qrisk3`` (the
  unrounded score, ``repr`` precision, so differences in the last digits are visible),
  ``corrected`` (1 if the model clamped the ratio, SBP, BMI or Townsend score, else 0) and
  ``error``;
* a row that cannot be scored keeps its place with an empty ``qrisk3`` and an error such as
  ``row 7, column bmi: bmi is missing`` (spreadsheet row numbers: the header is row 1);
* nothing is guessed. The yes/no columns take ``0`` or ``1`` only - not true/false, yes/no or a
  blank - because a validation file should say exactly what was meant. Blank ``sbp_sd`` and
  ``townsend`` cells are 0, as in the published model (domain.md §4.2); every other blank is an
  error (no imputation, app rule).

Open ``src`` and ``dst`` with ``newline=""`` as the :mod:`csv` module expects. A UTF-8 byte
order mark (as Excel writes) is tolerated whether or not ``src`` was opened with ``utf-8-sig``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TextIO

from facilitator_app.domain.qrisk3 import (
    FLAG_FIELDS,
    Qrisk3InputError,
    Qrisk3Inputs,
    qrisk3,
)

__all__ = [
    "INPUT_COLUMNS",
    "OUTPUT_COLUMNS",
    "BatchSummary",
    "QriskCsvError",
    "score_csv",
]

INPUT_COLUMNS: tuple[str, ...] = (
    "sex",
    "age",
    "ethnicity",
    "smoke_cat",
    "bmi",
    "chol_hdl_ratio",
    "sbp",
    "sbp_sd",
    "townsend",
    *FLAG_FIELDS,
)
"""Columns the input must have (any order; header case, spaces and hyphens are ignored)."""

OUTPUT_COLUMNS: tuple[str, ...] = ("qrisk3", "corrected", "error")
"""Columns appended, in this order, after the input's own columns."""

_BOM = "\ufeff"
_SEPARATORS = re.compile(r"[\s\-]+")
# ASCII only: int() and float() also accept other scripts' digits, "1_000", "nan" and "inf".
_WHOLE = re.compile(r"[+-]?[0-9]+", re.ASCII)
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)


class QriskCsvError(ValueError):
    """The file as a whole cannot be scored (no header, missing or repeated columns)."""


@dataclass(frozen=True)
class BatchSummary:
    """``rows`` data rows read; ``scored`` got a score; ``errors`` got an error instead."""

    rows: int
    scored: int
    errors: int


def _canonical(header: str) -> str:
    """``" Chol-HDL Ratio "`` -> ``"chol_hdl_ratio"``."""
    return _SEPARATORS.sub("_", header.strip().lower())


def _column_positions(header: Sequence[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    repeated: list[str] = []
    clashes: list[str] = []
    for index, cell in enumerate(header):
        name = _canonical(cell)
        if name in INPUT_COLUMNS:
            if name in positions:
                repeated.append(name)
            positions[name] = index
        elif name in OUTPUT_COLUMNS:
            clashes.append(name)
    missing = [name for name in INPUT_COLUMNS if name not in positions]
    problems = []
    if missing:
        problems.append("missing required column(s): " + ", ".join(missing))
    if repeated:
        problems.append("column(s) appearing more than once: " + ", ".join(repeated))
    if clashes:
        problems.append(
            "already has output column(s) "
            + ", ".join(clashes)
            + " - score the original file, not a scored one"
        )
    if problems:
        raise QriskCsvError("The QRISK3 CSV header " + "; ".join(problems) + ".")
    return positions


class _RowErrors:
    """Collects ``row N, column X: message`` texts for one row."""

    def __init__(self, row_number: int) -> None:
        self.row_number = row_number
        self.messages: list[str] = []

    def add(self, column: str, message: str) -> None:
        self.messages.append(f"row {self.row_number}, column {column}: {message}")


def _parse_sex(text: str, errors: _RowErrors) -> Literal["F", "M"] | None:
    value = text.upper()
    if value == "F":
        return "F"
    if value == "M":
        return "M"
    errors.add("sex", "sex is missing" if not text else f"sex must be M or F (got {text!r})")
    return None


def _parse_whole(column: str, text: str, errors: _RowErrors) -> int | None:
    if not text:
        errors.add(column, f"{column} is missing")
        return None
    if not _WHOLE.fullmatch(text):
        errors.add(column, f"{column} must be a whole number (got {text!r})")
        return None
    return int(text)


def _parse_decimal(column: str, text: str, errors: _RowErrors, *, blank: float | None) -> float:
    """A number; a blank cell is ``blank`` (``None`` means blank is an error)."""
    if not text:
        if blank is None:
            errors.add(column, f"{column} is missing")
            return 0.0
        return blank
    if not _DECIMAL.fullmatch(text):
        errors.add(column, f"{column} must be a number (got {text!r})")
        return 0.0
    return float(text)


def _parse_flag(column: str, text: str, errors: _RowErrors) -> bool:
    if text in ("0", "1"):
        return text == "1"
    errors.add(
        column,
        f"{column} must be 0 or 1 (got {text!r}); only 0 and 1 are accepted, "
        "not true/false, yes/no or a blank",
    )
    return False


def _inputs(cells: dict[str, str], errors: _RowErrors) -> Qrisk3Inputs | None:
    """Parse one row's cells; ``None`` (with ``errors`` filled in) if any cell is unusable."""
    sex = _parse_sex(cells["sex"], errors)
    whole = {name: _parse_whole(name, cells[name], errors) for name in ("age", "ethnicity")}
    smoke_cat = _parse_whole("smoke_cat", cells["smoke_cat"], errors)
    required = {
        name: _parse_decimal(name, cells[name], errors, blank=None)
        for name in ("bmi", "chol_hdl_ratio", "sbp")
    }
    optional = {
        name: _parse_decimal(name, cells[name], errors, blank=0.0)
        for name in ("sbp_sd", "townsend")
    }
    flags = {name: _parse_flag(name, cells[name], errors) for name in FLAG_FIELDS}
    if errors.messages or sex is None or smoke_cat is None:
        return None
    age, ethnicity = whole["age"], whole["ethnicity"]
    assert age is not None and ethnicity is not None
    return Qrisk3Inputs(
        sex=sex,
        age=age,
        ethnicity=ethnicity,
        smoke_cat=smoke_cat,
        bmi=required["bmi"],
        chol_hdl_ratio=required["chol_hdl_ratio"],
        sbp=required["sbp"],
        sbp_sd=optional["sbp_sd"],
        townsend=optional["townsend"],
        **flags,
    )


def score_csv(src: TextIO, dst: TextIO) -> BatchSummary:
    """Score every row of ``src`` and write it, with its result, to ``dst``.

    Raises :class:`QriskCsvError` before writing anything if the header is unusable. Row-level
    problems never raise: they are written in the row's ``error`` cell and counted.
    """
    reader = csv.reader(src)
    header = next(reader, None)
    if not header:
        raise QriskCsvError("The QRISK3 CSV file is empty: expected a header row.")
    header = list(header)
    header[0] = header[0].removeprefix(_BOM)
    positions = _column_positions(header)
    width = len(header)

    writer = csv.writer(dst, lineterminator="\n")
    writer.writerow([*header, *OUTPUT_COLUMNS])
    rows = scored = 0
    for row_number, record in enumerate(reader, start=2):
        rows += 1
        errors = _RowErrors(row_number)
        cells = list(record)
        # Trailing empty cells (a spreadsheet's stray commas) are harmless; anything else that
        # does not line up with the header means the values may be in the wrong columns.
        while len(cells) > width and not cells[-1].strip():
            cells.pop()
        inputs: Qrisk3Inputs | None = None
        if not any(cell.strip() for cell in cells):
            errors.messages.append(f"row {row_number}: the row is empty")
        elif len(cells) != width:
            errors.messages.append(
                f"row {row_number}: has {len(cells)} cells but the header has {width}, so the"
                " values may be in the wrong columns"
                + (f" (cells after column {width} are not copied)" if len(cells) > width else "")
            )
        else:
            by_name = {name: cells[index].strip() for name, index in positions.items()}
            inputs = _inputs(by_name, errors)
        cells = (cells + [""] * width)[:width]

        score_cell = corrected_cell = ""
        if inputs is not None:
            try:
                result = qrisk3(inputs)
            except Qrisk3InputError as error:
                errors.add(error.field, error.message)
            else:
                score_cell = repr(result.score)
                corrected_cell = "1" if result.corrected else "0"
                scored += 1
        writer.writerow([*cells, score_cell, corrected_cell, "; ".join(errors.messages)])
    return BatchSummary(rows=rows, scored=scored, errors=rows - scored)
