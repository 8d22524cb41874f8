"""Deterministic synthetic register for demonstrations, tests and benchmarks.

Nothing here is real: NHS numbers come from the never-issued 999 range, names are drawn from
common lists, practices have made-up codes. The same (seed, size, today) always gives the same
register, so screenshots, benchmarks and bug reports can be reproduced.

The mix aims to look like a real SMI caseload: mostly schizophrenia, bipolar disorder and other
psychoses, some lithium-only patients, some in remission; about half with a complete check this
year, a third partial, the rest missing; some abnormal results with follow-ups, some declines.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

import facilitator_app.domain.codes as codes
from facilitator_app.domain.assessment import assignee_for, follow_up_for
from facilitator_app.domain.checks import CORE_ELEMENTS, Element
from facilitator_app.domain.names import name_sort_key
from facilitator_app.domain.nhs_number import nhs_numbers_in_test_range
from facilitator_app.domain.qof.evaluate import INVITATION
from facilitator_app.domain.thresholds import Finding, assess_blood_pressure, assess_hba1c
from facilitator_app.services.ports import DemoBatch, DemoPractice

DEMO_PRACTICES = (
    DemoPractice(
        "Z99001", "Riverside Medical Practice", "1 River Lane\nAnytown\nAT1 1AA", "01632 960001"
    ),
    DemoPractice("Z99002", "Hillview Surgery", "22 High Street\nAnytown\nAT2 3BB", "01632 960002"),
    DemoPractice(
        "Z99003", "Canal Street Health Centre", "5 Canal Street\nAnytown\nAT3 4CC", "01632 960003"
    ),
    DemoPractice(
        "Z99004", "Parkside Group Practice", "Park Road\nNewbury Vale\nNV1 2DD", "01632 960004"
    ),
    DemoPractice(
        "Z99005", "St Anne's Family Doctors", "9 Church Walk\nNewbury Vale\nNV2 5EE", "01632 960005"
    ),
    DemoPractice("Z99006", "Meadowbank Surgery", "Meadow Way\nLowfield\nLF1 6FF", "01632 960006"),
)

FEMALE_NAMES = [
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Mia",
    "Sophia",
    "Grace",
    "Lily",
    "Freya",
    "Emily",
    "Ivy",
    "Ella",
    "Rosie",
    "Evie",
    "Florence",
    "Poppy",
    "Charlotte",
    "Willow",
    "Sienna",
    "Aisha",
    "Fatima",
    "Priya",
    "Zainab",
    "Chloé",
    "Siobhán",
    "Zoë",
    "Niamh",
    "Agnieszka",
    "Margaret",
    "Susan",
    "Linda",
    "Karen",
    "Julie",
    "Tracey",
    "Joanne",
    "Sarah",
    "Claire",
    "Helen",
    "Yetunde",
    "Mei",
    "Anjali",
]
MALE_NAMES = [
    "Oliver",
    "George",
    "Noah",
    "Arthur",
    "Leo",
    "Harry",
    "Oscar",
    "Archie",
    "Henry",
    "Jack",
    "Charlie",
    "Freddie",
    "Theo",
    "Thomas",
    "Mohammed",
    "Muhammad",
    "Ibrahim",
    "Yusuf",
    "Arjun",
    "Ravi",
    "Kwame",
    "Tomasz",
    "Piotr",
    "Seán",
    "Ciarán",
    "Rhys",
    "Dylan",
    "David",
    "Paul",
    "Mark",
    "Andrew",
    "Stephen",
    "Michael",
    "Gary",
    "Kevin",
    "Darren",
    "Wei",
    "Chidi",
    "Kofi",
    "Luca",
]
FAMILY_NAMES = (
    (
        "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson "
        "Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson "
        "Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan "
        "Allen James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell "
        "Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan "
        "Marshall Anderson Simpson Ellis Adams Singh Begum Ali Hussain Ahmed Rahman Chowdhury "
        "Okafor Mensah "
        "Nowak Kowalski Nguyễn Müller O'Brien O'Connor Ó_Briain McLaughlin Campbell Stewart Wong "
        "Chen Zhang Achterberg Da_Silva Kaur Gill Sandhu"
    )
    .replace("_", " ")
    .split()
)
STREETS = (
    "Station Road",
    "Church Street",
    "Victoria Road",
    "Green Lane",
    "Manor Road",
    "Park Avenue",
    "Queens Road",
    "New Street",
    "Mill Lane",
    "The Crescent",
    "Grange Road",
    "Albert Street",
)
TOWNS = (("Anytown", "AT"), ("Newbury Vale", "NV"), ("Lowfield", "LF"))

# Ethnic category weights, roughly England's adult population (2021 census).
ETHNICITY_WEIGHTS = {
    "A": 73,
    "B": 1,
    "C": 6,
    "D": 1,
    "E": 1,
    "F": 1,
    "G": 1,
    "H": 3,
    "J": 3,
    "K": 1,
    "L": 2,
    "M": 1,
    "N": 3,
    "P": 1,
    "R": 1,
    "S": 2,
    "Z": 3,
}
DIAGNOSIS_WEIGHTS = {  # MH_COD members: schizophrenia and bipolar disorder dominate an SMI list
    "58214004": 34,
    "13746004": 26,
    "191618007": 6,
    "69322001": 12,
    "191525009": 8,
    "68890003": 8,
    "1127191000000108": 6,
}
SMOKING_STATUSES = ((codes.SMOKER, 40), (codes.EX_SMOKER, 25), (codes.NEVER_SMOKED, 35))
REMISSION_CODE = codes.REMISSION_CLUSTER
LITHIUM_CODE = codes.LITHIUM_CLUSTER
BATCH_PATIENTS = 2000  # small enough that Cancel lands within a second


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]




def _day_between(rng: random.Random, start: date, end: date) -> date:
    span = (end - start).days
    return start + timedelta(days=rng.randint(0, max(span, 0)))


def practices_for(patients: int) -> tuple[DemoPractice, ...]:
    """Several practices, fewer for a tiny demo so each still has patients."""
    return DEMO_PRACTICES[: max(1, min(len(DEMO_PRACTICES), patients // 20 or 1))]


def demo_batches(
    patients: int, seed: int, today: date, practice_ids: dict[str, int]
) -> Iterator[DemoBatch]:
    """Yields the register in batches; each batch's records point at patients by their index in
    that batch. One Random per batch, seeded from (seed, batch number), keeps the register
    identical whatever the batch boundaries of an earlier run."""
    codes_cycle = list(practice_ids.values())
    numbers = nhs_numbers_in_test_range(patients)
    for first in range(0, patients, BATCH_PATIENTS):
        rng = random.Random(f"{seed}:{first}")
        batch = DemoBatch()
        for index in range(min(BATCH_PATIENTS, patients - first)):
            _add_patient(
                rng,
                batch,
                index,
                next(numbers),
                codes_cycle[(first + index) % len(codes_cycle)],
                today,
            )
        yield batch


def _add_patient(
    rng: random.Random,
    batch: DemoBatch,
    index: int,
    nhs_number: str,
    practice_id: int,
    today: date,
) -> None:
    sex = rng.choices("FMI", weights=(49, 50, 1))[0]
    given = rng.choice(
        FEMALE_NAMES if sex == "F" else MALE_NAMES if sex == "M" else FEMALE_NAMES + MALE_NAMES
    )
    family = rng.choice(FAMILY_NAMES)
    age = int(min(95, max(16, rng.gauss(47, 15))))
    dob = today - relativedelta(years=age) - timedelta(days=rng.randint(1, 364))
    town, area = rng.choice(TOWNS)
    registered = (
        _day_between(rng, today - relativedelta(months=3), today)
        if rng.random() < 0.03
        else _day_between(rng, max(dob + relativedelta(years=16), date(1990, 1, 1)), today)
    )
    batch.patients.append(
        {
            "practice_id": practice_id,
            "nhs_number": nhs_number,
            "given_name": given,
            "family_name": family,
            "sort_name": name_sort_key(family, given),
            "date_of_birth": dob,
            "sex": sex,
            "ethnicity": _pick(rng, ETHNICITY_WEIGHTS),
            "address": f"{rng.randint(1, 180)} {rng.choice(STREETS)}\n{town}",
            "postcode": f"{area}{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}"
            f"{rng.choice('LNPQRSTUWXYZ')}",
            "registered_on": registered,
        }
    )
    lithium_only = rng.random() < 0.06
    if not lithium_only:
        _add_diagnoses(rng, batch, index, dob, today)
    if lithium_only or rng.random() < 0.08:
        _add_lithium(rng, batch, index, today)
    _add_checks(rng, batch, index, sex, today)


def _add_diagnoses(
    rng: random.Random, batch: DemoBatch, index: int, dob: date, today: date
) -> None:
    code = _pick(rng, DIAGNOSIS_WEIGHTS)
    earliest = max(dob + relativedelta(years=15), today - relativedelta(years=30))
    diagnosed = _day_between(rng, earliest, today - timedelta(days=1))
    row = {
        "patient_index": index,
        "code": code,
        "category": codes.SMI_CATEGORIES[code],
        "diagnosed_on": diagnosed,
    }
    batch.diagnoses.append(row)
    if rng.random() < 0.1 and (today - diagnosed).days > 400:
        remission = _day_between(rng, diagnosed + timedelta(days=365), today)
        batch.remissions.append(
            {
                "patient_index": index,
                "code": REMISSION_CODE,
                "recorded_on": remission,
            }
        )
        if rng.random() < 0.15 and (today - remission).days > 30:  # relapse ends remission
            batch.diagnoses.append(
                {
                    **row,
                    "diagnosed_on": _day_between(rng, remission, today),
                }
            )


def _add_lithium(rng: random.Random, batch: DemoBatch, index: int, today: date) -> None:
    """Monthly issues; a few stopped, a few lapsed beyond the 6-month register window."""
    last = today - timedelta(days=rng.randint(0, 240))
    for months in range(rng.randint(2, 8)):
        batch.medications.append(
            {
                "patient_index": index,
                "drug": "lithium",
                "code": LITHIUM_CODE,
                "issued_on": last - relativedelta(months=months),
                "stopped": False,
            }
        )
    stop_on = last + timedelta(days=rng.randint(1, 20))
    if rng.random() < 0.1 and stop_on <= today:
        batch.medications.append(
            {
                "patient_index": index,
                "drug": "lithium",
                "code": "LITSTP_COD",
                "issued_on": stop_on,
                "stopped": True,
            }
        )


def _add_checks(rng: random.Random, batch: DemoBatch, index: int, sex: str, today: date) -> None:
    profile = rng.choices(("complete", "partial", "missing"), weights=(48, 32, 20))[0]
    smoking = rng.choices([c for c, _ in SMOKING_STATUSES], [w for _, w in SMOKING_STATUSES])[0]
    height = rng.gauss(176 if sex == "M" else 163, 7)
    bmi = min(55.0, max(17.0, rng.gauss(29.5, 6)))
    # the latest check: this year unless "missing"; earlier annual checks are less complete
    latest = today - timedelta(
        days=rng.randint(0, 330) if profile != "missing" else rng.randint(430, 900)
    )
    for year in range(3):
        check_on = latest - timedelta(days=365 * year + rng.randint(0, 40))
        if check_on > today or (year and rng.random() < 0.6):
            continue
        complete = profile == "complete" if year == 0 else rng.random() < 0.3
        elements = list(CORE_ELEMENTS) if complete else rng.sample(CORE_ELEMENTS, rng.randint(1, 3))
        bmi += rng.gauss(0.3, 0.8)
        for element in elements:
            _add_element(rng, batch, index, element, check_on, height, bmi, smoking, today)
    if rng.random() < 0.05:
        reason, code = rng.choice(
            (("declined", codes.PCA_DECLINED), ("unsuitable", codes.PCA_UNSUITABLE))
        )
        batch.adjustments.append(
            {
                "patient_index": index,
                "reason": reason,
                "code": code,
                "element": None,
                "recorded_on": _day_between(rng, today - relativedelta(months=11), today),
                "note": "",
            }
        )
    _add_care_plans_and_invitations(rng, batch, index, profile, today)


def _add_care_plans_and_invitations(
    rng: random.Random, batch: DemoBatch, index: int, profile: str, today: date
) -> None:
    """Care plans (QOF MH002) most years for people who are seen; two invitations at least a
    week apart for some who are not (a personalised care adjustment once unanswered)."""
    for years_back in range(3):
        if rng.random() < (0.6 if profile != "missing" else 0.1):
            end = today - relativedelta(years=years_back)
            batch.observations.append({
                "patient_index": index, "element": Element.CARE_PLAN.value,
                "code": codes.CARE_PLAN_CLUSTER, "value": None, "unit": "",
                "observed_on": _day_between(rng, end - relativedelta(months=11), end),
                "source": "demo",
            })
    if profile == "missing" and rng.random() < 0.4:
        first = today - timedelta(days=rng.randint(20, 200))
        for invited in (first, first + timedelta(days=rng.randint(7, 30))):
            batch.adjustments.append({
                "patient_index": index, "reason": INVITATION, "code": codes.MH_INVITATION,
                "element": None, "recorded_on": min(invited, today), "note": "",
            })



def _add_element(
    rng: random.Random,
    batch: DemoBatch,
    index: int,
    element: Element,
    on: date,
    height_cm: float,
    bmi: float,
    smoking: str,
    today: date,
) -> None:
    def obs(code: str, value: float | None) -> int:
        """Adds a reading; returns its position, by which a follow-up points at it."""
        batch.observations.append(
            {
                "patient_index": index,
                "element": codes.CODES[code].element,
                "code": code,
                "value": value,
                "unit": codes.CODES[code].unit,
                "observed_on": on,
                "source": "demo",
            }
        )
        return len(batch.observations) - 1

    if element is Element.BMI:
        bmi = min(55.0, max(17.0, bmi))  # the yearly drift stays in a believable range
        weight = max(41.0, bmi * (height_cm / 100) ** 2)  # inside the plausible range
        obs(codes.HEIGHT, round(height_cm))
        obs(codes.WEIGHT, round(weight, 1))
        obs(codes.BMI, round(weight / (round(height_cm) / 100) ** 2, 1))
    elif element is Element.BLOOD_PRESSURE:
        systolic = round(min(220, max(90, rng.gauss(129, 16))))
        diastolic = round(min(125, max(50, systolic * 0.62 + rng.gauss(0, 7))))
        reading = obs(codes.SYSTOLIC_BP, systolic)
        obs(codes.DIASTOLIC_BP, diastolic)
        obs(codes.PULSE, round(min(140, max(45, rng.gauss(80, 13)))))
        for finding in assess_blood_pressure(systolic, diastolic):
            _follow_up(rng, batch, index, reading, on, finding, today)
    elif element is Element.LIPIDS:
        total = round(min(11, max(2.5, rng.gauss(5.2, 1.1))), 1)
        obs(codes.TOTAL_CHOLESTEROL, total)
        obs(codes.HDL_CHOLESTEROL, round(min(3.5, max(0.5, rng.gauss(1.3, 0.35))), 1))
    elif element is Element.GLUCOSE:
        hba1c = round(min(120, max(25, rng.lognormvariate(3.68, 0.17))))
        reading = obs(codes.HBA1C, hba1c)
        for finding in assess_hba1c(hba1c):
            _follow_up(rng, batch, index, reading, on, finding, today)
    elif element is Element.ALCOHOL:
        obs(codes.AUDIT_C, min(12, max(0, round(rng.expovariate(0.35)))))
    elif element is Element.SMOKING:
        obs(smoking, None)


def _follow_up(
    rng: random.Random, batch: DemoBatch, index: int, reading: int, on: date, finding: Finding,
    today: date,
) -> None:
    """The follow-up an abnormal result creates, by the same rules a recorded check uses."""
    action, due = follow_up_for(finding, on)
    # most old actions have been dealt with; recent ones are often still open
    done_rate = 0.97 if (today - due).days > 90 else 0.5
    done = (min(today, due - timedelta(days=rng.randint(0, 20)))
            if rng.random() < done_rate else None)
    batch.follow_ups.append(
        {
            "patient_index": index,
            "action": action,
            "assigned_to": assignee_for(finding),
            "due_on": due,
            "done_on": done,
            "outcome": "Reviewed" if done else "",
            "observation_index": reading,  # position in batch.observations
        }
    )
