"""Authors claiming their papers, as JSON (the twin of routes/claims.py): a paper's claims,
claiming an author ("this is me"), withdrawing, and an admin's decision. Writes take an API
token or the session cookie with its CSRF token, like the rest of /api/v1."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from paperfeed.arxiv_id import parse_reference
from paperfeed.feed.claims import (
    claim_authorship,
    decide_claim,
    paper_claims,
    visible_paper,
    withdraw_claim,
)
from paperfeed.serialize import claim_json
from paperfeed.web.api_docs import SIGNED_IN_WRITE, errors
from paperfeed.web.deps import AdminDep, Csrf, MemberDep, StoreDep, UserDep, unit_of_work
from paperfeed.web.guard import AuthorPosition
from paperfeed.web.paths import ARXIV_ID
from paperfeed.web.routes.claims import member_named

router = APIRouter(prefix="/api/v1", tags=["paperfeed"])


class ClaimIn(BaseModel):
    position: AuthorPosition = Field(
        description="Which author you are: their place in the paper's author list, from 0."
    )
    member: str | None = Field(
        None,
        max_length=100,
        description="Admins only: the member (display name) to assign this author to.",
    )


class DecisionIn(BaseModel):
    verify: bool = Field(description="true verifies the claim, false rejects it.")


@router.get(f"/papers/{ARXIV_ID}/claims", summary="Who claims to be an author of a paper")
def claims(arxiv_id: str, store: StoreDep, user: UserDep) -> dict[str, Any]:
    """The verified authors of the paper, and your own claim if you are signed in; admins see
    pending, rejected and stale claims too. A claim follows its author when a later version
    of the paper moves them; when it drops them the claim is `stale`, its `position` null."""
    canonical, _ = parse_reference(arxiv_id)
    paper = visible_paper(store, canonical)
    shown = [
        c
        for c in paper_claims(store, paper)
        if c.verified or (user is not None and (user.is_admin or c.user_id == user.id))
    ]
    return {"id": canonical, "claims": [claim_json(c) for c in shown]}


@router.post(
    f"/papers/{ARXIV_ID}/claims",
    status_code=201,
    dependencies=[Csrf],
    openapi_extra=SIGNED_IN_WRITE,
    summary="Claim to be an author of a paper",
    responses=errors(403, 409, 429),
)
def claim(
    arxiv_id: str, body: ClaimIn, request: Request, user: MemberDep, store: StoreDep
) -> dict[str, Any]:
    """Pending until an admin verifies it; an admin's own claim, or one an admin assigns to
    `member`, is verified at once. 409 when another member holds that author, or you hold
    another author of the paper."""
    canonical, _ = parse_reference(arxiv_id)
    assignee = member_named(store, user, body.member) if body.member else None
    with unit_of_work(request, limit="claim"):
        made = claim_authorship(store, canonical, body.position, user, assignee)
    return claim_json(made)


@router.delete(
    f"/papers/{ARXIV_ID}/claims",
    status_code=204,
    dependencies=[Csrf],
    openapi_extra=SIGNED_IN_WRITE,
    summary="Withdraw your claim on a paper",
)
def withdraw(arxiv_id: str, request: Request, user: MemberDep, store: StoreDep) -> None:
    canonical, _ = parse_reference(arxiv_id)
    with unit_of_work(request):
        withdraw_claim(store, canonical, user)


@router.post(
    f"/papers/{ARXIV_ID}/claims/{{position}}/decision",
    dependencies=[Csrf],
    openapi_extra=SIGNED_IN_WRITE,
    summary="Verify or reject a claim (admins)",
    responses=errors(403),
)
def decision(
    arxiv_id: str,
    position: Annotated[AuthorPosition, Path(description="The author's place, from 0.")],
    body: DecisionIn,
    request: Request,
    admin: AdminDep,
    store: StoreDep,
) -> dict[str, Any]:
    canonical, _ = parse_reference(arxiv_id)
    with unit_of_work(request):
        decided = decide_claim(store, canonical, position, admin, body.verify)
    return claim_json(decided)
