"""Authors claiming their papers, as forms: "this is me" and its withdrawal on a paper's page,
and admins' verify / reject on /admin (feed/claims.py has the rules; routes/api_claims.py is
the JSON twin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from paperfeed.arxiv_id import parse_reference
from paperfeed.errors import NotFound
from paperfeed.feed.claims import claim_authorship, decide_claim, paper_claims, withdraw_claim
from paperfeed.models import Paper, User
from paperfeed.store import Store
from paperfeed.web.deps import AdminDep, Csrf, MemberDep, StoreDep, unit_of_work
from paperfeed.web.forms import display_name
from paperfeed.web.guard import AuthorPosition, Flag
from paperfeed.web.paths import ARXIV_ID
from paperfeed.web.templating import paper_path

router = APIRouter(include_in_schema=False)


def claim_context(store: Store, paper: Paper, viewer: User | None) -> dict[str, object]:
    """What a paper's page shows of its claims, placed on its current authors: the verified
    authors by position, the viewer's own claim (perhaps stale), and the positions others
    hold (not offered in the viewer's form)."""
    claims = paper_claims(store, paper)
    mine = next((c for c in claims if viewer is not None and c.user_id == viewer.id), None)
    return {
        "verified_authors": {c.position: c for c in claims if c.verified},
        "my_claim": mine,
        "taken": {c.position for c in claims if c.held and c is not mine},
    }


def member_named(store: Store, user: User, name: str) -> User | None:
    """The member an admin assigns an author to, by display name ("" or their own: None)."""
    name = name.strip().removeprefix("@")
    if not name or name == user.name:
        return None
    member = store.accounts.by_name(display_name(name))
    if member is None:
        raise NotFound(f"no member is called @{name}")
    return member


@router.post(f"/papers/{ARXIV_ID}/claim", dependencies=[Csrf])
def claim(
    request: Request,
    arxiv_id: str,
    user: MemberDep,
    store: StoreDep,
    position: Annotated[AuthorPosition, Form()],
    member: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """The paper page's "this is me": pending until an admin verifies it (an admin's own, or
    one an admin assigns to `member`, is verified at once)."""
    assignee = member_named(store, user, member) if member else None
    with unit_of_work(request, limit="claim"):
        claim_authorship(store, arxiv_id, position, user, assignee)
    return RedirectResponse(paper_path(arxiv_id) + "#claim", status_code=303)


@router.post(f"/papers/{ARXIV_ID}/claim/withdraw", dependencies=[Csrf])
def withdraw(request: Request, arxiv_id: str, user: MemberDep, store: StoreDep) -> Response:
    with unit_of_work(request):
        withdraw_claim(store, arxiv_id, user)
    return RedirectResponse(paper_path(arxiv_id) + "#claim", status_code=303)


@router.post("/admin/claims/decide", dependencies=[Csrf])
def decide(
    request: Request,
    admin: AdminDep,
    store: StoreDep,
    paper: Annotated[str, Form(max_length=300)],
    position: Annotated[AuthorPosition, Form()],
    verify: Annotated[Flag, Form()],
) -> Response:
    """An admin's Verify (verify=1) or Reject (verify=0) on /admin."""
    arxiv_id, _ = parse_reference(paper)
    with unit_of_work(request):
        decide_claim(store, arxiv_id, position, admin, bool(verify))
    return RedirectResponse("/admin#claims", status_code=303)
