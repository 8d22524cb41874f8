"""10-year cardiovascular disease risk by the QRISK3-2017 equation (domain.md §4).

Why this module exists, and how it was written
----------------------------------------------
NICE NG238 asks for QRISK3 in people aged 25-84 without cardiovascular disease, and people with
severe mental illness are one of its risk groups, so facilitators need the score at the physical
health check. This is an **independent, clean-room implementation** of the published model:

* Hippisley-Cox J, Coupland C, Brindle P. *Development and validation of QRISK3 risk prediction
  algorithms to estimate future risk of cardiovascular disease: prospective cohort study.*
  BMJ 2017;357:j2099 (the model: inputs, fractional-polynomial age and BMI terms, interactions
  with age, separate equations for women and men).
* The coefficients, centring values and 10-year baseline survival published by ClinRisk Ltd with
  the QRISK3-2017 equation (https://qrisk.org, released under the GNU LGPL v3; domain.md [S24]).
  The numbers are facts of the published model; they are kept below as plain data, one
  :class:`_Equation` per sex. No published implementation's code was copied or ported.

It is checked against the test vectors in domain.md §4.4 (``tests/domain/test_qrisk3.py``), and
ClinRisk's terms ask every implementer to check results against the original: see
:data:`DISCLAIMER`, which must accompany every displayed score.

The equation
------------
For each sex: ``score % = 100 × (1 − S₀ ^ exp(a))`` where ``S₀`` is the 10-year baseline survival
and ``a`` is the linear predictor. Age and BMI enter through fractional-polynomial transforms
(``age/10`` and ``bmi/10`` raised to powers, BMI also ``(bmi/10)⁻²·ln(bmi/10)``); every continuous
term is centred on the derivation cohort's mean. Here each term of ``a`` is held as a
:class:`_Term`: a main effect plus its interactions with the two centred age terms, so
``a = ethnicity + Σ xᵢ · (mainᵢ + by_age1ᵢ · age₁ + by_age2ᵢ · age₂)``.

Input rules
-----------
* Age, sex, ethnicity and smoking category outside the model are **errors**, never guessed:
  QRISK3 gives no score outside 25-84.
* The published model clamps exactly four continuous inputs to its range - cholesterol/HDL ratio
  1-12, systolic BP 70-210, BMI 20-40, Townsend −8 to 12 (domain.md §4.2). We clamp those and
  only those, and every clamp is reported in :attr:`Qrisk3Result.corrections`, so the score is
  shown as "calculated using corrected data" - never silently.
* **App rule: no imputation.** The commercial engine imputes a missing BMI, ratio or systolic BP;
  we refuse with "… is missing" instead, because an imputed score looks exactly like a measured
  one on a GP letter. Only SBP standard deviation and Townsend default to 0, as the published
  model does when they are not recorded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Final, Literal

__all__ = [
    "AGE_MAX",
    "AGE_MIN",
    "CORRECTED_DATA_NOTE",
    "DISCLAIMER",
    "FLAG_FIELDS",
    "Qrisk3InputError",
    "Qrisk3Inputs",
    "Qrisk3Result",
    "qrisk3",
]

AGE_MIN: Final = 25
AGE_MAX: Final = 84

DISCLAIMER: Final = (
    "This 10-year cardiovascular risk score was calculated by Facilitator's own independent "
    "implementation of the published QRISK3-2017 equation (Hippisley-Cox, Coupland & Brindle, "
    "BMJ 2017;357:j2099). QRISK3-2017 is by ClinRisk Ltd, whose original source code is "
    "published under the GNU Lesser General Public License (LGPL v3) at https://qrisk.org; this "
    "is not ClinRisk's code and is not endorsed by ClinRisk Ltd. ClinRisk Ltd stress that it is "
    "the responsibility of the user to check that an implementation gives the same results as "
    "the original at https://qrisk.org: inaccurate implementations of risk scores can lead to "
    "the wrong patients being given the wrong treatment. The score is an estimate to support, "
    "not replace, clinical judgement. NICE notes that the group with severe mental illness in "
    "QRISK3 included people with moderate or severe depression, so the score may underestimate "
    "risk in people with schizophrenia, bipolar disorder or other psychoses: use clinical "
    "judgement."
)
"""Must be shown with, or prominently linked from, every displayed score (domain.md §4.1)."""

CORRECTED_DATA_NOTE: Final = "Calculated using corrected data"
"""Shown with a score whose inputs were clamped (domain.md §4.2)."""

FLAG_FIELDS: Final = (
    "af",
    "atypical_antipsychotic",
    "corticosteroids",
    "erectile_dysfunction",
    "migraine",
    "ra",
    "ckd345",
    "smi",
    "sle",
    "treated_hypertension",
    "type1",
    "type2",
    "fh_cvd",
)
"""The yes/no inputs, in the order of :class:`Qrisk3Inputs`."""


@dataclass(frozen=True)
class Qrisk3Inputs:
    """One person's QRISK3 inputs (domain.md §4.2).

    ``ethnicity`` is the QRISK3 code: 1 White or not stated (0 is accepted and means the same),
    2 Indian, 3 Pakistani, 4 Bangladeshi, 5 Other Asian, 6 Black Caribbean, 7 Black African,
    8 Chinese, 9 Other. ``smoke_cat``: 0 non-smoker, 1 ex, 2 light (< 10/day), 3 moderate
    (10-19), 4 heavy (≥ 20). ``bmi``, ``chol_hdl_ratio`` and ``sbp`` have no default and
    ``None`` means "not recorded", which is refused (no imputation). ``sbp_sd`` is the standard
    deviation of the two or more most recent systolic readings. ``fh_cvd`` is angina or heart
    attack in a first-degree relative under 60. ``ckd345`` is chronic kidney disease stage 3-5.
    """

    sex: Literal["F", "M"]
    age: int
    ethnicity: int
    smoke_cat: int
    bmi: float | None
    chol_hdl_ratio: float | None
    sbp: float | None
    sbp_sd: float = 0.0
    townsend: float = 0.0
    af: bool = False
    atypical_antipsychotic: bool = False
    corticosteroids: bool = False
    erectile_dysfunction: bool = False
    migraine: bool = False
    ra: bool = False
    ckd345: bool = False
    smi: bool = False
    sle: bool = False
    treated_hypertension: bool = False
    type1: bool = False
    type2: bool = False
    fh_cvd: bool = False


class Qrisk3InputError(ValueError):
    """An input QRISK3 cannot score. ``field`` is the :class:`Qrisk3Inputs` field name."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Qrisk3Result:
    """A score and what, if anything, was clamped to reach it.

    ``score`` is the unrounded percentage; show it with :attr:`display`, with
    :data:`CORRECTED_DATA_NOTE` and the corrections when ``corrected``, and with
    :data:`DISCLAIMER`.
    """

    score: float
    corrected: bool = False
    corrections: tuple[str, ...] = ()

    @property
    def display(self) -> str:
        """The score to 1 decimal place, as domain.md §4.3 asks: ``"12.3%"``."""
        return f"{self.score:.1f}%"


