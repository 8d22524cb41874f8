"""The columns a practice extract may carry, and how a file's header is matched to them.

Practice systems and the people who tidy their extracts in a spreadsheet spell headers in many
ways ("NHS Number", "nhs_number", "NHSNumber", "Surname"), save with a byte-order mark, and use
``;`` where the locale's decimal mark is a comma. All of that is accepted; what is never done is
guessing: an unknown header is reported, a required one that is missing is an error, and the
mapping is shown to the user before anything is written (the GUI's preview, ``--dry-run``).

The accepted names are the contract documented in ``docs/import-format.md``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "COLUMNS",
    "Column",
    "ColumnMapping",
    "ImportKind",
    "map_header",
    "normalise_header",
    "sniff_delimiter",
]


class ImportKind(StrEnum):
    REGISTER = "register"
    RESULTS = "results"


@dataclass(frozen=True)
class Column:
    """One field the importer understands: its canonical header, whether a file must have it,
    other headers that mean the same, and a line for the documentation and the preview."""

    name: str
    required: bool
    aliases: tuple[str, ...]
    meaning: str


COLUMNS: Mapping[ImportKind, tuple[Column, ...]] = {
    ImportKind.REGISTER: (
        Column("nhs_number", True, ("nhs_no", "nhsnumber", "nhs"), "NHS number, 10 digits"),
        Column("given_name", True, ("forename", "first_name", "firstname", "given_names"),
               "given (first) name"),
        Column("family_name", True, ("surname", "last_name", "lastname"), "family name"),
        Column("date_of_birth", True, ("dob", "birth_date", "birthdate"), "date of birth"),
        Column("sex", True, ("gender",), "F, M, I (indeterminate) or U (not known)"),
        Column("ethnicity", False, ("ethnic_category", "ethnic_group", "ethnic_origin"),
               "NHS ethnic category code A-Z (blank: Z, not stated)"),
        Column("address", False, ("address_lines", "home_address"),
               "postal address, lines separated by commas"),
        Column("postcode", False, ("post_code",), "postcode"),
        Column("practice_code", True, ("practice", "ods_code", "practice_ods_code"),
               "the practice's ODS code, e.g. B86001"),
        Column("practice_name", False, (), "the practice's name (used when it is new)"),
        Column("registered_on", False, ("registration_date", "date_registered"),
               "date registered with the practice"),
        Column("smi_diagnosis_code", False, ("diagnosis_code", "smi_code", "mh_code"),
               "SNOMED CT code of the SMI diagnosis (MH_COD)"),
        Column("smi_diagnosis_date", False, ("diagnosis_date", "smi_date", "mh_date"),
               "date of the SMI diagnosis"),
        Column("remission_date", False, ("smi_remission_date", "in_remission_date"),
               "date remission was recorded (MHREM_COD)"),
        Column("lithium_issue_dates", False, ("lithium_issued", "lithium_issue_date", "lithium"),
               "dates lithium was issued, separated by spaces or |"),
        Column("lithium_stopped_date", False, ("lithium_stopped", "lithium_stop_date"),
               "date lithium was recorded as stopped (LITSTP_COD)"),
    ),
    ImportKind.RESULTS: (
        Column("nhs_number", True, ("nhs_no", "nhsnumber", "nhs"), "NHS number, 10 digits"),
        Column("code", True, ("snomed_code", "snomed", "snomed_ct_code", "element",
                               "test", "observation"),
               "SNOMED CT concept id, or an element name such as systolic_bp or hba1c"),
        Column("value", False, ("result", "result_value", "numeric_value"),
               "the result (blank for a status such as a smoking code)"),
        Column("unit", False, ("units", "unit_of_measure"), "unit; must match the code's unit"),
        Column("date", True, ("observed_on", "date_recorded", "result_date", "event_date",
                              "effective_date"),
               "date of the result"),
    ),
}


def normalise_header(text: str) -> str:
    """ "NHS Number", "nhs_number", " NHS-number " and "\\ufeffNHS number" all become
    ``nhs_number``; "NHSNumber" becomes ``nhsnumber`` (listed as an alias)."""
    text = re.sub(r"[.'’]", "", text.replace("\ufeff", "").strip().casefold())  # D.O.B -> dob
    return re.sub(r"[\s_\-]+", "_", text).strip("_")


@dataclass(frozen=True)
class ColumnMapping:
    """Where each known column is in the file (0-based index), what could not be matched, and
    which required columns are missing. ``ok`` only when nothing required is missing and no
    column is claimed twice."""

    kind: ImportKind
    headers: tuple[str, ...]
    index: Mapping[str, int]
    unknown: tuple[str, ...]
    missing: tuple[str, ...]
    duplicated: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.duplicated

    def problems(self) -> list[str]:
        """The header problems in words, for the error report (row 1 is the header)."""
        out = [f"required column {name!r} is missing" for name in self.missing]
        out += [f"column {name!r} appears more than once" for name in self.duplicated]
        return out

    def preview(self) -> list[tuple[str, str]]:
        """(header in the file, what it is read as) for each file column, in file order."""
        by_index = {i: name for name, i in self.index.items()}
        return [
            (header, by_index.get(i, "not used (unknown column)"))
            for i, header in enumerate(self.headers)
        ]


def map_header(kind: ImportKind, headers: Sequence[str]) -> ColumnMapping:
    lookup: dict[str, str] = {}
    for column in COLUMNS[kind]:
        for spelling in (column.name, *column.aliases):
            lookup[normalise_header(spelling)] = column.name
    index: dict[str, int] = {}
    unknown: list[str] = []
    duplicated: list[str] = []
    for i, header in enumerate(headers):
        name = lookup.get(normalise_header(header))
        if name is None:
            if header.strip():
                unknown.append(header.strip())
        elif name in index:
            duplicated.append(name)
        else:
            index[name] = i
    missing = tuple(c.name for c in COLUMNS[kind] if c.required and c.name not in index)
    return ColumnMapping(kind, tuple(h.strip() for h in headers), index, tuple(unknown),
                         missing, tuple(duplicated))


def sniff_delimiter(header_line: str) -> str:
    """``,`` ``;`` or tab, whichever separates the header line into the most fields (quotes
    respected). A header with one column is read as comma-separated."""
    best, best_count = ",", 1
    for delimiter in (",", ";", "\t"):
        count = len(next(csv.reader([header_line], delimiter=delimiter), []))
        if count > best_count:
            best, best_count = delimiter, count
    return best
