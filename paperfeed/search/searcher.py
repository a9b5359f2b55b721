"""The search contract: what the site, the APIs, feeds, digests and the CLI ask of search, and
the values it takes. `SearchService` is the implementation; tests may pass any other."""

from __future__ import annotations

from typing import Protocol

from paperfeed.models import Hit, SearchFilters, SearchResults

MODES = ("hybrid", "keyword", "semantic")
SORTS = ("relevance", "date", "upvotes")
# The longest query a person may type (a search box, a saved search); longer is Invalid.
MAX_QUERY = 500


class Searcher(Protocol):
    def search(
        self,
        query: str,
        *,
        mode: str = "hybrid",
        limit: int = 20,
        offset: int = 0,
        filters: SearchFilters | None = None,
        sort: str = "relevance",
        explain: bool = True,
    ) -> SearchResults:
        """One page of hits, best first. Never raises on what a person typed; an unknown
        mode or sort, or a limit out of range, is Invalid."""
        ...

    def related(self, arxiv_id: str, limit: int = 10) -> list[Hit]:
        """Papers near `arxiv_id`."""
        ...

    def refresh(self) -> None:
        """Take in papers written since the last indexing, if nothing else is indexing."""
        ...
