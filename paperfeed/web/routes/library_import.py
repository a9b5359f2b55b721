"""Importing a reference manager's export (BibTeX, RIS, CSL-JSON: a Zotero library) into one
of the member's collections: `GET /library/import` (the form) and `POST /library/import`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, Form, Request, Response, UploadFile

from paperfeed.errors import Conflict, Invalid, NotFound
from paperfeed.feed.library_import import FETCH_LIMIT, ImportReport, import_references
from paperfeed.models import User
from paperfeed.references import MAX_BYTES
from paperfeed.store import Store
from paperfeed.web.deps import Csrf, FetchDep, MemberDep, SearchDep, StoreDep, admit
from paperfeed.web.page import render

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    user: User,
    store: Store,
    *,
    report: ImportReport | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    page = render(
        request,
        "import_references.html",
        {
            "collections": store.library.collections(user.id),
            "report": report,
            "error": error,
            "fetch_limit": FETCH_LIMIT,
            "papers": store.papers.get_many(report.added) if report else {},
        },
    )
    page.status_code = status
    return page


@router.get("/library/import")
def import_form(request: Request, user: MemberDep, store: StoreDep) -> Response:
    return _page(request, user, store)


@router.post("/library/import", dependencies=[Csrf])
def import_file(
    request: Request,
    user: MemberDep,
    store: StoreDep,
    fetch: FetchDep,
    search: SearchDep,
    background: BackgroundTasks,
    file: Annotated[UploadFile, File()],
    collection: Annotated[str, Form()] = "",
    new_collection: Annotated[str, Form()] = "",
) -> Response:
    """Put the export's papers into the chosen collection (a new one when named); the form
    again with a message when the file is no export. Runs in the thread pool: arXiv may be
    asked for up to FETCH_LIMIT papers."""
    data = file.file.read(MAX_BYTES + 1)
    name = (file.filename or "")[:200]
    try:
        if any("\x00" in field for field in (collection, new_collection, name)):
            raise Invalid("a form field contains a NUL character, which no text here may hold")
        if not data:
            raise Invalid("choose an export file (BibTeX, RIS or CSL-JSON)")
        target = None
        if collection.strip() and not new_collection.strip():
            if not collection.strip().isdigit() or len(collection) > 12:
                raise Invalid("choose one of your collections")
            target = int(collection)
        admit(request, "import")
        report = import_references(
            store,
            user.id,
            data,
            name,
            fetch=fetch,
            collection_id=target,
            new_collection=new_collection,
        )
    except (Invalid, NotFound, Conflict) as exc:
        return _page(request, user, store, error=str(exc), status=400)
    if report.fetched:
        background.add_task(search.refresh)
    return _page(request, user, store, report=report)
