"""Validating one row of a practice extract: every problem named, nothing guessed.

Each ``read_*_row`` takes the cells of one row (already matched to columns by
``import_format.map_header``) and returns either a typed row or the list of everything wrong
with it, each problem naming the row, the column, the value and why, so a file with twenty
mistakes is fixed in one round, not twenty.

Checks that need the database (is this NHS number on the register? is the result dated before
the patient was born? do two rows disagree?) are made by the importer after all rows are read.

Row numbers are spreadsheet rows: the header is row 1, the first patient row 2.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple

from facilitator_app.domain import codes
from facilitator_app.domain.demographics import ETHNIC_CATEGORIES
from facilitator_app.domain.import_format import ColumnMapping, ImportKind
from facilitator_app.domain.nhs_number import InvalidNhsNumber, normalise_nhs_number
from facilitator_app.domain.thresholds import plausibility_problem

__all__ = [
    "EARLIEST_DATE",
    "RegisterRow",
    "ResultRow",
    "RowError",
    "parse_extract_date",
    "read_register_row",
    "read_result_row",
    "row_reader",
    "resolve_code",
]

EARLIEST_DATE = date(1900, 1, 1)
"""Older dates in an extract are data errors (a placeholder year, a typo), not history."""

# Field lengths the database holds: a longer value is refused, never cut short.
MAX_NAME = 100
MAX_POSTCODE = 10


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str
    reason: str


@dataclass(frozen=True)
class RegisterRow:
    row: int
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    ethnicity: str
    address: str
    postcode: str
    practice_code: str
    practice_name: str
    registered_on: date | None
    diagnosis_code: str | None
    diagnosis_category: str | None
    diagnosed_on: date | None
    remission_on: date | None
    lithium_issued: tuple[date, ...]
    lithium_stopped_on: date | None

    def demographics(self) -> tuple[object, ...]:
        """What two rows for the same patient must agree on."""
        return (self.given_name, self.family_name, self.date_of_birth, self.sex, self.ethnicity,
                self.address, self.postcode, self.practice_code, self.registered_on)


class ResultRow(NamedTuple):
    """A tuple, not a dataclass: a million of these are made per import, and a named tuple is
    built in a third of the time."""

    row: int
    nhs_number: str
    element: str
    code: str
    value: float | None
    unit: str
    observed_on: date


# --- dates --------------------------------------------------------------------------------------

_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_DAY_FIRST = re.compile(r"([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4})")
_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_MONTH_NAME = re.compile(r"([0-9]{1,2})[ \-/]([A-Za-z]{3})[A-Za-z]*[ \-/]([0-9]{4})")
# A time after the date ("2024-03-12T10:15:00", "12/03/2024 10:15") is dropped: results are
# dated, not timed, in QOF.
_TIME = re.compile(r"[T ][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9:]{2,5})?$")


def parse_extract_date(text: str) -> date:
    """Dates as practice systems export them: 31/03/2025, 31-03-2025, 31.03.2025, 2025-03-31,
    31-Mar-2025, optionally followed by a time. Always day first: there is no US reading.
    Raises ValueError with the accepted forms."""
    stripped = _TIME.sub("", text.strip())
    try:
        if m := _DAY_FIRST.fullmatch(stripped):
            day, month, year = int(m[1]), int(m[2]), int(m[3])
        elif m := _ISO.fullmatch(stripped):
            year, month, day = int(m[1]), int(m[2]), int(m[3])
        elif (m := _MONTH_NAME.fullmatch(stripped)) and m[2].casefold() in _MONTHS:
            day, month, year = int(m[1]), _MONTHS[m[2].casefold()], int(m[3])
        else:
            raise ValueError("use dd/mm/yyyy or yyyy-mm-dd")
        return date(year, month, day)
    except ValueError as exc:
        reason = str(exc) if "use" in str(exc) else f"not a real date ({exc})"
        raise ValueError(reason) from None


# --- the row reader ----------------------------------------------------------------------------


class _Row:
    """Collects the problems of one row while its cells are read."""

    def __init__(self, number: int, cells: Mapping[str, str]) -> None:
        self.number = number
        self.cells = cells
        self.errors: list[RowError] = []

    def text(self, column: str) -> str:
        return self.cells.get(column, "").strip()

    def fail(self, column: str, reason: str, value: str | None = None) -> None:
        self.errors.append(RowError(self.number, column, self.text(column) if value is None
                                    else value, reason))

    def required(self, column: str, what: str) -> str:
        value = self.text(column)
        if not value:
            self.fail(column, f"{what} is missing")
        return value

    def sized(self, column: str, what: str, limit: int, *, required: bool) -> str:
        value = self.required(column, what) if required else self.text(column)
        if len(value) > limit:
            self.fail(column, f"{what} is longer than {limit} characters")
        return value

    def date(self, column: str, what: str, today: date, *, required: bool = False,
             text: str | None = None) -> date | None:
        raw = self.text(column) if text is None else text.strip()
        if not raw:
            if required:
                self.fail(column, f"{what} is missing")
            return None
        value = _date_or_problem(raw)
        if isinstance(value, str):
            self.fail(column, f"cannot read {what}: {value}", raw)
            return None
        if value > today:
            self.fail(column, f"{what} is in the future", raw)
            return None
        if value < EARLIEST_DATE:
            self.fail(column, f"{what} is before {EARLIEST_DATE:%d/%m/%Y}", raw)
            return None
        return value

    def nhs_number(self) -> str:
        raw = self.required("nhs_number", "NHS number")
        if not raw:
            return ""
        digits, problem = _nhs_number_or_problem(raw)
        if problem:
            self.fail("nhs_number", problem)
        return digits


# A results file repeats each NHS number and date many times: the checks are pure, so each
# distinct text is checked once (bounded caches keep a million-row file's memory flat).
@lru_cache(maxsize=1 << 17)
def _nhs_number_or_problem(raw: str) -> tuple[str, str]:
    try:
        return normalise_nhs_number(raw), ""
    except InvalidNhsNumber as exc:
        return "", str(exc)


@lru_cache(maxsize=1 << 14)
def _date_or_problem(raw: str) -> date | str:
    try:
        return parse_extract_date(raw)
    except ValueError as exc:
        return str(exc)


_SEXES = {"f": "F", "female": "F", "2": "F", "m": "M", "male": "M", "1": "M",
          "i": "I", "indeterminate": "I", "9": "I", "u": "U", "unknown": "U", "not known": "U",
          "0": "U"}
_ODS_CODE = re.compile(r"[A-Z0-9]{3,10}")
_LIST_SEPARATORS = re.compile(r"[\s|]+")
# Address lines arrive comma-separated or as a quoted multi-line cell; stored one per line.
_ADDRESS_LINES = re.compile(r"[,\n]")


def read_register_row(number: int, cells: Mapping[str, str], today: date) -> (
        RegisterRow | list[RowError]):
    row = _Row(number, cells)
    nhs = row.nhs_number()
    given = row.sized("given_name", "given name", MAX_NAME, required=True)
    family = row.sized("family_name", "family name", MAX_NAME, required=True)
    dob = row.date("date_of_birth", "date of birth", today, required=True)
    sex = _SEXES.get(row.text("sex").casefold(), "")
    if not sex:
        row.fail("sex", "sex must be F, M, I (indeterminate) or U (not known)"
                 if row.text("sex") else "sex is missing")
    ethnicity = row.text("ethnicity").upper() or "Z"
    if ethnicity not in ETHNIC_CATEGORIES:
        row.fail("ethnicity", "not an NHS ethnic category code (A-H, J-N, P, R, S or Z)")
    postcode = row.sized("postcode", "postcode", MAX_POSTCODE, required=False).upper()
    practice = row.required("practice_code", "practice code").upper()
    if practice and not _ODS_CODE.fullmatch(practice):
        row.fail("practice_code", "not an ODS practice code (3-10 letters and digits)")
    registered_on = row.date("registered_on", "registration date", today)

    code = row.text("smi_diagnosis_code") or None
    category = None
    if code is not None and (category := codes.SMI_CATEGORIES.get(code)) is None:
        row.fail("smi_diagnosis_code", "unknown code: not an SMI diagnosis (MH_COD) code")
    diagnosed_on = row.date("smi_diagnosis_date", "diagnosis date", today)
    if code and diagnosed_on is None and not row.text("smi_diagnosis_date"):
        row.fail("smi_diagnosis_date", "a diagnosis code needs its date")
    if diagnosed_on and not code:
        row.fail("smi_diagnosis_code", "a diagnosis date needs its code")
    remission_on = row.date("remission_date", "remission date", today)
    lithium: list[date] = []
    for part in _LIST_SEPARATORS.split(row.text("lithium_issue_dates")):
        if part and (issued := row.date("lithium_issue_dates", "lithium issue date", today,
                                        text=part)):
            lithium.append(issued)
    stopped_on = row.date("lithium_stopped_date", "lithium stop date", today)

    if not code and not row.text("lithium_issue_dates") and not row.errors:
        row.fail("smi_diagnosis_code", "neither an SMI diagnosis nor a lithium issue: this "
                 "person does not belong on the SMI register")
    if dob:
        for column, what, when in (("smi_diagnosis_date", "diagnosis date", diagnosed_on),
                                   ("remission_date", "remission date", remission_on),
                                   ("registered_on", "registration date", registered_on)):
            if when and when < dob:
                row.fail(column, f"{what} is before the date of birth")
    if row.errors or dob is None:
        return row.errors
    return RegisterRow(
        row=number, nhs_number=nhs, given_name=given, family_name=family, date_of_birth=dob,
        sex=sex, ethnicity=ethnicity,
        address="\n".join(p.strip() for p in _ADDRESS_LINES.split(row.text("address"))
                           if p.strip()),
        postcode=postcode, practice_code=practice,
        practice_name=row.text("practice_name") or practice, registered_on=registered_on,
        diagnosis_code=code, diagnosis_category=category, diagnosed_on=diagnosed_on,
        remission_on=remission_on, lithium_issued=tuple(sorted(set(lithium))),
        lithium_stopped_on=stopped_on,
    )


# --- results ------------------------------------------------------------------------------------


def _name_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.casefold()).strip("_")


_ELEMENT_NAMES: dict[str, str] = {
    "bmi": codes.BMI, "weight": codes.WEIGHT, "height": codes.HEIGHT, "waist": codes.WAIST,
    "systolic": codes.SYSTOLIC_BP, "systolic_bp": codes.SYSTOLIC_BP, "sbp": codes.SYSTOLIC_BP,
    "diastolic": codes.DIASTOLIC_BP, "diastolic_bp": codes.DIASTOLIC_BP,
    "dbp": codes.DIASTOLIC_BP, "pulse": codes.PULSE, "heart_rate": codes.PULSE,
    "cholesterol": codes.TOTAL_CHOLESTEROL, "total_cholesterol": codes.TOTAL_CHOLESTEROL,
    "tc": codes.TOTAL_CHOLESTEROL, "hdl": codes.HDL_CHOLESTEROL,
    "non_hdl": codes.NON_HDL_CHOLESTEROL, "triglycerides": codes.TRIGLYCERIDES,
    "tg": codes.TRIGLYCERIDES, "hba1c": codes.HBA1C, "glucose": codes.PLASMA_GLUCOSE,
    "random_glucose": codes.PLASMA_GLUCOSE, "fasting_glucose": codes.FASTING_GLUCOSE,
    "fpg": codes.FASTING_GLUCOSE, "audit_c": codes.AUDIT_C, "auditc": codes.AUDIT_C,
    "smoker": codes.SMOKER, "current_smoker": codes.SMOKER, "ex_smoker": codes.EX_SMOKER,
    "never_smoked": codes.NEVER_SMOKED, "non_smoker": codes.NEVER_SMOKED,
    "qrisk3": codes.QRISK3_SCORE, "qrisk": codes.QRISK3_SCORE,
    "care_plan": codes.CARE_PLAN_CLUSTER, "mhp_cod": codes.CARE_PLAN_CLUSTER,
}
_SMOKING_WORDS = {"current": codes.SMOKER, "smoker": codes.SMOKER, "yes": codes.SMOKER,
                  "ex": codes.EX_SMOKER, "ex_smoker": codes.EX_SMOKER, "former": codes.EX_SMOKER,
                  "never": codes.NEVER_SMOKED, "never_smoked": codes.NEVER_SMOKED,
                  "no": codes.NEVER_SMOKED, "non_smoker": codes.NEVER_SMOKED}


def resolve_code(text: str) -> str | None:
    """A SNOMED CT id the app knows, or an element name / code label ("systolic_bp",
    "HbA1c", "Total cholesterol") for one; None when unknown."""
    stripped = text.strip()
    if stripped in codes.CODES:
        return stripped
    key = _name_key(stripped)
    if key in _ELEMENT_NAMES:
        return _ELEMENT_NAMES[key]
    for code, info in codes.CODES.items():
        if _name_key(info.label) == key:
            return code
    return None


@lru_cache(maxsize=256)
def _unit_key(text: str) -> str:
    key = text.casefold().replace(" ", "").replace("²", "2").replace("^2", "2")
    return {"mm[hg]": "mmhg", "bpm": "beats/min", "/min": "beats/min", "beatsperminute":
            "beats/min", "points": "score", "cigs/day": "cigarettes/day"}.get(key, key)


_NUMBER = re.compile(r"[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)")
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]+,[0-9]+")


def _number(text: str) -> float | None:
    if _DECIMAL_COMMA.fullmatch(text):  # 5,2 from a ;-separated European-locale export
        text = text.replace(",", ".")
    return float(text) if _NUMBER.fullmatch(text) else None


Reading = tuple[str, str, float | None, str]  # element, code, value, unit
Problem = tuple[str, str, str]  # column, value as given, why


@lru_cache(maxsize=1 << 16)
def _check_reading(raw_code: str, raw_value: str, raw_unit: str) -> (
        tuple[Reading | None, tuple[Problem, ...]]):
    """Code, value and unit of one result, checked together. Pure and cached: a million-row
    file holds a few thousand distinct (code, value, unit) triples. Takes the cells as read
    (surrounding spaces are stripped here, once per distinct text)."""
    raw_code, raw_value, raw_unit = raw_code.strip(), raw_value.strip(), raw_unit.strip()
    problems: list[Problem] = []
    if not raw_code:
        return None, (("code", "", "code is missing"),)
    code = resolve_code(raw_code)
    if code is None and _name_key(raw_code) == "smoking":
        code = _SMOKING_WORDS.get(_name_key(raw_value))
        if code is None:
            return None, (("value", raw_value, "smoking status must be current, ex or never"),)
        raw_value = ""
    elif code is None:
        return None, (("code", raw_code, "unknown code: not a SNOMED CT code or element name "
                       "the app records (see docs/import-format.md)"),)
    info = codes.CODES[code]
    value: float | None = None
    if info.unit == "":  # a coded status: the code is the result
        if raw_value:
            problems.append(("value", raw_value, f"{info.label} is a coded status and takes "
                             "no value"))
    elif not raw_value:
        problems.append(("value", "", f"{info.label} needs a value"))
    elif (value := _number(raw_value)) is None:
        problems.append(("value", raw_value, "not a number"))
    elif problem := plausibility_problem(code, value):
        problems.append(("value", raw_value, problem))
    if raw_unit and _unit_key(raw_unit) != _unit_key(info.unit or ""):
        problems.append(("unit", raw_unit, f"{info.label} is recorded in "
                         f"{info.unit or 'no unit'}; values are not converted"))
    if problems:
        return None, tuple(problems)
    return (info.element.value, code, value, info.unit), ()


def read_result_row(number: int, cells: Mapping[str, str], today: date) -> (
        ResultRow | list[RowError]):
    get = cells.get
    return (_good_result(number, get("nhs_number", ""), get("code", ""), get("value", ""),
                         get("unit", ""), get("date", ""), today)
            or _result_problems(number, cells, today))


def _good_result(number: int, nhs_text: str, code_text: str, value_text: str, unit_text: str,
                 date_text: str, today: date) -> ResultRow | None:
    """The common case - a good row - through the cached checks alone; None on any doubt,
    and ``_result_problems`` then runs the same checks and names every problem."""
    reading = _check_reading(code_text, value_text, unit_text)[0]
    if reading is None:
        return None
    nhs, nhs_problem = _nhs_number_or_problem(nhs_text)
    observed_on = _date_or_problem(date_text)
    if nhs_problem or not isinstance(observed_on, date) or not (
            EARLIEST_DATE <= observed_on <= today):
        return None
    return ResultRow(number, nhs, *reading, observed_on)


def _result_problems(number: int, cells: Mapping[str, str], today: date) -> (
        ResultRow | list[RowError]):
    row = _Row(number, cells)
    nhs = row.nhs_number()
    reading, problems = _check_reading(row.text("code"), row.text("value"), row.text("unit"))
    observed_on = row.date("date", "result date", today, required=True)
    for column, value, reason in problems:
        row.fail(column, reason, value)
    if row.errors or reading is None or observed_on is None:
        return row.errors
    return ResultRow(number, nhs, *reading, observed_on)


# --- reading a file's rows ---------------------------------------------------------------------


Reader = Callable[[int, Sequence[str]], RegisterRow | ResultRow | list[RowError]]

_RESULT_CELLS = ("nhs_number", "code", "value", "unit", "date")  # _good_result's order


def row_reader(kind: ImportKind, mapping: ColumnMapping, today: date) -> Reader:
    """``read_register_row`` or ``read_result_row`` for the rows of one file, taking a row's
    cells in file order (``mapping`` from ``import_format.map_header``; every row as wide as
    the header). A results row is checked straight from its cells by position: building a
    dict of every row cost more than checking it."""
    by_name = _cells_by_name(mapping)
    if kind is ImportKind.REGISTER:
        return lambda number, cells: read_register_row(number, by_name(cells), today)
    # a column the file lacks (value, unit) is read from one blank cell added past the end
    blank = len(mapping.headers)
    pick = itemgetter(*(mapping.index.get(name, blank) for name in _RESULT_CELLS))
    padded = any(name not in mapping.index for name in _RESULT_CELLS)

    def read_result(number: int, cells: Sequence[str]) -> ResultRow | list[RowError]:
        nhs, code, value, unit, when = pick([*cells, ""] if padded else cells)
        return (_good_result(number, nhs, code, value, unit, when, today)
                or _result_problems(number, by_name(cells), today))

    return read_result


def _cells_by_name(mapping: ColumnMapping) -> Callable[[Sequence[str]], Mapping[str, str]]:
    """A row's cells by column name, built by C-level calls (itemgetter, zip, dict)."""
    names = tuple(mapping.index)  # a usable mapping has several columns: pick returns a tuple
    pick = itemgetter(*mapping.index.values())
    return lambda cells: dict(zip(names, pick(cells), strict=True))
