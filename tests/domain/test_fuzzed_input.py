"""Bad input never crashes a reader or a validator (hypothesis): every practice-extract row
and every form either reads or comes back with problems that name the row or field."""

from __future__ import annotations

from dataclasses import fields
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facilitator_app.domain.budget import parse_pounds
from facilitator_app.domain.check_form import CheckForm, FieldError, validate_check_form
from facilitator_app.domain.import_format import COLUMNS, ImportKind
from facilitator_app.domain.import_rows import RowError, read_register_row, read_result_row
from facilitator_app.domain.letterhead import letterhead_problems
from facilitator_app.domain.measures import InvalidAnswers, Measure, score_answers
from facilitator_app.domain.signposting import validate_service, validate_signposting

TODAY = date(2026, 11, 22)
# text that looks like what extracts hold, and text that does not
cell = st.one_of(st.text(max_size=40), st.sampled_from(
    ["", " ", "999 000 0018", "9990000018", "01/02/2026", "2026-02-30", "31/13/2026", "1e9",
     "-0", "NaN", "inf", "58214004", "271649006", "140", "Zoë", "=cmd|' /C calc'!A0",
     "\x00", "12,5", "１２３"]))
REGISTER_CELLS = st.fixed_dictionaries({c.name: cell for c in COLUMNS[ImportKind.REGISTER]})
RESULT_CELLS = st.fixed_dictionaries({c.name: cell for c in COLUMNS[ImportKind.RESULTS]})
FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.integers(2, 10**6), REGISTER_CELLS)
def test_register_rows_read_or_name_their_problems(number: int, cells: dict[str, str]) -> None:
    result = read_register_row(number, cells, TODAY)
    if isinstance(result, list):
        assert result and all(isinstance(e, RowError) and e.row == number and e.column
                              and e.reason for e in result)


@FUZZ
@given(st.integers(2, 10**6), RESULT_CELLS)
def test_result_rows_read_or_name_their_problems(number: int, cells: dict[str, str]) -> None:
    result = read_result_row(number, cells, TODAY)
    if isinstance(result, list):
        assert result and all(isinstance(e, RowError) and e.row == number and e.reason
                              for e in result)


FORM_TEXT = st.one_of(st.none(), cell)
TEXT_FIELDS = [f.name for f in fields(CheckForm)
               if f.name not in ("check_date", "glucose_fasting", "medication_review_done",
                                 "conditions", "adjustments", "smoking", "substance_use",
                                 "cancer_screening")]


@FUZZ
@given(st.one_of(cell, st.dates(date(1900, 1, 1), date(2100, 1, 1))),
       st.fixed_dictionaries({name: FORM_TEXT for name in TEXT_FIELDS}),
       st.sampled_from(["", "never", "ex", "current", "smoker", "x"]))
def test_the_check_form_validates_anything(check_date: str | date, values: dict[str, object],
                                           smoking: str) -> None:
    form = CheckForm(check_date=check_date, smoking=smoking, **values)  # type: ignore[arg-type]
    result = validate_check_form(form, TODAY)
    if isinstance(result, list):
        assert result and all(isinstance(e, FieldError) and e.field and e.message
                              for e in result)


@FUZZ
@given(st.sampled_from(list(Measure)),
       st.lists(st.one_of(st.none(), st.integers(-5, 10), st.booleans()), max_size=14))
def test_questionnaires_score_or_name_the_item(measure: Measure, answers: list[object]) -> None:
    try:
        score = score_answers(measure, answers)  # type: ignore[arg-type]
    except InvalidAnswers as exc:
        assert exc.problems and all(p.message for p in exc.problems)
    else:
        assert score.raw_total >= 0


@FUZZ
@given(cell, cell, cell, st.one_of(st.none(), st.binary(max_size=64)))
def test_letterhead_settings_never_raise(name: str, address: str, phone: str,
                                         logo: bytes | None) -> None:
    for problem in letterhead_problems(name, address, phone, logo):
        assert problem.field in ("name", "address", "phone", "logo") and problem.message


@FUZZ
@given(cell, cell, cell, cell, st.dates(), st.one_of(st.none(), st.dates()))
def test_signposting_validators_never_raise(name: str, category: str, contact: str,
                                            reason: str, on: date,
                                            follow_up: date | None) -> None:
    assert all(p.field for p in validate_service(name, category, contact, reason))
    assert all(p.field for p in validate_signposting(on, reason, follow_up, date(1960, 1, 1),
                                                     TODAY))


@FUZZ
@given(cell)
def test_money_is_read_exactly_or_refused(text: str) -> None:
    try:
        pence = parse_pounds(text)
    except ValueError as exc:
        assert str(exc)
    else:
        assert isinstance(pence, int) and pence >= 0
