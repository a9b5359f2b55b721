"""What routes receive: the store, settings, search, the outbox, the clock, the session and the
signed-in user, the checks every write passes (CSRF, roles), and the unit of work that makes
each write request one transaction — as typed dependency aliases."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Hashable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from functools import wraps
from typing import Annotated, Any, TypeVar, cast

from fastapi import BackgroundTasks, Depends, Request
from starlette.concurrency import run_in_threadpool

from paperfeed.categories import CategoryFilter
from paperfeed.errors import Forbidden, PaperfeedError, RateLimited
from paperfeed.feed.listings import front_day
from paperfeed.feed.submission import Fetch, submit_paper
from paperfeed.mail.outbox import Outbox
from paperfeed.models import Paper, User
from paperfeed.search.searcher import Searcher
from paperfeed.settings import Settings
from paperfeed.store import Store
from paperfeed.web.cache import TimedCache
from paperfeed.web.session import Session

T = TypeVar("T")

# (requests, window) per kind of write, per user or client address.
LIMITS: dict[str, tuple[int, timedelta]] = {
    "login": (5, timedelta(minutes=15)),
    "vote": (120, timedelta(minutes=1)),
    "comment": (10, timedelta(minutes=10)),
    "submit": (20, timedelta(hours=1)),
    "subscribe": (5, timedelta(minutes=15)),
    # Each claim waits in the admins' queue: a member claims a few papers, not hundreds.
    "claim": (20, timedelta(hours=1)),
    # A library import may fetch up to 20 papers from arXiv.
    "import": (10, timedelta(hours=1)),
    # Ranking the whole store for one member on demand ("refresh" on /for-you).
    "recommend": (30, timedelta(hours=1)),
}
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class SignInRequired(PaperfeedError):
    """The page or endpoint needs a signed-in user."""


class CsrfFailed(PaperfeedError):
    """A form came back without the token this session put in it."""


def get_store(request: Request) -> Store:
    return cast(Store, request.app.state.store)


def get_settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


def get_search(request: Request) -> Searcher:
    return cast(Searcher, request.app.state.search)


def get_outbox(request: Request) -> Outbox:
    return cast(Outbox, request.app.state.outbox)


def get_fetch(request: Request) -> Fetch:
    return cast(Fetch, request.app.state.fetch)


def now(request: Request) -> datetime:
    """The time, by the store's clock (which tests can move)."""
    return get_store(request).db.now()


def page_cache(request: Request) -> TimedCache[bytes]:
    """Rendered pages and encoded API responses that are the same for every visitor."""
    return cast(TimedCache[bytes], request.app.state.page_cache)


def shown_day(request: Request, categories: CategoryFilter | None = None) -> date:
    """The day the front page and `/api/daily_papers` show (`front_day`, in `categories` when
    given), looked up once per cache period like the pages themselves, and once per request
    with the cache off (the front page asks twice: for its listing and for its cards'
    submission window)."""
    store = get_store(request)
    today = now(request).date()
    key = ("front_day", today, categories)
    known: dict[Hashable, date] | None = getattr(request.state, "shown_days", None)
    if known is None:
        known = request.state.shown_days = {}
    if key not in known:
        cache: TimedCache[date] = request.app.state.day_cache
        known[key] = cache.get(key, store.generation, lambda: front_day(store, today, categories))
    return known[key]


def get_session(request: Request) -> Session:
    return cast(Session, request.state.session)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def get_user(request: Request) -> User | None:
    """The signed-in user, from an API token (Authorization: Bearer) or the session cookie's
    session row (one query either way; a session ended elsewhere is signed out here too). A
    token's use is recorded, at most once a minute, at once on reads and in the request's unit
    of work on writes."""
    if hasattr(request.state, "user"):
        cached: User | None = request.state.user
        return cached
    store = get_store(request)
    token = _bearer(request)
    user = None
    if token is not None:
        owner = store.accounts.api_token_owner(token)
        if owner is None:
            raise SignInRequired("that API token is not valid (revoked, or never issued)")
        user = owner.user
        if request.method in _SAFE_METHODS:
            store.accounts.touch_api_token(token, owner.last_used_at)
        else:
            request.state.api_token = (token, owner.last_used_at)
    else:
        session_id = get_session(request).id
        user = store.accounts.user_for_session(session_id) if session_id is not None else None
    request.state.user = user
    return user


def require_user(request: Request) -> User:
    user = get_user(request)
    if user is None:
        raise SignInRequired("sign in first")
    return user


def require_curator(request: Request) -> User:
    user = require_user(request)
    if not user.is_curator:
        raise Forbidden("only curators and admins can do this")
    return user


def require_admin(request: Request) -> User:
    user = require_user(request)
    if not user.is_admin:
        raise Forbidden("only admins can do this")
    return user


