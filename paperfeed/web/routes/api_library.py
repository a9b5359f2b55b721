"""A member's library through the native API: saved papers with their collections, notes and
read state, collections, Save, "not interested" and notes (the twin of routes/library.py).
All of it needs a signed-in member (an API token, or the session cookie plus X-CSRF-Token on
writes) and is theirs alone; someone else's collection is refused (403) and changes nothing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from paperfeed.errors import NotFound
from paperfeed.models import VISIBILITIES
from paperfeed.serialize import collection_json, library_item_json
from paperfeed.store import Store
from paperfeed.store.library import MAX_COLLECTIONS
from paperfeed.web.api_docs import SIGNED_IN_READ, SIGNED_IN_WRITE, errors
from paperfeed.web.deps import Csrf, MemberDep, StoreDep, unit_of_work
from paperfeed.web.guard import PageNumber, RowId
from paperfeed.web.paths import ARXIV_ID

router = APIRouter(prefix="/api/v1", tags=["library"])

_VISIBILITY = f"Who sees it: one of {', '.join(VISIBILITIES)} (`link`: anyone with its link)."


class CollectionIn(BaseModel):
    name: str = Field(description="Up to 100 characters, unique among yours (any case).")
    description: str = Field("", description="Up to 2,000 characters.")
    visibility: str = Field("private", description=_VISIBILITY)


class CollectionEdit(BaseModel):
    name: str | None = None
    description: str | None = None
    visibility: str | None = Field(None, description=_VISIBILITY)
    new_link: bool = Field(False, description="Replace the shared link; the old one stops working.")


class SaveIn(BaseModel):
    collections: list[RowId] = Field(
        default_factory=list,
        max_length=MAX_COLLECTIONS,
        description="Your collections to put the paper in; none: your first (made if need be).",
    )


class NoteIn(BaseModel):
    note: str | None = Field(None, description="Up to 10,000 characters; empty clears it.")
    read: bool | None = Field(None, description="Mark it read (true) or unread (false).")


def _require_paper(store: Store, arxiv_id: str) -> None:
    if not store.listings.listed([arxiv_id]):
        raise NotFound(f"no paper {arxiv_id}")


@router.get(
    "/library", summary="Your saved papers", openapi_extra=SIGNED_IN_READ, responses=errors(401)
)
def library(
    user: MemberDep,
    store: StoreDep,
    collection: Annotated[
        RowId | None, Query(description="Only the papers of this collection of yours.")
    ] = None,
    page: Annotated[PageNumber, Query(description="The page, from 1.")] = 1,
    per_page: Annotated[int, Query(ge=1, le=100, description="Papers per page.")] = 30,
) -> dict[str, Any]:
    """Your saved papers, the latest saved first, each with the collections holding it, your
    note and when you read it."""
    with store.snapshot():
        saved = store.library.library(user.id)
        if collection is not None:
            chosen = store.library.owned(user.id, collection)
            total = chosen.size
            ids = store.library.papers_in(chosen.id, limit=per_page, offset=(page - 1) * per_page)
        else:
            total = len(saved)
            ids = [pid for pid, _ in saved[(page - 1) * per_page : page * per_page]]
        when = dict(saved)
        listed = store.listings.listed(ids)
        holding = store.library.saved(user.id, ids)
        notes = store.library.notes(user.id, ids)
        return {
            "collection": collection,
            "total": total,
            "page": page,
            "per_page": per_page,
            "items": [
                library_item_json(listed[i], when.get(i), holding.get(i, ()), notes.get(i))
                for i in ids
                if i in listed
            ],
        }


@router.get("/collections", summary="Your collections", openapi_extra=SIGNED_IN_READ)
def collections(user: MemberDep, store: StoreDep) -> list[dict[str, Any]]:
    return [collection_json(c, owner=True) for c in store.library.collections(user.id)]


@router.post(
    "/collections",
    status_code=201,
    dependencies=[Csrf],
    openapi_extra=SIGNED_IN_WRITE,
    summary="Make a collection",
    responses=errors(409),
)
def create_collection(
    body: CollectionIn, request: Request, user: MemberDep, store: StoreDep
) -> dict[str, Any]:
    with unit_of_work(request):
        made = store.library.create(
            user.id, body.name, description=body.description.strip(), visibility=body.visibility
        )
    return collection_json(made, owner=True)


@router.patch(
    "/collections/{collection_id}",
    dependencies=[Csrf],
    openapi_extra=SIGNED_IN_WRITE,
    summary="Rename, describe or share a collection of yours",
    responses=errors(409),
)
def edit_collection(
    collection_id: RowId, body: CollectionEdit, request: Request, user: MemberDep, store: StoreDep
) -> dict[str, Any]:
    with unit_of_work(request):
        edited = store.library.edit(
            user.id,
            collection_id,
            name=body.name,
            description=None if body.description is None else body.description.strip(),
            visibility=body.visibility,
            new_link=body.new_link,
        )
    return collection_json(edited, owner=True)


@router.delete(
    "/collections/{collection_id}",
    status_code=204,
    dependencies=[Csrf],
    openapi_extra=SIGNED_IN_WRITE,
    summary="Delete a collection of yours (its papers stay in your others)",
)
def delete_collection(
    collection_id: RowId, request: Request, user: MemberDep, store: StoreDep
) -> None:
    with unit_of_work(request):
        store.library.remove(user.id, collection_id)


def _saved(arxiv_id: str, holding: set[int]) -> dict[str, Any]:
    return {"id": arxiv_id, "saved": bool(holding), "collections": sorted(holding)}


@router.post(
    f"/papers/{ARXIV_ID}/save",
    dependencies=[Csrf],
    openapi_extra=SIGNED_IN_WRITE,
    summary="Save a paper to your library",
    responses=errors(403),
)
def save(
    arxiv_id: str, request: Request, user: MemberDep, store: StoreDep, body: SaveIn | None = None
) -> dict[str, Any]:
    """Into the collections named (yours), or your first one when none is."""
    with unit_of_work(request):
        holding = store.library.save(user.id, arxiv_id, body.collections if body else ())
        store.recommendations.drop(user.id, arxiv_id)
    return _saved(arxiv_id, holding)


@router.delete(
    f"/papers/{ARXIV_ID}/save",
    dependencies=[Csrf],
    openapi_extra=SIGNED_IN_WRITE,
    summary="Take a paper out of your library",
)
def unsave(
    arxiv_id: str,
    request: Request,
    user: MemberDep,
    store: StoreDep,
    collection: Annotated[
        RowId | None, Query(description="Out of this collection only; else out of all.")
    ] = None,
) -> dict[str, Any]:
    _require_paper(store, arxiv_id)
    with unit_of_work(request):
        if collection is not None:
            store.library.owned(user.id, collection)
        holding = store.library.unsave(user.id, arxiv_id, collection)
    return _saved(arxiv_id, holding)


@router.post(
    f"/papers/{ARXIV_ID}/dismiss",
    dependencies=[Csrf],
    openapi_extra=SIGNED_IN_WRITE,
    summary='Mark a paper "not interested" (hidden from your listings)',
)
def dismiss(arxiv_id: str, request: Request, user: MemberDep, store: StoreDep) -> dict[str, Any]:
    with unit_of_work(request):
        store.library.dismiss(user.id, arxiv_id, True)
        store.recommendations.drop(user.id, arxiv_id)
    return {"id": arxiv_id, "dismissed": True}


@router.delete(
    f"/papers/{ARXIV_ID}/dismiss",
    dependencies=[Csrf],
    openapi_extra=SIGNED_IN_WRITE,
    summary='Take back "not interested"',
)
def undismiss(arxiv_id: str, request: Request, user: MemberDep, store: StoreDep) -> dict[str, Any]:
    _require_paper(store, arxiv_id)
    with unit_of_work(request):
        store.library.dismiss(user.id, arxiv_id, False)
    return {"id": arxiv_id, "dismissed": False}


@router.put(
    f"/papers/{ARXIV_ID}/note",
    dependencies=[Csrf],
    openapi_extra=SIGNED_IN_WRITE,
    summary="Set your note on a paper, or its read state",
)
def set_note(
    arxiv_id: str, body: NoteIn, request: Request, user: MemberDep, store: StoreDep
) -> dict[str, Any]:
    """Fields left out stay as they are."""
    note = None
    with unit_of_work(request):
        if body.note is not None:
            note = store.library.set_note(user.id, arxiv_id, body.note)
        if body.read is not None:
            note = store.library.mark_read(user.id, arxiv_id, body.read)
    if note is None:  # nothing to change: the note as it is
        _require_paper(store, arxiv_id)
        note = store.library.notes(user.id, [arxiv_id]).get(arxiv_id)
    return {
        "id": arxiv_id,
        "note": note.note if note else "",
        "read_at": note.read_at.isoformat(timespec="milliseconds") + "Z"
        if note and note.read_at
        else None,
    }
