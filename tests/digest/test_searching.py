"""Saved searches for digests (through a fake searcher that records its calls, over a real
store): only real matches count, each search is restricted to the papers on the period's
days, and the searcher is opened only when a saved search first runs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from digest_helpers import add_papers

from paperfeed.digest.schedule import period_containing
from paperfeed.digest.searching import (
    PER_SEARCH,
    SIMILARITY_FLOOR,
    is_real_match,
    lazy_saved_search,
    saved_search,
)
from paperfeed.models import Batch, Hit, Paper, SearchFilters, SearchResults, Why
from paperfeed.store import Store

WEEK = period_containing("weekly", date(2026, 11, 25))


def hit(n: int, **why: Any) -> Hit:
    return Hit(Paper(f"2611.{n:05d}", f"Paper {n}"), 1.0 / n, Why(**why))


class FakeSearcher:
    """Answers every query with `hits`, keeping each call's query and options."""

    def __init__(self, hits: list[Hit]) -> None:
        self.hits = hits
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def search(self, query: str, **options: Any) -> SearchResults:
        self.calls.append((query, options))
        return SearchResults(query, "hybrid", self.hits, len(self.hits))

    def related(self, arxiv_id: str, limit: int = 10) -> list[Hit]:
        raise AssertionError("digests do not ask for related papers")

    def refresh(self) -> None:
        raise AssertionError("digests do not refresh the index")


@pytest.mark.parametrize(
    ("why", "real"),
    [
        ({"keyword_rank": 1}, True),
        ({"keyword_rank": 40, "similarity": 0.1}, True),
        ({"pinned": "arxiv id"}, True),
        ({"pinned": "title"}, True),
        ({"semantic_rank": 1, "similarity": SIMILARITY_FLOOR}, True),
        ({"semantic_rank": 1, "similarity": 0.93}, True),
        ({"semantic_rank": 1, "similarity": 0.4999}, False),  # a mere nearest neighbour
        ({"semantic_rank": 1}, False),
        ({"terms": ("surface",)}, False),  # terms alone are an explanation, not a match
        ({}, False),
    ],
)
def test_is_real_match(why: dict[str, Any], real: bool) -> None:
    assert SIMILARITY_FLOOR == 0.5
    assert is_real_match(hit(1, **why)) is real


def test_saved_search_runs_hybrid_over_the_period_and_keeps_real_matches(store: Store) -> None:
    on_days = add_papers(store, datetime(2026, 11, 24), 2)  # announced that Tuesday
    # Published in the week but listed on none of its days: not a paper of this digest.
    store.papers.write(Batch(papers=[Paper("2611.09999", "Old", published=datetime(2025, 1, 1))]))
    engine = FakeSearcher(
        [
            hit(1, keyword_rank=1),
            hit(2, semantic_rank=1, similarity=0.2),
            hit(3, pinned="title"),
            hit(4, semantic_rank=2, similarity=0.7),
        ]
    )
    found = saved_search(engine, store)("surface code", WEEK)
    assert [h.paper.arxiv_id for h in found] == ["2611.00001", "2611.00003", "2611.00004"]
    assert engine.calls == [
        (
            "surface code",
            {
                "mode": "hybrid",
                "limit": PER_SEARCH,
                "filters": SearchFilters(ids=frozenset(p.arxiv_id for p in on_days)),
                "sort": "relevance",
                "explain": True,
            },
        )
    ]
    assert PER_SEARCH == 100


def test_the_filter_covers_the_period_days_inclusive(store: Store) -> None:
    ids = {
        day: {p.arxiv_id for p in add_papers(store, datetime(*day), 1, start=n)}
        for n, day in enumerate([(2026, 12, 27), (2026, 12, 31), (2027, 1, 3)], start=1)
    }
    engine = FakeSearcher([])
    search = saved_search(engine, store)
    search("q", period_containing("daily", date(2026, 12, 31)))
    search("q", period_containing("weekly", date(2027, 1, 1)))  # week 53 of 2026
    assert [call[1]["filters"] for call in engine.calls] == [
        SearchFilters(ids=frozenset(ids[(2026, 12, 31)])),
        SearchFilters(ids=frozenset(ids[(2026, 12, 31)] | ids[(2027, 1, 3)])),
    ]


def test_lazy_saved_search_opens_its_searcher_on_first_use_only(store: Store) -> None:
    engine = FakeSearcher([hit(1, keyword_rank=1), hit(2)])
    opened: list[FakeSearcher] = []

    def open_searcher() -> FakeSearcher:
        opened.append(engine)
        return engine

    search = lazy_saved_search(open_searcher, store)
    assert opened == []  # a run without saved searches loads nothing
    assert [h.paper.arxiv_id for h in search("a", WEEK)] == ["2611.00001"]
    assert [h.paper.arxiv_id for h in search("b", WEEK)] == ["2611.00001"]
    assert opened == [engine]
    assert [query for query, _ in engine.calls] == ["a", "b"]


def test_a_searcher_that_fails_to_open_is_tried_again_next_time(store: Store) -> None:
    attempts: list[int] = []
    engine = FakeSearcher([])

    def open_searcher() -> FakeSearcher:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("index locked")
        return engine

    search = lazy_saved_search(open_searcher, store)
    with pytest.raises(OSError, match="index locked"):
        search("a", WEEK)
    assert search("a", WEEK) == []
    assert len(attempts) == 2
