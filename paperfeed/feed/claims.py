"""Authors claim their papers: a signed-in member says "this is me" of one author of a paper,
an admin verifies or rejects the claim, and a verified author may then set the paper's links
(feed/links.py) and shows as HF shows claimed authors. One member holds at most one author of
a paper, one author is held by at most one member (pending or verified); a rejected claim
frees the author again. An admin's own claim, or one an admin assigns, is verified at once.

A claim names its author: when a later version of the paper moves that author, the claim
follows them; when it drops them, the claim is stale (`authors.place_claims`), holds no author
and gives no rights, and its member may withdraw it and claim again. Every reader here works
on claims so placed.

The rules are pure (`check_claim`, `decided_status`); the functions below them read the store
and write in the caller's unit of work (or one of their own)."""

from __future__ import annotations

from collections.abc import Sequence

from paperfeed.authors import place_claims
from paperfeed.errors import Conflict, Forbidden, Invalid, NotFound
from paperfeed.models import AuthorClaim, Paper, User
from paperfeed.store import Store


def check_claim(
    paper: Paper, position: int, member: User, claims: Sequence[AuthorClaim]
) -> AuthorClaim | None:
    """Whether `member` may hold author `position` of `paper`, given the paper's `claims`
    (as stored; placed here on its current authors): Invalid outside its author list,
    Conflict when another member holds that author or `member` holds another one. Returns the
    member's own claim to that author, placed, when it is held already (nothing to write),
    else None."""
    authors = paper.authors or ()
    if not 0 <= position < len(authors):
        if not authors:
            raise Invalid(f"{paper.arxiv_id} has no author list to claim a place in")
        raise Invalid(
            f"position must be from 0 to {len(authors) - 1}: {paper.arxiv_id} has "
            f"{len(authors)} author{'' if len(authors) == 1 else 's'}, counted from 0"
        )
    for claim in place_claims(authors, claims):
        if not claim.held:
            continue
        if claim.position == position and claim.user_id != member.id:
            name = authors[position].name
            raise Conflict(
                f"{name} (author {position}) is already claimed by another member; "
                "if that is you, ask an admin to look at it"
            )
        if claim.user_id == member.id:
            if claim.position == position:
                return claim
            raise Conflict(
                f"you already claim to be {claim.author_name} (author {claim.position}) of "
                "this paper; withdraw that claim first"
            )
    return None


def decided_status(claim: AuthorClaim, verify: bool) -> str:
    """The status an admin's decision gives `claim`: verified or rejected (an assigned claim
    stays assigned when verified again)."""
    if verify:
        return claim.status if claim.status in ("verified", "assigned") else "verified"
    return "rejected"


def visible_paper(store: Store, arxiv_id: str) -> Paper:
    """The paper as its page shows it; NotFound for one the site lacks or curators hid, so
    its claims answer as the paper does."""
    listed = store.listings.listed([arxiv_id]).get(arxiv_id)
    if listed is None:
        raise NotFound(f"no paper {arxiv_id}")
    return listed.paper


def paper_claims(store: Store, paper: Paper) -> list[AuthorClaim]:
    """Every claim on `paper`, rejected ones included, placed on its current authors."""
    return place_claims(paper.authors, store.claims.for_paper(paper.arxiv_id))


def placed(store: Store, claims: Sequence[AuthorClaim]) -> list[AuthorClaim]:
    """`claims` (of any papers) as they stand on their papers' current authors, each placed
    among all the claims of its paper (so two claims to a shared name part as on the page)."""
    ids = [c.arxiv_id for c in claims]
    papers = store.papers.get_many(ids)
    found: dict[tuple[str, int], AuthorClaim] = {}
    for arxiv_id, of_paper in store.claims.for_papers(ids).items():
        paper = papers.get(arxiv_id)
        for c in place_claims(paper.authors if paper else None, of_paper):
            found[arxiv_id, c.user_id] = c
    return [found.get((c.arxiv_id, c.user_id), c) for c in claims]


def claim_authorship(
    store: Store, arxiv_id: str, position: int, user: User, member: User | None = None
) -> AuthorClaim:
    """`user` claims to be author `position` of the paper (its author list now): pending until
    an admin decides, verified at once ("assigned") when `user` is an admin. An admin may name
    another `member` to assign the author to. Claiming what one holds already changes
    nothing."""
    who = member or user
    if who.id != user.id and not user.is_admin:
        raise Forbidden("only admins can assign an author to another member")
    with store.transaction():
        paper = visible_paper(store, arxiv_id)
        store.claims.lock_paper(arxiv_id)
        claims = store.claims.for_paper(arxiv_id)
        own = check_claim(paper, position, who, claims)
        if own is not None and (own.verified or not user.is_admin):
            return own
        # The member's rejected or stale claim on the paper goes: the new one is their answer
        # now. So does another member's rejected claim to this author: it frees the author.
        store.claims.withdraw(arxiv_id, who.id)
        for c in place_claims(paper.authors, claims):
            if c.position == position and not c.stale and c.user_id != who.id:
                store.claims.withdraw(arxiv_id, c.user_id)
        name = (paper.authors or ())[position].name
        if user.is_admin:
            return store.claims.put(
                arxiv_id, position, name, who.id, "assigned", decided_by=user.id
            )
        return store.claims.put(arxiv_id, position, name, who.id, "pending")


def withdraw_claim(store: Store, arxiv_id: str, user: User) -> None:
    """The member's claim on the paper goes, whatever its status; NotFound when they have
    none (or the paper is not shown)."""
    with store.transaction():
        visible_paper(store, arxiv_id)
        if not store.claims.withdraw(arxiv_id, user.id):
            raise NotFound(f"you have no claim on {arxiv_id} to withdraw")


def decide_claim(
    store: Store, arxiv_id: str, position: int, admin: User, verify: bool
) -> AuthorClaim:
    """An admin verifies or rejects the claim to author `position` of the paper's current
    author list (NotFound while curators hide the paper, as for its other claims; a stale
    claim has no author to decide on)."""
    if not admin.is_admin:
        raise Forbidden("only admins can verify or reject claims")
    with store.transaction():
        paper = visible_paper(store, arxiv_id)
        claim = next(
            (c for c in paper_claims(store, paper) if c.position == position and not c.stale),
            None,
        )
        if claim is None:
            raise NotFound(f"no claim to author {position} of {arxiv_id}")
        store.claims.decide(arxiv_id, claim.user_id, decided_status(claim, verify), admin.id)
        return next(c for c in paper_claims(store, paper) if c.user_id == claim.user_id)


def is_verified_author(store: Store, arxiv_id: str, user_id: int) -> bool:
    """Whether the member holds a verified claim to an author the paper still has."""
    paper = store.papers.get(arxiv_id)
    return paper is not None and any(
        c.user_id == user_id and c.verified for c in paper_claims(store, paper)
    )
