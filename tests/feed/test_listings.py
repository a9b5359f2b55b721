"""`trending()` on real SQLite and PostgreSQL data: exactly the top papers by the trending
formula, with more papers in the window than the 1,000 it reads first."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from paperfeed.feed.listings import front_day, trending
from paperfeed.feed.trending import CANDIDATES, Trending, rank_trending
from paperfeed.models import Batch, DailyEntry, ListedPaper, Paper
from paperfeed.store import Store

NOW = datetime(2026, 11, 26, 20, 0)
SINCE = date(2026, 11, 19)  # the first day of the week window at NOW


# Every store call of this file is in these two helpers (the store API is being renamed).
def _write(store: Store, upvotes: dict[str, int], entries: list[DailyEntry]) -> None:
    """Papers with imported upvotes (no community votes), featured as `entries` say."""
    papers = [Paper(pid, f"Paper {pid}", imported_upvotes=n) for pid, n in upvotes.items()]
    store.papers.write(Batch(papers=papers, daily_entries=entries))


def _count_reads(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many papers each listing query made by `trending()` returns, in order."""
    reads: list[int] = []
    featured = store.listings.featured

    def counted(*args: object, **kwargs: object) -> object:
        listing = featured(*args, **kwargs)  # type: ignore[arg-type]
        reads.append(len(listing.items))
        return listing

    monkeypatch.setattr(store.listings, "featured", counted)
    return reads


def _ids(ranked: list[Trending]) -> list[str]:
    return [t.item.paper.arxiv_id for t in ranked]


def _window_of_1200() -> tuple[dict[str, int], list[DailyEntry]]:
    """1,200 papers featured in the week before NOW: 1,000 with 100 to 1,099 upvotes featured
    2 to 6 days ago, 150 with 1 to 3 upvotes featured 1 to 2 days ago, and 50 with 1 to 20 upvotes
    featured in the last six hours (one of them four minutes in the future): last by
    upvotes, the newest are first by score."""
    upvotes: dict[str, int] = {}
    entries: list[DailyEntry] = []
    for n in range(1, 1201):
        pid = f"2401.{n:05d}"
        if n <= 1000:
            upvotes[pid] = 99 + n
            at = datetime.combine(date(2026, 11, 20 + n % 5), time(n % 24, n % 60))
        elif n <= 1150:
            upvotes[pid] = 1 + n % 3
            at = datetime(2026, 11, 24, 21, 0) + timedelta(minutes=7 * (n - 1000))
        else:
            upvotes[pid] = 1 + n % 20
            at = NOW - timedelta(minutes=7 * (n - 1152) + 3)
        # Every tenth paper has no submission time: its age counts from its day.
        entries.append(DailyEntry(pid, at.date(), submitted_at=None if n % 10 == 0 else at))
    return upvotes, entries


def _exact(upvotes: dict[str, int], entries: list[DailyEntry]) -> list[Trending]:
    """rank_trending over every paper of the window, each at its first entry in it."""
    first: dict[str, DailyEntry] = {}
    for e in sorted(entries, key=lambda e: e.day):
        if e.day >= SINCE:
            first.setdefault(e.arxiv_id, e)
    items = [
        ListedPaper(Paper(pid, f"Paper {pid}"), e.day, upvotes[pid], 0, submitted_at=e.submitted_at)
        for pid, e in first.items()
    ]
    return rank_trending(items, NOW)


def _scored(ranked: list[Trending]) -> list[tuple[str, int, float]]:
    return [(t.item.paper.arxiv_id, t.item.upvotes, t.score) for t in ranked]