async def check_csrf(request: Request) -> None:
    """Every state-changing request made with the session cookie carries the session's CSRF
    token, as a form field or an X-CSRF-Token header. API-token requests need none, once the
    token is known to be valid: a made-up bearer beside the cookie must not stand in for it."""
    if _bearer(request) is not None:
        await run_in_threadpool(get_user, request)  # SignInRequired (401) for a bad token
        return
    if request.url.path.startswith("/api/") and get_session(request).id is None:
        raise SignInRequired("send Authorization: Bearer <API token> (made on /settings)")
    token = request.headers.get("x-csrf-token")
    if token is None and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value: Any = form.get("csrf")
        token = value if isinstance(value, str) else None
    if not get_session(request).csrf_ok(token):
        raise CsrfFailed(
            "this form expired or did not come from this site: reload the page and try again"
        )


@contextmanager
def unit_of_work(request: Request, limit: str | None = None) -> Iterator[Store]:
    """One transaction for what a write request changes: the use of its API token (when a
    minute has passed since the last one recorded), its count against the rate limit of kind
    `limit`, and the change itself. Anything slow and outside the database (arXiv, SMTP) goes
    before or after the block: on SQLite the write lock is held for all of it."""
    store = get_store(request)
    with store.transaction():
        used: tuple[str, datetime | None] | None = getattr(request.state, "api_token", None)
        if used is not None:
            store.accounts.touch_api_token(*used)
        if limit is not None:
            bound, window = LIMITS[limit]
            user = get_user(request)
            who = f"u{user.id}" if user else f"ip{request.client.host if request.client else '-'}"
            wait = store.rate_limits.hit(f"{limit}:{who}", bound, window)
            if wait:
                raise RateLimited(f"too many {limit} requests; try again in {wait} seconds", wait)
        yield store


def admit(request: Request, limit: str) -> None:
    """Count a write request against its rate limit, and record its API token's use, in a
    transaction of their own: for requests whose work waits on something slow first (a
    submission fetches from arXiv) and so cannot be one unit of work with it."""
    with unit_of_work(request, limit=limit):
        pass


def submit_for(request: Request, user: User, reference: str, background: BackgroundTasks) -> Paper:
    """A member's submission through an API (native or Hugging Face's): counted against the
    rate limit first, in a transaction of its own (arXiv may be asked next), then the site's
    window and daily cap (feed/submission.py); the paper is searchable once the response is
    sent."""
    admit(request, "submit")
    settings = get_settings(request)
    paper = submit_paper(
        get_store(request),
        reference,
        user,
        fetch=get_fetch(request),
        today=now(request).date(),
        window_days=settings.submission_window_days,
        daily_cap=settings.daily_submission_cap,
    )
    background.add_task(get_search(request).refresh)
    return paper


# FastAPI runs a plain `def` dependency in the thread pool, one thread hop each (with four
# per page, the hops were a third of a served page's CPU). Those that only read the app's
# state or the request run on the event loop; the user is looked up in a thread only when
# the request carries a session or a token to look up.


def _on_loop(read: Callable[[Request], T]) -> Callable[[Request], Awaitable[T]]:
    async def dependency(request: Request) -> T:
        return read(request)

    return dependency


def _in_thread(read: Callable[[Request], T]) -> Callable[[Request], Awaitable[T]]:
    async def dependency(request: Request) -> T:
        return await run_in_threadpool(read, request)

    return dependency


def read_endpoint(endpoint: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """A read-only endpoint with a `store` parameter, run on the event loop when the store is
    embedded SQLite and in the thread pool (as FastAPI runs a plain `def`) on PostgreSQL.

    On SQLite a page's reads are local and mostly answered by the read memo: the thread hop
    itself (waking the pool, waking the loop again through its self-pipe) was about a tenth of
    `/`'s CPU, and the GIL keeps two Python threads of one worker from running at once
    anyway. On PostgreSQL each read waits on the network, and in a thread that wait lets the
    loop serve others. Not for endpoints that may compute for long outside the database
    (embedding a query with a transformer): those stay plain `def`."""
    if "store" not in inspect.signature(endpoint).parameters:
        raise TypeError(f"{endpoint.__name__} takes no store")

    @wraps(endpoint)
    async def run(**kwargs: Any) -> T:
        store: Store = kwargs["store"]
        if store.db.dialect == "sqlite":
            return endpoint(**kwargs)
        return await run_in_threadpool(endpoint, **kwargs)

    return run


async def _user(request: Request) -> User | None:
    if get_session(request).id is None and _bearer(request) is None:
        request.state.user = None
        return None
    return await run_in_threadpool(get_user, request)


StoreDep = Annotated[Store, Depends(_on_loop(get_store))]
SettingsDep = Annotated[Settings, Depends(_on_loop(get_settings))]
SearchDep = Annotated[Searcher, Depends(_on_loop(get_search))]
OutboxDep = Annotated[Outbox, Depends(_on_loop(get_outbox))]
FetchDep = Annotated[Fetch, Depends(_on_loop(get_fetch))]
NowDep = Annotated[datetime, Depends(_on_loop(now))]
SessionDep = Annotated[Session, Depends(_on_loop(get_session))]
UserDep = Annotated[User | None, Depends(_user)]
MemberDep = Annotated[User, Depends(_in_thread(require_user))]
CuratorDep = Annotated[User, Depends(_in_thread(require_curator))]
AdminDep = Annotated[User, Depends(_in_thread(require_admin))]
Csrf = Depends(check_csrf)
