"""paperfeed's native JSON API: papers, listings, trending, search, votes, comments,
submissions and follows. Writes take `Authorization: Bearer <API token>` (made on /settings), or the
session cookie plus an `X-CSRF-Token` header. Every integer parameter is bounded here, so the
bounds are checked before a route runs and show in the OpenAPI document (web/api_docs.py adds
the errors every operation shares)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Query, Request
from pydantic import BaseModel, Field

from paperfeed.arxiv_id import parse_reference
from paperfeed.categories import CategoryFilter
from paperfeed.errors import Invalid, NotFound
from paperfeed.feed.code_trending import BY, FORMULA_CODE, code_trending, window_start
from paperfeed.feed.listings import MAX_PER_PAGE, period_listing, trending
from paperfeed.feed.trending import FORMULA
from paperfeed.periods import parse_period
from paperfeed.serialize import comment_json, follow_json, listed_json, why_json
from paperfeed.web.api_docs import SIGNED_IN_READ, SIGNED_IN_WRITE, errors
from paperfeed.web.category_filter import CategoriesDep, narrowed
from paperfeed.web.deps import (
    Csrf,
    MemberDep,
    NowDep,
    SearchDep,
    StoreDep,
    submit_for,
    unit_of_work,
)
from paperfeed.web.forms import author_name, category_name, comment_body
from paperfeed.web.guard import PageNumber, RowId
from paperfeed.web.paths import ARXIV_ID
from paperfeed.web.routes.follows import follow_input
from paperfeed.web.searching import MAX_LIMIT, related_papers, run_search, search_request

router = APIRouter(prefix="/api/v1", tags=["paperfeed"])

Page = Annotated[PageNumber, Query(description="The page, from 1.")]


class CommentIn(BaseModel):
    body: str = Field(description="Markdown; rendered and sanitised on pages.")
    parent_id: RowId | None = Field(None, description="The comment this replies to.")


class CommentEdit(BaseModel):
    body: str


FollowKind = Literal["author", "category", "search"]


class FollowIn(BaseModel):
    kind: FollowKind = Field(description="What to follow: an author, a category or a search.")
    value: str = Field(
        description="An author's name as papers give it, an arXiv category (cs.LG) or a search."
    )


class SubmissionIn(BaseModel):
    reference: str = Field(description="An arXiv id or an arXiv / Hugging Face paper URL.")


def _categories_json(categories: CategoryFilter | None) -> dict[str, Any]:
    """How a filtered answer says what it was narrowed to."""
    if categories is None:
        return {}
    return {"categories": list(categories.categories), "primary": categories.primary}


def _paper(store: StoreDep, arxiv_id: str) -> dict[str, Any]:
    canonical, _ = parse_reference(arxiv_id)
    listed = store.listings.listed([canonical]).get(canonical)
    if listed is None:
        raise NotFound(f"no paper {canonical}")
    return listed_json(listed)


@router.get("/listings/{kind}/{key}", summary="Papers of a day, ISO week or month")
def listing(
    kind: str,
    key: str,
    store: StoreDep,
    categories: CategoriesDep,
    page: Page = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Papers per page.")] = 30,
    sort: str = "upvotes",
) -> dict[str, Any]:
    result = period_listing(
        store,
        parse_period(kind, key),
        page=page,
        per_page=per_page,
        sort=sort,
        categories=categories,
    )
    return {
        "period": {"kind": kind, "key": result.period.key, "label": result.period.label},
        **_categories_json(categories),
        "total": result.listing.total,
        "page": page,
        "per_page": per_page,
        "previous": result.previous.key if result.previous else None,
        "next": result.next.key if result.next else None,
        "items": [listed_json(i) for i in result.listing.items],
    }


@router.get("/trending", summary="Trending papers, with the formula used")
def trending_papers(
    store: StoreDep,
    now: NowDep,
    categories: CategoriesDep,
    window: str = "week",
    limit: Annotated[int, Query(ge=1, le=100, description="How many papers.")] = 50,
    by: Annotated[
        str, Query(description="`upvotes` (the trending formula) or `code` (GitHub stars gained).")
    ] = "upvotes",
) -> dict[str, Any]:
    if by not in BY:
        raise Invalid(f"by must be one of {', '.join(BY)}")
    if by == "code":
        by_code = code_trending(store, window, now, limit=limit, categories=categories)
        return {
            "by": "code",
            "formula": FORMULA_CODE,
            "window": window,
            "since": window_start(window, now).isoformat(),
            **_categories_json(categories),
            "items": [
                {**listed_json(t.item), "repo": t.repo, "stars": t.stars, "gained": t.gained}
                for t in by_code
            ],
        }
    ranked = trending(store, window, now, limit=limit, categories=categories)
    return {
        "by": "upvotes",
        "formula": FORMULA,
        "window": window,
        **_categories_json(categories),
        "items": [
            {**listed_json(t.item), "score": round(t.score, 6), "age_hours": round(t.age_hours, 2)}
            for t in ranked
        ],
    }


@router.get("/search", summary="Hybrid keyword + semantic search")
def search(
    store: StoreDep,
    searcher: SearchDep,
    categories: CategoriesDep,
    q: str = "",
    mode: str = "hybrid",
    sort: str = "relevance",
    page: Page = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Results per page.")] = 20,
    date_from: str = "",
    date_to: str = "",
) -> dict[str, Any]:
    req = search_request(
        q,
        mode=mode,
        sort=sort,
        page=page,
        per_page=limit,
        date_from=date_from or None,
        date_to=date_to or None,
    )
    if not req.query:
        raise Invalid("give a query: /api/v1/search?q=…")
    result = run_search(searcher, store, narrowed(req, categories, store))
    return {
        "query": result.results.query,
        "mode": result.results.mode,
        "notice": result.results.notice,
        "total": result.results.total,
        "page": page,
        "items": [
            {
                **listed_json(f.listed),
                "score": f.hit.score,
                "why": why_json(f.hit.why),
            }
            for f in result.found
        ],
    }


@router.get("/categories/{name}", summary="Newest papers in a category")
def category(name: str, store: StoreDep, categories: CategoriesDep) -> dict[str, Any]:
    """The newest papers in the category `name`; `category=` narrows them further
    (`primary=1`: papers whose primary category is one of those)."""
    category = category_name(name)
    items = store.listings.by_category(category, categories=categories)
    return {"category": category, "items": [listed_json(i) for i in items]}


@router.get("/authors/{name}", summary="Newest papers by an author")
def author(name: str, store: StoreDep, categories: CategoriesDep) -> dict[str, Any]:
    """The newest papers by `name`, in `category=` when given."""
    name = author_name(name)
    items = store.listings.by_author(name, categories=categories)
    return {"author": name, "items": [listed_json(i) for i in items]}


@router.get("/me", summary="The signed-in user", openapi_extra=SIGNED_IN_READ)
def me(user: MemberDep, store: StoreDep) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "role": user.role,
        "submissions_today": store.submissions.count_today(user.id),
    }


@router.get(
    "/follows",
    openapi_extra=SIGNED_IN_READ,
    summary="What you follow",
)
def follows(user: MemberDep, store: StoreDep) -> list[dict[str, Any]]:
    """Your follows (theirs alone: no one else can read them), by kind."""
    return [follow_json(f) for f in store.follows.of(user.id)]


@router.post(
    "/follows",
    status_code=201,
    dependencies=[Csrf],
    openapi_extra=SIGNED_IN_WRITE,
    summary="Follow an author, a category or a search",
    responses=errors(429),
)
def follow(body: FollowIn, request: Request, user: MemberDep, store: StoreDep) -> dict[str, Any]:
    """Following what one follows already changes nothing; it is matched without regard to
    case."""
    kind, value = follow_input(body.kind, body.value)
    with unit_of_work(request, limit="vote"):
        store.follows.follow(user.id, kind, value)
        followed = store.follows.of(user.id)
    same = [f for f in followed if f.kind == kind and f.value.casefold() == value.casefold()]
    return follow_json(same[0]) if same else {"kind": kind, "value": value, "created": None}


@router.delete(
    "/follows",
    status_code=204,
    dependencies=[Csrf],
    openapi_extra=SIGNED_IN_WRITE,
    summary="Stop following an author, a category or a search",
    responses=errors(429),
)
def unfollow(
    kind: Annotated[FollowKind, Query(description="author, category or search")],
    value: Annotated[str, Query(description="As followed (case does not matter).")],
    request: Request,
    user: MemberDep,
    store: StoreDep,
) -> None:
    which, tidy = follow_input(kind, value, on=False)
    with unit_of_work(request, limit="vote"):
        store.follows.follow(user.id, which, tidy, on=False)


@router.post(
    "/submissions",
    status_code=201,
    dependencies=[Csrf],
    openapi_extra=SIGNED_IN_WRITE,
    summary="Submit a paper",
    responses=errors(404, 429, 502),
)
def submit(
    body: SubmissionIn,
    request: Request,
    user: MemberDep,
    store: StoreDep,
    background: BackgroundTasks,
) -> dict[str, Any]:
    paper = submit_for(request, user, body.reference, background)
    return _paper(store, paper.arxiv_id)


@router.patch(
    "/comments/{comment_id}",
    dependencies=[Csrf],
    openapi_extra=SIGNED_IN_WRITE,
    summary="Edit your comment",
    responses=errors(403),
)
def edit_comment(
    request: Request, comment_id: RowId, body: CommentEdit, user: MemberDep, store: StoreDep
) -> dict[str, Any]:
    text = comment_body(body.body)
    with unit_of_work(request):
        return comment_json(store.comments.edit(comment_id, user.id, text))


@router.delete(
    "/comments/{comment_id}",
    status_code=204,
    dependencies=[Csrf],
    openapi_extra=SIGNED_IN_WRITE,
    summary="Delete your comment",
    responses=errors(403),
)
def delete_comment(request: Request, comment_id: RowId, user: MemberDep, store: StoreDep) -> None:
    with unit_of_work(request):
        store.comments.delete(comment_id, user.id)


@router.put(
    f"/papers/{ARXIV_ID}/vote",
    dependencies=[Csrf],
    openapi_extra=SIGNED_IN_WRITE,
    summary="Upvote a paper",
    responses=errors(429),
)
def upvote(arxiv_id: str, request: Request, user: MemberDep, store: StoreDep) -> dict[str, Any]:
    with unit_of_work(request, limit="vote"):
        upvotes = store.votes.cast(user.id, arxiv_id, True)
    return {"id": arxiv_id, "voted": True, "upvotes": upvotes}


@router.delete(
    f"/papers/{ARXIV_ID}/vote",
    dependencies=[Csrf],
    openapi_extra=SIGNED_IN_WRITE,
    summary="Withdraw an upvote",
    responses=errors(429),
)
def unvote(arxiv_id: str, request: Request, user: MemberDep, store: StoreDep) -> dict[str, Any]:
    with unit_of_work(request, limit="vote"):
        upvotes = store.votes.cast(user.id, arxiv_id, False)
    return {"id": arxiv_id, "voted": False, "upvotes": upvotes}


@router.get(f"/papers/{ARXIV_ID}/comments", summary="Comments on a paper")
def comments(arxiv_id: str, store: StoreDep) -> list[dict[str, Any]]:
    return [comment_json(c) for c in store.comments.for_paper(arxiv_id) if not c.hidden]


@router.post(
    f"/papers/{ARXIV_ID}/comments",
    status_code=201,
    dependencies=[Csrf],
    openapi_extra=SIGNED_IN_WRITE,
    summary="Comment on a paper",
    responses=errors(429),
)
def add_comment(
    arxiv_id: str, body: CommentIn, request: Request, user: MemberDep, store: StoreDep
) -> dict[str, Any]:
    text = comment_body(body.body)
    with unit_of_work(request, limit="comment"):
        return comment_json(store.comments.add(arxiv_id, user.id, text, body.parent_id))


@router.get(f"/papers/{ARXIV_ID}/related", summary="Related papers")
def related(
    arxiv_id: str,
    store: StoreDep,
    searcher: SearchDep,
    limit: Annotated[int, Query(ge=1, le=50, description="How many papers.")] = 10,
) -> list[dict[str, Any]]:
    return [listed_json(i) for i in related_papers(searcher, store, arxiv_id, limit)]


@router.get(f"/papers/{ARXIV_ID}", summary="One paper with its community counts")
def paper(arxiv_id: str, store: StoreDep) -> dict[str, Any]:
    return _paper(store, arxiv_id)
