"""`GET /api/arxiv/{id}/repos`, Hugging Face's list of what cites a paper: its `models`,
`datasets` and `spaces` on the Hub. A paperfeed site hosts none of those, so the three lists
are empty, and a fourth, `code`, says what the site knows instead: the paper's GitHub
repository with the stars the `github-stars` job last counted (null before it has)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from paperfeed.arxiv_id import parse_reference
from paperfeed.errors import NotFound
from paperfeed.ingest.github import repo_key
from paperfeed.web.api_docs import errors
from paperfeed.web.deps import StoreDep
from paperfeed.web.paths import ARXIV_ID

router = APIRouter(prefix="/api", tags=["Hugging Face-compatible"])


@router.get(
    f"/arxiv/{ARXIV_ID}/repos",
    summary="What cites a paper: Hub repositories (none here) and its code (Hugging Face shape)",
    responses=errors(404),
)
def repos(arxiv_id: str, store: StoreDep) -> dict[str, Any]:
    """HF's `models`, `datasets` and `spaces` (always empty: paperfeed hosts none), and
    paperfeed's `code`: `[{"url", "repo", "stars"}]` for the paper's code link."""
    canonical, _ = parse_reference(arxiv_id)
    listed = store.listings.listed([canonical]).get(canonical)  # hidden papers: 404
    if listed is None:
        raise NotFound(f"no paper {canonical}")
    code: list[dict[str, Any]] = []
    url = listed.paper.code_url
    if url:
        code.append(
            {
                "url": url,
                "repo": repo_key(url),
                "stars": store.github.stars([canonical]).get(canonical),
            }
        )
    return {"models": [], "datasets": [], "spaces": [], "code": code}