# --------------------------------------------------------------------------------------------
# The published model as data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Term:
    """One input's coefficients: main effect and interactions with the centred age terms."""

    main: float
    by_age1: float = 0.0
    by_age2: float = 0.0


@dataclass(frozen=True)
class _Equation:
    """One sex's QRISK3-2017 equation.

    ``age_powers`` are the fractional-polynomial powers of ``age/10`` for the two age terms.
    ``centres`` holds the mean subtracted from each continuous term. ``ethnicity`` maps the
    QRISK3 code to its coefficient (1, White or not stated, is the reference). ``terms`` maps a
    predictor name - a continuous term, ``smoke_1``-``smoke_4`` for the smoking categories, or
    a :data:`FLAG_FIELDS` name - to its :class:`_Term`; a flag the equation lacks (erectile
    dysfunction for women) is simply absent.
    """

    baseline_survival_10y: float
    age_powers: tuple[int, int]
    centres: Mapping[str, float]
    ethnicity: Mapping[int, float]
    terms: Mapping[str, _Term]


# Source: ClinRisk Ltd, QRISK3-2017 published equation (https://qrisk.org, LGPL v3), as
# described in Hippisley-Cox, Coupland & Brindle, BMJ 2017;357:j2099. Values as published.
_FEMALE: Final = _Equation(
    baseline_survival_10y=0.988876402378082,
    age_powers=(-2, 1),
    centres=MappingProxyType(
        {
            "age_1": 0.053274843841791,
            "age_2": 4.332503318786621,
            "bmi_1": 0.154946178197861,
            "bmi_2": 0.144462317228317,
            "chol_hdl_ratio": 3.476326465606690,
            "sbp": 123.130012512207030,
            "sbp_sd": 9.002537727355957,
            "townsend": 0.392308831214905,
        }
    ),
    ethnicity=MappingProxyType(
        {
            1: 0.0,
            2: 0.28040314332995425,
            3: 0.56298994142075398,
            4: 0.29590000851116516,
            5: 0.072785379877982545,
            6: -0.17072135508857317,
            7: -0.39371043314874971,
            8: -0.32632495283530272,
            9: -0.17127056883241784,
        }
    ),
    terms=MappingProxyType(
        {
            "age_1": _Term(-8.1388109247726188),
            "age_2": _Term(0.79733376689699098),
            "bmi_1": _Term(0.29236092275460052, 23.802623412141742, 0.52369958933664429),
            "bmi_2": _Term(-4.1513300213837665, -71.184947692087007, 0.045744190122323759),
            "chol_hdl_ratio": _Term(0.15338035820802554),
            "sbp": _Term(0.013131488407103424, 0.034131842338615485, -0.0015082501423272358),
            "sbp_sd": _Term(0.0078894541014586095),
            "townsend": _Term(0.077223790588590108, -1.0301180802035639, -0.031593414674962329),
            "smoke_1": _Term(0.13386833786546262, -4.7057161785851891, -0.075589244643193026),
            "smoke_2": _Term(0.56200858012438537, -2.7430383403573337, -0.11951192874867074),
            "smoke_3": _Term(0.66749593377502547, -0.86608088829392182, -0.10366306397571923),
            "smoke_4": _Term(0.84948177644830847, 0.90241562369710648, -0.13991853591718389),
            "af": _Term(1.5923354969269663, 19.938034889546561, -0.076182651011162505),
            "atypical_antipsychotic": _Term(0.25237642070115557),
            "corticosteroids": _Term(
                0.59520725304601851, -0.98408045235936281, -0.12005364946742472
            ),
            "migraine": _Term(0.301267260870345, 1.7634979587872999, -0.065586917898699859),
            "ra": _Term(0.21364803435181942),
            "ckd345": _Term(0.65194569493845833, -3.5874047731694114, -0.22688873086442507),
            "smi": _Term(0.12555308058820178),
            "sle": _Term(0.75880938654267693, 19.690303738638292, 0.077347949679016273),
            "treated_hypertension": _Term(
                0.50931593683423004, 11.872809733921812, 0.00096857823588174436
            ),
            "type1": _Term(1.7267977510537347, -1.2444332714320747, -0.28724064624488949),
            "type2": _Term(1.0688773244615468, 6.8652342000009599, -0.097112252590695489),
            "fh_cvd": _Term(0.45445319020896213, 0.99467807940435127, -0.076885051698423038),
        }
    ),
)

