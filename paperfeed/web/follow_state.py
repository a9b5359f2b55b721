"""What the signed-in reader follows, as templates ask it (`following(kind, value)` beside
each follow button): read once per request from the store, matched as the store matches
follows (spacing tidied, case aside). A signed-out visitor follows nothing."""

from __future__ import annotations

from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context


def follow_key(kind: str, value: str) -> tuple[str, str]:
    return kind, " ".join(value.split()).casefold()


@pass_context
def following(ctx: Context, kind: str, value: str) -> bool:
    user = ctx.get("user")
    request: Any = ctx.get("request")
    if not user or request is None:
        return False
    known: frozenset[tuple[str, str]] | None = getattr(request.state, "follows", None)
    if known is None:
        follows = request.app.state.store.follows.of(user.id)
        known = request.state.follows = frozenset(follow_key(f.kind, f.value) for f in follows)
    return follow_key(kind, value) in known


@pass_context
def here(ctx: Context) -> str:
    """Where a follow form sends a reader back to without JavaScript: the page's `here`, else
    the path and query of the request rendering it."""
    given = ctx.get("here")
    if isinstance(given, str):
        return given
    request: Any = ctx.get("request")
    if request is None:
        return "/"
    query: str = request.url.query
    return str(request.url.path) + (f"?{query}" if query else "")
