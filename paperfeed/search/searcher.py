"""The search contract: what the site, the APIs, feeds, digests and the CLI ask of search, and
the values it takes. `SearchService` is the implementation; tests may pass any other."""

from __future__ import annotations

from typing import Protocol, TypedDict, Unpack

from paperfeed.models import Hit, SearchFilters, SearchResults

MODES = ("hybrid", "keyword", "semantic")
SORTS = ("relevance", "date", "upvotes")
# The longest query a person may type (a search box, a saved search); longer is Invalid.
MAX_QUERY = 500


class SearchOptions(TypedDict, total=False):
    """How to search; each may be left out (`SearchService.search` has the defaults)."""

    mode: str  # one of MODES (default hybrid)
    limit: int  # hits on the page (default 20)
    offset: int  # hits skipped before it (default 0)
    filters: SearchFilters | None  # published dates and categories
    sort: str  # one of SORTS (default relevance)
    explain: bool  # find each hit's matched terms (default True)


class Searcher(Protocol):
    def search(self, query: str, **options: Unpack[SearchOptions]) -> SearchResults:
        """One page of hits, best first. Never raises on what a person typed; an unknown
        mode or sort, or a limit out of range, is Invalid."""
        ...

    def related(self, arxiv_id: str, limit: int = 10) -> list[Hit]:
        """Papers near `arxiv_id`."""
        ...

    def refresh(self) -> object:
        """Take in papers written since the last indexing, if nothing else is indexing (what
        it returns, a report or None, is for the implementation's own callers)."""
        ...
