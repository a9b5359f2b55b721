"""Listing pages: the front page, days, weeks, months, trending, categories, authors, search."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import TypeVar
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request, Response

from paperfeed.categories import CategoryFilter
from paperfeed.errors import Invalid
from paperfeed.feed.code_trending import BY, FORMULA_CODE, CodeTrending, code_trending
from paperfeed.feed.listings import period_listing, trending, trending_anchor
from paperfeed.feed.trending import WINDOWS, Trending
from paperfeed.models import HfFields, ListedPaper
from paperfeed.periods import day_period, parse_period
from paperfeed.search.searcher import MODES, SORTS
from paperfeed.web.cards import Marks, for_reader
from paperfeed.web.category_filter import CategoriesDep, narrowed
from paperfeed.web.deps import (
    NowDep,
    SearchDep,
    StoreDep,
    UserDep,
    get_settings,
    now,
    page_cache,
    read_endpoint,
    shown_day,
)
from paperfeed.web.forms import author_name, category_name
from paperfeed.web.guard import PageNumber
from paperfeed.web.page import feed, render, render_signed_out, signed_out_response
from paperfeed.web.searching import SearchRequest, run_search, search_request

router = APIRouter(include_in_schema=False)
R = TypeVar("R", Trending, CodeTrending)


def _voted(store: StoreDep, user: UserDep, items: list[ListedPaper]) -> set[str]:
    if user is None:
        return set()
    return store.votes.voted(user.id, [i.paper.arxiv_id for i in items])


def _ranked_for_reader(
    store: StoreDep, user: UserDep, ranked: list[R]
) -> tuple[list[R], list[ListedPaper], Marks]:
    """Ranked papers (trending) without those the member marked "not interested" (library),
    their items, and the member's marks on them."""
    items, marks = for_reader(store, user, [r.item for r in ranked])
    shown = {i.paper.arxiv_id for i in items}
    return [r for r in ranked if r.item.paper.arxiv_id in shown], items, marks


def _hf(store: StoreDep, items: list[ListedPaper]) -> dict[str, HfFields]:
    """What Hugging Face says of the papers (organization, GitHub stars), for their cards."""
    return store.hf.get_many([i.paper.arxiv_id for i in items])


def _category_query(categories: CategoryFilter | None) -> str:
    """The encoded `category=` (and `primary=`) parameters of a filtered page, or ""."""
    return urlencode(categories.query()) if categories else ""


def _period_page(
    request: Request,
    store: StoreDep,
    user: UserDep,
    kind: str,
    key: str,
    page: int,
    sort: str,
    front: bool = False,
    categories: CategoryFilter | None = None,
) -> Response:
    period = parse_period(kind, key)
    # A category's day (week, month) is the same page with `?category=`: its links keep it.
    cq = _category_query(categories)
    json_url = f"/api/v1/listings/{kind}/{period.key}?page={page}&sort={sort}"
    json_url += f"&{cq}" if cq else ""
    title = f"Papers of {period.label}"
    if categories:
        title += f" in {', '.join(categories.categories)}"
    feeds = [feed(title, f"/feeds/{kind}/{period.key}", cq)]

    # Cards of papers arXiv announced recently enough offer "submit to the daily list".
    # The window counts back from the day submissions join (feed/submission.py).
    window = timedelta(days=get_settings(request).submission_window_days)
    submit_from = min(shown_day(request), now(request).date()) - window

    def context() -> dict[str, object]:
        result = period_listing(store, period, page=page, sort=sort, categories=categories)
        # A member's page is theirs alone (never cached): without what they dismissed.
        items, marks = for_reader(store, user, result.listing.items)
        voted = _voted(store, user, items)
        return {
            "result": result,
            "items": items,
            "marks": marks,
            "voted": voted,
            "hf": _hf(store, items),
            "front": front,
            "submit_from": submit_from,
            "cq": cq,
        }

    if user is not None:
        return render(request, "listing.html", context(), json_url=json_url, feeds=feeds)
    # Signed-out visitors all see the same page: render it once per cache period, and put
    # each visitor's own CSRF token in its forms as it is served.
    body = page_cache(request).get(
        ("listing", kind, period.key, page, sort, front, submit_from, cq),
        store.generation,
        lambda: render_signed_out("listing.html", context(), json_url=json_url, feeds=feeds),
    )
    return signed_out_response(request, body, json_url=json_url)