_MALE: Final = _Equation(
    baseline_survival_10y=0.977268040180206,
    age_powers=(-1, 3),
    centres=MappingProxyType(
        {
            "age_1": 0.234766781330109,
            "age_2": 77.284080505371094,
            "bmi_1": 0.149176135659218,
            "bmi_2": 0.141913309693336,
            "chol_hdl_ratio": 4.300998687744141,
            "sbp": 128.571578979492190,
            "sbp_sd": 8.756621360778809,
            "townsend": 0.526304900646210,
        }
    ),
    ethnicity=MappingProxyType(
        {
            1: 0.0,
            2: 0.27719248760308279,
            3: 0.47446360714931268,
            4: 0.52961729919689371,
            5: 0.035100159186299017,
            6: -0.35807899669327919,
            7: -0.4005648523216514,
            8: -0.41522792889830173,
            9: -0.26321348134749967,
        }
    ),
    terms=MappingProxyType(
        {
            "age_1": _Term(-17.839781666005575),
            "age_2": _Term(0.0022964880605765492),
            "bmi_1": _Term(2.4562776660536358, 31.004952956033886, 0.0050380102356322029),
            "bmi_2": _Term(-8.3011122314711354, -111.29157184391643, -0.013074483002524319),
            "chol_hdl_ratio": _Term(0.17340196856327111),
            "sbp": _Term(0.012910126542553305, 0.018858524469865853, -0.00001271874191588457),
            "sbp_sd": _Term(0.010251914291290456),
            "townsend": _Term(0.033268201277287295, -0.1007554870063731, -0.000093299642323272888),
            "smoke_1": _Term(0.19128222863388983, -0.21011133933516346, -0.00049854870275326121),
            "smoke_2": _Term(0.55241588192645552, 0.75268676447503191, -0.00079875633317385414),
            "smoke_3": _Term(0.63835053027506072, 0.99315887556405791, -0.00083706184266251296),
            "smoke_4": _Term(0.78983819881858019, 2.1331163414389076, -0.00078400319155637289),
            "af": _Term(0.88209236928054657, 3.4896675530623207, -0.00034995608340636049),
            "atypical_antipsychotic": _Term(0.13046879855173513),
            "corticosteroids": _Term(
                0.45485399750445543, 1.1708133653489108, -0.0002496045095297166
            ),
            "erectile_dysfunction": _Term(
                0.22251859086705383, -1.506400985745431, -0.0011058218441227373
            ),
            "migraine": _Term(0.25584178074159913, 2.3491159871402441, 0.00019896446041478631),
            "ra": _Term(0.20970658013956567),
            "ckd345": _Term(0.71853261288274384, -0.50656716327223694, -0.0018325930166498813),
            "smi": _Term(0.12133039882047164),
            "sle": _Term(0.4401572174457522),
            "treated_hypertension": _Term(
                0.51659871082695474, 6.5114581098532671, 0.00063838053104165013
            ),
            "type1": _Term(1.2343425521675175, 5.3379864878006531, 0.0006409780808752897),
            "type2": _Term(0.85942071430932221, 3.6461817406221311, -0.00024695695588868315),
            "fh_cvd": _Term(0.54055469009390156, 2.7808628508531887, -0.00024791809907396037),
        }
    ),
)

