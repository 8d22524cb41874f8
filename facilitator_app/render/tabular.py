"""Rows to a terminal table or CSV, streamed so a 1,000,000-row register never sits in memory."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import TextIO


def write_table(
    headers: Sequence[str], widths: Sequence[int], rows: Iterable[Sequence[str]], out: TextIO
) -> int:
    """Fixed column widths chosen by the caller, so output starts before the last row is read.
    Values are never cut: a longer value pushes its row out of line instead."""
    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out.write(line(headers) + "\n")
    out.write(line(["-" * w for w in widths]) + "\n")
    count = 0
    for row in rows:
        out.write(line(row) + "\n")
        count += 1
    return count


def write_csv(headers: Sequence[str], rows: Iterable[Sequence[str]], out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count
