"""Hugging Face-compatible API: the paths, parameters and field names of huggingface.co's
`/api/daily_papers`, `/api/papers/{id}`, `/api/papers/search` and `/api/papers` (every paper,
paged by cursor), so HF clients work as is. (`/papers/{id}.md`, what `read_paper` asks for, is
in routes/markdown.py.)"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date as Date
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response

from paperfeed.arxiv_id import parse_reference
from paperfeed.errors import Invalid, NotFound
from paperfeed.feed.listings import trending
from paperfeed.models import AuthorClaim, HfFields, ListedPaper
from paperfeed.periods import Period, day_period, parse_period
from paperfeed.serialize import hf_daily_item, hf_paper
from paperfeed.settings import Settings
from paperfeed.store import Store
from paperfeed.web.category_filter import CategoriesDep
from paperfeed.web.deps import (
    NowDep,
    SearchDep,
    SettingsDep,
    StoreDep,
    page_cache,
    read_endpoint,
    shown_day,
)
from paperfeed.web.guard import MAX_PAGE
from paperfeed.web.paths import ARXIV_ID
from paperfeed.web.searching import run_search, search_request
from paperfeed.web.templating import paper_path

router = APIRouter(prefix="/api", tags=["Hugging Face-compatible"])
# HF takes `limit` from 1 to 120 on its lists (more than paperfeed's own API, 100).
HF_MAX_LIMIT = 120


@router.get(
    "/daily_papers",
    summary="Daily papers (Hugging Face shape)",
    response_model=list[dict[str, Any]],
)
@read_endpoint
def daily_papers(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    now: NowDep,
    categories: CategoriesDep,
    p: Annotated[int, Query(ge=0, lt=MAX_PAGE, description="The page, from 0.")] = 0,
    limit: Annotated[int, Query(ge=1, le=HF_MAX_LIMIT, description="Papers per page.")] = 50,
    date: str | None = None,
    week: str | None = None,
    month: str | None = None,
    submitter: str | None = None,
    sort: str = "publishedAt",
) -> Response:
    """Papers of a day (`date`), an ISO week (`week`) or a month (`month`), most upvoted
    first as on HF; the latest day with papers (in `category`) by default, and every day for
    a `submitter` (newest first). `sort=trending` without either ranks the week by the
    trending formula."""
    if sort not in ("publishedAt", "trending"):
        raise Invalid("sort must be publishedAt or trending")
    chosen = [k for k, v in (("date", date), ("week", week), ("month", month)) if v]
    if len(chosen) > 1:
        raise Invalid("give at most one of date, week and month")
    period: Period | None = None
    if date:
        period = parse_period("date", date)
    elif week:
        period = parse_period("week", week)
    elif month:
        period = parse_period("month", month)

    def encoded(start: Date, last: Date) -> bytes:
        if sort == "trending" and not chosen and not submitter:
            ranked = trending(store, "week", now, limit=(p + 1) * limit, categories=categories)
            items = [t.item for t in ranked][p * limit :]
        else:
            items = store.listings.featured(
                start,
                last,
                limit=limit,
                offset=p * limit,
                sort="upvotes" if period or sort == "trending" else "published",
                submitter=submitter,
                categories=categories,
            ).items
        return orjson.dumps(_items(store, settings, items))

    # One read transaction for the reads of the day, its papers and what hangs off them.
    with store.snapshot():
        if period is None and not submitter:
            # The latest day with papers (in `category=`, when given: that category's latest).
            period = day_period(shown_day(request, categories))
        # A submitter's papers without a period: on every day, as HF searches them.
        start, last = (period.start, period.last) if period else (Date.min, Date.max)
        # The same for every client: encoded once per cache period (see web/cache.py).
        key = ("hf_daily", start, last, p, limit, submitter, sort, bool(chosen), categories)
        body = page_cache(request).get(key, store.generation, lambda: encoded(start, last))
    return Response(body, media_type="application/json")


@router.get("/papers/search", summary="Search papers (Hugging Face shape)")
def search_papers(
    store: StoreDep,
    settings: SettingsDep,
    search: SearchDep,
    q: str = "",
    limit: Annotated[int, Query(ge=1, le=HF_MAX_LIMIT, description="How many papers.")] = 20,
) -> list[dict[str, Any]]:
    """Papers matching `q`; without one, the newest papers on the daily lists, as HF answers."""
    req = search_request(q, per_page=limit, max_per_page=HF_MAX_LIMIT)
    if req.query:
        items = [f.listed for f in run_search(search, store, req).found]
    else:
        items = store.listings.featured(Date.min, Date.max, limit=limit, sort="published").items
    return _items(store, settings, items)


def _items(store: Store, settings: Settings, items: list[ListedPaper]) -> list[dict[str, Any]]:
    """HF's items for `items`, with what HF said of each, their verified authors and, for a
    paper HF gave no image, the URL of the site's own thumbnail (routes/thumbnails.py)."""
    ids = [i.paper.arxiv_id for i in items]
    hf = store.hf.get_many(ids)
    claims = store.claims.verified(ids)
    participating = store.claims.participating(ids)
    site = settings.public_url
    return [
        hf_daily_item(
            i,
            hf.get(i.paper.arxiv_id),
            thumbnail=f"{site}{paper_path(i.paper.arxiv_id)}/thumbnail",
            claims=claims.get(i.paper.arxiv_id, ()),
            participating=i.paper.arxiv_id in participating,
        )
        for i in items
    ]


