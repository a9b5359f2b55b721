"""A member's settings: display name, the papers they claim to be an author of, API tokens,
their own digest, where they are signed in, and their data (downloaded whole, or deleted with
the account)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from paperfeed.digest.subscribe import DEFAULT_TOP_N, add_confirmed
from paperfeed.errors import Invalid
from paperfeed.feed.claims import placed
from paperfeed.models import SubscriptionContent, User
from paperfeed.store import Store
from paperfeed.web.deps import Csrf, MemberDep, NowDep, SessionDep, StoreDep, unit_of_work
from paperfeed.web.forms import DigestForm, digest_form, display_name
from paperfeed.web.page import render

router = APIRouter(include_in_schema=False)


def _settings_page(
    request: Request, user: User, store: Store, new_token: str | None = None
) -> Response:
    """A member's settings: API tokens (a new one shown once), their digest, and how many
    sessions "sign out everywhere" would end."""
    sub = store.subscriptions.by_email(user.email)
    content = sub.content if sub else SubscriptionContent(top_n=DEFAULT_TOP_N)
    claims = placed(store, store.claims.of_user(user.id))
    return render(
        request,
        "settings.html",
        {
            "tokens": store.accounts.api_tokens(user.id),
            "new_token": new_token,
            "digest": sub,
            "digest_form": digest_form(content, user.email),
            "digest_history": store.deliveries.history(sub.id, limit=5) if sub else [],
            "sessions": store.accounts.session_count(user.id),
            "claims": claims,
            "claimed_papers": store.papers.get_many([c.arxiv_id for c in claims]),
        },
    )


@router.get("/settings")
def settings_page(request: Request, user: MemberDep, store: StoreDep) -> Response:
    return _settings_page(request, user, store)


@router.post("/settings/name", dependencies=[Csrf])
def rename(
    request: Request, user: MemberDep, store: StoreDep, name: Annotated[str, Form()] = ""
) -> Response:
    new_name = display_name(name)
    with unit_of_work(request):
        store.accounts.rename(user.id, new_name)
    return RedirectResponse("/settings", status_code=303)


@router.post("/settings/tokens", dependencies=[Csrf])
def new_token(
    request: Request, user: MemberDep, store: StoreDep, name: Annotated[str, Form()] = ""
) -> Response:
    label = name.strip()[:100] or "API token"
    with unit_of_work(request):
        token = store.accounts.create_api_token(user.id, label)
    return _settings_page(request, user, store, new_token=token)


@router.post("/settings/tokens/{token_id}/revoke", dependencies=[Csrf])
def revoke(request: Request, user: MemberDep, store: StoreDep, token_id: str) -> Response:
    with unit_of_work(request):
        store.accounts.revoke_api_token(user.id, token_id)
    return RedirectResponse("/settings", status_code=303)


@router.post("/settings/digest", dependencies=[Csrf])
def save_digest(
    request: Request,
    store: StoreDep,
    user: MemberDep,
    now: NowDep,
    content: DigestForm,
) -> Response:
    """A member's own subscription: saved active (this also resumes a paused one)."""
    with unit_of_work(request):
        add_confirmed(store, user.email, content, now=now)
    return RedirectResponse("/settings#digest", status_code=303)


@router.post("/settings/digest/stop", dependencies=[Csrf])
def stop_digest(request: Request, store: StoreDep, user: MemberDep, now: NowDep) -> Response:
    with unit_of_work(request):
        sub = store.subscriptions.by_email(user.email)
        if sub is not None and sub.status != "unsubscribed":
            store.subscriptions.set_status(sub.id, "unsubscribed", now)
    return RedirectResponse("/settings#digest", status_code=303)


@router.get("/settings/data.json")
def download_data(user: MemberDep, store: StoreDep, now: NowDep) -> Response:
    """Everything the site keeps about the member, as one JSON file (no secrets)."""
    data = {"exported_at": now.isoformat(), **store.personal_data.export(user.id)}
    return JSONResponse(
        data,
        headers={
            "Content-Disposition": f'attachment; filename="paperfeed-{user.name}.json"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/settings/delete", dependencies=[Csrf])
def delete_account(
    request: Request,
    user: MemberDep,
    store: StoreDep,
    session: SessionDep,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Delete the account and everything in it, once the member typed their name."""
    if confirm.strip().lstrip("@") != user.name:
        raise Invalid(f"type your name, {user.name}, to delete your account")
    with unit_of_work(request):
        store.personal_data.erase(user.id)
    session.sign_out()
    return RedirectResponse("/?account=deleted", status_code=303)
