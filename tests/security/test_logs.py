"""Log files carry no identifiable data, even when an unexpected error quotes a patient."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from facilitator_app.cli import main
from facilitator_app.logs import configure_logging, redact

NAME, NHS = "Quenneville", "999 000 0018"


def test_an_unexpected_error_quoting_a_patient_leaves_no_trace_of_them_in_the_log(
        sqlite_ctx: object, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(f"could not read {NAME}, {NHS}, born 17/05/1970")

    monkeypatch.setattr("facilitator_app.cli.register_entries", explode)
    url = sqlite_ctx.database  # type: ignore[attr-defined]
    assert main(["--db", url, "register", "list"]) == 1
    assert "unexpected error" in capsys.readouterr().err
    for handler in logging.getLogger().handlers:
        handler.flush()
    log = configure_logging().read_text(encoding="utf-8")
    assert "unexpected error in command register" in log and "RuntimeError" in log
    assert NAME not in log and NHS not in log and "9990000018" not in log
    assert "17/05/1970" not in log and "<message withheld>" in log


def test_a_failed_import_and_a_failed_sign_in_log_nothing_identifiable(
        sqlite_ctx: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = sqlite_ctx.database  # type: ignore[attr-defined]
    bad = tmp_path / "register.csv"
    bad.write_text("nhs_number,family_name,given_name,date_of_birth,sex,practice_code\n"
                   f"9990000019,{NAME},Ann,31/02/1970,F,A00001\n", encoding="utf-8")
    assert main(["--db", url, "import", "register", str(bad)]) != 0
    monkeypatch.setenv("FACILITATOR_PASSWORD", "not the password")
    assert main(["--db", url, "--user", NAME.lower(), "register", "list"]) == 3
    for handler in logging.getLogger().handlers:
        handler.flush()
    log = configure_logging().read_text(encoding="utf-8")
    assert NAME not in log and NAME.lower() not in log and "9990000019" not in log


def test_redaction_masks_numbers_and_dates_shaped_like_patient_data() -> None:
    assert redact("nhs 999 000 0018 / 9990000018 on 17/05/1970 or 1970-05-17") == (
        "nhs <number> / <number> on <date> or <date>")
    assert redact("imported 12,000 rows in 3.2 s") == "imported 12,000 rows in 3.2 s"