_EQUATIONS: Final[Mapping[str, _Equation]] = MappingProxyType({"F": _FEMALE, "M": _MALE})

# The ranges the published model clamps to (domain.md §4.2): field -> (low, high, label).
_CLAMPS: Final[Mapping[str, tuple[float, float, str]]] = MappingProxyType(
    {
        "chol_hdl_ratio": (1.0, 12.0, "cholesterol/HDL ratio"),
        "sbp": (70.0, 210.0, "systolic BP"),
        "bmi": (20.0, 40.0, "BMI"),
        "townsend": (-8.0, 12.0, "Townsend score"),
    }
)

_MALE_ONLY_FLAGS: Final = frozenset({"erectile_dysfunction"})


# --------------------------------------------------------------------------------------------
# Validation and scoring
# --------------------------------------------------------------------------------------------


def _is_whole_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _code(inputs: Qrisk3Inputs, field: str, low: int, high: int, message: str) -> int:
    value = getattr(inputs, field)
    if not _is_whole_number(value) or not low <= value <= high:
        raise Qrisk3InputError(field, f"{message} (got {value!r})")
    return int(value)


def _measure(inputs: Qrisk3Inputs, field: str, *, positive: bool) -> float:
    """A continuous input as a finite float; ``positive`` refuses zero and negatives.

    A BMI, ratio or blood pressure of zero or less is not a reading at all (often a placeholder
    for "not recorded"), so it is an error rather than something to clamp up to the range.
    """
    value: object = getattr(inputs, field)
    if value is None:
        raise Qrisk3InputError(field, f"{field} is missing")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Qrisk3InputError(field, f"{field} must be a number (got {value!r})")
    number = float(value)
    if not math.isfinite(number):
        raise Qrisk3InputError(field, f"{field} is not a finite number (got {value!r})")
    if positive and number <= 0:
        raise Qrisk3InputError(field, f"{field} must be greater than 0 (got {value:g})")
    return number


def _clamp(field: str, value: float, corrections: list[str]) -> float:
    low, high, label = _CLAMPS[field]
    clamped = min(max(value, low), high)
    if clamped != value:
        corrections.append(
            f"{field}: {label} {value:g} is outside {low:g} to {high:g}; {clamped:g} was used"
        )
    return clamped


