"""Signing in by e-mail link, signing out, and a member's settings (name, API tokens)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from paperfeed.errors import Invalid
from paperfeed.models import User
from paperfeed.store import Store
from paperfeed.web.deps import (
    Csrf,
    MailerDep,
    MemberDep,
    SessionDep,
    SettingsDep,
    StoreDep,
    rate_limit,
)
from paperfeed.web.page import render
from paperfeed.web.routes.digest import settings_context

router = APIRouter(include_in_schema=False)

_EMAIL = re.compile(r"[^@\s<>\"',;]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}")
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{1,38}[a-z0-9]")


def valid_email(text: str) -> str:
    email = text.strip()
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        raise Invalid(f"{email[:80]!r} is not an e-mail address")
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def valid_name(text: str) -> str:
    name = text.strip().lower()
    if not _NAME.fullmatch(name):
        raise Invalid(
            "names are 3 to 40 characters: lowercase letters, digits, '-' and '_', "
            "starting and ending with a letter or digit"
        )
    return name


def safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect somewhere else after signing in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": safe_next(next), "sent_to": None, "error": None})


@router.post("/login", dependencies=[Csrf])
def send_link(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    mailer: MailerDep,
    email: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    target = safe_next(next)
    try:
        address = valid_email(email)
    except Invalid as exc:
        return render(
            request, "login.html", {"next": target, "sent_to": None, "error": str(exc)}, status=400
        )
    rate_limit(request, "login")
    token = store.accounts.create_login_token(
        address.lower(), timedelta(minutes=settings.login_link_minutes)
    )
    link = f"{settings.public_url}/login/verify?token={token}&next={quote(target)}"
    mailer.send_login_link(address, link)
    return render(request, "login.html", {"next": target, "sent_to": address, "error": None})


@router.get("/login/verify")
def confirm_form(request: Request, token: str = "", next: str = "/") -> Response:
    # Signing in takes a POST: mail scanners that prefetch links cannot spend the token.
    return render(request, "verify.html", {"token": token, "next": safe_next(next)})


@router.post("/login/verify", dependencies=[Csrf])
def verify(
    store: StoreDep,
    settings: SettingsDep,
    session: SessionDep,
    token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    if not token or len(token) > 200:
        raise Invalid("this sign-in link is incomplete: copy the whole link from the e-mail")
    user = store.accounts.redeem_login_token(token, settings.admins)
    session.sign_in(user.id)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Csrf])
def logout(session: SessionDep) -> Response:
    session.sign_out()
    return RedirectResponse("/", status_code=303)


@router.get("/settings")
def settings_page(request: Request, user: MemberDep, store: StoreDep) -> Response:
    return _settings_page(request, user, store)


@router.post("/settings/name", dependencies=[Csrf])
def rename(user: MemberDep, store: StoreDep, name: Annotated[str, Form()] = "") -> Response:
    store.accounts.rename(user.id, valid_name(name))
    return RedirectResponse("/settings", status_code=303)


@router.post("/settings/tokens", dependencies=[Csrf])
def new_token(
    request: Request, user: MemberDep, store: StoreDep, name: Annotated[str, Form()] = ""
) -> Response:
    label = name.strip()[:100] or "API token"
    token = store.accounts.create_api_token(user.id, label)
    return _settings_page(request, user, store, new_token=token)


def _settings_page(
    request: Request, user: User, store: Store, new_token: str | None = None
) -> Response:
    """A member's settings: API tokens (a new one shown once) and their digest."""
    return render(
        request,
        "settings.html",
        {
            "tokens": store.accounts.api_tokens(user.id),
            "new_token": new_token,
            **settings_context(store, user.email),
        },
    )


@router.post("/settings/tokens/{token_id}/revoke", dependencies=[Csrf])
def revoke(user: MemberDep, store: StoreDep, token_id: str) -> Response:
    store.accounts.revoke_api_token(user.id, token_id)
    return RedirectResponse("/settings", status_code=303)
