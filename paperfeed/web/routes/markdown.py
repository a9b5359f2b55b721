"""A paper's page as Markdown, as huggingface.co serves it to `HfApi.read_paper` and `hf papers
read`: `GET /papers/{id}.md`, or `GET /papers/{id}` with `Accept: text/markdown`. paperfeed has
no full text, so it is what HF gives for a paper without one: title, authors, links, abstract
and the community's data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Response
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

from paperfeed.arxiv_id import parse_reference
from paperfeed.errors import Invalid, NotFound
from paperfeed.feed.claims import paper_claims
from paperfeed.models import AuthorClaim, HfFields, ListedPaper
from paperfeed.store import Store
from paperfeed.text import one_line
from paperfeed.web.deps import StoreDep
from paperfeed.web.templating import paper_path

MARKDOWN = "text/markdown"
SUFFIX = ".md"


def _wants_markdown(scope: Scope) -> bool:
    """`Accept` names text/markdown before (or without) text/html: a browser never does."""
    accept = dict(scope.get("headers") or ()).get(b"accept", b"").decode("latin-1").lower()
    types = [part.split(";")[0].strip() for part in accept.split(",")]
    if MARKDOWN not in types:
        return False
    return "text/html" not in types or types.index(MARKDOWN) < types.index("text/html")


class MarkdownRoute(APIRoute):
    """Takes `/papers/{id}` only for a `.md` path, or an `Accept` asking for Markdown and a
    path that is an arXiv id; anything else falls through to the HTML page (routes/papers.py)
    and the paper's other routes (`/papers/submit`, `/papers/{id}/thumbnail`, …)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.FULL:
            return match, child
        reference = child["path_params"]["arxiv_id"]
        if reference.endswith(SUFFIX):
            return match, child
        if not _wants_markdown(scope):
            return Match.NONE, {}
        try:
            parse_reference(reference)
        except Invalid:
            return Match.NONE, {}
        return match, child


router = APIRouter(include_in_schema=False, route_class=MarkdownRoute)


def listed_paper(store: Store, reference: str) -> ListedPaper:
    """The paper `reference` names (a version: the paper) as its page shows it, for its other
    forms (this Markdown, routes/citations.py); NotFound for one the site lacks or hides."""
    canonical, _version = parse_reference(reference)
    listed = store.listings.listed([canonical]).get(canonical)
    if listed is None:
        raise NotFound(f"paperfeed has no paper {canonical}")
    return listed


@router.get("/papers/{arxiv_id:path}")
def paper_markdown(arxiv_id: str, store: StoreDep) -> Response:
    listed = listed_paper(store, arxiv_id.removesuffix(SUFFIX))
    canonical = listed.paper.arxiv_id
    hf = store.hf.get_many([canonical]).get(canonical)
    verified = [c for c in paper_claims(store, listed.paper) if c.verified]
    return Response(
        paper_as_markdown(listed, hf, verified),
        media_type=f"{MARKDOWN}; charset=utf-8",
        headers={"Vary": "Accept", "Link": f'<{paper_path(canonical)}>; rel="canonical"'},
    )


def _field(hf: HfFields | None, part: str, name: str) -> Any:
    value = hf.fields.get(part) if hf is not None else None
    return value.get(name) if isinstance(value, dict) else None


def paper_as_markdown(
    item: ListedPaper, hf: HfFields | None = None, verified: Sequence[AuthorClaim] = ()
) -> str:
    """The Markdown of a paper: title, authors (a verified author with their member name),
    links, abstract, then what the community says (upvotes, comments, who put it on which
    day) and HF's AI summary and keywords if kept."""
    p = item.paper
    lines = [f"# {one_line(p.title or p.arxiv_id)}", ""]
    members = {c.position: c.user_name for c in verified}
    authors = [
        a.name + (f" (@{members[i]})" if i in members else "")
        for i, a in enumerate(p.authors or ())
    ]
    if authors:
        lines += [f"**Authors:** {', '.join(authors)}", ""]
    links = [("arXiv", p.abs_url), ("PDF", p.pdf_url)]
    stars = _field(hf, "paper", "githubStars")
    code = f"{p.code_url} ({stars} stars)" if p.code_url and isinstance(stars, int) else p.code_url
    links += [("Code", code), ("Project page", p.project_url)]
    shown = [f"- {name}: {url}" for name, url in links if url]
    if shown:
        lines += ["## Links", "", *shown, ""]
    lines += ["## Abstract", "", p.abstract or "(no abstract)", ""]
    num_comments = item.num_comments + (hf.num_comments if hf is not None else 0)
    lines += [
        "## Community",
        "",
        f"- Upvotes: {item.upvotes}",
        f"- Comments: {num_comments}",
    ]
    if item.submitted_by:
        who = item.submitted_by
        if item.submitted_by_name and item.submitted_by_name != who:
            who = f"{item.submitted_by_name} ({who})"
        lines.append(f"- Submitted by: {who}")
    if item.day:
        lines.append(f"- Submitted on: {item.day.isoformat()}")
    if p.published:
        lines.append(f"- Published on arXiv: {p.published.date().isoformat()}")
    summary = _field(hf, "paper", "ai_summary")
    if isinstance(summary, str) and summary:
        lines += ["", "## AI summary", "", one_line(summary)]
    keywords = _field(hf, "paper", "ai_keywords")
    if isinstance(keywords, list) and keywords:
        lines += ["", f"**Keywords:** {', '.join(str(k) for k in keywords)}"]
    return "\n".join(lines) + "\n"