def test_the_candidate_cut_does_not_change_the_top_50(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    upvotes, entries = _window_of_1200()
    _write(store, upvotes, entries)
    exact = _exact(upvotes, entries)
    by_upvotes = sorted(upvotes, key=lambda pid: -upvotes[pid])
    cut = set(by_upvotes[CANDIDATES:])
    assert len(exact) == 1200
    # The data tests what it means to: papers beyond the first 1,000 by upvotes rank high.
    assert len(cut & set(_ids(exact[:50]))) >= 5
    assert _ids(exact[:50])[0] in cut
    reads = _count_reads(store, monkeypatch)
    assert _scored(trending(store, "week", NOW, limit=50)) == _scored(exact[:50])
    # Exact while reading fewer than all 1,200 papers: the top 1,000, then only the newest.
    assert reads[0] == CANDIDATES
    assert sum(reads) < 1200
    assert _scored(trending(store, "week", NOW, limit=3)) == _scored(exact[:3])
    assert _scored(trending(store, "week", NOW, limit=1100)) == _scored(exact[:1100])


@pytest.mark.parametrize(
    ("shape", "reads"),
    [
        # 50 papers far ahead: nothing unread can reach them, the first read is enough.
        ("dominant", [CANDIDATES]),
        # Only 20 papers have votes: the unvoted rank newest first, so after counting the
        # newest day's papers (133, enough) only that day is read.
        ("unvoted", [CANDIDATES, 0, 133]),
    ],
)
def test_other_windows_of_more_than_1000_papers(
    store: Store, monkeypatch: pytest.MonkeyPatch, shape: str, reads: list[int]
) -> None:
    upvotes: dict[str, int] = {}
    entries: list[DailyEntry] = []
    for n in range(1, 1101):
        pid = f"2401.{n:05d}"
        if shape == "dominant":
            upvotes[pid] = 1000 + n if n <= 50 else 10 + n % 7
        else:
            upvotes[pid] = n if n <= 20 else 0
        at = NOW - timedelta(minutes=9 * n)
        entries.append(DailyEntry(pid, at.date(), submitted_at=at))
    # Oldest first, so that among equal upvotes the store lists the oldest papers first.
    entries.reverse()
    _write(store, upvotes, entries)
    exact = _exact(upvotes, entries)
    counted = _count_reads(store, monkeypatch)
    assert _scored(trending(store, "week", NOW, limit=50)) == _scored(exact[:50])
    assert counted == reads


@pytest.mark.parametrize(
    "again",
    # A paper beyond the first 1,000 by upvotes, featured on the window's first day; and one
    # among them, first featured 6 days and 20 hours ago, which the first read already shows.
    ["2401.01201", "2401.00990"],
)
def test_a_paper_featured_again_keeps_its_first_day_in_the_window(
    store: Store, monkeypatch: pytest.MonkeyPatch, again: str
) -> None:
    """A paper featured earlier in the window and again a minute ago counts from its first
    day, though its newest entry is among the newest papers: the newest are read by their first
    day in the window, so the ranking is exact without reading every paper."""
    upvotes, entries = _window_of_1200()
    if again not in upvotes:
        upvotes[again] = 19
        entries.append(DailyEntry(again, SINCE, submitted_at=datetime.combine(SINCE, time(1))))
    entries.append(DailyEntry(again, NOW.date(), submitted_at=NOW - timedelta(minutes=1)))
    _write(store, upvotes, entries)
    exact = _exact(upvotes, entries)
    assert again not in _ids(exact[:50])
    # Scored at its newest entry it would lead, so reading it only there would be wrong.
    newest = [e for e in entries if e.arxiv_id != again or e.day == NOW.date()]
    assert _ids(_exact(upvotes, newest))[0] == again
    reads = _count_reads(store, monkeypatch)
    assert _scored(trending(store, "week", NOW, limit=50)) == _scored(exact[:50])
    assert reads[0] == CANDIDATES and sum(reads) < len(exact)


def test_windows_hold_only_their_days(store: Store) -> None:
    upvotes = {"2401.00001": 40, "2401.00002": 5, "2401.00003": 1}
    entries = [
        DailyEntry("2401.00001", date(2026, 11, 1), submitted_at=datetime(2026, 11, 1, 9, 0)),
        DailyEntry("2401.00002", date(2026, 11, 22), submitted_at=datetime(2026, 11, 22, 9, 0)),
        DailyEntry("2401.00003", NOW.date(), submitted_at=NOW - timedelta(hours=1)),
    ]
    _write(store, upvotes, entries)
    assert _ids(trending(store, "day", NOW)) == ["2401.00003"]
    assert _ids(trending(store, "week", NOW)) == ["2401.00003", "2401.00002"]
    month = trending(store, "month", NOW)
    assert _ids(month) == ["2401.00003", "2401.00002", "2401.00001"]
    assert [round(t.score, 6) for t in month] == [
        round(1 / 3**1.5, 6),
        round(5 / (107 + 2) ** 1.5, 6),
        round(40 / (611 + 2) ** 1.5, 6),
    ]


def test_the_front_page_never_shows_an_empty_day(store: Store) -> None:
    monday, tuesday, wednesday = date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)
    assert front_day(store, tuesday) == tuesday  # nothing at all: today
    store.papers.write(Batch(papers=[Paper("2611.00001", "A", published=datetime(2026, 11, 27))]))
    assert store.listings.latest_day() == monday  # Friday's paper goes out on Monday
    assert front_day(store, wednesday) == monday  # the latest day before today
    # A paper submitted today is listed tomorrow: today stays on the latest day with papers.
    store.papers.write(Batch(papers=[Paper("2611.00002", "B", published=datetime(2026, 12, 1))]))
    assert store.listings.latest_day() == wednesday
    assert front_day(store, tuesday) == monday
    assert front_day(store, wednesday) == wednesday
    assert front_day(store, date(2026, 11, 1)) == monday  # before every paper: the first day
