"""Practice extracts made from the synthetic demo register, in the import format.

They are the example files shipped in ``resources/examples`` and the input of the import
benchmark: the same deterministic generator as ``facilitator-app demo``, written as the CSV a
practice system would send instead of into a database. Test NHS numbers (999 range) only.

``style="spreadsheet"`` writes the other accepted spelling - ``;`` separators, dd/mm/yyyy,
a byte-order mark and the header names clinical systems use - so the variants are exercised.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Literal

from facilitator_app.domain.codes import CODES
from facilitator_app.services.demo_data import demo_batches, practices_for
from facilitator_app.services.jobs import CancelToken, Progress, no_progress
from facilitator_app.services.ports import DemoBatch, DemoPractice

Style = Literal["standard", "spreadsheet"]

REGISTER_HEADERS = {
    "standard": ("nhs_number", "given_name", "family_name", "date_of_birth", "sex", "ethnicity",
                 "address", "postcode", "practice_code", "practice_name", "registered_on",
                 "smi_diagnosis_code", "smi_diagnosis_date", "remission_date",
                 "lithium_issue_dates", "lithium_stopped_date"),
    "spreadsheet": ("NHS Number", "Forename", "Surname", "DOB", "Gender", "Ethnic Category",
                    "Address", "Post Code", "Practice", "Practice Name", "Registration Date",
                    "Diagnosis Code", "Diagnosis Date", "Remission Date", "Lithium Issued",
                    "Lithium Stopped"),
}
RESULTS_HEADERS = {
    "standard": ("nhs_number", "code", "value", "unit", "date"),
    "spreadsheet": ("NHS Number", "SNOMED Code", "Result", "Units", "Event Date"),
}


def write_demo_extracts(
    patients: int,
    seed: int,
    today: date,
    register_path: Path,
    results_path: Path,
    *,
    style: Style = "standard",
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[int, int]:
    """Write the two extracts; returns (register rows, result rows)."""
    practices = practices_for(patients)
    practice_of: dict[object, DemoPractice] = dict(enumerate(practices))
    fmt: Callable[[date | None], str] = (
        (lambda d: "" if d is None else d.isoformat()) if style == "standard"
        else (lambda d: "" if d is None else d.strftime("%d/%m/%Y")))
    delimiter = "," if style == "standard" else ";"
    encoding = "utf-8" if style == "standard" else "utf-8-sig"
    register_rows = result_rows = done = 0
    with register_path.open("w", newline="", encoding=encoding) as reg, \
            results_path.open("w", newline="", encoding=encoding) as res:
        reg_out = csv.writer(reg, delimiter=delimiter, lineterminator="\r\n")
        res_out = csv.writer(res, delimiter=delimiter, lineterminator="\r\n")
        reg_out.writerow(REGISTER_HEADERS[style])
        res_out.writerow(RESULTS_HEADERS[style])
        for batch in demo_batches(patients, seed, today, {p.code: i for i, p in
                                                          enumerate(practices)}):
            for row in _register_rows(batch, practice_of, fmt):
                reg_out.writerow(row)
                register_rows += 1
            for row in _result_rows(batch, fmt, style):
                res_out.writerow(row)
                result_rows += 1
            done += len(batch.patients)
            progress(done, patients)
            if cancel:
                cancel.raise_if_cancelled()
    return register_rows, result_rows


Row = dict[str, object]


def _date(row: Row, key: str) -> date | None:
    value = row[key]
    assert value is None or isinstance(value, date)
    return value


def _by_patient(records: list[Row]) -> dict[object, list[Row]]:
    grouped: dict[object, list[Row]] = defaultdict(list)
    for r in records:
        grouped[r["patient_index"]].append(r)
    return grouped


def _register_rows(batch: DemoBatch, practice_of: dict[object, DemoPractice],
                   fmt: Callable[[date | None], str]) -> Iterator[list[str]]:
    """One row per diagnosis (a relapse after remission gives a second row with the same
    details), or one row for a lithium-only patient."""
    diagnoses = _by_patient(batch.diagnoses)
    remissions = _by_patient(batch.remissions)
    medications = _by_patient(batch.medications)
    for index, p in enumerate(batch.patients):
        practice = practice_of[p["practice_id"]]
        issues = sorted(fmt(_date(m, "issued_on")) for m in medications[index]
                        if not m["stopped"])
        stops = [fmt(_date(m, "issued_on")) for m in medications[index] if m["stopped"]]
        remission = [fmt(_date(r, "recorded_on")) for r in remissions[index]]
        details = [str(p["nhs_number"]), str(p["given_name"]), str(p["family_name"]),
                   fmt(_date(p, "date_of_birth")), str(p["sex"]), str(p["ethnicity"]),
                   str(p["address"]).replace("\n", ", "), str(p["postcode"]),
                   practice.code, practice.name, fmt(_date(p, "registered_on"))]
        clinical = [remission[0] if remission else "", " ".join(issues),
                    stops[0] if stops else ""]
        rows = [[str(d["code"]), fmt(_date(d, "diagnosed_on"))] for d in diagnoses[index]]
        for diagnosis in rows or [["", ""]]:  # lithium only: no diagnosis
            yield [*details, *diagnosis, *clinical]


def _result_rows(batch: DemoBatch, fmt: Callable[[date | None], str],
                 style: Style) -> Iterator[list[str]]:
    for o in batch.observations:
        index = o["patient_index"]
        assert isinstance(index, int)
        value = o["value"]
        code = str(o["code"])
        text = "" if value is None else f"{value:g}"
        if style == "spreadsheet":
            text = text.replace(".", ",")  # a European-locale export: decimal commas
        yield [str(batch.patients[index]["nhs_number"]), code, text, CODES[code].unit,
               fmt(_date(o, "observed_on"))]
