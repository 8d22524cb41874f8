"""Money as the UK writes it, from integer pence (domain.md §10): never a float in between."""

from __future__ import annotations


def format_pounds(pence: int) -> str:
    """``£1,234.56``; negative amounts ``-£12.00``."""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{rest:02d}"