@router.get("/")
@read_endpoint
def front_page(
    request: Request,
    store: StoreDep,
    user: UserDep,
    categories: CategoriesDep,
    page: PageNumber = 1,
    sort: str = "upvotes",
) -> Response:
    # One read transaction for the page's reads (a dozen queries), as on every listing page.
    with store.snapshot():
        day = shown_day(request, categories)
        return _period_page(
            request, store, user, "date", day.isoformat(), page, sort, True, categories
        )


def _listing_page(kind: str) -> Callable[..., Awaitable[Response]]:
    """The page of one kind of period (`/papers/date/…`, `/papers/week/…`, `/papers/month/…`)."""

    @read_endpoint
    def listing_page(
        request: Request,
        store: StoreDep,
        user: UserDep,
        key: str,
        categories: CategoriesDep,
        page: PageNumber = 1,
        sort: str = "upvotes",
    ) -> Response:
        with store.snapshot():
            return _period_page(request, store, user, kind, key, page, sort, categories=categories)

    return listing_page


for _kind in ("date", "week", "month"):
    router.add_api_route(f"/papers/{_kind}/{{key}}", _listing_page(_kind), methods=["GET"])


@router.get("/papers/trending")
@read_endpoint
def trending_page(
    request: Request,
    store: StoreDep,
    user: UserDep,
    now: NowDep,
    categories: CategoriesDep,
    window: str = "week",
    by: str = "upvotes",
) -> Response:
    if by not in BY:
        raise Invalid(f"by must be one of {', '.join(BY)}")
    if by == "code":
        return _code_trending_page(request, store, user, now, categories, window)
    ranked = trending(store, window, now, categories=categories)
    cq = _category_query(categories)
    within = f" in {', '.join(categories.categories)}" if categories else ""
    ranked, items, marks = _ranked_for_reader(store, user, ranked)
    anchor = trending_anchor(store, window, now)
    return render(
        request,
        "trending.html",
        {
            "ranked": ranked,
            "marks": marks,
            # The last day of the window when it ends before today (an archive, the demo).
            "as_of": (anchor - timedelta(seconds=1)).date() if anchor < now else None,
            "window": window,
            "windows": WINDOWS,
            "voted": _voted(store, user, items),
            "hf": _hf(store, items),
            "today": day_period(now.date()),
            "cq": cq,
            "categories": categories,
        },
        json_url=f"/api/v1/trending?window={window}" + (f"&{cq}" if cq else ""),
        feeds=[feed(f"Trending papers ({window}){within}", f"/feeds/trending/{window}", cq)],
    )


def _code_trending_page(
    request: Request,
    store: StoreDep,
    user: UserDep,
    now: NowDep,
    categories: CategoryFilter | None,
    window: str,
) -> Response:
    """Trending by code: the papers whose repository gained the most GitHub stars."""
    ranked = code_trending(store, window, now, categories=categories)
    cq = _category_query(categories)
    ranked, items, marks = _ranked_for_reader(store, user, ranked)
    return render(
        request,
        "trending.html",
        {
            "by": "code",
            "code_formula": FORMULA_CODE,
            "code_ranked": ranked,
            "marks": marks,
            "ranked": [],
            "as_of": None,
            "window": window,
            "windows": WINDOWS,
            "voted": _voted(store, user, items),
            "hf": _hf(store, items),
            "today": day_period(now.date()),
            "cq": cq,
            "categories": categories,
            # For the empty state: is the job on, has it counted anything yet.
            "github_stars_on": get_settings(request).github_stars,
            "repo_statuses": store.github.statuses() if not ranked else None,
        },
        json_url=f"/api/v1/trending?by=code&window={window}" + (f"&{cq}" if cq else ""),
        feeds=[
            feed(
                f"Trending by code ({window})"
                + (f" in {', '.join(categories.categories)}" if categories else ""),
                f"/feeds/trending/{window}",
                "by=code" + (f"&{cq}" if cq else ""),
            )
        ],
    )


