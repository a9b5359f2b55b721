"""Claiming authorship through the Hugging Face-compatible API: `POST /api/settings/papers/claim`
with HF's body, `{"paperId", "claimAuthorId", "targetUserId"}`. It is the claim of
routes/api_claims.py (feed/claims.py's rules: pending until an admin verifies it, verified at
once for an admin; 409 for an author someone else holds).

- `claimAuthorId` names the author as `GET /api/papers/{id}` lists them: HF's author `_id`
  (kept for papers imported from HF), or, since paperfeed makes up no ids, the author's place
  in that list from 0 (`"2"`).
- `targetUserId` is the member to give the claim to: HF's is a user id; here it is the
  member's name (`@name` or `name`), and only admins may name someone else. Left out: you."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from paperfeed.arxiv_id import parse_reference
from paperfeed.errors import Invalid
from paperfeed.feed.claims import claim_authorship
from paperfeed.serialize import claim_json
from paperfeed.web.api_docs import SIGNED_IN_WRITE, errors
from paperfeed.web.deps import Csrf, MemberDep, StoreDep, unit_of_work
from paperfeed.web.routes.api_hf import paper as paper_object
from paperfeed.web.routes.claims import member_named

router = APIRouter(prefix="/api", tags=["Hugging Face-compatible"])
# More authors than any paper has (the author list is bounded by the import's checks).
MAX_POSITION = 99_999


class HfClaim(BaseModel):
    paperId: str = Field(max_length=300, description="The paper's arXiv id.")
    claimAuthorId: str = Field(
        max_length=100,
        description="The author as `/api/papers/{id}` lists them: their `_id`, or their "
        "place in that list from 0.",
    )
    targetUserId: str | None = Field(
        None,
        max_length=100,
        description="Admins only: the member (name) to give the claim to. Left out: you.",
    )


def author_position(authors: list[dict[str, Any]], author_id: str) -> int:
    """Where `author_id` (an author's `_id`, or a place from 0) is in HF's author list."""
    wanted = author_id.strip()
    for i, author in enumerate(authors):
        if author.get("_id") == wanted:
            return i
    if wanted.isascii() and wanted.isdigit() and len(wanted) <= len(str(MAX_POSITION)):
        position = int(wanted)
        if position < len(authors):
            return position
    raise Invalid(
        f"claimAuthorId: no author of this paper is {wanted!r}; give an author's _id as "
        f"/api/papers/{{id}} lists it, or their place from 0 to {len(authors) - 1}"
    )


@router.post(
    "/settings/papers/claim",
    dependencies=[Csrf],
    openapi_extra=SIGNED_IN_WRITE,
    summary="Claim to be an author of a paper (Hugging Face shape)",
    responses=errors(403, 404, 409, 429),
)
def claim(body: HfClaim, request: Request, user: MemberDep, store: StoreDep) -> dict[str, Any]:
    """The claim as `/api/v1/papers/{id}/claims` gives it, with the claimed `paperId`:
    pending until an admin verifies it (an admin's is verified at once)."""
    canonical, _ = parse_reference(body.paperId)
    position = author_position(paper_object(canonical, store)["authors"], body.claimAuthorId)
    assignee = member_named(store, user, body.targetUserId) if body.targetUserId else None
    with unit_of_work(request, limit="claim"):
        made = claim_authorship(store, canonical, position, user, assignee)
    return {"paperId": canonical, **claim_json(made)}
