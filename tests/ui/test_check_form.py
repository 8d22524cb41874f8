"""The check form dialog and the patient panel's button (pytest-qt, offscreen)."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

import facilitator_app.domain.codes as codes
from db.models import FollowUp, Observation
from db.unit_of_work import SqlAlchemyUnitOfWork
from facilitator_app.bootstrap import AppContext
from facilitator_app.domain.checks import Element
from facilitator_app.domain.qrisk3 import DISCLAIMER
from tests.builders import RegisterBuilder
from ui.screens.check_form import CheckFormDialog
from ui.screens.patient_panel import PatientPanel


def _patient(ctx: AppContext, sex: str = "F") -> int:
    b = RegisterBuilder(ctx)
    p = b.patient(dob=date(1966, 4, 1), sex=sex)
    patient_id = p.id
    b.commit()
    return patient_id


def _count(ctx: AppContext, model: Any) -> int:
    with cast(SqlAlchemyUnitOfWork, ctx.new_uow()) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def _dialog(qtbot: QtBot, ctx: AppContext, sex: str = "F") -> CheckFormDialog:
    dialog = CheckFormDialog(ctx, _patient(ctx, sex))
    qtbot.addWidget(dialog)
    return dialog


def _choose(combo: QComboBox, data: object) -> None:
    combo.setCurrentIndex(combo.findData(data))


def test_bmi_and_audit_c_are_worked_out_as_they_are_typed(qtbot: QtBot,
                                                          sqlite_ctx: AppContext) -> None:
    dialog = _dialog(qtbot, sqlite_ctx)
    assert "enter both" in dialog.bmi_text
    qtbot.keyClicks(dialog.edits["height_cm"], "170")
    qtbot.keyClicks(dialog.edits["weight_kg"], "80")
    assert dialog.bmi_text == "BMI from height and weight: 27.7 kg/m²"
    for combo, score in zip(dialog.audit_c, (2, 2, 1), strict=True):
        _choose(combo, score)
    assert dialog.audit_live.text().startswith("AUDIT-C score: 5 of 12")
    qtbot.keyClicks(dialog.edits["total_cholesterol"], "5.6")
    qtbot.keyClicks(dialog.edits["hdl_cholesterol"], "1.4")
    assert "ratio 4.0" in dialog.lipids_live.text()


def test_implausible_systolic_is_named_and_nothing_is_saved(qtbot: QtBot,
                                                           sqlite_ctx: AppContext) -> None:
    dialog = _dialog(qtbot, sqlite_ctx)
    qtbot.keyClicks(dialog.edits["systolic"], "400")
    qtbot.keyClicks(dialog.edits["diastolic"], "90")
    with qtbot.assertNotEmitted(dialog.saved):
        dialog.save_button.click()
    message = "Systolic blood pressure 400 mmHg is implausible (accepted 40–270 mmHg)"
    assert not dialog.errors["systolic"].isHidden()
    assert dialog.errors["systolic"].text() == message
    assert dialog.edits["systolic"].accessibleDescription() == message
    assert not dialog.summary.isHidden() and message in dialog.summary.text()
    assert dialog.result() == 0  # still open
    assert _count(sqlite_ctx, Observation) == 0


def test_save_creates_observations_and_follow_ups(qtbot: QtBot,
                                                  sqlite_ctx: AppContext) -> None:
    dialog = _dialog(qtbot, sqlite_ctx)
    qtbot.keyClicks(dialog.edits["systolic"], "152")
    qtbot.keyClicks(dialog.edits["diastolic"], "96")
    qtbot.keyClicks(dialog.edits["hba1c"], "44")
    _choose(dialog.smoking, "current")
    qtbot.keyClicks(dialog.edits["cigarettes_per_day"], "12")
    _choose(dialog.adjustments[Element.LIPIDS], "declined")
    with qtbot.waitSignal(dialog.saved, timeout=5000) as signal:
        dialog.save_button.click()
    saved = signal.args[0] if signal.args else None
    assert saved is not None and saved.follow_ups_created == 3  # BP, HbA1c, smoking
    with cast(SqlAlchemyUnitOfWork, sqlite_ctx.new_uow()) as uow:
        stored = set(uow.session.scalars(select(Observation.code)).all())
    assert {codes.SYSTOLIC_BP, codes.DIASTOLIC_BP, codes.HBA1C, codes.SMOKER,
            codes.CIGARETTES_PER_DAY} == stored
    assert _count(sqlite_ctx, FollowUp) == 3


def test_declined_greys_out_the_element(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    dialog = _dialog(qtbot, sqlite_ctx)
    qtbot.keyClicks(dialog.edits["total_cholesterol"], "5.1")
    _choose(dialog.adjustments[Element.LIPIDS], "unsuitable")
    assert not dialog.edits["total_cholesterol"].isEnabled()
    form = dialog.form()
    assert form.total_cholesterol == "" and form.adjustments == {Element.LIPIDS: "unsuitable"}
    assert not dialog.edits["cigarettes_per_day"].isEnabled()  # only for current smokers


def test_qrisk_preview_shows_inputs_and_the_disclaimer(qtbot: QtBot,
                                                       sqlite_ctx: AppContext) -> None:
    dialog = _dialog(qtbot, sqlite_ctx, sex="M")
    for name, text in (("bmi", "27"), ("systolic", "138"), ("diastolic", "84"),
                       ("total_cholesterol", "6"), ("hdl_cholesterol", "1.2")):
        qtbot.keyClicks(dialog.edits[name], text)
    _choose(dialog.smoking, "never")
    dialog.refresh_preview()
    text = dialog.qrisk_text.text()
    assert text.startswith("10-year CVD risk ") and "Inputs used:" in text
    assert "• Cholesterol/HDL ratio: 5.0" in text
    assert "underestimate" in dialog.smi_note.text()  # NICE's SMI note
    assert dialog.disclaimer.text() == DISCLAIMER
    assert "erectile_dysfunction" in dialog.conditions  # asked of men only


def test_every_control_has_an_accessible_name(qtbot: QtBot, sqlite_ctx: AppContext) -> None:
    dialog = _dialog(qtbot, sqlite_ctx)
    controls = [*dialog.findChildren(QLineEdit), *dialog.findChildren(QComboBox),
                *dialog.findChildren(QCheckBox)]
    assert len(controls) > 30
    assert all(c.accessibleName() for c in controls)
    assert "erectile_dysfunction" not in dialog.conditions


def test_the_panel_button_records_a_check_and_refreshes(qtbot: QtBot,
                                                        sqlite_ctx: AppContext) -> None:
    patient_id = _patient(sqlite_ctx)
    panel = PatientPanel(sqlite_ctx)
    qtbot.addWidget(panel)
    panel.show_patient(patient_id)
    assert panel.qrisk_disclaimer.text() == DISCLAIMER
    assert "BMI is not recorded" in panel.qrisk_label.text()
    dialog = panel.open_check_form()
    assert dialog is not None
    qtbot.keyClicks(dialog.edits["systolic"], "128")
    qtbot.keyClicks(dialog.edits["diastolic"], "78")
    with qtbot.waitSignal(panel.record_changed, timeout=5000):
        dialog.save_button.click()
    assert panel.record is not None
    bp = next(e for e in panel.record.elements if e.element is Element.BLOOD_PRESSURE)
    assert bp.value_text == "128/78 mmHg"