@router.get("/papers", summary="Every paper, a page at a time (Hugging Face shape)")
def all_papers(
    request: Request,
    response: Response,
    store: StoreDep,
    cursor: Annotated[
        str, Query(max_length=12, description="Where to go on, from the `next` link.")
    ] = "",
    limit: Annotated[int, Query(ge=1, le=HF_MAX_LIMIT, description="Papers per page.")] = 50,
) -> list[dict[str, Any]]:
    """The papers of every day, newest first, as HF's paper objects; the next page, if any,
    is in the `Link` header (`rel="next"`), as HF and GitHub give it."""
    if cursor and not (cursor.isdecimal() and int(cursor) < MAX_PAGE * HF_MAX_LIMIT):
        raise Invalid("cursor: give the one from the previous page's next link")
    offset = int(cursor or 0)
    found = store.listings.featured(
        Date.min, Date.max, limit=limit, offset=offset, sort="published"
    )
    if offset + limit < min(found.total, MAX_PAGE * HF_MAX_LIMIT):
        following = request.url.include_query_params(cursor=str(offset + limit), limit=limit)
        response.headers["Link"] = f'<{following}>; rel="next"'
    ids = [i.paper.arxiv_id for i in found.items]
    hf = store.hf.get_many(ids)
    claims = store.claims.verified(ids)
    return [
        _paper_object(i, hf.get(i.paper.arxiv_id), claims.get(i.paper.arxiv_id, ()))
        for i in found.items
    ]


@router.get(f"/papers/{ARXIV_ID}", summary="One paper (Hugging Face shape)")
def paper(arxiv_id: str, store: StoreDep) -> dict[str, Any]:
    canonical, _ = parse_reference(arxiv_id)
    listed = store.listings.listed([canonical]).get(canonical)
    if listed is None:
        raise NotFound(f"no paper {canonical}")
    hf = store.hf.get_many([canonical]).get(canonical)
    return _paper_object(listed, hf, store.claims.verified([canonical]).get(canonical, ()))


def _paper_object(
    listed: ListedPaper, hf: HfFields | None, claims: Sequence[AuthorClaim] = ()
) -> dict[str, Any]:
    """HF's paper object with its comment count (HF's and ours) and verified authors, as
    `/api/papers/{id}`."""
    out = hf_paper(listed, hf, claims)
    out["numComments"] = listed.num_comments + (hf.num_comments if hf is not None else 0)
    return out
