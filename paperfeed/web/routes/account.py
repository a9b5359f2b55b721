"""Signing in by e-mail link, and signing out: of this browser, or everywhere."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from paperfeed.errors import Invalid
from paperfeed.mail.address import normalize_address
from paperfeed.mail.message import Mail, build_mail
from paperfeed.web.deps import (
    Csrf,
    MemberDep,
    OutboxDep,
    SessionDep,
    SettingsDep,
    StoreDep,
    unit_of_work,
)
from paperfeed.web.forms import safe_next
from paperfeed.web.page import render
from paperfeed.web.session import MAX_AGE

router = APIRouter(include_in_schema=False)


def sign_in_message(mail_from: str, to: str, link: str, minutes: int) -> Mail:
    return build_mail(
        mail_from,
        to,
        "Your paperfeed sign-in link",
        f"Open this link to sign in to paperfeed:\n\n{link}\n\n"
        f"It works once and expires in {minutes} minutes. "
        "If you did not ask for it, ignore this e-mail.\n",
    )


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": safe_next(next), "sent_to": None, "error": None})


@router.post("/login", dependencies=[Csrf])
def send_link(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    outbox: OutboxDep,
    email: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    target = safe_next(next)
    try:
        address = normalize_address(email)
    except Invalid as exc:
        return render(
            request, "login.html", {"next": target, "sent_to": None, "error": str(exc)}, status=400
        )
    ttl = timedelta(minutes=settings.login_link_minutes)
    with unit_of_work(request, limit="login"):
        token = store.accounts.create_login_token(address, ttl)
    link = f"{settings.public_url}/login/verify?token={token}&next={quote(target)}"
    mail = sign_in_message(settings.mail_from, address, link, settings.login_link_minutes)
    outbox.send(mail, link, "sign-in link")
    return render(request, "login.html", {"next": target, "sent_to": address, "error": None})


@router.get("/login/verify")
def confirm_form(request: Request, token: str = "", next: str = "/") -> Response:
    # Signing in takes a POST: mail scanners that prefetch links cannot spend the token.
    return render(request, "verify.html", {"token": token, "next": safe_next(next)})


@router.post("/login/verify", dependencies=[Csrf])
def verify(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    session: SessionDep,
    token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    if not token or len(token) > 200:
        raise Invalid("this sign-in link is incomplete: copy the whole link from the e-mail")
    with unit_of_work(request):
        user = store.accounts.redeem_login_token(token, settings.admins)
        if session.id is not None:  # signed in already: that session is replaced, not kept
            store.accounts.end_session(session.id)
        session_id = store.accounts.start_session(user.id, timedelta(seconds=MAX_AGE))
    session.sign_in(session_id)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Csrf])
def logout(request: Request, store: StoreDep, session: SessionDep) -> Response:
    """End this browser's session for good: a copy of its cookie opens nothing afterwards."""
    if session.id is not None:
        with unit_of_work(request):
            store.accounts.end_session(session.id)
    session.sign_out()
    return RedirectResponse("/", status_code=303)


@router.post("/logout/everywhere", dependencies=[Csrf])
def logout_everywhere(
    request: Request, user: MemberDep, store: StoreDep, session: SessionDep
) -> Response:
    """End every session of the signed-in member, in every browser (API tokens are kept)."""
    with unit_of_work(request):
        store.accounts.end_sessions(user.id)
    session.sign_out()
    return RedirectResponse("/", status_code=303)
