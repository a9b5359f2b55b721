"""What routes receive: the store, settings, search, the session and signed-in user, and the
checks every write passes (CSRF, rate limits, roles), as typed dependency aliases."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request

from paperfeed.errors import Forbidden, PaperfeedError, RateLimited
from paperfeed.feed.listings import front_day
from paperfeed.feed.submission import Fetch
from paperfeed.models import Hit, SearchFilters, SearchResults, User
from paperfeed.settings import Settings
from paperfeed.store import Store
from paperfeed.web.cache import TimedCache
from paperfeed.web.mail import Mailer
from paperfeed.web.session import Session

# (requests, window) per kind of write, per user or client address.
LIMITS: dict[str, tuple[int, timedelta]] = {
    "login": (5, timedelta(minutes=15)),
    "vote": (120, timedelta(minutes=1)),
    "comment": (10, timedelta(minutes=10)),
    "submit": (20, timedelta(hours=1)),
    "subscribe": (5, timedelta(minutes=15)),
}


class SignInRequired(PaperfeedError):
    """The page or endpoint needs a signed-in user."""


class CsrfFailed(PaperfeedError):
    """A form came back without the token this session put in it."""


class Searcher(Protocol):
    """What the site needs of the search service (paperfeed.search.SearchService)."""

    def search(
        self,
        query: str,
        *,
        mode: str = "hybrid",
        limit: int = 20,
        offset: int = 0,
        filters: SearchFilters | None = None,
        sort: str = "relevance",
    ) -> SearchResults: ...

    def related(self, arxiv_id: str, limit: int = 10) -> list[Hit]: ...

    def refresh(self) -> None: ...


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_search(request: Request) -> Searcher:
    searcher: Searcher = request.app.state.search
    return searcher


def get_mailer(request: Request) -> Mailer:
    mailer: Mailer = request.app.state.mailer
    return mailer


def get_fetch(request: Request) -> Fetch:
    fetch: Fetch = request.app.state.fetch
    return fetch


def page_cache(request: Request) -> TimedCache[bytes]:
    """Rendered pages and encoded API responses that are the same for every visitor."""
    cache: TimedCache[bytes] = request.app.state.page_cache
    return cache


def shown_day(request: Request, today: date) -> date:
    """The day the front page and `/api/daily_papers` show (`front_day`), looked up once per
    cache period like the pages themselves."""
    store = get_store(request)
    cache: TimedCache[date] = request.app.state.day_cache
    return cache.get(("front_day", today), store.generation, lambda: front_day(store, today))


def get_session(request: Request) -> Session:
    session: Session = request.state.session
    return session


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def get_user(request: Request) -> User | None:
    """The signed-in user, from an API token (Authorization: Bearer) or the session cookie."""
    if hasattr(request.state, "user"):
        cached: User | None = request.state.user
        return cached
    store = get_store(request)
    token = _bearer(request)
    user = None
    if token is not None:
        user = store.accounts.user_for_api_token(token)
        if user is None:
            raise SignInRequired("that API token is not valid (revoked, or never issued)")
    else:
        uid = get_session(request).user_id
        user = store.accounts.get(uid) if uid is not None else None
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
    token, as a form field or an X-CSRF-Token header. API-token requests need none."""
    if _bearer(request) is not None:
        return
    if request.url.path.startswith("/api/") and get_session(request).user_id is None:
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


def rate_limit(request: Request, kind: str) -> None:
    limit, window = LIMITS[kind]
    user = get_user(request)
    who = f"u{user.id}" if user else f"ip{request.client.host if request.client else '-'}"
    wait = get_store(request).rate_limits.hit(f"{kind}:{who}", limit, window)
    if wait:
        raise RateLimited(f"too many {kind} requests; try again in {wait} seconds", wait)


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
SearchDep = Annotated[Searcher, Depends(get_search)]
MailerDep = Annotated[Mailer, Depends(get_mailer)]
FetchDep = Annotated[Fetch, Depends(get_fetch)]
SessionDep = Annotated[Session, Depends(get_session)]
UserDep = Annotated[User | None, Depends(get_user)]
MemberDep = Annotated[User, Depends(require_user)]
CuratorDep = Annotated[User, Depends(require_curator)]
AdminDep = Annotated[User, Depends(require_admin)]
Csrf = Depends(check_csrf)
