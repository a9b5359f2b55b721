"""Adding papers through the Hugging Face-compatible API, with an API token and HF's
`{"arxivId": …}` body:

- `POST /api/papers/submit` puts a paper on the daily list, answered with HF's paper object.
  It is the submission form's path (feed/submission.py): the same window, daily cap, rate
  limit and arXiv fetch.
- `POST /api/papers/index` (HF's own endpoint) stores a paper from arXiv without listing it
  (feed/indexing.py), answered with `{}` as HF answers.

Refusals are `{"error", "status"}`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from pydantic import BaseModel, Field

from paperfeed.feed.indexing import index_paper
from paperfeed.web.api_docs import SIGNED_IN_WRITE, errors
from paperfeed.web.deps import Csrf, FetchDep, MemberDep, SearchDep, StoreDep, admit, submit_for
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


@router.post(
    "/papers/index",
    dependencies=[Csrf],
    openapi_extra=SIGNED_IN_WRITE,
    summary="Index a paper from arXiv, without listing it (Hugging Face shape)",
    responses=errors(403, 404, 429, 502),
)
def index(
    body: HfSubmission,
    request: Request,
    user: MemberDep,
    store: StoreDep,
    fetch: FetchDep,
    search: SearchDep,
    background: BackgroundTasks,
) -> dict[str, Any]:
    """Fetch the paper from arXiv and store it, so it has a page and can be found, without
    putting it on a day's list; `{}` as HF answers. A paper the site has already is fetched
    again only for a verified author of it or an admin (403 for anyone else). Counted against
    the submission rate limit."""
    admit(request, "submit")
    index_paper(store, body.arxivId, user, fetch=fetch)
    background.add_task(search.refresh)
    return {}
