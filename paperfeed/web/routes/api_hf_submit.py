"""Submitting a paper through the Hugging Face-compatible API: `POST /api/papers/submit` with
an API token, HF's `{"arxivId": …}` body (as its `/api/papers/index` takes), answered with
HF's paper object. It is the submission form's path (feed/submission.py): the same window,
daily cap, rate limit and arXiv fetch, refused with `{"error", "status"}`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from pydantic import BaseModel, Field

from paperfeed.web.api_docs import SIGNED_IN_WRITE, errors
from paperfeed.web.deps import Csrf, MemberDep, StoreDep, submit_for
from paperfeed.web.routes.api_hf import paper as paper_object

router = APIRouter(prefix="/api", tags=["Hugging Face-compatible"])


class HfSubmission(BaseModel):
    arxivId: str = Field(
        description="An arXiv id (`2301.00001`), `arXiv:` reference, or an arXiv or Hugging "
        "Face paper URL."
    )


@router.post(
    "/papers/submit",
    dependencies=[Csrf],
    openapi_extra=SIGNED_IN_WRITE,
    summary="Submit a paper to the daily list (Hugging Face shape)",
    responses=errors(404, 429, 502),
)
def submit(
    body: HfSubmission,
    request: Request,
    user: MemberDep,
    store: StoreDep,
    background: BackgroundTasks,
) -> dict[str, Any]:
    """List the paper on the front day as submitted by the token's owner, fetching it from
    arXiv when the site does not have it; the answer is the paper as `/api/papers/{id}`
    gives it."""
    submitted = submit_for(request, user, body.arxivId, background)
    return paper_object(submitted.arxiv_id, store)
