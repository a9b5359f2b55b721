"""Digest subscriptions on the site: subscribe (double opt-in), confirm, one-click
unsubscribe (RFC 8058, no sign-in), the next digest previewed in the browser, and the digest
section of /settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from paperfeed.digest.deliver import preview, utcnow
from paperfeed.digest.periods import PERIODS
from paperfeed.digest.render import digest_html
from paperfeed.digest.searching import saved_search
from paperfeed.digest.subscribe import (
    DEFAULT_TOP_N,
    add_confirmed,
    check_unsubscribe_token,
    confirm,
    normalize_address,
    request_subscription,
    unsubscribe,
)
from paperfeed.digest.tokens import unsubscribe_token
from paperfeed.errors import Invalid, NotFound
from paperfeed.models import Subscription, SubscriptionContent
from paperfeed.web.deps import (
    Csrf,
    MailerDep,
    MemberDep,
    SearchDep,
    SettingsDep,
    SignInRequired,
    StoreDep,
    UserDep,
    rate_limit,
)
from paperfeed.web.mail import digest_links
from paperfeed.web.page import render

router = APIRouter(include_in_schema=False)

# The e-mail's own HTML, shown as is: inline styles, nothing else.
_PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
)


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.replace(",", " ").split())


def _content(
    period: str,
    send_hour: int,
    top_n: int,
    min_upvotes: int,
    queries: str,
    categories: str,
    authors: str,
) -> SubscriptionContent:
    return SubscriptionContent(
        period=period,
        send_hour=send_hour,
        top_n=top_n,
        min_upvotes=min_upvotes,
        queries=_lines(queries),
        categories=_words(categories),
        authors=_lines(authors),
    )


def _form_values(c: SubscriptionContent, email: str = "") -> dict[str, object]:
    return {
        "email": email,
        "period": c.period,
        "send_hour": c.send_hour,
        "top_n": c.top_n,
        "min_upvotes": c.min_upvotes,
        "queries": "\n".join(c.queries),
        "categories": " ".join(c.categories),
        "authors": "\n".join(c.authors),
    }


Text = Annotated[str, Form()]
Number = Annotated[int, Form()]


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
    content = SubscriptionContent(
        period=period if period in PERIODS else "daily",
        top_n=0 if (q or category or author) else DEFAULT_TOP_N,
        queries=_lines(q[:500]),
        categories=_words(category[:200]),
        authors=_lines(author[:200]),
    )
    values = _form_values(content, user.email if user else "")
    return render(request, "digest/subscribe.html", {"form": values, "error": None, "sent": None})


@router.post("/digest/subscribe", dependencies=[Csrf])
def subscribe(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    mailer: MailerDep,
    user: UserDep,
    email: Text = "",
    period: Text = "daily",
    send_hour: Number = 6,
    top_n: Number = 0,
    min_upvotes: Number = 0,
    queries: Text = "",
    categories: Text = "",
    authors: Text = "",
) -> Response:
    """Anyone may subscribe an address: a confirmation link goes to it. A signed-in member
    subscribing their own address is active at once (their sign-in proved it)."""
    content = _content(period, send_hour, top_n, min_upvotes, queries, categories, authors)
    values = _form_values(content, email)
    try:
        address = normalize_address(email or (user.email if user else ""))
        if user is not None and address == user.email.lower():
            add_confirmed(store, address, content, now=utcnow())
            return RedirectResponse("/settings#digest", status_code=303)
        rate_limit(request, "subscribe")
        request_subscription(
            store,
            address,
            content,
            now=utcnow(),
            links=digest_links(settings),
            send=lambda msg, link: mailer.send(msg, link, "confirmation"),
        )
    except Invalid as exc:
        return render(
            request,
            "digest/subscribe.html",
            {"form": values, "error": str(exc), "sent": None},
            status=400,
        )
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
    request: Request, store: StoreDep, settings: SettingsDep, token: str
) -> Response:
    sub = confirm(store, token, now=utcnow())
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
    sub = check_unsubscribe_token(store, token, digest_links(settings))
    return render(request, "digest/unsubscribe.html", {"token": token, "sub": sub, "done": False})


@router.post("/digest/unsubscribe/{token}")
def unsubscribe_now(
    request: Request, store: StoreDep, settings: SettingsDep, token: str
) -> Response:
    """RFC 8058 one-click: mail providers POST `List-Unsubscribe=One-Click` here without
    cookies, so the signed token is the only credential (no CSRF token, no sign-in)."""
    sub = unsubscribe(store, token, links=digest_links(settings), now=utcnow())
    return render(request, "digest/unsubscribe.html", {"token": token, "sub": sub, "done": True})


def _subscription_for(
    store: StoreDep, settings: SettingsDep, user: UserDep, token: str
) -> Subscription:
    if token:
        return check_unsubscribe_token(store, token, digest_links(settings))
    if user is None:
        raise SignInRequired("sign in to preview your digest")
    sub = store.subscriptions.by_email(user.email.lower())
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
    token: str = "",
) -> Response:
    """The subscriber's next digest, composed now, as the e-mail will show it."""
    sub = _subscription_for(store, settings, user, token)
    digest = preview(store, sub, utcnow(), saved_search(search))
    if digest.is_empty:
        return render(request, "digest/empty.html", {"sub": sub, "period": digest.period})
    response = HTMLResponse(digest_html(digest, digest_links(settings)))
    response.headers["Content-Security-Policy"] = _PREVIEW_CSP
    return response


@router.post("/settings/digest", dependencies=[Csrf])
def save_settings(
    request: Request,
    store: StoreDep,
    user: MemberDep,
    period: Text = "daily",
    send_hour: Number = 6,
    top_n: Number = 0,
    min_upvotes: Number = 0,
    queries: Text = "",
    categories: Text = "",
    authors: Text = "",
) -> Response:
    """A member's own subscription: saved active (this also resumes a paused one)."""
    content = _content(period, send_hour, top_n, min_upvotes, queries, categories, authors)
    add_confirmed(store, user.email, content, now=utcnow())
    return RedirectResponse("/settings#digest", status_code=303)


@router.post("/settings/digest/stop", dependencies=[Csrf])
def stop(store: StoreDep, user: MemberDep) -> Response:
    sub = store.subscriptions.by_email(user.email.lower())
    if sub is not None and sub.status != "unsubscribed":
        store.subscriptions.set_status(sub.id, "unsubscribed", utcnow())
    return RedirectResponse("/settings#digest", status_code=303)


def settings_context(store: StoreDep, email: str) -> dict[str, object]:
    """What /settings shows of a member's digest."""
    sub = store.subscriptions.by_email(email.lower())
    content = sub.content if sub else SubscriptionContent(top_n=DEFAULT_TOP_N)
    return {
        "digest": sub,
        "digest_form": _form_values(content, email),
        "digest_history": store.deliveries.history(sub.id, limit=5) if sub else [],
    }
