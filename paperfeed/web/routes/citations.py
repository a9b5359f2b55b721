"""A paper for reference managers: `GET /papers/{id}.bib` (BibTeX), `/papers/{id}.ris` (RIS)
and `/papers/{id}.csl.json` (CSL-JSON), beside the `.md` that HF serves (routes/markdown.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fastapi import APIRouter, Response
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

from paperfeed.citation import bibtex, csl_json, ris
from paperfeed.errors import NotFound
from paperfeed.models import Paper
from paperfeed.web.deps import StoreDep
from paperfeed.web.routes.markdown import listed_paper
from paperfeed.web.templating import paper_path

# Suffix: (how to write the papers, media type, file name extension).
FORMATS: dict[str, tuple[Callable[[Sequence[Paper]], str], str, str]] = {
    ".bib": (bibtex, "application/x-bibtex", "bib"),
    ".ris": (ris, "application/x-research-info-systems", "ris"),
    ".csl.json": (csl_json, "application/vnd.citationstyles.csl+json", "json"),
}


def split_format(reference: str) -> tuple[str, str] | None:
    """(the paper's reference, the suffix) when `reference` ends with a citation format."""
    for suffix in FORMATS:
        if reference.endswith(suffix) and len(reference) > len(suffix):
            return reference.removesuffix(suffix), suffix
    return None


class CitationRoute(APIRoute):
    """Takes `/papers/{id}` only when the path ends with one of FORMATS' suffixes."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.FULL or split_format(child["path_params"]["arxiv_id"]) is None:
            return Match.NONE, {}
        return match, child


router = APIRouter(include_in_schema=False, route_class=CitationRoute)


@router.get("/papers/{arxiv_id:path}")
def paper_citation(arxiv_id: str, store: StoreDep) -> Response:
    parts = split_format(arxiv_id)
    if parts is None:  # CitationRoute takes no other path
        raise NotFound(f"no citation format in {arxiv_id}")
    reference, suffix = parts
    paper = listed_paper(store, reference).paper  # a hidden paper is not found
    canonical = paper.arxiv_id
    write, media_type, extension = FORMATS[suffix]
    name = canonical.replace("/", "_")
    return Response(
        write([paper]),
        media_type=f"{media_type}; charset=utf-8",
        headers={
            "Content-Disposition": f'inline; filename="{name}.{extension}"',
            "Link": f'<{paper_path(canonical)}>; rel="canonical"',
        },
    )
