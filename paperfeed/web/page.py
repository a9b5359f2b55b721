"""Rendering a page: the shared context (user, CSRF token, JSON twin, feeds) and headers."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from fastapi import Request, Response

from paperfeed.web.deps import get_session, get_user
from paperfeed.web.session import Session
from paperfeed.web.templating import templates


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def feed(title: str, path: str, query: str = "") -> tuple[str, str, str]:
    """(title, RSS URL, Atom URL) for a feed at `path`; `query` is an encoded query string."""
    suffix = f"?{query}" if query else ""
    return title, f"{path}.rss{suffix}", f"{path}.atom{suffix}"


class _Token:
    """The visitor's CSRF token as a template sees it: made when a page first writes it into a
    form. A page without one (a paper page as a signed-out visitor sees it) then hands out no
    token, and so sets no cookie; before, every rendered page made one."""

    __slots__ = ("_session",)

    def __init__(self, session: Session) -> None:
        self._session = session

    def __str__(self) -> str:
        return self._session.csrf

    def __html__(self) -> str:
        return self._session.csrf  # URL-safe base64: nothing to escape


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    json_url: str | None = None,
    feeds: Sequence[tuple[str, str, str]] = (),
    status: int = 200,
) -> Response:
    """Render `name`; `feeds` (see `feed`) are advertised in the page head. The JSON twin is
    linked in the head and in a `Link` header."""
    full = {
        "user": get_user(request),
        "csrf": _Token(get_session(request)),
        "json_url": json_url,
        "feeds": list(feeds),
        **context,
    }
    response = templates.TemplateResponse(request, name, full, status_code=status)
    if json_url:
        response.headers["Link"] = json_link(json_url)
    return response


def json_link(json_url: str) -> str:
    return f'<{json_url}>; rel="alternate"; type="application/json"'


# Stands for the visitor's CSRF token in pages rendered once for every signed-out visitor.
# Random per process, so no paper title or comment can contain it and be replaced.
_CSRF_SLOT = f"csrf-{secrets.token_hex(16)}"
_CSRF_SLOT_BYTES = _CSRF_SLOT.encode()


def render_signed_out(
    name: str,
    context: dict[str, Any],
    *,
    json_url: str | None = None,
    feeds: Sequence[tuple[str, str, str]] = (),
) -> bytes:
    """`name` as every signed-out visitor sees it, with a placeholder where each form's CSRF
    token goes, so the same bytes serve them all (see web/cache.py); serve them with
    `signed_out_response`."""
    full = {
        "user": None,
        "csrf": _CSRF_SLOT,
        "json_url": json_url,
        "feeds": list(feeds),
        **context,
    }
    return templates.get_template(name).render(full).encode()


def signed_out_response(request: Request, body: bytes, *, json_url: str | None = None) -> Response:
    """A page from `render_signed_out` served to one visitor: their own CSRF token in every
    form (one replace over the bytes; a page with a form hands out a token, and so a cookie,
    like any other). Such a page is theirs alone: `Cache-Control: private`."""
    headers = {"Link": json_link(json_url)} if json_url else {}
    if _CSRF_SLOT_BYTES in body:
        body = body.replace(_CSRF_SLOT_BYTES, get_session(request).csrf.encode())
        headers["Cache-Control"] = "private"
    return Response(body, media_type="text/html", headers=headers)
