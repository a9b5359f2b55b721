"""Search as pages, APIs and feeds use it: validate the request at the edge, run the search
service (which leaves hidden papers out before paging), attach community counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from paperfeed.errors import Invalid
from paperfeed.models import Hit, ListedPaper, SearchFilters, SearchResults
from paperfeed.periods import parse_day
from paperfeed.search.searcher import MAX_QUERY, MODES, SORTS, Searcher
from paperfeed.store import Store
from paperfeed.text import one_line

MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class SearchRequest:
    query: str
    mode: str
    sort: str
    page: int
    per_page: int
    filters: SearchFilters


@dataclass(frozen=True, slots=True)
class FoundPaper:
    hit: Hit
    listed: ListedPaper


@dataclass(frozen=True, slots=True)
class SearchPage:
    request: SearchRequest
    results: SearchResults
    found: list[FoundPaper]

    @property
    def pages(self) -> int:
        return max(1, -(-self.results.total // self.request.per_page))


def search_request(
    q: str | None,
    *,
    mode: str = "hybrid",
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
    category: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    max_per_page: int = MAX_LIMIT,
) -> SearchRequest:
    """A validated search; raises Invalid with a message for people. `max_per_page` is the
    largest page the caller allows (Hugging Face's API takes 120)."""
    query = one_line(q or "")
    if len(query) > MAX_QUERY:
        raise Invalid(f"the query is {len(query)} characters long; the limit is {MAX_QUERY}")
    if mode not in MODES:
        raise Invalid(f"mode must be one of {', '.join(MODES)}")
    if sort not in SORTS:
        raise Invalid(f"sort must be one of {', '.join(SORTS)}")
    if page < 1 or not 1 <= per_page <= max_per_page:
        raise Invalid(f"page must be >= 1 and limit between 1 and {max_per_page}")
    start: date | None = parse_day(date_from) if date_from else None
    end: date | None = parse_day(date_to) if date_to else None
    if start and end and start > end:
        raise Invalid("the 'from' date is after the 'to' date")
    categories = tuple(c for c in (category or "").split() if c)
    if any(len(c) > 32 for c in categories):
        raise Invalid("that is not an arXiv category")
    return SearchRequest(query, mode, sort, page, per_page, SearchFilters(start, end, categories))


def run_search(search: Searcher, store: Store, req: SearchRequest) -> SearchPage:
    results = search.search(
        req.query,
        mode=req.mode,
        limit=req.per_page,
        offset=(req.page - 1) * req.per_page,
        filters=req.filters,
        sort=req.sort,
    )
    # A paper deleted since the index last caught up is still dropped here.
    listed = _listed(store, results.hits)
    found = [
        FoundPaper(h, listed[h.paper.arxiv_id]) for h in results.hits if h.paper.arxiv_id in listed
    ]
    return SearchPage(req, results, found)


def related_papers(
    search: Searcher, store: Store, arxiv_id: str, limit: int = 6
) -> list[ListedPaper]:
    hits = search.related(arxiv_id, limit=limit)
    listed = _listed(store, hits)
    return [listed[h.paper.arxiv_id] for h in hits if h.paper.arxiv_id in listed]


def _listed(store: Store, hits: Sequence[Hit]) -> dict[str, ListedPaper]:
    """The hits as listings show them, with the papers the search already read (read in the
    same transaction: not read again)."""
    papers = {h.paper.arxiv_id: h.paper for h in hits}
    return store.listings.listed(list(papers), papers)
