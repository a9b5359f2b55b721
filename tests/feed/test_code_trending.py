"""Trending by code, pure: the ranking by stars gained and the window's start."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from paperfeed.errors import Invalid
from paperfeed.feed.code_trending import CodeTrending, rank_by_code, window_start
from paperfeed.models import ListedPaper, Paper


def _entry(arxiv_id: str, stars: int, gained: int) -> CodeTrending:
    item = ListedPaper(Paper(arxiv_id, "A paper"), None, 0, 0)
    return CodeTrending(item, f"owner/{arxiv_id}", stars, gained)


def test_most_stars_gained_first_then_most_stars_then_id() -> None:
    entries = [
        _entry("2601.00001", 10, 0),
        _entry("2601.00002", 50_000, 3),
        _entry("2601.00003", 200, 40),
        _entry("2601.00004", 900, 3),
        _entry("2601.00005", 900, 3),
        _entry("2601.00006", 10_000, 0),
    ]
    ranked = [e.item.paper.arxiv_id for e in rank_by_code(entries)]
    assert ranked == [
        "2601.00003",
        "2601.00002",
        "2601.00004",
        "2601.00005",
        "2601.00006",
        "2601.00001",
    ]
    # Any subset ranks in the same order.
    subset = [entries[i] for i in (5, 0, 3)]
    assert [e.item.paper.arxiv_id for e in rank_by_code(subset)] == [
        "2601.00004",
        "2601.00006",
        "2601.00001",
    ]


def test_a_repository_that_lost_stars_ranks_below_one_that_kept_them() -> None:
    ranked = rank_by_code([_entry("2601.00001", 100, -2), _entry("2601.00002", 5, 0)])
    assert [e.gained for e in ranked] == [0, -2]


@pytest.mark.parametrize(
    ("window", "start"),
    [("day", date(2026, 1, 11)), ("week", date(2026, 1, 5)), ("month", date(2025, 12, 13))],
)
def test_the_window_starts_its_length_before_today(window: str, start: date) -> None:
    assert window_start(window, datetime(2026, 1, 12, 10, 50)) == start


def test_an_unknown_window_is_refused() -> None:
    with pytest.raises(Invalid, match="window must be one of day, week, month"):
        window_start("year", datetime(2026, 1, 12))
