"""Global ids: UUID version 7 (RFC 9562), time-ordered.

A random UUID4 lands anywhere in a B-tree index, so bulk inserts touch a random page per row; a
UUID7 starts with the millisecond timestamp, so new ids append at the end of the index on both
SQLite and PostgreSQL, and remain unique across laptops for merging registers.
"""

from __future__ import annotations

import os
import time
import uuid


def uuid7() -> uuid.UUID:
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")  # 80 random bits, 74 of them used
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version 7
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a: 12 bits
    value |= 0b10 << 62  # RFC 4122 variant
    value |= rand & ((1 << 62) - 1)  # rand_b: 62 bits
    return uuid.UUID(int=value)
