"""Saved searches through the hybrid search, restricted to a period's new papers.

Hybrid search always has nearest neighbours to offer; a digest should only carry papers that
really match, so a hit counts when the keyword engine found it, it was pinned (an id or exact
title), or its similarity to the query reaches SIMILARITY_FLOOR.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from paperfeed.digest.compose import SearchFn
from paperfeed.models import Hit, SearchFilters
from paperfeed.periods import Period
from paperfeed.search.searcher import Searcher

SIMILARITY_FLOOR = 0.5
PER_SEARCH = 100  # hits taken per saved search and period


def is_real_match(hit: Hit) -> bool:
    why = hit.why
    return (
        why.keyword_rank is not None
        or why.pinned is not None
        or (why.similarity is not None and why.similarity >= SIMILARITY_FLOOR)
    )


def saved_search(engine: Searcher) -> SearchFn:
    """A SearchFn running each saved search in hybrid mode over the period's papers."""

    def search(query: str, period: Period) -> Sequence[Hit]:
        filters = SearchFilters(date_from=period.start, date_to=period.last)
        results = engine.search(
            query, mode="hybrid", limit=PER_SEARCH, filters=filters, sort="relevance"
        )
        return [h for h in results.hits if is_real_match(h)]

    return search


def lazy_saved_search(open_searcher: Callable[[], Searcher]) -> SearchFn:
    """`saved_search` over a searcher opened on first use: a run without saved searches, or
    without new papers, loads no index and no embedding model."""
    opened: list[SearchFn] = []

    def search(query: str, period: Period) -> Sequence[Hit]:
        if not opened:
            opened.append(saved_search(open_searcher()))
        return opened[0](query, period)

    return search
