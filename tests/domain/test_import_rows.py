"""Reading one extract row: every problem named with row, column, value and reason."""

from __future__ import annotations

from datetime import date

import pytest

from facilitator_app.domain import codes
from facilitator_app.domain.import_format import ImportKind, map_header, sniff_delimiter
from facilitator_app.domain.import_rows import (
    RegisterRow,
    ResultRow,
    RowError,
    parse_extract_date,
    read_register_row,
    read_result_row,
    resolve_code,
    row_reader,
)

TODAY = date(2026, 11, 22)

GOOD_REGISTER = {
    "nhs_number": "943 476 5919",
    "given_name": "Zoë",
    "family_name": "O'Brien",
    "date_of_birth": "17/05/1970",
    "sex": "female",
    "ethnicity": "a",
    "address": "1 High Street, Anytown",
    "postcode": "at1 1aa",
    "practice_code": "b86001",
    "smi_diagnosis_code": "58214004",
    "smi_diagnosis_date": "2010-03-12",
}


def _register(**changes: str) -> RegisterRow | list[RowError]:
    return read_register_row(7, {**GOOD_REGISTER, **changes}, TODAY)


def _errors(result: object) -> dict[str, str]:
    assert isinstance(result, list), result
    return {e.column: e.reason for e in result}


# --- header ----------------------------------------------------------------------------------


def test_header_variants_map_to_the_same_columns() -> None:
    mapping = map_header(ImportKind.REGISTER, [
        "\ufeffNHS Number", "Forename", "SURNAME", "D.O.B", "Gender", "Practice", "Shoe size"])
    assert mapping.missing == ()
    assert mapping.index["nhs_number"] == 0
    assert mapping.index["family_name"] == 2
    assert mapping.index["date_of_birth"] == 3
    assert mapping.unknown == ("Shoe size",)
    assert ("Shoe size", "not used (unknown column)") in mapping.preview()


def test_missing_and_repeated_columns_are_problems() -> None:
    mapping = map_header(ImportKind.RESULTS, ["NHS number", "value", "nhs_no"])
    assert not mapping.ok
    assert "required column 'code' is missing" in mapping.problems()
    assert "required column 'date' is missing" in mapping.problems()
    assert "column 'nhs_number' appears more than once" in mapping.problems()


@pytest.mark.parametrize(("line", "expected"), [
    ("nhs_number,code,value", ","),
    ("nhs_number;code;value", ";"),
    ('"a;b",c,d', ","),
    ("nhs_number\tcode\tvalue", "\t"),
    ("single", ","),
])
def test_delimiter_is_sniffed_from_the_header(line: str, expected: str) -> None:
    assert sniff_delimiter(line) == expected


# --- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["29/02/2024", "29-02-2024", "29.02.2024", "2024-02-29",
                                  "29-Feb-2024", "29 February 2024", "2024-02-29T10:15:00",
                                  "29/02/2024 09:30", " 29/2/2024 "])
def test_extract_dates_are_day_first_in_every_accepted_shape(text: str) -> None:
    assert parse_extract_date(text) == date(2024, 2, 29)


@pytest.mark.parametrize("text", ["29/02/2025", "02/31/2024", "2024/02/29", "29/02/24", "soon"])
def test_impossible_or_ambiguous_dates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_extract_date(text)


# --- register rows -------------------------------------------------------------------------------


def test_a_good_register_row_is_normalised() -> None:
    row = _register()
    assert isinstance(row, RegisterRow)
    assert row.nhs_number == "9434765919"
    assert (row.sex, row.ethnicity, row.postcode, row.practice_code) == ("F", "A", "AT1 1AA",
                                                                         "B86001")
    assert row.address == "1 High Street\nAnytown"
    assert row.diagnosis_category == "schizophrenia"
    assert row.practice_name == "B86001"  # a new practice is named by its code until renamed


def test_every_problem_in_a_row_is_reported_at_once() -> None:
    errors = _register(nhs_number="943 476 5918", date_of_birth="31/02/1970", sex="x",
                       ethnicity="Q", smi_diagnosis_code="12345", practice_code="")
    assert isinstance(errors, list)
    assert {e.row for e in errors} == {7}
    reasons = _errors(errors)
    assert "modulus 11" in reasons["nhs_number"]
    assert "not a real date" in reasons["date_of_birth"]
    assert reasons["sex"].startswith("sex must be")
    assert "ethnic category" in reasons["ethnicity"]
    assert "unknown code" in reasons["smi_diagnosis_code"]
    assert reasons["practice_code"] == "practice code is missing"
    bad_nhs = next(e for e in errors if e.column == "nhs_number")
    assert bad_nhs.value == "943 476 5918"


def test_future_dates_and_dates_before_birth_are_refused() -> None:
    reasons = _errors(_register(smi_diagnosis_date="23/11/2026"))
    assert reasons["smi_diagnosis_date"] == "diagnosis date is in the future"
    reasons = _errors(_register(smi_diagnosis_date="01/01/1960"))
    assert reasons["smi_diagnosis_date"] == "diagnosis date is before the date of birth"
    assert isinstance(_register(smi_diagnosis_date="22/11/2026"), RegisterRow)  # today is fine


