"""Where an incremental index run starts reading (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta

from paperfeed.search.indexer import OVERLAP, _since

LAST = datetime(2026, 11, 26, 12, 0, 0)


def test_first_run_reads_everything() -> None:
    assert _since({}) is None


def test_changes_in_flight_during_the_last_read_are_re_read() -> None:
    # The last run read while an import was still writing: re-read its overlap.
    read_at = LAST + timedelta(seconds=5)
    assert _since({"watermark": LAST.isoformat(), "read_at": read_at.isoformat()}) == (
        read_at - OVERLAP
    )


def test_nothing_is_re_read_once_the_last_read_came_well_after_the_last_change() -> None:
    # A bulk import finished an hour before the last run: start at its last change only.
    read_at = LAST + timedelta(hours=1)
    assert _since({"watermark": LAST.isoformat(), "read_at": read_at.isoformat()}) == LAST


def test_state_without_read_time_falls_back_to_the_overlap() -> None:
    assert _since({"watermark": LAST.isoformat()}) == LAST - OVERLAP
