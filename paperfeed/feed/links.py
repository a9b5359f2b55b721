"""A paper's code and project links as its community sets them: the member who submitted it,
a verified author of it (feed/claims.py) or an admin may; what they set stays, whatever an
import says afterwards."""

from __future__ import annotations

from paperfeed.errors import Forbidden, NotFound
from paperfeed.feed.claims import is_verified_author
from paperfeed.models import User
from paperfeed.store import Store


def may_set_links(store: Store, arxiv_id: str, user: User | None) -> bool:
    """Whether `user` may set the links of `arxiv_id`: an admin, a member who submitted it, or
    one an admin verified as one of its authors."""
    if user is None:
        return False
    return (
        user.is_admin
        or store.submissions.is_submitter(arxiv_id, user.id)
        or is_verified_author(store, arxiv_id, user.id)
    )


def set_links(
    store: Store, arxiv_id: str, user: User, code_url: str | None, project_url: str | None
) -> None:
    """Set both links (None clears one), checked and written in the caller's unit of work;
    NotFound for a paper the site does not have, Forbidden for someone not allowed."""
    if store.papers.get(arxiv_id) is None:
        raise NotFound(f"no paper {arxiv_id}")
    if not may_set_links(store, arxiv_id, user):
        raise Forbidden(
            "only a verified author of this paper, the member who submitted this paper, "
            "or an admin, can set its links"
        )
    store.papers.set_links(arxiv_id, code_url, project_url, user.id)
