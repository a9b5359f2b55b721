"""Adding a paper to the site without putting it on a day's list, as Hugging Face's
`POST /api/papers/index` does: fetched from arXiv and stored, so that it has a page, can be
searched, voted on, linked and submitted later. A paper the site has already is fetched again
(its latest version, metadata and categories) only for its verified authors and admins, as HF
lets only a paper's authors re-index it."""

from __future__ import annotations

from paperfeed.arxiv_id import parse_reference
from paperfeed.errors import Forbidden, Invalid
from paperfeed.feed.claims import is_verified_author
from paperfeed.feed.submission import Fetch, fetch_arxiv, store_fetched
from paperfeed.models import Paper, User
from paperfeed.store import Store


def may_reindex(store: Store, arxiv_id: str, user: User) -> bool:
    """Whether `user` may have a paper the site has fetched again: an admin, or an author of
    it whose claim was verified."""
    return user.is_admin or is_verified_author(store, arxiv_id, user.id)


def index_paper(store: Store, reference: str, user: User, *, fetch: Fetch) -> Paper:
    """Fetch the referenced paper from arXiv and store it (not listed on any day). Forbidden
    when the site has it already and `user` may not re-index it; NotFound when arXiv has no
    such paper; Upstream(UNREACHABLE) when arXiv cannot be asked (the cause is logged). The
    fetch happens outside the transaction that stores it; a refusal stores nothing."""
    if len(reference) > 300:
        raise Invalid("that is too long to be an arXiv id or URL")
    arxiv_id, _version = parse_reference(reference)
    known = store.papers.get(arxiv_id)
    if store.moderation.is_hidden(arxiv_id):
        raise Invalid(f"{arxiv_id} was hidden by the curators and cannot be indexed")
    if known is not None and not may_reindex(store, arxiv_id, user):
        raise Forbidden(
            f"{arxiv_id} is indexed already; only its verified authors or an admin can have "
            "it fetched again"
        )
    fetched = fetch_arxiv(fetch, arxiv_id, "indexing")
    with store.transaction():
        return store_fetched(store, arxiv_id, fetched, "index")