def test_lithium_only_patients_belong_but_nobody_else_without_a_diagnosis() -> None:
    row = _register(smi_diagnosis_code="", smi_diagnosis_date="",
                    lithium_issue_dates="01/10/2026 | 2026-11-01 01/10/2026")
    assert isinstance(row, RegisterRow)
    assert row.lithium_issued == (date(2026, 10, 1), date(2026, 11, 1))
    reasons = _errors(_register(smi_diagnosis_code="", smi_diagnosis_date=""))
    assert "does not belong on the SMI register" in reasons["smi_diagnosis_code"]


def test_long_names_are_refused_not_truncated() -> None:
    reasons = _errors(_register(family_name="x" * 101))
    assert reasons["family_name"] == "family name is longer than 100 characters"


# --- result rows ---------------------------------------------------------------------------------


def _result(**cells: str) -> ResultRow | list[RowError]:
    base = {"nhs_number": "9434765919", "code": codes.SYSTOLIC_BP, "value": "128",
            "unit": "mmHg", "date": "12/03/2026"}
    return read_result_row(3, {**base, **cells}, TODAY)


def test_result_by_code_or_by_name() -> None:
    by_code = _result()
    by_name = _result(code="Systolic BP")
    assert isinstance(by_code, ResultRow) and isinstance(by_name, ResultRow)
    assert by_code.code == by_name.code == codes.SYSTOLIC_BP
    assert by_code.element == "blood_pressure"
    assert resolve_code("HbA1c") == codes.HBA1C
    assert resolve_code("Total cholesterol") == codes.TOTAL_CHOLESTEROL
    assert resolve_code("shoe size") is None


def test_implausible_systolic_names_the_value_and_range() -> None:
    errors = _result(value="400")
    assert isinstance(errors, list)
    (error,) = errors
    assert (error.row, error.column, error.value) == (3, "value", "400")
    assert "400 mmHg" in error.reason and "40–270" in error.reason


def test_units_are_checked_not_converted() -> None:
    assert isinstance(_result(unit="mm[Hg]"), ResultRow)
    reasons = _errors(_result(code=codes.TOTAL_CHOLESTEROL, value="190", unit="mg/dL"))
    assert "mmol/L" in reasons["unit"] and "not converted" in reasons["unit"]


def test_decimal_comma_from_a_european_export() -> None:
    row = _result(code=codes.TOTAL_CHOLESTEROL, value="5,2", unit="mmol/l")
    assert isinstance(row, ResultRow) and row.value == 5.2


def test_smoking_status_by_code_or_word() -> None:
    by_code = _result(code=codes.EX_SMOKER, value="", unit="")
    by_word = _result(code="smoking", value="Ex", unit="")
    assert isinstance(by_code, ResultRow) and isinstance(by_word, ResultRow)
    assert by_code.code == by_word.code == codes.EX_SMOKER and by_word.value is None
    assert "coded status" in _errors(_result(code=codes.SMOKER, value="20", unit=""))["value"]
    assert "current, ex or never" in _errors(_result(code="smoking", value="sometimes"))["value"]


def test_file_rows_are_read_by_position_whatever_the_column_order() -> None:
    # no unit column, the date first and an unknown column last: cells are taken by position,
    # and the missing unit reads as blank, not as the unknown column's cell
    mapping = map_header(ImportKind.RESULTS, ["Result date", "NHS No", "Code", "Value", "Note"])
    read = row_reader(ImportKind.RESULTS, mapping, TODAY)
    row = read(2, ["12/03/2026", " 943 476 5919 ", codes.HBA1C, " 49 ", "mmHg"])
    assert row == ResultRow(2, "9434765919", "glucose", codes.HBA1C, 49.0, "mmol/mol",
                            date(2026, 3, 12))
    errors = read(3, ["12/03/2027", "9434765919", codes.HBA1C, "abc", ""])
    assert isinstance(errors, list)
    assert {(e.row, e.column, e.value) for e in errors} == {(3, "date", "12/03/2027"),
                                                            (3, "value", "abc")}


def test_file_rows_read_by_position_agree_with_rows_read_by_name() -> None:
    header = ["nhs_number", "code", "value", "unit", "date"]
    read = row_reader(ImportKind.RESULTS, map_header(ImportKind.RESULTS, header), TODAY)
    for cells in (["9434765919", codes.SYSTOLIC_BP, "128", "mmHg", "12/03/2026"],
                  ["9434765919", "smoking", "never", "", "2026-03-12"],
                  ["9434765918", codes.SYSTOLIC_BP, "128", "mmHg", "12/03/2026"],
                  ["", codes.SYSTOLIC_BP, "400", "cm", "31/02/2026"]):
        assert read(7, cells) == read_result_row(7, dict(zip(header, cells, strict=True)),
                                                 TODAY)


def test_result_problems_each_named() -> None:
    reasons = _errors(_result(code="999999", value="abc", date="2027-01-01"))
    assert "unknown code" in reasons["code"]
    assert reasons["date"] == "result date is in the future"
    assert "not a number" in _errors(_result(value="12a"))["value"]
    assert "needs a value" in _errors(_result(value=""))["value"]


def test_the_documentation_lists_every_column_and_alias() -> None:
    """docs/import-format.md is the contract users build extracts to: it must not drift."""
    from pathlib import Path

    from facilitator_app.domain.import_format import COLUMNS

    doc = (Path(__file__).parents[2] / "docs" / "import-format.md").read_text(encoding="utf-8")
    for columns in COLUMNS.values():
        for column in columns:
            for name in (column.name, *column.aliases):
                assert f"`{name}`" in doc, name
    for code in codes.CODES:
        assert code in doc, code
