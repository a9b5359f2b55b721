"""Setting a paper's code and project links through the Hugging Face-compatible API:
`POST /api/papers/{id}/links` with HF's body (`githubRepo`, `projectPage`), by the paper's
submitter, a verified author of it or an admin (feed/links.py). A field left out keeps its
link; null or "" clears it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from paperfeed.arxiv_id import parse_reference
from paperfeed.errors import NotFound
from paperfeed.feed.links import set_links
from paperfeed.web.api_docs import SIGNED_IN_WRITE, errors
from paperfeed.web.deps import Csrf, MemberDep, StoreDep, unit_of_work
from paperfeed.web.forms import github_repo, link_url
from paperfeed.web.paths import ARXIV_ID
from paperfeed.web.routes.api_hf import paper as paper_object

router = APIRouter(prefix="/api", tags=["Hugging Face-compatible"])


class HfLinks(BaseModel):
    githubRepo: str | None = Field(
        None, description="The code: https://github.com/OWNER/REPO; null or empty clears it."
    )
    projectPage: str | None = Field(
        None, description="The project page, an https URL; null or empty clears it."
    )


@router.post(
    f"/papers/{ARXIV_ID}/links",
    dependencies=[Csrf],
    openapi_extra=SIGNED_IN_WRITE,
    summary="Set a paper's code and project links (Hugging Face shape)",
    responses=errors(403),
)
def links(
    arxiv_id: str, body: HfLinks, request: Request, user: MemberDep, store: StoreDep
) -> dict[str, Any]:
    """Set the links given (the others stay); the answer is the paper as `/api/papers/{id}`
    gives it. Only the member who submitted the paper, a verified author of it (see
    /api/v1/papers/{id}/claims), or an admin, may."""
    canonical, _ = parse_reference(arxiv_id)
    code = github_repo(body.githubRepo)
    project = link_url(body.projectPage, "projectPage")
    with unit_of_work(request):
        current = store.papers.get(canonical)
        if current is None:
            raise NotFound(f"no paper {canonical}")
        given = body.model_fields_set
        set_links(
            store,
            canonical,
            user,
            code if "githubRepo" in given else current.code_url,
            project if "projectPage" in given else current.project_url,
        )
    return paper_object(canonical, store)
