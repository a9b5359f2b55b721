"""`GET /avatars/{name}.svg`: the avatar drawn from a name (web/avatar.py), where the Hugging
Face-compatible API points members' `avatarUrl` (`/avatars/<name>.svg`, relative like HF's
default avatars), so an HF client that shows avatars finds an image on this site. Any name
gives its image, HF's avatar paths imported with its papers (`/avatars/<hash>.svg`) too: the
same pattern for the same name, forever, so it is cached for a year."""

from __future__ import annotations

from fastapi import APIRouter, Response

from paperfeed.errors import Invalid
from paperfeed.web.avatar import avatar_svg

router = APIRouter(tags=["pages"])
MAX_NAME = 200


@router.get(
    "/avatars/{name}.svg",
    summary="The avatar drawn from a name",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}}}},
)
def avatar(name: str) -> Response:
    if not name.strip() or len(name) > MAX_NAME or not name.isprintable():
        raise Invalid(f"an avatar name is 1 to {MAX_NAME} printable characters")
    return Response(
        avatar_svg(name),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )
