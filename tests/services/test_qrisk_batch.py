"""Bulk QRISK3 CSV scoring for the clinical safety officer's validation run."""

from __future__ import annotations

import csv
import io

import pytest

from facilitator_app.domain.qrisk3 import FLAG_FIELDS, Qrisk3Inputs, qrisk3
from facilitator_app.services.qrisk_batch import (
    INPUT_COLUMNS,
    OUTPUT_COLUMNS,
    BatchSummary,
    QriskCsvError,
    score_csv,
)

HEADER = list(INPUT_COLUMNS)
NO_FLAGS = ["0"] * len(FLAG_FIELDS)
BMI = repr(70 / 1.7**2)

# domain.md §4.4 A and B, and G (White).
ROW_A = ["F", "75", "1", "0", BMI, "4.0", "120", "10", "0", *NO_FLAGS]
ROW_B = ["M", "75", "1", "0", BMI, "4.0", "120", "10", "0", *NO_FLAGS]
G_FLAGS = {"af", "ckd345", "treated_hypertension", "type1"}
ROW_G = ["F", "40", "1", "2", "24.9337204898", "1.5", "115", "0.1", "0"] + [
    "1" if name in G_FLAGS else "0" for name in FLAG_FIELDS
]


def to_csv(*rows: list[str], bom: bool = False) -> io.StringIO:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return io.StringIO(("\ufeff" if bom else "") + out.getvalue())


def run(src: io.StringIO) -> tuple[BatchSummary, list[list[str]]]:
    dst = io.StringIO()
    summary = score_csv(src, dst)
    return summary, list(csv.reader(io.StringIO(dst.getvalue())))


def test_round_trip_scores_every_row_and_keeps_the_columns() -> None:
    summary, out = run(to_csv(HEADER, ROW_A, ROW_B, ROW_G))
    assert summary == BatchSummary(rows=3, scored=3, errors=0)
    assert out[0] == [*HEADER, *OUTPUT_COLUMNS]
    assert [row[: len(HEADER)] for row in out[1:]] == [ROW_A, ROW_B, ROW_G]
    scores = [float(row[-3]) for row in out[1:]]
    assert f"{scores[0]:.1f}" == "18.1"
    assert f"{scores[1]:.1f}" == "24.6"
    assert scores[2] == pytest.approx(68.3770914275929, rel=1e-9)
    assert [row[-2:] for row in out[1:]] == [["0", ""]] * 3


def test_score_is_written_at_full_precision() -> None:
    _, out = run(to_csv(HEADER, ROW_G))
    inputs = Qrisk3Inputs(
        sex="F",
        age=40,
        ethnicity=1,
        smoke_cat=2,
        bmi=24.9337204898,
        chol_hdl_ratio=1.5,
        sbp=115.0,
        sbp_sd=0.1,
        **{name: name in G_FLAGS for name in FLAG_FIELDS},
    )
    assert out[1][-3] == repr(qrisk3(inputs).score)


def test_bom_and_header_variants_are_accepted_and_written_back_as_given() -> None:
    header = [" Sex ", "AGE", "Ethnicity", "Smoke Cat", "BMI", "Chol-HDL Ratio", "SBP"]
    header += ["SBP_SD", " townsend", *(name.upper() for name in FLAG_FIELDS)]
    summary, out = run(to_csv(header, ROW_A, bom=True))
    assert summary.scored == 1
    assert out[0] == [*header, *OUTPUT_COLUMNS]  # the BOM is not copied into the first name
    assert f"{float(out[1][-3]):.1f}" == "18.1"


def test_column_order_and_extra_columns_are_kept() -> None:
    header = ["patient_ref", *reversed(HEADER), "notes"]
    row = ["P001", *reversed(ROW_B), "as B"]
    summary, out = run(to_csv(header, row))
    assert summary.scored == 1
    assert out[0] == [*header, "qrisk3", "corrected", "error"]
    assert out[1][: len(row)] == row
    assert f"{float(out[1][-3]):.1f}" == "24.6"


def test_a_bad_row_keeps_its_place_and_the_others_still_score() -> None:
    bad = list(ROW_B)
    bad[HEADER.index("age")] = "90"
    summary, out = run(to_csv(HEADER, ROW_A, bad, ROW_B))
    assert summary == BatchSummary(rows=3, scored=2, errors=1)
    assert [row[: len(HEADER)] for row in out[1:]] == [ROW_A, bad, ROW_B]
    assert out[2][-3:] == [
        "",
        "",
        "row 3, column age: age 90 is outside 25–84: QRISK3 gives no score",
    ]
    assert out[1][-1] == out[3][-1] == ""
    assert out[3][-3] != ""


def test_clamped_values_are_flagged_not_silent() -> None:
    row = list(ROW_A)
    row[HEADER.index("bmi")] = "45"
    at_limit = list(ROW_A)
    at_limit[HEADER.index("bmi")] = "40"
    _, out = run(to_csv(HEADER, row, at_limit))
    assert out[1][-3:-1] == [out[2][-3], "1"]
    assert out[2][-2] == "0"


