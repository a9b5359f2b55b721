"""A member's "For you" page: their recommendations, each with its reason and a "not
interested", and what their follows brought in lately; `POST /for-you/refresh` ranks the
whole store for them now. The JSON twin is `GET /api/v1/recommendations`."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from paperfeed.feed.following import Followed, followed_papers, recent_days
from paperfeed.models import ListedPaper, Reason, StoredRecommendation, User
from paperfeed.search.searcher import Searcher
from paperfeed.serialize import recommendation_json
from paperfeed.store import Store
from paperfeed.web.api_docs import SIGNED_IN_READ, SIGNED_IN_WRITE, errors
from paperfeed.web.cards import for_reader, reader_marks
from paperfeed.web.deps import (
    Csrf,
    MemberDep,
    NowDep,
    SearchDep,
    StoreDep,
    admit,
    get_settings,
)
from paperfeed.web.page import render

if TYPE_CHECKING:
    from paperfeed.feed.recommending import Recommender

router = APIRouter()
# The recommender (feed/recommending.py) brings scikit-learn, 2 s to import: it is imported
# when a member first asks for recommendations, not when a web worker starts (uvicorn gives a
# worker 5 s to report ready).
_opening = threading.Lock()

SHOWN = 30
MAX_LIMIT = 50  # recommendations an API call returns at most (the job keeps 50 a member)
FOLLOWED_SHOWN = 20


@dataclass(frozen=True, slots=True)
class Shown:
    """A recommendation as the page shows it: the listed paper, its reason, and the titles of
    the reader's papers it names."""

    item: ListedPaper
    reason: Reason
    because: tuple[tuple[str, str], ...]  # (id, title)


def recommender(request: Request, store: Store, search: Searcher) -> Recommender | None:
    """The app's recommender, opened on first use once the recommendations job has fitted
    its feature space (None until then: fitting takes minutes, never a request's time)."""
    made: Recommender | None = getattr(request.app.state, "recommender", None)
    if made is not None:
        return made
    from paperfeed.feed.recommending import SPACE_FILE, Recommender

    data_dir: Path = getattr(search, "data_dir", None) or get_settings(request).data_dir
    if not (data_dir / SPACE_FILE).exists():
        return None
    embedder = getattr(search, "embedder", None)
    with _opening:
        made = getattr(request.app.state, "recommender", None)
        if made is None:
            made = Recommender.open(store, data_dir, model=embedder.name if embedder else None)
            request.app.state.recommender = made
    return made


def shown(store: Store, user: User, recs: Sequence[StoredRecommendation]) -> list[Shown]:
    listed = store.listings.listed([r.paper_id for r in recs])
    kept, _marks = for_reader(
        store, user, [listed[r.paper_id] for r in recs if r.paper_id in listed]
    )
    keep = {i.paper.arxiv_id: i for i in kept}
    named = store.papers.get_many([pid for r in recs for pid in r.reason.because])
    return [
        Shown(
            keep[r.paper_id],
            r.reason,
            tuple((pid, named[pid].title) for pid in r.reason.because if pid in named),
        )
        for r in recs
        if r.paper_id in keep
    ]


@router.get("/for-you", include_in_schema=False)
def for_you(
    request: Request, user: MemberDep, store: StoreDep, search: SearchDep, now: NowDep
) -> Response:
    recs = shown(store, user, store.recommendations.of(user.id, limit=SHOWN))
    since, until = recent_days(store, now)
    followed: list[Followed] = followed_papers(
        store, user.id, since=since, until=until, limit=FOLLOWED_SHOWN, search=search
    )
    ids = [s.item.paper.arxiv_id for s in recs] + [f.listed.paper.arxiv_id for f in followed]
    return render(
        request,
        "for_you.html",
        {
            "recs": recs,
            "followed": followed,
            "made_at": store.recommendations.made_at(user.id),
            "saved_count": len(store.library.library(user.id)),
            "follows": store.follows.of(user.id),
            "ready": recommender(request, store, search) is not None,
            "marks": reader_marks(store, user, ids),
            "voted": store.votes.voted(user.id, ids),
            "hf": store.hf.get_many(ids),
            "here": "/for-you",
        },
    )


@router.post("/for-you/refresh", dependencies=[Csrf], include_in_schema=False)
def refresh(
    request: Request, user: MemberDep, store: StoreDep, search: SearchDep, now: NowDep
) -> Response:
    """Rank the whole store for the member now (their list is replaced in one transaction)."""
    made = recommender(request, store, search)
    if made is not None:
        from paperfeed.feed.recommending import recommend_all

        admit(request, "recommend")
        recommend_all(store, made, search, user.id, now)
    return RedirectResponse("/for-you", status_code=303)


@router.get(
    "/api/v1/recommendations",
    tags=["library"],
    summary="Your recommendations",
    openapi_extra=SIGNED_IN_READ,
    responses=errors(401),
)
def api_recommendations(
    user: MemberDep,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
) -> dict[str, Any]:
    """What /for-you shows: your recommendations, best first, each with why (the ids of your
    papers it is most like, the words and authors that weighed most, what you follow that it
    matches). Made by the daily job, or by `POST /api/v1/recommendations/refresh`."""
    return _recommendations_json(store, user, limit)


@router.post(
    "/api/v1/recommendations/refresh",
    tags=["library"],
    summary="Recommend from all papers now",
    dependencies=[Csrf],
    openapi_extra=SIGNED_IN_WRITE,
    responses=errors(401, 429),
)
def api_refresh(
    request: Request,
    user: MemberDep,
    store: StoreDep,
    search: SearchDep,
    now: NowDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
) -> dict[str, Any]:
    """Rank every paper for you now (candidates through search, near your papers and your
    profile's words) and keep the result as your recommendations. `ready` is false while the
    site's recommender is still being fitted (nothing is made then)."""
    made = recommender(request, store, search)
    if made is not None:
        from paperfeed.feed.recommending import recommend_all

        admit(request, "recommend")
        recommend_all(store, made, search, user.id, now)
    return {"ready": made is not None, **_recommendations_json(store, user, limit)}


def _recommendations_json(store: Store, user: User, limit: int) -> dict[str, Any]:
    recs = store.recommendations.of(user.id, limit=limit)
    listed = store.listings.listed([r.paper_id for r in recs])
    gone = store.library.dismissed(user.id, list(listed))
    return {
        "made_at": _iso(store.recommendations.made_at(user.id)),
        "items": [
            recommendation_json(listed[r.paper_id], r)
            for r in recs
            if r.paper_id in listed and r.paper_id not in gone
        ],
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
