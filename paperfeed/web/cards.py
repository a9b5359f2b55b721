"""Listing cards rendered once per distinct content, not once per request.

A listing page is thirty cards, and rendering them through the `card` macro was half of the
CPU of `/` with the page cache off (issue 15). A card's HTML is a pure function of what it is
given: the listed paper (its fields, upvotes and comment count), whether the reader upvoted it,
saved it or read it (their library's marks), whether anyone is signed in (and then their CSRF
token and the page the forms send them back to), what Hugging Face
says of it, the day from which cards offer "submit to the daily list", and the ranking shown
beside it. `card` renders through the calling template's own macro on a miss and keeps the
HTML under a key made of exactly those values, so an upvote, a new comment or an edited title
makes a new key and the next page shows it: nothing is stale, and no write has to reach this
memo. The memo is per process and bounded (least recently used entries leave first).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from paperfeed.models import HfFields, ListedPaper, User
from paperfeed.store import Store

# About 2 kB each: a few megabytes, for the cards of every listing a busy site shows.
SIZE = 4096


class CardMemo:
    """A bounded, thread-safe map from a card's inputs to its HTML."""

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Markup] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Markup | None:
        with self._lock:
            html = self._entries.get(key)
            if html is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return html

    def put(self, key: Hashable, html: Markup) -> None:
        with self._lock:
            self._entries[key] = html
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0


memo = CardMemo()


@dataclass(frozen=True, slots=True)
class HfExtras:
    """What a card (and a paper page) shows of the fields imported from Hugging Face; a
    card's memo key holds it, not the fields themselves."""

    github_stars: int | None = None
    organization: str | None = None  # its account name, for the avatar
    organization_name: str | None = None


def hf_extras(hf: HfFields | None) -> HfExtras:
    paper = hf.fields.get("paper") if hf is not None else None
    if not isinstance(paper, dict):
        return HfExtras()
    stars = paper.get("githubStars")
    org = paper.get("organization")
    name = org.get("name") if isinstance(org, dict) else None
    fullname = org.get("fullname") if isinstance(org, dict) else None
    return HfExtras(
        github_stars=stars if isinstance(stars, int) and not isinstance(stars, bool) else None,
        organization=name if isinstance(name, str) and name else None,
        organization_name=fullname if isinstance(fullname, str) and fullname else None,
    )


def lookup(mapping: Any, key: str) -> Any:
    """`mapping[key]`, None when the page has no such mapping or key (a card's HF fields)."""
    return mapping.get(key) if isinstance(mapping, dict) else None


@dataclass(frozen=True, slots=True)
class Marks:
    """A member's own marks on the papers of a page (their library's, private to them): which
    they saved and which they read."""

    saved: frozenset[str] = frozenset()
    read: frozenset[str] = frozenset()


NO_MARKS = Marks()


def reader_marks(store: Store, user: User | None, ids: Sequence[str]) -> Marks:
    """The member's marks on `ids`; none for a signed-out visitor."""
    if user is None or not ids:
        return NO_MARKS
    notes = store.library.notes(user.id, ids)
    return Marks(
        saved=frozenset(store.library.saved(user.id, ids)),
        read=frozenset(i for i, n in notes.items() if n.read_at is not None),
    )


def for_reader(
    store: Store, user: User | None, items: Sequence[ListedPaper]
) -> tuple[list[ListedPaper], Marks]:
    """The cards a reader sees, without the papers they marked "not interested", and their
    marks on them. A signed-out visitor sees every card: pages rendered once for all of them
    (web/cache.py) never hold anyone's choices."""
    if user is None:
        return list(items), NO_MARKS
    gone = store.library.dismissed(user.id, [i.paper.arxiv_id for i in items])
    kept = [i for i in items if i.paper.arxiv_id not in gone]
    return kept, reader_marks(store, user, [i.paper.arxiv_id for i in kept])


def _marks(ctx: Context, user: User, arxiv_id: str) -> Marks:
    """The page's marks, or (a page that did not look them up: a paper's related papers)
    this card's own."""
    marks = ctx.get("marks")
    if isinstance(marks, Marks):
        return marks
    request = ctx.get("request")
    if request is None:
        return NO_MARKS
    return reader_marks(request.app.state.store, user, [arxiv_id])


def here(ctx: Context) -> str:
    """The page a card's forms send a reader back to without JavaScript: the page's `here`,
    else the path and query of the request that renders it."""
    given = ctx.get("here")
    if isinstance(given, str):
        return given
    request = ctx.get("request")
    if request is None:
        return "/"
    path: str = request.url.path
    query: str = request.url.query
    return path + (f"?{query}" if query else "")


def card_key(
    ctx: Context, item: ListedPaper, voted: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Hashable:
    """Everything the `card` macro (and the `_vote.html` and `_save.html` it includes) reads;
    a member's marks and the page their forms go back to are among `kwargs`."""
    signed_in = bool(ctx.get("user"))
    return (
        item,
        item.paper.arxiv_id in voted,
        signed_in,
        str(ctx.get("csrf")) if signed_in else None,
        hf_extras(lookup(ctx.get("hf"), item.paper.arxiv_id)),
        ctx.get("submit_from"),
        ctx.get("window"),
        args,
        tuple(sorted(kwargs.items())),
    )


@pass_context
def card(ctx: Context, item: ListedPaper, voted: Any, *args: Any, **kwargs: Any) -> Markup:
    """`card(item, voted, …)` from `_card.html`, as the calling template renders it, from the
    memo when a card with the same inputs was rendered before."""
    macro = ctx.resolve("card_macro")
    user = ctx.get("user")
    if user:
        # The reader's own state goes to the macro as arguments, so it is in the key.
        marks = _marks(ctx, user, item.paper.arxiv_id)
        kwargs = {
            **kwargs,
            "saved": item.paper.arxiv_id in marks.saved,
            "read": item.paper.arxiv_id in marks.read,
            "here": here(ctx),
        }
    try:
        key = card_key(ctx, item, voted, args, kwargs)
        html = memo.get(key)
    except TypeError:  # an unhashable argument (a list of terms): rendered every time
        return Markup(macro(item, voted, *args, **kwargs))
    if html is None:
        html = Markup(macro(item, voted, *args, **kwargs))
        memo.put(key, html)
    return html
