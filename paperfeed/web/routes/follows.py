"""Following authors, categories and searches: the toggle beside each (a form htmx swaps in
place), /following with a member's follows and the links of their private feed, and a new
link for it. What a member follows is theirs alone: no page shows it to anyone else."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from paperfeed.digest.subscribe import check_rule
from paperfeed.errors import Invalid
from paperfeed.models import FOLLOW_KINDS, User
from paperfeed.settings import Settings
from paperfeed.store import Store
from paperfeed.web.deps import Csrf, MemberDep, SettingsDep, StoreDep, get_session, unit_of_work
from paperfeed.web.forms import safe_next
from paperfeed.web.guard import Flag
from paperfeed.web.page import is_htmx, render
from paperfeed.web.templating import templates

router = APIRouter(include_in_schema=False)
KIND_NAMES = {"author": "Authors", "category": "Categories", "search": "Searches"}


def follow_input(kind: str, value: str, on: bool = True) -> tuple[str, str]:
    """What a form or JSON body asks to follow (or stop following), checked at the edge: one
    of FOLLOW_KINDS, and a value the digest can match (to stop following, any value)."""
    if kind not in FOLLOW_KINDS:
        raise Invalid(f"one follows an author, a category or a search, not {kind[:20]!r}")
    if on:
        return kind, check_rule(kind, value)
    tidy = " ".join(value.split())
    if not tidy or len(tidy) > 1000 or not tidy.isprintable():
        raise Invalid(f"which {kind} to stop following?")
    return kind, tidy


def feed_links(settings: Settings, token: str) -> dict[str, str]:
    """The member's private feed, absolute: Atom and RSS."""
    base = f"{settings.public_url}/feeds/private/{token}"
    return {"atom": base + ".atom", "rss": base + ".rss"}


@router.post("/follows", dependencies=[Csrf])
def toggle(
    request: Request,
    user: MemberDep,
    store: StoreDep,
    kind: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
    on: Annotated[Flag, Form()] = 1,
    next: Annotated[str, Form()] = "/following",
    small: Annotated[Flag, Form()] = 0,
) -> Response:
    """Follow or unfollow; htmx gets the button back, a plain form goes back to `next`."""
    kind, value = follow_input(kind, value, bool(on))
    with unit_of_work(request, limit="vote"):
        store.follows.follow(user.id, kind, value, bool(on))
    back = safe_next(next)
    if is_htmx(request):
        return templates.TemplateResponse(
            request,
            "_follow.html",
            {
                "fk": kind,
                "fv": value,
                "small": bool(small),
                "next": back,
                "csrf": get_session(request).csrf,
                "user": user,
            },
        )
    return RedirectResponse(back, status_code=303)


def _following_page(
    request: Request,
    user: User,
    store: Store,
    settings: Settings,
    *,
    error: str | None = None,
    kind: str = "author",
    value: str = "",
    status: int = 200,
) -> Response:
    follows = store.follows.of(user.id)
    with unit_of_work(request):
        token = store.follows.feed_token(user.id)
    return render(
        request,
        "following.html",
        {
            "groups": [
                (k, KIND_NAMES[k], [f for f in follows if f.kind == k]) for k in FOLLOW_KINDS
            ],
            "count": len(follows),
            "feed": feed_links(settings, token),
            "error": error,
            "kind": kind,
            "value": value,
            "renewed": request.query_params.get("renewed") == "1",
            "here": "/following",
        },
        status=status,
    )


@router.get("/following")
def following_page(
    request: Request, user: MemberDep, store: StoreDep, settings: SettingsDep
) -> Response:
    response = _following_page(request, user, store, settings)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@router.post("/following", dependencies=[Csrf])
def add_follow(
    request: Request,
    user: MemberDep,
    store: StoreDep,
    settings: SettingsDep,
    kind: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
) -> Response:
    """The page's own form: follow what was typed, or show the page again with why not."""
    try:
        kind, tidy = follow_input(kind, value)
        with unit_of_work(request, limit="vote"):
            store.follows.follow(user.id, kind, tidy)
    except Invalid as exc:
        shown = kind if kind in FOLLOW_KINDS else "author"
        return _following_page(
            request, user, store, settings, error=str(exc), kind=shown, value=value, status=400
        )
    return RedirectResponse("/following", status_code=303)


@router.post("/following/feed-link", dependencies=[Csrf])
def new_feed_link(request: Request, user: MemberDep, store: StoreDep) -> Response:
    """A new secret link for the private feed; the old one stops working."""
    with unit_of_work(request):
        store.follows.feed_token(user.id, renew=True)
    return RedirectResponse("/following?renewed=1#feed", status_code=303)
