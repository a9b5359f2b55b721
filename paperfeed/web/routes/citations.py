"""Papers for reference managers in BibTeX (`.bib`), RIS (`.ris`) and CSL-JSON (`.csl.json`):
a paper (`/papers/{id}.bib`, beside the `.md` that HF serves: routes/markdown.py), a day's,
week's or month's listing (`/papers/date/2026-08-21.bib`, every paper of it, `?category=`
as on its page) and a search (`/papers.bib?q=…`, the best EXPORT_HITS, the search page's
parameters). A member's export leaves out the papers they marked "not interested", as their
pages do. Collections have theirs in routes/library.py."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from urllib.parse import urlencode

from fastapi import APIRouter, Response
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

from paperfeed.categories import CategoryFilter
from paperfeed.citation import bibtex, csl_json, ris
from paperfeed.errors import Invalid, NotFound
from paperfeed.models import Paper, User
from paperfeed.periods import parse_period
from paperfeed.search.searcher import Searcher
from paperfeed.store import Store
from paperfeed.web.cards import for_reader
from paperfeed.web.category_filter import CategoriesDep, narrowed
from paperfeed.web.deps import SearchDep, StoreDep, UserDep
from paperfeed.web.routes.markdown import listed_paper
from paperfeed.web.searching import run_search, search_request
from paperfeed.web.templating import paper_path

# Suffix: (how to write the papers, media type, file name extension).
FORMATS: dict[str, tuple[Callable[[Sequence[Paper]], str], str, str]] = {
    ".bib": (bibtex, "application/x-bibtex", "bib"),
    ".ris": (ris, "application/x-research-info-systems", "ris"),
    ".csl.json": (csl_json, "application/vnd.citationstyles.csl+json", "json"),
}


def split_format(reference: str) -> tuple[str, str] | None:
    """(the paper's reference, the suffix) when `reference` ends with a citation format."""
    for suffix in FORMATS:
        if reference.endswith(suffix) and len(reference) > len(suffix):
            return reference.removesuffix(suffix), suffix
    return None


class CitationRoute(APIRoute):
    """Takes `/papers/{id}` only when the path ends with one of FORMATS' suffixes."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.FULL or split_format(child["path_params"]["arxiv_id"]) is None:
            return Match.NONE, {}
        return match, child


router = APIRouter(include_in_schema=False, route_class=CitationRoute)
lists = APIRouter(include_in_schema=False)

EXPORT_HITS = 100  # a search's export: its best hits, as one page of the API gives at most
EXPORT_LISTING = 2000  # a period's export: every paper of a month of a busy site fits
_PERIOD = re.compile(r"^(date|week|month)/([^/]+)$")


@router.get("/papers/{arxiv_id:path}")
def paper_citation(
    arxiv_id: str, store: StoreDep, user: UserDep, categories: CategoriesDep
) -> Response:
    parts = split_format(arxiv_id)
    if parts is None:  # CitationRoute takes no other path
        raise NotFound(f"no citation format in {arxiv_id}")
    reference, suffix = parts
    period = _PERIOD.match(reference)
    if period is not None:
        return _listing(store, user, categories, period[1], period[2], suffix)
    paper = listed_paper(store, reference).paper  # a hidden paper is not found
    canonical = paper.arxiv_id
    return _written([paper], suffix, canonical.replace("/", "_"), paper_path(canonical))


def _written(papers: Sequence[Paper], suffix: str, name: str, canonical: str) -> Response:
    write, media_type, extension = FORMATS[suffix]
    return Response(
        write(papers),
        media_type=f"{media_type}; charset=utf-8",
        headers={
            "Content-Disposition": f'inline; filename="{name}.{extension}"',
            "Link": f'<{canonical}>; rel="canonical"',
        },
    )


def _listing(
    store: Store,
    user: User | None,
    categories: CategoryFilter | None,
    kind: str,
    key: str,
    suffix: str,
) -> Response:
    """Every paper of a period's listing (as its page sorts them, by upvotes)."""
    period = parse_period(kind, key)
    found = store.listings.featured(
        period.start, period.last, limit=EXPORT_LISTING, categories=categories
    )
    items, _marks = for_reader(store, user, found.items)
    query = urlencode(categories.query()) if categories else ""
    page = f"/papers/{kind}/{period.key}" + (f"?{query}" if query else "")
    return _written([i.paper for i in items], suffix, f"papers-{period.key}", page)


def _search(
    store: Store,
    search: Searcher,
    user: User | None,
    categories: CategoryFilter | None,
    suffix: str,
    q: str,
    mode: str,
    sort: str,
    date_from: str,
    date_to: str,
) -> Response:
    req = search_request(
        q,
        mode=mode,
        sort=sort,
        per_page=EXPORT_HITS,
        date_from=date_from or None,
        date_to=date_to or None,
    )
    if not req.query:
        raise Invalid("a search export needs a query: /papers.bib?q=…")
    with store.snapshot():
        result = run_search(search, store, narrowed(req, categories, store))
        items, _marks = for_reader(store, user, [f.listed for f in result.found])
    return _written([i.paper for i in items], suffix, "search", "/papers?" + urlencode({"q": q}))


def _search_route(suffix: str) -> Callable[..., Response]:
    def search_citations(
        store: StoreDep,
        search: SearchDep,
        user: UserDep,
        categories: CategoriesDep,
        q: str = "",
        mode: str = "hybrid",
        sort: str = "relevance",
        date_from: str = "",
        date_to: str = "",
    ) -> Response:
        return _search(store, search, user, categories, suffix, q, mode, sort, date_from, date_to)

    return search_citations


for _suffix in FORMATS:
    lists.add_api_route(f"/papers{_suffix}", _search_route(_suffix), methods=["GET"])
