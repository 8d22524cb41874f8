"""Demographic code lists as practice systems send them (NHS Data Dictionary)."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta

# NHS Data Dictionary "Ethnic Category" (2001 census categories), as held in GP records.
ETHNIC_CATEGORIES: dict[str, str] = {
    "A": "White - British",
    "B": "White - Irish",
    "C": "White - Any other White background",
    "D": "Mixed - White and Black Caribbean",
    "E": "Mixed - White and Black African",
    "F": "Mixed - White and Asian",
    "G": "Mixed - Any other mixed background",
    "H": "Asian or Asian British - Indian",
    "J": "Asian or Asian British - Pakistani",
    "K": "Asian or Asian British - Bangladeshi",
    "L": "Asian or Asian British - Any other Asian background",
    "M": "Black or Black British - Caribbean",
    "N": "Black or Black British - African",
    "P": "Black or Black British - Any other Black background",
    "R": "Other ethnic groups - Chinese",
    "S": "Other ethnic groups - Any other ethnic group",
    "Z": "Not stated",
}

SEXES: dict[str, str] = {"F": "Female", "M": "Male", "I": "Indeterminate", "U": "Not known"}


def ethnicity_label(code: str) -> str:
    return ETHNIC_CATEGORIES.get(code, "Not recorded")


def sex_label(code: str) -> str:
    return SEXES.get(code, "Not known")


def age_on(date_of_birth: date, on: date) -> int:
    """Whole years, the way clinicians count them (a 29 February birthday turns over on
    1 March in non-leap years, per relativedelta)."""
    return relativedelta(on, date_of_birth).years
