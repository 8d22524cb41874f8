"""Consistency of the SNOMED code tables (domain.md §9)."""

from __future__ import annotations

from facilitator_app.domain import codes
from facilitator_app.domain.checks import CORE_ELEMENTS, Element


def test_every_code_is_keyed_by_itself_and_maps_to_an_element() -> None:
    for key, info in codes.CODES.items():
        assert key == info.code
        assert isinstance(info.element, Element)
        assert info.label
        assert info.code.isascii() and info.code.isdigit()


def test_every_core_element_has_a_code() -> None:
    covered = {info.element for info in codes.CODES.values()}
    assert set(CORE_ELEMENTS) <= covered


def test_named_constants_are_in_the_table_with_the_right_element_and_unit() -> None:
    expected = {
        codes.BMI: (Element.BMI, "kg/m²"),
        codes.WEIGHT: (Element.WEIGHT, "kg"),
        codes.HEIGHT: (Element.HEIGHT, "cm"),
        codes.WAIST: (Element.WAIST, "cm"),
        codes.SYSTOLIC_BP: (Element.BLOOD_PRESSURE, "mmHg"),
        codes.DIASTOLIC_BP: (Element.BLOOD_PRESSURE, "mmHg"),
        codes.PULSE: (Element.PULSE, "beats/min"),
        codes.TOTAL_CHOLESTEROL: (Element.LIPIDS, "mmol/L"),
        codes.HDL_CHOLESTEROL: (Element.LIPIDS, "mmol/L"),
        codes.HBA1C: (Element.GLUCOSE, "mmol/mol"),
        codes.PLASMA_GLUCOSE: (Element.GLUCOSE, "mmol/L"),
        codes.FASTING_GLUCOSE: (Element.GLUCOSE, "mmol/L"),
        codes.AUDIT_C: (Element.ALCOHOL, "score"),
        codes.SMOKER: (Element.SMOKING, ""),
        codes.EX_SMOKER: (Element.SMOKING, ""),
        codes.NEVER_SMOKED: (Element.SMOKING, ""),
        codes.QRISK3_SCORE: (Element.QRISK, "%"),
    }
    assert {c: (codes.CODES[c].element, codes.CODES[c].unit) for c in expected} == expected


def test_ids_from_domain_md() -> None:
    assert codes.SYSTOLIC_BP == "271649006" and codes.DIASTOLIC_BP == "271650006"
    assert codes.HBA1C == "999791000000106"
    assert codes.TOTAL_CHOLESTEROL == "1005671000000105"
    assert codes.QRISK3_SCORE == "1085871000000105"
    assert len(codes.CODES) == 20  # 19 check codes and the MHP_COD care plan (cluster id)


def test_smi_diagnoses_and_pca_codes() -> None:
    assert len(codes.SMI_DIAGNOSES) == 7
    assert codes.SMI_DIAGNOSES["58214004"] == "Schizophrenia"
    assert codes.SMI_DIAGNOSES["68890003"] == "Schizoaffective disorder"
    # diagnosis codes are not observation codes
    assert not set(codes.SMI_DIAGNOSES) & set(codes.CODES)
    assert codes.PCA_UNSUITABLE == "716301000000102"
    assert codes.PCA_DECLINED == "717051000000101"
    assert codes.MH_INVITATION == "1110951000000105"


def test_app_local_codes_are_marked_and_never_look_like_snomed() -> None:
    assert codes.LOCAL_CODES
    for key, info in codes.LOCAL_CODES.items():
        assert key == info.code and info.label
        assert key.startswith(codes.APP_LOCAL_PREFIX) and codes.is_app_local(key)
        assert not key.isdigit() and len(key) <= 20  # observation.code is String(20)
        assert isinstance(info.element, Element)
    # kept apart from the SNOMED table that practice extracts are read against
    assert not set(codes.LOCAL_CODES) & set(codes.CODES)
    assert not any(codes.is_app_local(c) for c in codes.CODES)
    assert codes.ALL_CODES == {**codes.CODES, **codes.LOCAL_CODES}
    assert codes.code_info(codes.CIGARETTES_PER_DAY) == codes.LOCAL_CODES[codes.CIGARETTES_PER_DAY]
    assert codes.code_info(codes.BMI) == codes.CODES[codes.BMI]
    assert codes.code_info("12345") is None


def test_app_local_codes_cover_the_check_extras() -> None:
    elements = {info.element for info in codes.LOCAL_CODES.values()}
    assert {Element.SUBSTANCE, Element.MEDICATION_REVIEW, Element.CANCER_SCREENING,
            Element.ALCOHOL, Element.SMOKING, Element.BLOOD_PRESSURE} == elements
    assert codes.LOCAL_CODES[codes.CIGARETTES_PER_DAY].unit == "cigarettes/day"
    assert codes.LOCAL_CODES[codes.SYSTOLIC_BP_OTHER].unit == "mmHg"
    assert codes.LOCAL_CODES[codes.SUBSTANCE_USE_POSITIVE].unit == ""  # a coded status
