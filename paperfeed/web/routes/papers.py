"""A paper's page, votes, comments and submissions (HTML forms; htmx swaps where it helps)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Request, Response
from fastapi.responses import RedirectResponse

from paperfeed.arxiv_id import parse_reference
from paperfeed.errors import Invalid, NotFound, PaperfeedError
from paperfeed.feed.submission import submit_paper
from paperfeed.models import Comment, User
from paperfeed.settings import Settings
from paperfeed.store import Store
from paperfeed.text import one_line
from paperfeed.web.deps import (
    Csrf,
    CuratorDep,
    FetchDep,
    MemberDep,
    NowDep,
    SearchDep,
    SettingsDep,
    StoreDep,
    UserDep,
    admit,
    get_session,
    unit_of_work,
)
from paperfeed.web.forms import comment_body
from paperfeed.web.page import is_htmx, render
from paperfeed.web.searching import related_papers
from paperfeed.web.templating import paper_path, templates

router = APIRouter(include_in_schema=False)


def _thread(comments: list[Comment], viewer: User | None) -> list[tuple[Comment, list[Comment]]]:
    """Top-level comments with their replies; hidden ones only for curators and their author."""

    def visible(c: Comment) -> bool:
        return not c.hidden or (
            viewer is not None and (viewer.is_curator or viewer.id == c.author_id)
        )

    tops = [c for c in comments if c.parent_id is None]
    return [
        (top, [c for c in comments if c.parent_id == top.id and visible(c)])
        for top in tops
        if visible(top)
    ]


@router.get("/papers/submit")
def submit_form(
    request: Request, user: MemberDep, settings: SettingsDep, store: StoreDep, id: str = ""
) -> Response:
    """The form, prefilled with `id` when a card's "submit" link led here."""
    return _submit_page(request, user, settings, store, reference=one_line(id)[:300])


@router.post("/papers/submit", dependencies=[Csrf])
def submit(
    request: Request,
    user: MemberDep,
    settings: SettingsDep,
    store: StoreDep,
    fetch: FetchDep,
    search: SearchDep,
    now: NowDep,
    background: BackgroundTasks,
    reference: Annotated[str, Form()] = "",
) -> Response:
    admit(request, "submit")
    try:
        paper = submit_paper(
            store,
            reference,
            user,
            fetch=fetch,
            today=now.date(),
            window_days=settings.submission_window_days,
            daily_cap=settings.daily_submission_cap,
        )
    except (Invalid, NotFound) as exc:
        status = 400 if isinstance(exc, Invalid) else 404
        return _submit_page(request, user, settings, store, str(exc), reference, status)
    # The new paper becomes searchable once the response is sent.
    background.add_task(search.refresh)
    return RedirectResponse(paper_path(paper.arxiv_id) + "?submitted=1", status_code=303)


def _submit_page(
    request: Request,
    user: User,
    settings: Settings,
    store: Store,
    error: str | None = None,
    reference: str = "",
    status: int = 200,
) -> Response:
    """The submission form, with what the member has left today and, after a refusal, why
    and what they typed."""
    return render(
        request,
        "submit.html",
        {
            "window": settings.submission_window_days,
            "cap": settings.daily_submission_cap,
            "used": store.submissions.count_today(user.id),
            "error": error,
            "reference": reference,
        },
        status=status,
    )


@router.post("/papers/{arxiv_id:path}/vote", dependencies=[Csrf])
def vote(
    request: Request,
    arxiv_id: str,
    user: MemberDep,
    store: StoreDep,
    on: Annotated[int, Form()] = 1,
) -> Response:
    with unit_of_work(request, limit="vote"):
        upvotes = store.votes.cast(user.id, arxiv_id, bool(on))
    if is_htmx(request):
        return templates.TemplateResponse(
            request,
            "_vote.html",
            {
                "arxiv_id": arxiv_id,
                "upvotes": upvotes,
                "voted": bool(on),
                "csrf": get_session(request).csrf,
                "user": user,
            },
        )
    return RedirectResponse(paper_path(arxiv_id), status_code=303)


@router.post("/papers/{arxiv_id:path}/comments", dependencies=[Csrf])
def add_comment(
    request: Request,
    arxiv_id: str,
    user: MemberDep,
    store: StoreDep,
    body: Annotated[str, Form()] = "",
    parent_id: Annotated[int | None, Form()] = None,
) -> Response:
    text = comment_body(body)
    with unit_of_work(request, limit="comment"):
        comment = store.comments.add(arxiv_id, user.id, text, parent_id)
    return RedirectResponse(f"{paper_path(arxiv_id)}#comment-{comment.id}", status_code=303)


@router.post("/comments/{comment_id}/edit", dependencies=[Csrf])
def edit_comment(
    request: Request,
    comment_id: int,
    user: MemberDep,
    store: StoreDep,
    body: Annotated[str, Form()] = "",
) -> Response:
    text = comment_body(body)
    with unit_of_work(request):
        comment = store.comments.edit(comment_id, user.id, text)
    return RedirectResponse(f"{paper_path(comment.arxiv_id)}#comment-{comment.id}", status_code=303)


@router.post("/comments/{comment_id}/delete", dependencies=[Csrf])
def delete_comment(request: Request, comment_id: int, user: MemberDep, store: StoreDep) -> Response:
    with unit_of_work(request):
        comment = store.comments.get(comment_id)
        store.comments.delete(comment_id, user.id)
    return RedirectResponse(paper_path(comment.arxiv_id) + "#comments", status_code=303)


@router.post("/comments/{comment_id}/hide", dependencies=[Csrf])
def hide_comment(
    request: Request,
    comment_id: int,
    curator: CuratorDep,
    store: StoreDep,
    hidden: Annotated[int, Form()] = 1,
) -> Response:
    with unit_of_work(request):
        comment = store.comments.set_hidden(comment_id, bool(hidden))
    return RedirectResponse(f"{paper_path(comment.arxiv_id)}#comment-{comment.id}", status_code=303)


@router.get("/papers/{arxiv_id:path}")
def paper_page(
    request: Request,
    arxiv_id: str,
    store: StoreDep,
    search: SearchDep,
    user: UserDep,
) -> Response:
    canonical, _version = parse_reference(arxiv_id)
    if canonical != arxiv_id:
        return RedirectResponse(paper_path(canonical), status_code=301)
    listed = store.listings.listed([arxiv_id]).get(arxiv_id)
    if listed is None:
        raise NotFound(
            f"paperfeed has no paper {arxiv_id}. Signed-in members can submit it from arXiv."
        )
    try:
        related = related_papers(search, store, arxiv_id)
    except PaperfeedError:
        related = []
    voted = store.votes.voted(user.id, [arxiv_id]) if user else set()
    return render(
        request,
        "paper.html",
        {
            "item": listed,
            "paper": listed.paper,
            "voted": voted,
            "threads": _thread(store.comments.for_paper(arxiv_id), user),
            "related": related,
            "submitted": request.query_params.get("submitted") == "1",
        },
        json_url=f"/api/v1/papers/{arxiv_id}",
    )
