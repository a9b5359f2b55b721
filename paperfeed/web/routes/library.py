"""A member's library on the web: Save and "Not interested" on every card, the paper page's
collections, note and read state, `/library` with its collections, `/library/hidden`, and a
collection's own page, feed and citation exports (issue 16).

Everything here is private to its member except a collection they share: by link
(`/collections/shared/{token}`) or publicly (`/collections/{id}` too). A collection someone
may not see is a plain 404, as if it did not exist."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from paperfeed.errors import Invalid, NotFound
from paperfeed.feed import syndication
from paperfeed.models import VISIBILITIES, Collection, ListedPaper, User
from paperfeed.store import Store
from paperfeed.store.library import MAX_NOTE
from paperfeed.web.cards import reader_marks
from paperfeed.web.deps import (
    Csrf,
    MemberDep,
    SettingsDep,
    StoreDep,
    UserDep,
    get_session,
    read_endpoint,
    unit_of_work,
)
from paperfeed.web.forms import safe_next
from paperfeed.web.guard import MAX_ID, Flag, PageNumber, RowId
from paperfeed.web.page import feed, is_htmx, render
from paperfeed.web.paths import ARXIV_ID
from paperfeed.web.routes.citations import FORMATS
from paperfeed.web.templating import paper_path, templates

router = APIRouter(include_in_schema=False)

PER_PAGE = 30
FEED_TYPES = {".atom": "application/atom+xml", ".rss": "application/rss+xml"}


def back(next: str, fallback: str) -> str:
    """Where a form without JavaScript returns: `next` when it is a path on this site."""
    return next if next and safe_next(next) == next else fallback


def _form_text(text: str) -> str:
    """A textarea's text as typed (browsers send line breaks as CRLF, counted twice)."""
    return text.replace("\r\n", "\n")


# ------------------------------------------------------------------------- card forms


def _listed(store: Store, arxiv_id: str) -> ListedPaper:
    listed = store.listings.listed([arxiv_id]).get(arxiv_id)
    if listed is None:
        raise NotFound(f"no paper {arxiv_id}")
    return listed


@router.post(f"/papers/{ARXIV_ID}/save", dependencies=[Csrf])
def save(
    request: Request,
    arxiv_id: str,
    user: MemberDep,
    store: StoreDep,
    on: Annotated[Flag, Form()] = 1,
    next: Annotated[str, Form()] = "",
) -> Response:
    """The Save toggle: into the member's first collection, or out of all of them."""
    with unit_of_work(request):
        if on:
            holding = store.library.save(user.id, arxiv_id)
            store.recommendations.drop(user.id, arxiv_id)
        else:
            holding = store.library.unsave(user.id, arxiv_id)
    if is_htmx(request):
        return templates.TemplateResponse(
            request,
            "_save.html",
            {
                "arxiv_id": arxiv_id,
                "saved": bool(holding),
                "here": back(next, ""),
                "csrf": get_session(request).csrf,
                "user": user,
            },
        )
    return RedirectResponse(back(next, paper_path(arxiv_id)), status_code=303)


@router.post(f"/papers/{ARXIV_ID}/dismiss", dependencies=[Csrf])
def dismiss(
    request: Request,
    arxiv_id: str,
    user: MemberDep,
    store: StoreDep,
    on: Annotated[Flag, Form()] = 1,
    next: Annotated[str, Form()] = "",
) -> Response:
    """ "Not interested" (on) or its Undo. For htmx: the one-line hidden card, or the card
    again; else back to the page, which no longer (or again) lists the paper."""
    with unit_of_work(request):
        store.library.dismiss(user.id, arxiv_id, bool(on))
        if on:
            store.recommendations.drop(user.id, arxiv_id)
    if not is_htmx(request):
        return RedirectResponse(back(next, paper_path(arxiv_id)), status_code=303)
    item = _listed(store, arxiv_id)
    here = back(next, paper_path(arxiv_id))
    if on:
        context: dict[str, Any] = {"arxiv_id": arxiv_id, "title": item.paper.title}
        name = "_dismiss.html"
        context["dismissed"] = True
    else:
        name = "library_card.html"
        context = {
            "item": item,
            "voted": store.votes.voted(user.id, [arxiv_id]),
            "hf": store.hf.get_many([arxiv_id]),
            "marks": reader_marks(store, user, [arxiv_id]),
        }
    return templates.TemplateResponse(
        request,
        name,
        {**context, "here": here, "csrf": get_session(request).csrf, "user": user},
    )