def qrisk3(inputs: Qrisk3Inputs) -> Qrisk3Result:
    """Score ``inputs`` with the QRISK3-2017 equation.

    Raises :class:`Qrisk3InputError` for anything the model cannot score: sex other than
    ``"M"``/``"F"``, age outside 25-84, an unknown ethnicity or smoking code, a missing or
    non-finite measurement, a negative SBP standard deviation, or a male-only condition recorded
    for a woman. Clamps ratio, SBP, BMI and Townsend to the model's ranges and says so in the
    result.
    """
    if inputs.sex not in _EQUATIONS:
        raise Qrisk3InputError("sex", f"sex must be M or F (got {inputs.sex!r})")
    equation = _EQUATIONS[inputs.sex]

    if not _is_whole_number(inputs.age):
        raise Qrisk3InputError("age", f"age must be a whole number of years (got {inputs.age!r})")
    if not AGE_MIN <= inputs.age <= AGE_MAX:
        raise Qrisk3InputError(
            "age", f"age {inputs.age} is outside {AGE_MIN}–{AGE_MAX}: QRISK3 gives no score"
        )
    ethnicity = _code(inputs, "ethnicity", 0, 9, "ethnicity must be a QRISK3 code 1–9")
    ethnicity = ethnicity or 1  # 0 (not recorded) shares the White / not stated baseline
    smoke_cat = _code(inputs, "smoke_cat", 0, 4, "smoke_cat must be 0–4")

    bmi = _measure(inputs, "bmi", positive=True)
    ratio = _measure(inputs, "chol_hdl_ratio", positive=True)
    sbp = _measure(inputs, "sbp", positive=True)
    sbp_sd = _measure(inputs, "sbp_sd", positive=False)
    if sbp_sd < 0:
        raise Qrisk3InputError("sbp_sd", f"sbp_sd cannot be negative (got {sbp_sd:g})")
    townsend = _measure(inputs, "townsend", positive=False)

    flags: dict[str, bool] = {}
    for name in FLAG_FIELDS:
        value: object = getattr(inputs, name)
        if value not in (True, False):
            raise Qrisk3InputError(name, f"{name} must be true or false (got {value!r})")
        flags[name] = bool(value)
        if flags[name] and name in _MALE_ONLY_FLAGS and inputs.sex != "M":
            raise Qrisk3InputError(name, f"{name} applies to males only")

    corrections: list[str] = []
    ratio = _clamp("chol_hdl_ratio", ratio, corrections)
    sbp = _clamp("sbp", sbp, corrections)
    bmi = _clamp("bmi", bmi, corrections)
    townsend = _clamp("townsend", townsend, corrections)

    # Fractional-polynomial transforms, then centring on the derivation cohort.
    centres = equation.centres
    age_10 = inputs.age / 10
    bmi_10 = bmi / 10
    age_1 = age_10 ** equation.age_powers[0] - centres["age_1"]
    age_2 = age_10 ** equation.age_powers[1] - centres["age_2"]
    values: dict[str, float] = {
        "age_1": age_1,
        "age_2": age_2,
        "bmi_1": bmi_10**-2 - centres["bmi_1"],
        "bmi_2": bmi_10**-2 * math.log(bmi_10) - centres["bmi_2"],
        "chol_hdl_ratio": ratio - centres["chol_hdl_ratio"],
        "sbp": sbp - centres["sbp"],
        "sbp_sd": sbp_sd - centres["sbp_sd"],
        "townsend": townsend - centres["townsend"],
    }
    for category in range(1, 5):
        values[f"smoke_{category}"] = 1.0 if smoke_cat == category else 0.0
    for name, present in flags.items():
        values[name] = 1.0 if present else 0.0

    a = equation.ethnicity[ethnicity]
    for name, term in equation.terms.items():
        x = values[name]
        if x:
            a += x * (term.main + term.by_age1 * age_1 + term.by_age2 * age_2)
    score = 100.0 * (1.0 - equation.baseline_survival_10y ** math.exp(a))
    return Qrisk3Result(score=score, corrected=bool(corrections), corrections=tuple(corrections))


# The dataclass and FLAG_FIELDS must agree; a mismatch is a programming error caught on import.
assert tuple(f.name for f in fields(Qrisk3Inputs))[9:] == FLAG_FIELDS
