"""Fast bulk loading below the ORM: the one place that talks to the database driver directly.

An ORM or Core ``executemany`` processes every parameter of every row in Python (type
conversion, key lookup), which dominates when a practice extract has a million results. Here
rows arrive already in wire form (ISO date strings, hex UUIDs, 0/1 for booleans, floats and
ints), which both SQLite and PostgreSQL accept as they are, and go to the driver's fastest
path: ``executemany`` on sqlite3, ``COPY FROM STDIN`` on psycopg.

Only ever used inside the caller's transaction, so an error or cancel still rolls back all.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table


def copy_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Insert ``rows`` (tuples in ``columns`` order, wire form) into ``table``."""
    names = ", ".join(conn.dialect.identifier_preparer.quote(c) for c in columns)
    target = conn.dialect.identifier_preparer.format_table(table)
    cursor: Any = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if conn.dialect.name == "postgresql":
            with cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(f"INSERT INTO {target} ({names}) VALUES ({marks})", rows)
    finally:
        cursor.close()


def wire_date(d: date | None) -> str | None:
    """The form SQLAlchemy's Date type stores on SQLite and PostgreSQL parses as a date."""
    return None if d is None else wire_day(d)


wire_day = lru_cache(maxsize=1 << 14)(date.isoformat)
"""``wire_date`` of a date that is never None, memoised: a million results fall on a few
thousand days."""


# the variant nibble: "10" then two random bits, from one random hex digit
_VARIANT_DIGIT = {digit: "89ab"[int(digit, 16) & 0b11] for digit in "0123456789abcdef"}


def uuid7_hex_batch(count: int) -> list[str]:
    """``count`` UUID version 7 values as 32 hex digits (how SQLAlchemy's Uuid type stores them
    on SQLite; PostgreSQL's uuid input accepts the same), from one read of the random source
    rather than one per id. Same layout as ``db.ids.uuid7``: 48-bit millisecond, version 7,
    12 random bits, the variant and 62 random bits; ids within a batch share the millisecond.
    Assembled as text from the random bytes' hex (a million ids a second faster than integer
    arithmetic per id)."""
    millis = (time.time_ns() // 1_000_000) & ((1 << 48) - 1)
    head = f"{millis:012x}7"
    random_hex = os.urandom(10 * count).hex()  # 20 digits per id, 19 of them used
    variant = _VARIANT_DIGIT
    return [head + random_hex[i : i + 3] + variant[random_hex[i + 3]] + random_hex[i + 4 : i + 19]
            for i in range(0, 20 * count, 20)]