# -------------------------------------------------------------------- paper page forms


def _collection_name(name: str) -> str:
    return " ".join(name.split())


@router.post(f"/papers/{ARXIV_ID}/collections", dependencies=[Csrf])
def place(
    request: Request,
    arxiv_id: str,
    user: MemberDep,
    store: StoreDep,
    collection: Annotated[list[RowId], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    new: Annotated[str, Form()] = "",
) -> Response:
    """The paper page's collection boxes: the paper ends up in exactly the ticked ones, and
    in a new one when a name is given."""
    wanted = list(collection)
    name = _collection_name(new)
    with unit_of_work(request):
        if name:
            same = [
                c.id for c in store.library.collections(user.id) if c.name.lower() == name.lower()
            ]
            wanted.append(same[0] if same else store.library.create(user.id, name).id)
        store.library.place(user.id, arxiv_id, wanted)
        if wanted:
            store.recommendations.drop(user.id, arxiv_id)
    return RedirectResponse(paper_path(arxiv_id) + "#library", status_code=303)


@router.post(f"/papers/{ARXIV_ID}/note", dependencies=[Csrf])
def note(
    request: Request,
    arxiv_id: str,
    user: MemberDep,
    store: StoreDep,
    note: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    text = _form_text(note)
    if len(text) > MAX_NOTE:
        raise Invalid(
            f"a note is at most {MAX_NOTE:,} characters; this one has {len(text):,}. "
            "Go back, shorten it and save it again."
        )
    with unit_of_work(request):
        store.library.set_note(user.id, arxiv_id, text)
    return RedirectResponse(back(next, paper_path(arxiv_id) + "#library"), status_code=303)


@router.post(f"/papers/{ARXIV_ID}/read", dependencies=[Csrf])
def mark_read(
    request: Request,
    arxiv_id: str,
    user: MemberDep,
    store: StoreDep,
    on: Annotated[Flag, Form()] = 1,
    next: Annotated[str, Form()] = "",
) -> Response:
    with unit_of_work(request):
        store.library.mark_read(user.id, arxiv_id, bool(on))
    return RedirectResponse(back(next, paper_path(arxiv_id) + "#library"), status_code=303)


# ----------------------------------------------------------------------------- /library


def _page_of(ids: Sequence[str], page: int) -> list[str]:
    return list(ids[(page - 1) * PER_PAGE : page * PER_PAGE])


def _private(response: Response) -> Response:
    """A member's own pages (and shared collections) are never kept by shared caches."""
    response.headers["Cache-Control"] = "private, no-store"
    return response


@router.get("/library")
@read_endpoint
def library_page(
    request: Request,
    user: MemberDep,
    store: StoreDep,
    collection: RowId | None = None,
    page: PageNumber = 1,
) -> Response:
    """The member's saved papers, the latest saved first, or one collection's."""
    with store.snapshot():
        mine = store.library.collections(user.id)
        chosen = next((c for c in mine if c.id == collection), None)
        if collection is not None and chosen is None:
            raise NotFound(f"you have no collection {collection}")
        if chosen is not None:
            total = chosen.size
            ids = store.library.papers_in(chosen.id, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
        else:
            everything = [pid for pid, _ in store.library.library(user.id)]
            total = len(everything)
            ids = _page_of(everything, page)
        listed = store.listings.listed(ids)
        items = [listed[i] for i in ids if i in listed]
        holding = store.library.saved(user.id, ids)
        names = {c.id: c for c in mine}
        return _private(
            render(
                request,
                "library.html",
                {
                    "collections": mine,
                    "chosen": chosen,
                    "items": items,
                    "in_collections": {
                        pid: sorted((names[c] for c in cids if c in names), key=lambda c: c.id)
                        for pid, cids in holding.items()
                    },
                    "notes": store.library.notes(user.id, ids),
                    "voted": store.votes.voted(user.id, ids),
                    "hf": store.hf.get_many(ids),
                    "marks": reader_marks(store, user, ids),
                    "page": page,
                    "pages": max(1, -(-total // PER_PAGE)),
                    "total": total,
                    "hidden_count": len(store.library.dismissed(user.id)),
                    "visibilities": VISIBILITIES,
                },
                json_url="/api/v1/library" + (f"?collection={chosen.id}" if chosen else ""),
            )
        )


@router.get("/library/hidden")
@read_endpoint
def hidden_page(request: Request, user: MemberDep, store: StoreDep) -> Response:
    """The papers the member marked "not interested", each with Undo."""
    with store.snapshot():
        hidden = store.library.dismissed_list(user.id)
        listed = store.listings.listed([pid for pid, _ in hidden])
        rows = [(listed[pid], when) for pid, when in hidden if pid in listed]
        return _private(render(request, "library_hidden.html", {"rows": rows}))


@router.post("/library/collections", dependencies=[Csrf])
def create_collection(
    request: Request,
    user: MemberDep,
    store: StoreDep,
    name: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    visibility: Annotated[str, Form()] = "private",
) -> Response:
    with unit_of_work(request):
        made = store.library.create(
            user.id, name, description=_form_text(description).strip(), visibility=visibility
        )
    return RedirectResponse(f"/library?collection={made.id}", status_code=303)


@router.post("/library/collections/{collection_id}", dependencies=[Csrf])
def edit_collection(
    request: Request,
    collection_id: RowId,
    user: MemberDep,
    store: StoreDep,
    name: Annotated[str | None, Form()] = None,
    description: Annotated[str | None, Form()] = None,
    visibility: Annotated[str | None, Form()] = None,
    new_link: Annotated[Flag, Form()] = 0,
) -> Response:
    """Rename, describe, share or unshare a collection; `new_link` replaces its shared link."""
    with unit_of_work(request):
        store.library.edit(
            user.id,
            collection_id,
            name=name,
            description=None if description is None else _form_text(description).strip(),
            visibility=visibility,
            new_link=bool(new_link),
        )
    return RedirectResponse(f"/library?collection={collection_id}#manage", status_code=303)


@router.post("/library/collections/{collection_id}/delete", dependencies=[Csrf])
def delete_collection(
    request: Request, collection_id: RowId, user: MemberDep, store: StoreDep
) -> Response:
    with unit_of_work(request):
        store.library.remove(user.id, collection_id)
    return RedirectResponse("/library", status_code=303)


# ------------------------------------------------------------------ a collection's pages


def _split(reference: str) -> tuple[str, str]:
    """(the collection's reference, a format suffix or "") of a path's last segment."""
    for suffix in (*FORMATS, *FEED_TYPES):
        if reference.endswith(suffix) and len(reference) > len(suffix):
            return reference.removesuffix(suffix), suffix
    return reference, ""


def _by_id(store: Store, user: User | None, reference: str) -> Collection:
    """Collection `reference` for its owner, or for anyone when it is public; else 404."""
    found = None
    if reference.isdigit() and reference.isascii() and 0 < int(reference) <= MAX_ID:
        found = store.library.collection(int(reference))
    if found is None or not (
        found.visibility == "public" or (user is not None and user.id == found.user_id)
    ):
        raise NotFound(f"no collection {reference}")
    return found


def _by_token(store: Store, token: str) -> Collection:
    found = store.library.by_token(token) if token.isascii() and len(token) <= 64 else None
    if found is None:
        raise NotFound("no collection is shared at this link (it may have been given a new one)")
    return found


def _papers(store: Store, c: Collection, limit: int, offset: int = 0) -> list[ListedPaper]:
    ids = store.library.papers_in(c.id, limit=limit, offset=offset)
    listed = store.listings.listed(ids)
    return [listed[i] for i in ids if i in listed]


def _feed_path(c: Collection) -> str | None:
    """Where a collection's feed is: a public one's by id, a link-shared one's by its token
    (a feed reader has no session), a private one has none."""
    if c.visibility == "public":
        return f"/collections/{c.id}"
    if c.visibility == "link":
        return f"/collections/shared/{c.share_token}"
    return None


def _collection_answer(
    request: Request,
    store: Store,
    settings: SettingsDep,
    user: User | None,
    c: Collection,
    base: str,
    suffix: str,
    page: int,
) -> Response:
    if suffix in FORMATS:
        write, media_type, extension = FORMATS[suffix]
        papers = [i.paper for i in _papers(store, c, limit=c.size or 1)]
        return _private(
            Response(
                write(papers),
                media_type=f"{media_type}; charset=utf-8",
                headers={
                    "Content-Disposition": f'inline; filename="collection-{c.id}.{extension}"'
                },
            )
        )
    feed_path = _feed_path(c)
    if suffix in FEED_TYPES:
        if feed_path is None:
            raise NotFound(f"no collection {c.id}")
        public = settings.public_url
        info = syndication.FeedInfo(
            title=f"{c.name} · a collection by {c.owner_name} · paperfeed",
            description=c.description or f"Papers {c.owner_name} collected on paperfeed.",
            page_url=public + feed_path,
            self_url=public + feed_path + suffix,
            updated=c.updated_at,
        )
        write_feed = syndication.atom if suffix == ".atom" else syndication.rss
        body = write_feed(info, [i.paper for i in _papers(store, c, 50)], public + "/papers/{id}")
        return _private(Response(body, media_type=FEED_TYPES[suffix] + "; charset=utf-8"))
    items = _papers(store, c, PER_PAGE, (page - 1) * PER_PAGE)
    ids = [i.paper.arxiv_id for i in items]
    owner = user is not None and user.id == c.user_id
    return _private(
        render(
            request,
            "collection.html",
            {
                "c": c,
                "owner": owner,
                "base": base,
                "items": items,
                "voted": store.votes.voted(user.id, ids) if user else set(),
                "hf": store.hf.get_many(ids),
                "marks": reader_marks(store, user, ids),
                "page": page,
                "pages": max(1, -(-c.size // PER_PAGE)),
                "share_url": settings.public_url + f"/collections/shared/{c.share_token}"
                if owner
                else None,
            },
            feeds=[feed(f"{c.name} (collection)", feed_path)] if feed_path else [],
        )
    )


@router.get("/collections/shared/{reference}")
@read_endpoint
def shared_collection(
    request: Request,
    reference: str,
    store: StoreDep,
    settings: SettingsDep,
    user: UserDep,
    page: PageNumber = 1,
) -> Response:
    """A collection shared by link (or public), with its feed and exports under the token."""
    token, suffix = _split(reference)
    with store.snapshot():
        c = _by_token(store, token)
        base = f"/collections/shared/{token}"
        return _collection_answer(request, store, settings, user, c, base, suffix, page)


@router.get("/collections/{reference}")
@read_endpoint
def collection_page(
    request: Request,
    reference: str,
    store: StoreDep,
    settings: SettingsDep,
    user: UserDep,
    page: PageNumber = 1,
) -> Response:
    """A public collection for anyone, any collection for its owner; a 404 otherwise."""
    key, suffix = _split(reference)
    with store.snapshot():
        c = _by_id(store, user, key)
        base = f"/collections/{c.id}"
        return _collection_answer(request, store, settings, user, c, base, suffix, page)