def _newest(
    request: Request,
    store: StoreDep,
    user: UserDep,
    heading: str,
    items: list[ListedPaper],
    api: str,
    feed_path: str,
    categories: CategoryFilter | None,
    follow: tuple[str, str] | None = None,
) -> Response:
    """A list of newest papers (of a category, by an author) with its JSON twin and feeds;
    `category=` narrows it, and its twin and feeds with it. `follow` is what its follow
    button follows: (kind, value)."""
    cq = _category_query(categories)
    items, marks = for_reader(store, user, items)
    return render(
        request,
        "simple_list.html",
        {
            "heading": heading,
            "follow": follow,
            "items": items,
            "marks": marks,
            "voted": _voted(store, user, items),
            "hf": _hf(store, items),
        },
        json_url=api + (f"?{cq}" if cq else ""),
        feeds=[feed(heading, feed_path, cq)],
    )


@router.get("/papers/category/{name}")
@read_endpoint
def category_page(
    request: Request,
    store: StoreDep,
    user: UserDep,
    name: str,
    categories: CategoriesDep,
) -> Response:
    category = category_name(name)
    items = store.listings.by_category(category, categories=categories)
    quoted = quote(category)
    heading = f"Newest in {category}" + (categories.within(category) if categories else "")
    return _newest(
        request,
        store,
        user,
        heading,
        items,
        f"/api/v1/categories/{quoted}",
        f"/feeds/category/{quoted}",
        categories,
        ("category", category),
    )


@router.get("/papers/author/{name}")
@read_endpoint
def author_page(
    request: Request,
    store: StoreDep,
    user: UserDep,
    name: str,
    categories: CategoriesDep,
) -> Response:
    name = author_name(name)
    items = store.listings.by_author(name, categories=categories)
    quoted = quote(name)
    heading = f"Papers by {name}" + (categories.within() if categories else "")
    return _newest(
        request,
        store,
        user,
        heading,
        items,
        f"/api/v1/authors/{quoted}",
        f"/feeds/author/{quoted}",
        categories,
        ("author", name),
    )


@router.get("/papers")
def search_page(
    request: Request,
    store: StoreDep,
    search: SearchDep,
    user: UserDep,
    categories: CategoriesDep,
    q: str = "",
    mode: str = "hybrid",
    sort: str = "relevance",
    page: PageNumber = 1,
    date_from: str = "",
    date_to: str = "",
) -> Response:
    req = search_request(
        q,
        mode=mode,
        sort=sort,
        page=page,
        date_from=date_from or None,
        date_to=date_to or None,
    )
    params = {
        "q": req.query,
        "mode": mode,
        "sort": sort,
        **(categories.query() if categories else {"category": ""}),
        "date_from": date_from,
        "date_to": date_to,
    }
    # One read transaction for the search's reads and the page's (as on the listing pages).
    with store.snapshot():
        return _search_page(request, store, search, user, categories, req, params)


def _search_page(
    request: Request,
    store: StoreDep,
    search: SearchDep,
    user: UserDep,
    categories: CategoryFilter | None,
    req: SearchRequest,
    params: dict[str, str],
) -> Response:
    result = run_search(search, store, narrowed(req, categories, store)) if req.query else None
    kept = {k: v for k, v in params.items() if v}
    items, marks = for_reader(store, user, [f.listed for f in result.found] if result else [])
    if result and len(items) < len(result.found):  # the member dismissed some
        shown = {i.paper.arxiv_id for i in items}
        found = [f for f in result.found if f.listed.paper.arxiv_id in shown]
        result = replace(result, found=found)
    return render(
        request,
        "search.html",
        {
            "req": req,
            "result": result,
            "marks": marks,
            "voted": _voted(store, user, items),
            "hf": _hf(store, items),
            "modes": MODES,
            "sorts": SORTS,
            "params": params,
            "query_string": urlencode(kept),
        },
        json_url=f"/api/v1/search?{urlencode(kept)}" if req.query else None,
        feeds=[
            feed(
                f"Search: {req.query}",
                "/feeds/search",
                urlencode({"q": req.query, **(categories.query() if categories else {})}),
            )
        ]
        if req.query
        else [],
    )
