"""The bulk loader's ids: UUID version 7 as text, laid out as db.ids.uuid7 lays them out."""

from __future__ import annotations

import time
import uuid

from db.bulk import uuid7_hex_batch
from db.ids import uuid7


def test_batch_ids_are_version_7_with_the_rfc_variant_and_the_current_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    ids = uuid7_hex_batch(5_000)
    after = time.time_ns() // 1_000_000
    assert len(ids) == 5_000 and len(set(ids)) == 5_000
    for text in ids:
        assert len(text) == 32 and text == text.lower()
        value = uuid.UUID(hex=text)
        assert value.version == 7 and value.variant == uuid.RFC_4122
        assert before <= value.int >> 80 <= after


def test_batch_ids_use_every_random_bit() -> None:
    # 74 random bits per id: OR-ing many ids together sets every one of them, and the fixed
    # bits (version, variant) keep their values
    random_mask = ((0xFFF << 64) | ((1 << 62) - 1))
    seen = 0
    for text in uuid7_hex_batch(2_000):
        seen |= uuid.UUID(hex=text).int & random_mask
    assert seen == random_mask


def test_batch_ids_sort_after_earlier_ids() -> None:
    earlier = uuid7()
    time.sleep(0.002)
    assert all(uuid.UUID(hex=text) > earlier for text in uuid7_hex_batch(100))


def test_an_empty_batch_is_empty() -> None:
    assert uuid7_hex_batch(0) == []
