"""Recommendations from the store on real SQLite and PostgreSQL, over the bundled demo (1,219
real Hugging Face daily papers): a member who saves three papers gets recommendations, each
naming one of them; what they dismiss or save leaves the list; the daily run keeps a
checkpoint and a re-run changes nothing."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from webutil import indexed_search

from paperfeed.demo import load_demo
from paperfeed.feed.recommending import (
    CHECKPOINT,
    COUNTS_FILE,
    KEEP,
    RECENT_DAYS,
    SPACE_FILE,
    Recommender,
    _amend,
    recommend_all,
    recommend_new,
)
from paperfeed.models import Reason
from paperfeed.recommend.term_counts import TermCounts
from paperfeed.store import Store
from paperfeed.store.recommendations import Listed

NOW = datetime(2026, 8, 21, 12)


@pytest.fixture
def demo(store: Store, demo_space: Path, tmp_path: Path) -> Store:
    load_demo(store)
    shutil.copy(demo_space, tmp_path / SPACE_FILE)
    return store


def _seeds(store: Store) -> list[str]:
    """Three papers on one subject: the demo's papers whose titles say 'diffusion'."""
    found = [
        p.paper.arxiv_id
        for p in store.listings.featured(datetime(2026, 6, 8).date(), NOW.date(), limit=2000).items
        if "diffusion" in p.paper.title.lower()
    ]
    assert len(found) >= 3
    return found[:3]


def test_three_saves_bring_recommendations_each_naming_one(demo: Store, tmp_path: Path) -> None:
    user = demo.accounts.ensure_user("reader@example.org").id
    seeds = _seeds(demo)
    for pid in seeds:
        demo.library.save(user, pid)
    recommender = Recommender.open(demo, tmp_path)
    search = indexed_search(demo, tmp_path / "search")
    ranked = recommend_all(demo, recommender, search, user, NOW)
    assert len(ranked) >= 10
    stored = demo.recommendations.of(user)
    assert [r.paper_id for r in stored] == [pid for pid, _s, _r in ranked][: len(stored)]
    assert not set(seeds) & {r.paper_id for r in stored}
    for r in stored:
        assert r.reason.because and set(r.reason.because) <= set(seeds), r
    # The best ones are about diffusion too.
    top = demo.papers.get_many([r.paper_id for r in stored[:5]])
    assert sum("diffus" in (p.title + p.abstract).lower() for p in top.values()) >= 3
    # Not interested: gone from the list and never back, even after a refresh.
    gone = stored[0].paper_id
    demo.library.dismiss(user, gone)
    demo.recommendations.drop(user, gone)
    recommend_all(demo, recommender, search, user, NOW)
    assert gone not in {r.paper_id for r in demo.recommendations.of(user)}


def test_the_daily_run_ranks_new_papers_once(demo: Store, tmp_path: Path) -> None:
    user = demo.accounts.ensure_user("reader@example.org").id
    for pid in _seeds(demo):
        demo.library.save(user, pid)
    nobody = demo.accounts.ensure_user("nobody@example.org").id
    recommender = Recommender.open(demo, tmp_path)
    report = recommend_new(demo, recommender, NOW)
    assert report is not None and report.readers >= 1 and report.candidates > 0
    latest = demo.listings.latest_day()
    assert demo.checkpoints.get(CHECKPOINT) == latest.isoformat()
    first = demo.recommendations.of(user)
    assert first and demo.recommendations.of(nobody) == []
    on_days = set(demo.listings.ids_on_days(report.days[0], report.days[-1]))
    assert {r.paper_id for r in first} <= on_days
    # The terms of the reader's papers and the day's are kept for the next run.
    kept = TermCounts.load(tmp_path / COUNTS_FILE, recommender.space.fingerprint)
    assert set(kept.ids) == set(_seeds(demo)) | on_days
    assert recommend_new(demo, recommender, NOW) is None  # no new day: nothing to do
    assert demo.recommendations.of(user) == first
    # The fitted space is reused: a second recommender loads it and ranks alike.
    again = Recommender.open(demo, tmp_path)
    assert [r[0] for r in again.rank_for(user, again.rows(sorted(on_days)))][:10] == [
        r.paper_id for r in first
    ][:10]


def test_a_reader_without_signals_gets_nothing_and_follows_lift_papers(
    demo: Store, tmp_path: Path
) -> None:
    user = demo.accounts.ensure_user("reader@example.org").id
    recommender = Recommender.open(demo, tmp_path)
    ids = demo.listings.ids_on_days(NOW.date().replace(day=18), NOW.date())
    rows = recommender.rows(ids)
    assert recommender.rank_for(user, rows) == []
    seeds = _seeds(demo)
    demo.library.save(user, seeds[0])
    paper = demo.papers.get(ids[0])
    assert paper is not None and paper.authors
    demo.follows.follow(user, "author", paper.authors[0].name.upper())
    ranked = {pid: reason for pid, _s, reason in recommender.rank_for(user, rows, limit=len(ids))}
    assert ranked[ids[0]].follows == (f"author {paper.authors[0].name.upper()}",)


