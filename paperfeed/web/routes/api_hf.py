"""Hugging Face-compatible API: the paths, parameters and field names of huggingface.co's
`/api/daily_papers`, `/api/papers/{id}` and `/api/papers/search`, so HF clients work as is."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response

from paperfeed.arxiv_id import parse_reference
from paperfeed.errors import Invalid, NotFound
from paperfeed.feed.listings import period_listing, trending
from paperfeed.periods import Period, day_period, parse_period
from paperfeed.serialize import hf_daily_item, hf_paper
from paperfeed.web.deps import NowDep, SearchDep, StoreDep, page_cache, shown_day
from paperfeed.web.guard import MAX_PAGE
from paperfeed.web.paths import ARXIV_ID
from paperfeed.web.searching import MAX_LIMIT, run_search, search_request

router = APIRouter(prefix="/api", tags=["Hugging Face-compatible"])


@router.get(
    "/daily_papers",
    summary="Daily papers (Hugging Face shape)",
    response_model=list[dict[str, Any]],
)
def daily_papers(
    request: Request,
    store: StoreDep,
    now: NowDep,
    p: Annotated[int, Query(ge=0, lt=MAX_PAGE, description="The page, from 0.")] = 0,
    limit: Annotated[int, Query(ge=1, le=100, description="Papers per page.")] = 50,
    date: str | None = None,
    week: str | None = None,
    month: str | None = None,
    submitter: str | None = None,
    sort: str = "publishedAt",
) -> Response:
    """Papers of a day (`date`), an ISO week (`week`) or a month (`month`); the latest day
    with papers by default. `sort` is `publishedAt` (newest first) or `trending`."""
    if sort not in ("publishedAt", "trending"):
        raise Invalid("sort must be publishedAt or trending")
    chosen = [k for k, v in (("date", date), ("week", week), ("month", month)) if v]
    if len(chosen) > 1:
        raise Invalid("give at most one of date, week and month")
    period: Period
    if date:
        period = parse_period("date", date)
    elif week:
        period = parse_period("week", week)
    elif month:
        period = parse_period("month", month)
    else:
        period = day_period(shown_day(request))

    def encoded() -> bytes:
        if sort == "trending" and not chosen:
            ranked = trending(store, "week", now, limit=(p + 1) * limit)
            items = [t.item for t in ranked][p * limit :]
        else:
            items = period_listing(
                store,
                period,
                page=p + 1,
                per_page=limit,
                sort="upvotes" if sort == "trending" else "published",
                submitter=submitter,
            ).listing.items
        hf = store.hf.get_many([i.paper.arxiv_id for i in items])
        return orjson.dumps([hf_daily_item(i, hf.get(i.paper.arxiv_id)) for i in items])

    # The same for every client: encoded once per cache period (see web/cache.py).
    key = ("hf_daily", period.kind, period.key, p, limit, submitter, sort, bool(chosen))
    body = page_cache(request).get(key, store.generation, encoded)
    return Response(body, media_type="application/json")


@router.get("/papers/search", summary="Search papers (Hugging Face shape)")
def search_papers(
    store: StoreDep,
    search: SearchDep,
    q: str = "",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="How many papers.")] = 20,
) -> list[dict[str, Any]]:
    req = search_request(q, per_page=limit)
    if not req.query:
        return []
    page = run_search(search, store, req)
    hf = store.hf.get_many([f.listed.paper.arxiv_id for f in page.found])
    return [hf_daily_item(f.listed, hf.get(f.listed.paper.arxiv_id)) for f in page.found]


@router.get(f"/papers/{ARXIV_ID}", summary="One paper (Hugging Face shape)")
def paper(arxiv_id: str, store: StoreDep) -> dict[str, Any]:
    canonical, _ = parse_reference(arxiv_id)
    listed = store.listings.listed([canonical]).get(canonical)
    if listed is None:
        raise NotFound(f"no paper {canonical}")
    hf = store.hf.get_many([canonical]).get(canonical)
    out = hf_paper(listed, hf)
    out["numComments"] = listed.num_comments + (hf.num_comments if hf is not None else 0)
    return out
