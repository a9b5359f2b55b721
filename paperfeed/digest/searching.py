"""Saved searches through the hybrid search, restricted to the papers on a period's days (the
ones its digest covers, as the listings define them: a paper announced today matches even
before its publication date is known).

Only real matches count (search/rules.py says which: what members follow matches the same way).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from paperfeed.digest.compose import SearchFn
from paperfeed.models import Hit
from paperfeed.periods import Period
from paperfeed.search.rules import PER_SEARCH as PER_SEARCH
from paperfeed.search.rules import SIMILARITY_FLOOR as SIMILARITY_FLOOR
from paperfeed.search.rules import is_real_match as is_real_match
from paperfeed.search.rules import search_among
from paperfeed.search.searcher import Searcher
from paperfeed.store import Store


def saved_search(engine: Searcher, store: Store) -> SearchFn:
    """A SearchFn running each saved search in hybrid mode over the period's papers."""
    on_days: dict[str, frozenset[str]] = {}

    def search(query: str, period: Period) -> Sequence[Hit]:
        if period.key not in on_days:
            on_days[period.key] = frozenset(store.listings.ids_on_days(period.start, period.last))
        return search_among(engine, query, on_days[period.key])

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
