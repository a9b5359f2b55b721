"""A paper's page, votes, comments and submissions (HTML forms; htmx swaps where it helps)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Request, Response
from fastapi.responses import RedirectResponse

from paperfeed.arxiv_id import parse_reference
from paperfeed.errors import Invalid, NotFound, PaperfeedError, RateLimited, Upstream
from paperfeed.feed.links import may_set_links, set_links
from paperfeed.feed.submission import submission_day, submit_paper, submittable_example
from paperfeed.models import Comment, User
from paperfeed.search.searcher import Searcher
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
    read_endpoint,
    unit_of_work,
)
from paperfeed.web.forms import comment_body, github_repo, link_url
from paperfeed.web.guard import Flag, RowId
from paperfeed.web.page import is_htmx, render
from paperfeed.web.routes.claims import claim_context
from paperfeed.web.searching import related_papers
from paperfeed.web.templating import paper_path, templates

router = APIRouter(include_in_schema=False)
# How a refused submission is answered (anything else Invalid: 400).
_REFUSALS: tuple[tuple[type[PaperfeedError], int], ...] = (
    (NotFound, 404),
    (RateLimited, 429),
    (Upstream, 502),
)


@dataclass(frozen=True, slots=True)
class Draft:
    """A comment form sent back after a refusal: which form ("new", "reply-<thread id>",
    "edit-<comment id>"), what was typed, and why it was refused."""

    form: str
    body: str
    error: str


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
    request: Request,
    user: MemberDep,
    settings: SettingsDep,
    store: StoreDep,
    now: NowDep,
    id: str = "",
) -> Response:
    """The form, prefilled with `id` when a card's "submit" link led here."""
    return _submit_page(request, user, settings, store, now.date(), reference=one_line(id)[:300])


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
    except (Invalid, NotFound, RateLimited, Upstream) as exc:
        # The form again, with what was typed and why: arXiv being away is worth another try.
        status = next((code for kind, code in _REFUSALS if isinstance(exc, kind)), 400)
        page = _submit_page(request, user, settings, store, now.date(), str(exc), reference, status)
        if isinstance(exc, RateLimited):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    # The new paper becomes searchable once the response is sent.
    background.add_task(search.refresh)
    return RedirectResponse(paper_path(paper.arxiv_id) + "?submitted=1", status_code=303)


def _submit_page(
    request: Request,
    user: User,
    settings: Settings,
    store: Store,
    today: date,
    error: str | None = None,
    reference: str = "",
    status: int = 200,
) -> Response:
    """The submission form, with the day submissions join, an id that could be submitted,
    what the member has left today and, after a refusal, why and what they typed."""
    day = submission_day(store, today)
    window = settings.submission_window_days
    return render(
        request,
        "submit.html",
        {
            "window": window,
            "cap": settings.daily_submission_cap,
            "used": store.submissions.count_today(user.id),
            "error": error,
            "reference": reference,
            "day": day,
            "today": today,
            "example": submittable_example(store, day, window),
        },
        status=status,
    )


