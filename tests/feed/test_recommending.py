"""Recommendations from the store on real SQLite and PostgreSQL, over the bundled demo (1,219
real Hugging Face daily papers): a member who saves three papers gets recommendations, each
naming one of them; what they dismiss or save leaves the list; the daily run keeps a
checkpoint and a re-run changes nothing."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from webutil import indexed_search

from paperfeed.demo import load_demo
from paperfeed.feed.recommending import (
    CHECKPOINT,
    SPACE_FILE,
    Recommender,
    recommend_all,
    recommend_new,
)
from paperfeed.store import Store

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
