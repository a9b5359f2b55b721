"""Saved searches through the hybrid search, restricted to the papers on a period's days (the
ones its digest covers, as the listings define them: a paper announced today matches even
before its publication date is known).

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
from paperfeed.store import Store

SIMILARITY_FLOOR = 0.5
PER_SEARCH = 100  # hits taken per saved search and period


def is_real_match(hit: Hit) -> bool:
    why = hit.why
    return (
        why.keyword_rank is not None
        or why.pinned is not None
        or (why.similarity is not None and why.similarity >= SIMILARITY_FLOOR)
    )


def saved_search(engine: Searcher, store: Store) -> SearchFn:
    """A SearchFn running each saved search in hybrid mode over the period's papers."""
    on_days: dict[str, frozenset[str]] = {}

    def search(query: str, period: Period) -> Sequence[Hit]:
        if period.key not in on_days:
            on_days[period.key] = frozenset(store.listings.ids_on_days(period.start, period.last))
        filters = SearchFilters(ids=on_days[period.key])
        results = engine.search(
            query, mode="hybrid", limit=PER_SEARCH, filters=filters, sort="relevance"
        )
        return [h for h in results.hits if is_real_match(h)]

    return search


def lazy_saved_search(open_searcher: Callable[[], Searcher], store: Store) -> SearchFn:
    """`saved_search` over a searcher opened on first use: a run without saved searches, or
    without new papers, loads no index and no embedding model."""
    opened: list[SearchFn] = []

    def search(query: str, period: Period) -> Sequence[Hit]:
        if not opened:
            opened.append(saved_search(open_searcher(), store))
        return opened[0](query, period)

    return search
