"""A paper's thumbnail, as every card shows it: the image the `thumbnails` job made, else a
placeholder drawn from the title. Registered before `papers`, whose `/papers/{id:path}` would
otherwise take `/papers/{id}/thumbnail` for a paper id."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from paperfeed.arxiv_id import split_version
from paperfeed.errors import Invalid, NotFound
from paperfeed.thumbnails import placeholder
from paperfeed.thumbnails.files import ThumbnailFiles
from paperfeed.web.deps import SettingsDep, StoreDep
from paperfeed.web.templating import paper_path

router = APIRouter(include_in_schema=False)

# A thumbnail, once made, does not change; a placeholder lasts until the job makes one (it
# runs every 30 minutes), so browsers ask again soon.
IMAGE_CACHE = "public, max-age=2592000"
PLACEHOLDER_CACHE = "public, max-age=600"


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names `etag` (weak comparison, as RFC 9110 asks)."""
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


@router.get("/papers/{arxiv_id:path}/thumbnail")
def thumbnail(request: Request, arxiv_id: str, store: StoreDep, settings: SettingsDep) -> Response:
    try:
        canonical, _version = split_version(arxiv_id)
    except Invalid:
        canonical = arxiv_id  # a paper that is not on arXiv keeps its own id
    if canonical != arxiv_id:
        return RedirectResponse(paper_path(canonical) + "/thumbnail", status_code=301)
    paper = store.papers.get(arxiv_id)
    if paper is None or store.moderation.is_hidden(arxiv_id):
        raise NotFound(f"paperfeed has no paper {arxiv_id}")
    image = ThumbnailFiles.under(settings.data_dir).read(arxiv_id)
    if image is None:
        return Response(
            placeholder.placeholder_svg(arxiv_id, paper.title),
            media_type=placeholder.MEDIA_TYPE,
            headers={"Cache-Control": PLACEHOLDER_CACHE},
        )
    headers = {"Cache-Control": IMAGE_CACHE, "ETag": image.etag}
    if etag_matches(request.headers.get("if-none-match"), image.etag):
        return Response(status_code=304, headers=headers)
    return Response(image.data, media_type=image.media_type, headers=headers)
