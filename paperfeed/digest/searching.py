"""Saved searches through the hybrid search, restricted to a period's new papers.

Hybrid search always has nearest neighbours to offer; a digest should only carry papers that
really match, so a hit counts when the keyword engine found it, it was pinned (an id or exact
title), or its similarity to the query reaches SIMILARITY_FLOOR.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Protocol

from paperfeed.digest.compose import SearchFn
from paperfeed.digest.periods import Period
from paperfeed.models import Hit, SearchFilters, SearchResults

SIMILARITY_FLOOR = 0.5
PER_SEARCH = 100  # hits taken per saved search and period


class Engine(Protocol):
    def search(
        self,
        query: str,
        *,
        mode: str = ...,
        limit: int = ...,
        filters: SearchFilters | None = ...,
        sort: str = ...,
    ) -> SearchResults: ...


def is_real_match(hit: Hit) -> bool:
    why = hit.why
    return (
        why.keyword_rank is not None
        or why.pinned is not None
        or (why.similarity is not None and why.similarity >= SIMILARITY_FLOOR)
    )


def saved_search(engine: Engine) -> SearchFn:
    """A SearchFn running each saved search in hybrid mode over the period's papers."""

    def search(query: str, period: Period) -> Sequence[Hit]:
        filters = SearchFilters(
            date_from=period.start.date(), date_to=(period.end - timedelta(days=1)).date()
        )
        results = engine.search(
            query, mode="hybrid", limit=PER_SEARCH, filters=filters, sort="relevance"
        )
        return [h for h in results.hits if is_real_match(h)]

    return search
