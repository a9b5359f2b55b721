"""Rendering a page: the shared context (user, CSRF token, JSON twin, feeds) and headers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Request, Response

from paperfeed.web.deps import get_session, get_user
from paperfeed.web.templating import templates


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def feed(title: str, path: str, query: str = "") -> tuple[str, str, str]:
    """(title, RSS URL, Atom URL) for a feed at `path`; `query` is an encoded query string."""
    suffix = f"?{query}" if query else ""
    return title, f"{path}.rss{suffix}", f"{path}.atom{suffix}"


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
        "csrf": get_session(request).csrf,
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


def render_signed_out(
    name: str,
    context: dict[str, Any],
    *,
    json_url: str | None = None,
    feeds: Sequence[tuple[str, str, str]] = (),
) -> bytes:
    """`name` as every signed-out visitor sees it: no user and no form token, so the same
    bytes serve them all (see web/cache.py)."""
    full = {"user": None, "csrf": "", "json_url": json_url, "feeds": list(feeds), **context}
    return templates.get_template(name).render(full).encode()
