"""The application factory: wires the store, search, outbox and settings into FastAPI, the
session cookie, security headers and the error pages that every route shares."""

from __future__ import annotations

import logging
import traceback
from datetime import date
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import Scope

from paperfeed import __version__
from paperfeed.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    PaperfeedError,
    RateLimited,
    StoreUnavailable,
    Upstream,
)
from paperfeed.feed.submission import Fetch
from paperfeed.mail.outbox import Outbox
from paperfeed.search.searcher import Searcher
from paperfeed.settings import Settings
from paperfeed.store import Store
from paperfeed.web import api_docs
from paperfeed.web.api_docs import OPENAPI_URL, openapi_document
from paperfeed.web.cache import TimedCache
from paperfeed.web.deps import CsrfFailed, SignInRequired, get_user
from paperfeed.web.guard import InputGuard
from paperfeed.web.middleware import SessionAndHeaders
from paperfeed.web.routes import (
    account,
    admin,
    api_claims,
    api_hf,
    api_hf_claim,
    api_hf_links,
    api_hf_repos,
    api_hf_submit,
    api_library,
    api_v1,
    avatars,
    citations,
    claims,
    digest,
    feeds,
    follows,
    for_you,
    library,
    library_import,
    markdown,
    pages,
    papers,
    settings_page,
    thumbnails,
)
from paperfeed.web.session import SessionCodec
from paperfeed.web.templating import templates

log = logging.getLogger("paperfeed.web")
STATIC = Path(__file__).parent / "static"

_STATUS: list[tuple[type[PaperfeedError], int, str]] = [
    (SignInRequired, 401, "Sign-in required"),
    (CsrfFailed, 400, "Form expired"),
    (Invalid, 400, "That did not work"),
    (Forbidden, 403, "Not allowed"),
    (NotFound, 404, "Not found"),
    (Conflict, 409, "Already taken"),
    (RateLimited, 429, "Slow down"),
    (Upstream, 502, "arXiv did not answer"),
    (StoreUnavailable, 503, "Database unavailable"),
]


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or (
        "application/json" in request.headers.get("accept", "")
        and "text/html" not in request.headers.get("accept", "")
    )


def error_response(request: Request, status: int, title: str, message: str) -> Response:
    if wants_json(request):
        return JSONResponse({"error": message, "status": status}, status_code=status)
    session = getattr(request.state, "session", None)
    try:
        user = get_user(request) if session is not None else None
    except PaperfeedError:
        user = None
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "status": status,
            "title": title,
            "message": message,
            "user": user,
            "csrf": session.csrf if session else "",
        },
        status_code=status,
    )


def allowed_methods(app: FastAPI, scope: Scope) -> str:
    """The methods some route takes at the request's path, for a 405's `Allow` header: each
    route here takes one method, so the route that refused knows only its own."""
    return ", ".join(
        method
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
        if any(r.matches({**scope, "method": method})[0] is Match.FULL for r in app.router.routes)
    )


def create_app(
    settings: Settings,
    store: Store,
    search: Searcher,
    *,
    fetch: Fetch,
) -> FastAPI:
    """The site over `store` and `search`; `fetch` gets a submitted paper from arXiv."""
    app = FastAPI(
        title="paperfeed",
        version=__version__,
        description="Native API of a paperfeed site. Hugging Face-compatible endpoints live "
        "under /api/daily_papers and /api/papers.",
        openapi_url=OPENAPI_URL,
        # The docs page is api_docs.py's: Swagger UI from the package, under the CSP.
        docs_url=None,
        redoc_url=None,
    )
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]
    app.state.settings = settings
    app.state.store = store
    app.state.search = search
    app.state.fetch = fetch
    # One attempt per message: a visitor is waiting for the page.
    app.state.outbox = Outbox(settings.smtp(retries=1))
    app.state.page_cache = TimedCache[bytes](settings.page_cache_seconds)
    app.state.day_cache = TimedCache[date](settings.page_cache_seconds)
    codec = SessionCodec(settings.secret_key.reveal())
    secure = settings.environment == "production"

    # The guard runs inside the session middleware: its refusals get the session's error
    # page and the security headers like any other answer.
    app.add_middleware(InputGuard, answer=error_response)
    app.add_middleware(SessionAndHeaders, codec=codec, secure=secure)

    @app.exception_handler(PaperfeedError)
    async def on_domain_error(request: Request, exc: PaperfeedError) -> Response:
        if isinstance(exc, SignInRequired) and not wants_json(request):
            target = request.url.path
            return RedirectResponse(f"/login?next={target}", status_code=303)
        for kind, status, title in _STATUS:
            if isinstance(exc, kind):
                response = error_response(request, status, title, str(exc))
                if isinstance(exc, RateLimited):
                    response.headers["Retry-After"] = str(exc.retry_after)
                return response
        return error_response(request, 400, "That did not work", str(exc))

    @app.exception_handler(HTTPException)
    async def on_http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            message = (
                f"There is nothing at {request.url.path}. Try the front page, the trending "
                "papers or a search."
            )
            return error_response(request, 404, "Page not found", message)
        if exc.status_code == 405:
            allow = allowed_methods(app, request.scope)
            message = f"{request.method} is not allowed on {request.url.path}; it takes {allow}"
            response = error_response(request, 405, "Method not allowed", message)
            response.headers["Allow"] = allow
            return response
        return error_response(request, exc.status_code, "Request failed", str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def on_bad_request(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: {e['msg']}"
            for e in exc.errors()
        )
        return error_response(request, 400, "Bad request", problems)

    @app.exception_handler(Exception)
    async def on_crash(request: Request, exc: Exception) -> Response:
        log.error("unhandled error on %s: %s", request.url.path, traceback.format_exc())
        return error_response(
            request,
            500,
            "Something broke",
            "The server hit an unexpected error; it has been logged. Try again in a moment.",
        )

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api_docs.router)
    # `thumbnails`, `markdown` and `citations` before `papers`, whose /papers/{id:path} would take
    # /papers/{id}/thumbnail and /papers/{id}.md. The pages first: each request is matched
    # against the routes in this order, and they are the busiest (the routers' paths do not
    # overlap otherwise: /api, /feeds, /login, /settings, /admin, /digest); only `citations`
    # goes before them, for /papers/date/{day}.bib (it takes a path only with a format suffix).
    for module in (
        citations,
        pages,
        thumbnails,
        avatars,
        markdown,
        claims,
        for_you,
        library_import,
        library,
        papers,
        api_hf,
        api_hf_claim,
        api_hf_links,
        api_hf_repos,
        api_hf_submit,
        api_v1,
        api_library,
        api_claims,
        feeds,
        follows,
        account,
        settings_page,
        admin,
        digest,
    ):
        app.include_router(module.router)
    app.include_router(citations.lists)  # /papers.bib?q=…: a search's papers
    return app
