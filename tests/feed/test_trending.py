"""The trending formula on values (pure): exact scores, the ages at which decay overtakes
upvotes, and tie-breaks (`trending()` on real data: test_listings.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from paperfeed.feed.trending import (
    GRAVITY,
    OFFSET_HOURS,
    Trending,
    age_at_score,
    rank_trending,
    trending_score,
)
from paperfeed.models import ListedPaper, Paper

NOW = datetime(2026, 11, 26, 20, 0)


def _item(pid: str, upvotes: int, at: datetime | None, day: date | None = None) -> ListedPaper:
    return ListedPaper(
        Paper(pid, f"Paper {pid}"),
        day if day else (at.date() if at else None),
        upvotes,
        0,
        submitted_at=at,
    )


def _ago(hours: float) -> datetime:
    return NOW - timedelta(hours=hours)


def _ids(ranked: list[Trending]) -> list[str]:
    return [t.item.paper.arxiv_id for t in ranked]


@pytest.mark.parametrize(
    ("upvotes", "age", "score"),
    [
        (10, 0.0, 10 / 2**1.5),  # 3.5355…
        (10, 2.0, 1.25),  # (2 + 2) ** 1.5 = 8
        (1, 7.0, 1 / 27),  # (7 + 2) ** 1.5 = 27
        (3, 14.0, 3 / 64),  # (14 + 2) ** 1.5 = 64
        (250, 23.0, 2.0),  # (23 + 2) ** 1.5 = 125
        (0, 5.0, 0.0),
        (7, 168.0, 7 / 170**1.5),  # a week old: 0.003158…
    ],
)
def test_exact_scores(upvotes: int, age: float, score: float) -> None:
    assert trending_score(upvotes, age) == pytest.approx(score, rel=1e-12)
    (ranked,) = rank_trending([_item("2401.00001", upvotes, _ago(age))], NOW)
    assert ranked.score == pytest.approx(score, rel=1e-12)
    assert ranked.age_hours == pytest.approx(age, abs=1e-9)


def test_age_is_clamped_at_zero_for_a_paper_featured_in_the_future() -> None:
    assert trending_score(10, -5.0) == trending_score(10, 0.0) == 10 / 2**1.5
    (ranked,) = rank_trending([_item("2401.00001", 10, NOW + timedelta(hours=5))], NOW)
    assert ranked.age_hours == 0.0
    assert ranked.score == 10 / 2**1.5


def test_age_counts_from_the_submission_time_else_the_start_of_the_day() -> None:
    submitted = _item("2401.00001", 8, datetime(2026, 11, 26, 18, 0))
    day_only = _item("2401.00002", 8, None, day=date(2026, 11, 26))
    undated = _item("2401.00003", 8, None)
    ages = {t.item.paper.arxiv_id: t.age_hours for t in rank_trending([submitted, day_only], NOW)}
    assert ages == {"2401.00001": 2.0, "2401.00002": 20.0}
    # A paper with neither counts as featured now.
    assert rank_trending([undated], NOW)[0].age_hours == 0.0


@pytest.mark.parametrize(
    ("older", "newer", "stated_hours"),
    [(10, 1, 7.283), (100, 10, 7.283), (2, 1, 1.175), (50, 10, 3.848), (100, 1, 41.089)],
)
def test_decay_overtakes_upvotes_at_the_stated_ages(
    older: int, newer: int, stated_hours: float
) -> None:
    """A paper with `older` upvotes, featured a hours ago, falls below one with `newer` upvotes
    featured now when older / (a + 2)^1.5 = newer / 2^1.5, i.e. a = 2·(older/newer)^(2/3) - 2:
    10 against 1 (and 100 against 10) after 7.28 hours, 2 against 1 after 1.17 hours, 50
    against 10 after 3.85 hours, 100 against 1 after 41.09 hours."""
    crossover = (older / newer * 2**GRAVITY) ** (1 / GRAVITY) - OFFSET_HOURS
    assert crossover == pytest.approx(stated_hours, abs=0.001)
    assert age_at_score(older, trending_score(newer, 0)) == pytest.approx(crossover, rel=1e-12)
    fresh = _item("2401.00002", newer, NOW)
    before = _item("2401.00001", older, _ago(crossover - 1 / 60))
    after = _item("2401.00001", older, _ago(crossover + 1 / 60))
    # A minute before the crossover the older paper still leads; a minute after, it trails.
    assert _ids(rank_trending([fresh, before], NOW)) == ["2401.00001", "2401.00002"]
    assert _ids(rank_trending([fresh, after], NOW)) == ["2401.00002", "2401.00001"]


def test_age_at_score_inverts_the_formula() -> None:
    assert age_at_score(8, 1.0) == pytest.approx(2.0)
    assert age_at_score(27, 1.0) == pytest.approx(7.0)
    assert trending_score(13, age_at_score(13, 0.05)) == pytest.approx(0.05)
    # Below the score even when brand new: a negative age.
    assert age_at_score(1, 1.0) < 0


def test_ties_go_to_more_upvotes_then_to_the_newer_paper() -> None:
    # 8 upvotes two hours old and 27 upvotes seven hours old both score exactly 1.0.
    light = _item("2401.00001", 8, _ago(2))
    heavy = _item("2401.00002", 27, _ago(7))
    ranked = rank_trending([light, heavy], NOW)
    assert [t.score for t in ranked] == [1.0, 1.0]
    assert _ids(ranked) == ["2401.00002", "2401.00001"]
    # Papers without upvotes all score 0: the newest first.
    unvoted = [_item(f"2401.0001{i}", 0, _ago(age)) for i, age in enumerate((30, 1, 10))]
    assert _ids(rank_trending(unvoted, NOW)) == ["2401.00011", "2401.00012", "2401.00010"]
    # Complete ties (same upvotes, same time) in order of id, whatever the input order.
    twins = [_item(pid, 3, _ago(4)) for pid in ("2401.00022", "2401.00021", "2401.00023")]
    assert _ids(rank_trending(twins, NOW)) == ["2401.00021", "2401.00022", "2401.00023"]