@pytest.mark.parametrize(
    ("column", "value", "error"),
    [
        ("bmi", "", "row 2, column bmi: bmi is missing"),
        ("sbp", "high", "row 2, column sbp: sbp must be a number (got 'high')"),
        ("sbp", "nan", "row 2, column sbp: sbp must be a number (got 'nan')"),
        ("age", "75.5", "row 2, column age: age must be a whole number (got '75.5')"),
        ("sex", "female", "row 2, column sex: sex must be M or F (got 'female')"),
        ("smoke_cat", "", "row 2, column smoke_cat: smoke_cat is missing"),
        ("smoke_cat", "7", "row 2, column smoke_cat: smoke_cat must be 0–4 (got 7)"),
        (
            "ethnicity",
            "12",
            "row 2, column ethnicity: ethnicity must be a QRISK3 code 1–9 (got 12)",
        ),
        ("erectile_dysfunction", "1", "row 2, column erectile_dysfunction: "),
    ],
)
def test_row_errors_name_row_and_column(column: str, value: str, error: str) -> None:
    row = list(ROW_A)
    row[HEADER.index(column)] = value
    summary, out = run(to_csv(HEADER, row))
    assert summary == BatchSummary(rows=1, scored=0, errors=1)
    assert out[1][-3:-1] == ["", ""]
    assert out[1][-1].startswith(error)


@pytest.mark.parametrize("value", ["yes", "true", "Y", "", "2", "1.0"])
def test_flag_columns_accept_only_0_and_1(value: str) -> None:
    row = list(ROW_A)
    row[HEADER.index("migraine")] = value
    _, out = run(to_csv(HEADER, row))
    assert out[1][-3] == ""
    assert out[1][-1].startswith("row 2, column migraine: migraine must be 0 or 1")
    assert "only 0 and 1 are accepted" in out[1][-1]


def test_blank_sbp_sd_and_townsend_are_zero_as_in_the_published_model() -> None:
    blank = list(ROW_A)
    blank[HEADER.index("sbp_sd")] = ""
    blank[HEADER.index("townsend")] = ""
    zero = list(ROW_A)
    zero[HEADER.index("sbp_sd")] = "0"
    _, out = run(to_csv(HEADER, blank, zero))
    assert out[1][-3] == out[2][-3] != ""


def test_every_problem_in_a_row_is_reported() -> None:
    row = list(ROW_A)
    row[HEADER.index("bmi")] = ""
    row[HEADER.index("af")] = "yes"
    _, out = run(to_csv(HEADER, row))
    assert out[1][-1] == (
        "row 2, column bmi: bmi is missing; row 2, column af: af must be 0 or 1 (got 'yes'); "
        "only 0 and 1 are accepted, not true/false, yes/no or a blank"
    )


def test_short_long_and_empty_rows_are_errors_in_place() -> None:
    short = ROW_A[:-2]
    long = [*ROW_A, "surprise"]
    trailing_commas = [*ROW_B, "", ""]
    summary, out = run(to_csv(HEADER, short, [], long, trailing_commas))
    assert summary == BatchSummary(rows=4, scored=1, errors=3)
    width = len(HEADER) + len(OUTPUT_COLUMNS)
    assert all(len(row) == width for row in out)
    assert out[1][-1].startswith(f"row 2: has {len(short)} cells but the header has {len(HEADER)}")
    assert out[2][-1] == "row 3: the row is empty"
    assert out[3][-1].startswith("row 4: has")
    assert out[4][-1] == "" and out[4][-3] != ""


def test_spreadsheet_row_numbers_count_multi_line_cells_as_one_row() -> None:
    header = [*HEADER, "notes"]
    bad = list(ROW_A) + ["line one\nline two"]
    bad[HEADER.index("sex")] = "Q"
    summary, out = run(to_csv(header, [*ROW_A, "multi\nline"], bad))
    assert summary.errors == 1
    assert out[2][-1].startswith("row 3, column sex:")


def test_missing_columns_are_named() -> None:
    header = [name for name in HEADER if name not in ("sbp_sd", "fh_cvd")]
    with pytest.raises(QriskCsvError, match=r"missing required column\(s\): sbp_sd, fh_cvd"):
        score_csv(to_csv(header), io.StringIO())


def test_repeated_and_output_columns_are_refused() -> None:
    with pytest.raises(QriskCsvError, match=r"more than once: sex"):
        score_csv(to_csv([*HEADER, "SEX"]), io.StringIO())
    with pytest.raises(QriskCsvError, match=r"already has output column\(s\) qrisk3"):
        score_csv(to_csv([*HEADER, "qrisk3"]), io.StringIO())


def test_empty_file_is_refused_and_header_only_file_scores_nothing() -> None:
    with pytest.raises(QriskCsvError, match="empty"):
        score_csv(io.StringIO(""), io.StringIO())
    summary, out = run(to_csv(HEADER))
    assert summary == BatchSummary(rows=0, scored=0, errors=0)
    assert out == [[*HEADER, *OUTPUT_COLUMNS]]


def test_nothing_is_written_when_the_header_is_unusable() -> None:
    dst = io.StringIO()
    with pytest.raises(QriskCsvError):
        score_csv(to_csv(["sex", "age"], ["F", "75"]), dst)
    assert dst.getvalue() == ""