def _first_day(demo: Store, tmp_path: Path) -> tuple[int, Recommender, date]:
    """A reader who saved three papers, after the daily run of the demo's latest day."""
    user = demo.accounts.ensure_user("reader@example.org").id
    for pid in _seeds(demo):
        demo.library.save(user, pid)
    recommender = Recommender.open(demo, tmp_path)
    latest = demo.listings.latest_day()
    assert latest is not None and recommend_new(demo, recommender, NOW)
    return user, recommender, latest


def test_each_day_adds_its_best_and_a_paper_leaves_the_list_a_week_after_it_came(
    demo: Store, tmp_path: Path
) -> None:
    user, recommender, latest = _first_day(demo, tmp_path)
    first = demo.recommendations.of(user)
    assert len(first) == len(demo.listings.ids_on_days(latest, latest)) < KEEP
    # Not interested in the first day's best; the next day lists 40 older papers again.
    demo.library.dismiss(user, first[0].paper_id)
    older = demo.listings.ids_on_days(latest - timedelta(days=20), latest - timedelta(days=10))
    again = [pid for pid in older if pid not in {p.paper_id for p in first}][:40]
    for pid in again:
        demo.moderation.feature(pid, latest + timedelta(days=1), "curator")
    tomorrow = NOW + timedelta(days=1)
    assert recommend_new(demo, recommender, tomorrow)
    second = demo.recommendations.of(user)
    made = {r.made_at for r in second}
    assert made == {NOW, tomorrow} and len(second) == min(KEEP, len(first) - 1 + len(again))
    assert [r.score for r in second] == sorted((r.score for r in second), reverse=True)
    assert first[0].paper_id not in {r.paper_id for r in second}
    # What stayed is as it was (its day, score and reason); what came is of the new day,
    # explained, and better than what it pushed off.
    earlier = {r.paper_id: r for r in first}
    stayed = [r for r in second if r.made_at == NOW]
    assert all(earlier[r.paper_id] == replace(r, rank=earlier[r.paper_id].rank) for r in stayed)
    came = [r for r in second if r.made_at == tomorrow]
    assert came and {r.paper_id for r in came} <= set(again)
    assert all(r.reason.words for r in came)
    assert all(r.reason.because for r in came if r.score > 0)  # like one of theirs
    pushed_off = set(earlier) - {r.paper_id for r in second} - {first[0].paper_id}
    assert pushed_off and min(r.score for r in second) >= max(
        earlier[pid].score for pid in pushed_off
    )
    # A week after the first day its papers leave the list; the second day's stay.
    week = latest + timedelta(days=RECENT_DAYS)
    demo.moderation.feature(older[-1], week, "curator")
    assert recommend_new(demo, recommender, NOW + timedelta(days=RECENT_DAYS))
    third = demo.recommendations.of(user)
    assert NOW not in {r.made_at for r in third}
    assert {r.paper_id for r in came} <= {r.paper_id for r in third}


def test_amending_a_list_keeps_what_stays_and_drops_what_is_gone_or_old() -> None:
    monday = datetime(2026, 8, 3, 12)
    earlier = [
        Listed("a", 3.0, monday),
        Listed("b", 2.0, monday),
        Listed("old", 9.0, monday - timedelta(days=RECENT_DAYS)),
        Listed("saved", 8.0, monday),
    ]
    fresh = [("b", 5.0), ("c", 2.5), ("d", 1.0)]  # b was on the list already: it stays as it was
    removed, added = _amend(fresh, earlier, monday - timedelta(days=1), {"saved", "d"})
    assert (removed, added) == (["old", "saved"], [("c", 2.5)])
    many = [(f"n{k:02}", 4.0 - k / 100) for k in range(KEEP)]
    removed, added = _amend(many, earlier, monday - timedelta(days=1), set())
    # 50 new papers better than "a" and "b" (not "saved", which no longer is): those two, the
    # old one and the worst new one stay off.
    assert removed == ["a", "b", "old"] and added == many[: KEEP - 1]


def test_a_list_asked_for_during_the_daily_run_is_what_the_run_merges_with(
    demo: Store, tmp_path: Path
) -> None:
    user, recommender, latest = _first_day(demo, tmp_path)
    first = {r.paper_id for r in demo.recommendations.of(user)}
    older = demo.listings.ids_on_days(latest - timedelta(days=20), latest - timedelta(days=10))
    again = [pid for pid in older if pid not in first][:20]
    for pid in again:
        demo.moderation.feature(pid, latest + timedelta(days=1), "curator")
    # The member asks for a list of their own ("Search all papers for me now") after the run
    # read their list and before it writes: one paper, older than the day's.
    asked = older[-1]
    read = demo.recommendations.listed
    calls: list[list[int]] = []

    def listed(user_ids: Sequence[int]) -> dict[int, list[Listed]]:
        found = read(user_ids)
        if not calls:
            demo.recommendations.replace(user, [(asked, 99.0, Reason())], NOW)
        calls.append(list(user_ids))
        return found

    demo.recommendations.listed = listed  # type: ignore[method-assign]
    assert recommend_new(demo, recommender, NOW + timedelta(days=1))
    assert calls[1] == [user]  # read again in the transaction: only the member whose changed
    after = [r.paper_id for r in demo.recommendations.of(user)]
    assert after[0] == asked and set(after[1:]) == set(again)  # none of the first day's
