"""A member's own library as templates ask it: the paper page's panel (`library_of(id)`: the
collections holding the paper among theirs, their note and read state, whether they hid it)
and the names of collections' visibilities. Registered in templating.py; the pages that
change the library are routes/library.py."""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import pass_context
from jinja2.runtime import Context

from paperfeed.models import Collection, PaperNote, User
from paperfeed.store import Store

VISIBILITY_LABELS = {
    "private": "Private",
    "link": "Anyone with the link",
    "public": "Public",
}


@dataclass(frozen=True, slots=True)
class PaperLibrary:
    """What the paper page shows a member of their own library: the collections holding the
    paper among all of theirs, their note and read state, and whether they hid it."""

    collections: list[Collection]
    holding: frozenset[int]
    note: PaperNote | None
    dismissed: bool

    @property
    def saved(self) -> bool:
        return bool(self.holding)

    @property
    def read(self) -> bool:
        return self.note is not None and self.note.read_at is not None


def paper_library(store: Store, user: User, arxiv_id: str) -> PaperLibrary:
    return PaperLibrary(
        collections=store.library.collections(user.id),
        holding=store.library.saved(user.id, [arxiv_id]).get(arxiv_id, frozenset()),
        note=store.library.notes(user.id, [arxiv_id]).get(arxiv_id),
        dismissed=bool(store.library.dismissed(user.id, [arxiv_id])),
    )


@pass_context
def library_of(ctx: Context, arxiv_id: str) -> PaperLibrary | None:
    """`library_of(id)` in a template: the signed-in member's library panel for a paper
    (paper.html), None for a signed-out visitor."""
    user = ctx.get("user")
    request = ctx.get("request")
    if not user or request is None:
        return None
    return paper_library(request.app.state.store, user, arxiv_id)
