"""RSS 2.0 and Atom feeds for every listing: days, weeks, months, trending, searches,
categories and authors, and each member's private feed of what they follow. Their errors are
the site's error page (JSON when asked for)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Response

from paperfeed.errors import Invalid, NotFound
from paperfeed.feed import syndication
from paperfeed.feed.code_trending import BY, FORMULA_CODE, code_trending
from paperfeed.feed.following import RECENT_DAYS, followed_papers, recent_days
from paperfeed.feed.listings import period_listing, trending
from paperfeed.models import Paper
from paperfeed.periods import parse_period
from paperfeed.web.category_filter import CategoriesDep, narrowed
from paperfeed.web.deps import NowDep, SearchDep, SettingsDep, StoreDep
from paperfeed.web.forms import author_name, category_name
from paperfeed.web.searching import run_search, search_request

router = APIRouter(prefix="/feeds", tags=["feeds"])
FORMATS = {"rss": "application/rss+xml", "atom": "application/atom+xml"}
Format = Literal["rss", "atom"]
# What the OpenAPI document says a feed is (FastAPI would say JSON).
DOCUMENT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An RSS 2.0 or Atom 1.0 document, by the extension.",
        "content": {media: {"schema": {"type": "string"}} for media in FORMATS.values()},
    }
}


def _feed(
    settings: SettingsDep,
    now: datetime,
    fmt: Format,
    title: str,
    description: str,
    page: str,
    feed_path: str,
    papers: Sequence[Paper],
    notes: Mapping[str, str] | None = None,
) -> Response:
    base = settings.public_url
    info = syndication.FeedInfo(
        title=f"{title} · paperfeed",
        description=description,
        page_url=base + page,
        self_url=base + feed_path,
        updated=now,
    )
    render = syndication.rss if fmt == "rss" else syndication.atom
    body = render(info, papers, base + "/papers/{id}", notes)
    return Response(body, media_type=FORMATS[fmt] + "; charset=utf-8")


@router.get(
    "/private/{token}.{fmt}",
    summary="A member's private feed: new papers from what they follow",
    response_class=Response,
    responses=DOCUMENT,
)
def private_feed(
    token: str,
    fmt: Format,
    store: StoreDep,
    search: SearchDep,
    settings: SettingsDep,
    now: NowDep,
) -> Response:
    """The last RECENT_DAYS days of what the token's member follows (made on /following; a
    new link there retires the old). Kept out of shared caches: it is one member's."""
    owner = store.follows.feed_owner(token)
    if owner is None:
        raise NotFound("no such feed: the link is wrong, or its owner made a new one")
    since, until = recent_days(store, now)
    found = followed_papers(store, owner, since=since, until=until, limit=100, search=search)
    response = _feed(
        settings,
        now,
        fmt,
        "What you follow",
        f"New papers of the last {RECENT_DAYS} days by the authors, in the categories and "
        "matching the searches you follow on paperfeed.",
        "/following",
        f"/feeds/private/{token}.{fmt}",
        [f.listed.paper for f in found],
        {f.listed.paper.arxiv_id: "Because you follow " + ", ".join(f.reasons) for f in found},
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@router.get(
    "/{kind}/{key}.{fmt}",
    summary="Feed of a day, an ISO week, a month, trending, a category or an author",
    response_class=Response,
    responses=DOCUMENT,
)
def period_feed(
    kind: Literal["date", "week", "month", "trending", "category", "author"],
    key: str,
    fmt: Format,
    store: StoreDep,
    settings: SettingsDep,
    now: NowDep,
    categories: CategoriesDep,
    by: Annotated[
        str, Query(description="Trending only: `upvotes`, or `code` (GitHub stars gained).")
    ] = "upvotes",
) -> Response:
    if by not in BY:
        raise Invalid(f"by must be one of {', '.join(BY)}")
    # `category=`: the same feed narrowed to those categories (`primary=1`: as primary).
    cq = urlencode(categories.query()) if categories else ""
    again = f"?{cq}" if cq else ""
    within = f" in {', '.join(categories.categories)}" if categories else ""
    if kind in ("date", "week", "month"):
        period = parse_period(kind, key)
        items = period_listing(store, period, per_page=100, categories=categories).listing.items
        return _feed(
            settings,
            now,
            fmt,
            f"Papers of {period.label}{within}",
            f"Papers featured on paperfeed for {period.label}{within}, most upvoted first.",
            f"/papers/{kind}/{period.key}{again}",
            f"/feeds/{kind}/{period.key}.{fmt}{again}",
            [i.paper for i in items],
        )
    if kind == "trending" and by == "code":
        code = code_trending(store, key, now, categories=categories)
        query = urlencode({"by": "code", **(categories.query() if categories else {})})
        return _feed(
            settings,
            now,
            fmt,
            f"Trending by code ({key}){within}",
            f"Papers{within} whose GitHub repository gained the most stars: {FORMULA_CODE}.",
            f"/papers/trending?window={key}&{query}",
            f"/feeds/trending/{key}.{fmt}?{query}",
            [t.item.paper for t in code],
        )
    if kind == "trending":
        ranked = trending(store, key, now, categories=categories)
        return _feed(
            settings,
            now,
            fmt,
            f"Trending papers ({key}){within}",
            f"Papers{within} ranked by upvotes with time decay.",
            f"/papers/trending?window={key}" + (f"&{cq}" if cq else ""),
            f"/feeds/trending/{key}.{fmt}{again}",
            [t.item.paper for t in ranked],
        )
    if kind == "category":
        key = category_name(key)
        also = categories.within(key) if categories else ""
        return _feed(
            settings,
            now,
            fmt,
            f"Newest in {key}{also}",
            f"The newest papers in {key}{also}.",
            f"/papers/category/{quote(key)}{again}",
            f"/feeds/category/{quote(key)}.{fmt}{again}",
            [i.paper for i in store.listings.by_category(key, categories=categories)],
        )
    key = author_name(key)  # kind == "author"
    return _feed(
        settings,
        now,
        fmt,
        f"Papers by {key}{within}",
        f"The newest papers by {key}{within}.",
        f"/papers/author/{quote(key)}{again}",
        f"/feeds/author/{quote(key)}.{fmt}{again}",
        [i.paper for i in store.listings.by_author(key, categories=categories)],
    )


@router.get(
    "/search.{fmt}", summary="Feed of a search query", response_class=Response, responses=DOCUMENT
)
def search_feed(
    fmt: Format,
    store: StoreDep,
    search: SearchDep,
    settings: SettingsDep,
    now: NowDep,
    categories: CategoriesDep,
    q: str = "",
    mode: str = "hybrid",
) -> Response:
    req = search_request(q, mode=mode, sort="relevance", per_page=50)
    if not req.query:
        raise Invalid("a search feed needs a query: /feeds/search.rss?q=…")
    page = run_search(search, store, narrowed(req, categories, store))
    query = urlencode({"q": req.query, **(categories.query() if categories else {})})
    return _feed(
        settings,
        now,
        fmt,
        f"Search: {req.query}",
        f"Papers matching “{req.query}”.",
        f"/papers?{query}",
        f"/feeds/search.{fmt}?{query}",
        [f.listed.paper for f in page.found],
    )