@router.post("/papers/{arxiv_id:path}/vote", dependencies=[Csrf])
def vote(
    request: Request,
    arxiv_id: str,
    user: MemberDep,
    store: StoreDep,
    on: Annotated[Flag, Form()] = 1,
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


@router.post("/papers/{arxiv_id:path}/links", dependencies=[Csrf])
def paper_links(
    request: Request,
    arxiv_id: str,
    user: MemberDep,
    store: StoreDep,
    github: Annotated[str, Form()] = "",
    project: Annotated[str, Form()] = "",
) -> Response:
    """The paper page's links form (its submitter's and admins'): an empty field clears one."""
    code = github_repo(github, "GitHub repository")
    page = link_url(project, "Project page")
    with unit_of_work(request):
        set_links(store, arxiv_id, user, code, page)
    return RedirectResponse(paper_path(arxiv_id) + "#links", status_code=303)


@router.post("/papers/{arxiv_id:path}/comments", dependencies=[Csrf])
def add_comment(
    request: Request,
    arxiv_id: str,
    user: MemberDep,
    store: StoreDep,
    search: SearchDep,
    body: Annotated[str, Form()] = "",
    parent_id: Annotated[RowId | None, Form()] = None,
) -> Response:
    """Post a comment or reply; refused (empty, too long, too many), the page or, for htmx,
    the form comes back with the message and the text as typed."""
    typed = _form_text(body)
    try:
        text = comment_body(typed)
        with unit_of_work(request, limit="comment"):
            comment = store.comments.add(arxiv_id, user.id, text, parent_id)
    except (Invalid, RateLimited) as exc:
        # Reply forms belong to a thread's first comment, the parent they send.
        draft = Draft("new" if parent_id is None else f"reply-{parent_id}", typed, str(exc))
        return _refused(request, store, search, user, arxiv_id, draft, exc)
    return RedirectResponse(f"{paper_path(arxiv_id)}#comment-{comment.id}", status_code=303)


@router.post("/comments/{comment_id}/edit", dependencies=[Csrf])
def edit_comment(
    request: Request,
    comment_id: RowId,
    user: MemberDep,
    store: StoreDep,
    search: SearchDep,
    body: Annotated[str, Form()] = "",
) -> Response:
    typed = _form_text(body)
    try:
        text = comment_body(typed)
    except Invalid as exc:
        original = store.comments.get(comment_id)
        if original.author_id != user.id:
            raise
        draft = Draft(f"edit-{comment_id}", typed, str(exc))
        return _refused(request, store, search, user, original.arxiv_id, draft, exc)
    with unit_of_work(request):
        comment = store.comments.edit(comment_id, user.id, text)
    return RedirectResponse(f"{paper_path(comment.arxiv_id)}#comment-{comment.id}", status_code=303)


def _form_text(body: str) -> str:
    """A textarea's text as typed: browsers send line breaks as CRLF, which would count twice
    against the length its `maxlength` allowed."""
    return body.replace("\r\n", "\n")


def _refused(
    request: Request,
    store: Store,
    search: Searcher,
    user: User,
    arxiv_id: str,
    draft: Draft,
    exc: Invalid | RateLimited,
) -> Response:
    """A refused comment: for htmx the form it came from, else the whole paper page, each
    carrying the message and the text; 400 (429 over the rate limit, with Retry-After)."""
    status = 429 if isinstance(exc, RateLimited) else 400
    response: Response
    if is_htmx(request):
        context = {"user": user, "csrf": get_session(request).csrf, "draft": draft}
        kind, _, key = draft.form.partition("-")
        if kind == "edit":
            comment = store.comments.get(int(key))
            name, context = "_comment.html", {**context, "c": comment}
        else:
            parent = int(key) if key else None
            name = "_comment_form.html"
            context = {**context, "arxiv_id": arxiv_id, "form_id": draft.form, "parent": parent}
        response = templates.TemplateResponse(request, name, context, status_code=status)
    else:
        response = _paper_page(request, arxiv_id, store, search, user, draft=draft, status=status)
    if isinstance(exc, RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


@router.post("/comments/{comment_id}/delete", dependencies=[Csrf])
def delete_comment(
    request: Request, comment_id: RowId, user: MemberDep, store: StoreDep
) -> Response:
    with unit_of_work(request):
        comment = store.comments.get(comment_id)
        store.comments.delete(comment_id, user.id)
    return RedirectResponse(paper_path(comment.arxiv_id) + "#comments", status_code=303)


@router.post("/comments/{comment_id}/hide", dependencies=[Csrf])
def hide_comment(
    request: Request,
    comment_id: RowId,
    curator: CuratorDep,
    store: StoreDep,
    hidden: Annotated[Flag, Form()] = 1,
) -> Response:
    with unit_of_work(request):
        comment = store.comments.set_hidden(comment_id, bool(hidden))
    return RedirectResponse(f"{paper_path(comment.arxiv_id)}#comment-{comment.id}", status_code=303)


@router.get("/papers/{arxiv_id:path}")
@read_endpoint
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
    with store.snapshot():
        return _paper_page(request, arxiv_id, store, search, user)


def _paper_page(
    request: Request,
    arxiv_id: str,
    store: Store,
    search: Searcher,
    user: User | None,
    *,
    draft: Draft | None = None,
    status: int = 200,
) -> Response:
    """A paper's page; `draft` is a refused comment to show in the form it came from."""
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
            "hf": store.hf.get_many([arxiv_id, *(r.paper.arxiv_id for r in related)]),
            "threads": _thread(store.comments.for_paper(arxiv_id), user),
            "related": related,
            "submitted": request.query_params.get("submitted") == "1",
            "draft": draft,
            "can_set_links": may_set_links(store, arxiv_id, user),
            **claim_context(store, listed.paper, user),
        },
        json_url=f"/api/v1/papers/{arxiv_id}",
        status=status,
    )
