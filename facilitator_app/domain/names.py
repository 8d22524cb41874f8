"""How patient names are keyed for sorting and searching."""

from __future__ import annotations

import unicodedata


def name_sort_key(family_name: str, given_name: str) -> str:
    """Casefolded, accent-stripped "family given", so that "O'Brien", "o'brien" and "Ó Briain"
    sort where a receptionist would look for them and a prefix search finds each."""
    text = f"{family_name.strip()} {given_name.strip()}"
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search_prefix_key(text: str) -> str:
    """The same normalisation applied to what the user typed in the search box."""
    decomposed = unicodedata.normalize("NFKD", " ".join(text.split()))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
