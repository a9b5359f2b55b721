"""Digest subscriptions on the site: subscribe (double opt-in), confirm, one-click unsubscribe
(RFC 8058, no sign-in), and the next digest previewed in the browser."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from paperfeed.digest.deliver import preview
from paperfeed.digest.render import digest_html
from paperfeed.digest.searching import saved_search
from paperfeed.digest.subscribe import (
    DEFAULT_TOP_N,
    add_confirmed,
    check_unsubscribe_token,
    confirm,
    request_subscription,
    unsubscribe,
)
from paperfeed.digest.tokens import unsubscribe_token
from paperfeed.errors import Invalid, NotFound
from paperfeed.mail.address import normalize_address
from paperfeed.models import Subscription
from paperfeed.web.deps import (
    Csrf,
    NowDep,
    OutboxDep,
    SearchDep,
    SettingsDep,
    SignInRequired,
    StoreDep,
    UserDep,
    unit_of_work,
)
from paperfeed.web.forms import DigestForm, digest_form, prefilled_content
from paperfeed.web.page import render

router = APIRouter(include_in_schema=False)

# The e-mail's own HTML, shown as is: inline styles, nothing else.
_PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
)


@router.get("/digest/subscribe")
def subscribe_form(
    request: Request,
    user: UserDep,
    q: str = "",
    category: str = "",
    author: str = "",
    period: str = "daily",
) -> Response:
    """The full form, prefilled from "e-mail me new papers like this" links."""
    content = prefilled_content(q, category, author, period, DEFAULT_TOP_N)
    values = digest_form(content, user.email if user else "")
    return render(request, "digest/subscribe.html", {"form": values, "error": None, "sent": None})


@router.post("/digest/subscribe", dependencies=[Csrf])
def subscribe(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    outbox: OutboxDep,
    user: UserDep,
    now: NowDep,
    content: DigestForm,
    email: Annotated[str, Form()] = "",
) -> Response:
    """Anyone may subscribe an address: a confirmation link goes to it. A signed-in member
    subscribing their own address is active at once (their sign-in proved it)."""
    values = digest_form(content, email)
    outgoing = []
    try:
        address = normalize_address(email or (user.email if user else ""))
        if user is not None and address == user.email:
            with unit_of_work(request):
                add_confirmed(store, address, content, now=now)
            return RedirectResponse("/settings#digest", status_code=303)
        with unit_of_work(request, limit="subscribe"):
            request_subscription(
                store,
                address,
                content,
                now=now,
                links=settings.links(),
                send=lambda msg, link: outgoing.append((msg, link)),
            )
    except Invalid as exc:
        return render(
            request,
            "digest/subscribe.html",
            {"form": values, "error": str(exc), "sent": None},
            status=400,
        )
    # Mailed once the subscription is committed, outside the transaction.
    for message, link in outgoing:
        outbox.send(message, link, "confirmation")
    return render(
        request, "digest/subscribe.html", {"form": values, "error": None, "sent": address}
    )


@router.get("/digest/confirm/{token}")
def confirm_form(request: Request, token: str) -> Response:
    # A button, not the GET itself: mail scanners open links, and must not subscribe anyone.
    return render(
        request, "digest/confirm.html", {"token": token, "confirmed": None, "preview_url": ""}
    )


@router.post("/digest/confirm/{token}", dependencies=[Csrf])
def confirm_subscription(
    request: Request, store: StoreDep, settings: SettingsDep, now: NowDep, token: str
) -> Response:
    with unit_of_work(request):
        sub = confirm(store, token, now=now)
    signed = unsubscribe_token(settings.secret_key, sub.id, sub.email)
    return render(
        request,
        "digest/confirm.html",
        {"token": token, "confirmed": sub, "preview_url": f"/digest/preview?token={signed}"},
    )


@router.get("/digest/unsubscribe/{token}")
def unsubscribe_form(
    request: Request, store: StoreDep, settings: SettingsDep, token: str
) -> Response:
    sub = check_unsubscribe_token(store, token, settings.links())
    return render(request, "digest/unsubscribe.html", {"token": token, "sub": sub, "done": False})


@router.post("/digest/unsubscribe/{token}")
def unsubscribe_now(
    request: Request, store: StoreDep, settings: SettingsDep, now: NowDep, token: str
) -> Response:
    """RFC 8058 one-click: mail providers POST `List-Unsubscribe=One-Click` here without
    cookies, so the signed token is the only credential (no CSRF token, no sign-in)."""
    with unit_of_work(request):
        sub = unsubscribe(store, token, links=settings.links(), now=now)
    return render(request, "digest/unsubscribe.html", {"token": token, "sub": sub, "done": True})


def _subscription_for(
    store: StoreDep, settings: SettingsDep, user: UserDep, token: str
) -> Subscription:
    if token:
        return check_unsubscribe_token(store, token, settings.links())
    if user is None:
        raise SignInRequired("sign in to preview your digest")
    sub = store.subscriptions.by_email(user.email)
    if sub is None:
        raise NotFound("you have no digest subscription yet: subscribe in your settings")
    return sub


@router.get("/digest/preview")
def digest_preview(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    search: SearchDep,
    user: UserDep,
    now: NowDep,
    token: str = "",
) -> Response:
    """The subscriber's next digest, composed now, as the e-mail will show it."""
    sub = _subscription_for(store, settings, user, token)
    digest = preview(store, sub, now, saved_search(search, store))
    if digest.is_empty:
        return render(request, "digest/empty.html", {"sub": sub, "period": digest.period})
    response = HTMLResponse(digest_html(digest, settings.links()))
    response.headers["Content-Security-Policy"] = _PREVIEW_CSP
    return response
