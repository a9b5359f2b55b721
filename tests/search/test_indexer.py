"""Where an incremental index run starts reading (pure): after the last change number taken in."""

from __future__ import annotations

from paperfeed.search.indexer import _seen


def test_a_new_index_reads_everything() -> None:
    assert _seen({}) is None


def test_a_run_starts_after_the_last_change_number_taken_in() -> None:
    assert _seen({"seq": 858}) == 858
    assert _seen({"seq": 0}) == 0


def test_state_from_before_change_numbers_reads_everything_once() -> None:
    assert _seen({"watermark": "2026-11-26T12:00:00", "read_at": "2026-11-26T13:00:00"}) is None
    assert _seen({"seq": True}) is None
    assert _seen({"seq": "12"}) is None
