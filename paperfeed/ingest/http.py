"""A polite HTTP client for arXiv's services: one request at a time, a pause between requests,
retries with exponential backoff on timeouts, dropped connections, 5xx and truncated payloads,
and `Retry-After` honoured on 503."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TypeVar

import httpx

from paperfeed import __version__
from paperfeed.errors import Upstream

T = TypeVar("T")

USER_AGENT = f"paperfeed/{__version__} (self-hosted Daily Papers; polite arXiv client)"


class RetryablePayload(Exception):
    """Raised by a parse callback for a payload that looks cut short: worth asking again."""


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    content: bytes
    url: str
    # Names in lower case (only those a parser reads: ETag, rate limits).
    headers: Mapping[str, str] = field(default_factory=dict)


class PoliteClient:
    """Sequential GETs with at least `delay` seconds between the start of two requests."""

    def __init__(
        self,
        *,
        delay: float = 3.0,
        timeout: float = 30.0,
        retries: int = 4,
        backoff: float = 5.0,
        max_wait: float = 600.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        log: Callable[[str], None] | None = None,
        retry_unresolved: bool = True,
    ) -> None:
        self.delay = delay
        self.retries = retries
        # False where a person is waiting: a host name that does not resolve (offline, or
        # no DNS) will not resolve seconds later either.
        self.retry_unresolved = retry_unresolved
        self.backoff = backoff
        self.max_wait = max_wait
        self._sleep = sleep
        self._clock = clock
        self._log = log or (lambda _msg: None)
        self._last: float | None = None
        self._http = httpx.Client(
            timeout=timeout,
            headers={"User-Agent": USER_AGENT},
            follow_redirects=True,
        )
        self.requests = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wait_turn(self) -> None:
        if self._last is not None:
            remaining = self._last + self.delay - self._clock()
            if remaining > 0:
                self._sleep(remaining)
        self._last = self._clock()

    def _backoff(self, attempt: int) -> float:
        return float(min(self.backoff * (2**attempt), self.max_wait))

    def _pause(self, attempt: int, seconds: float) -> None:
        """Wait before the next attempt; after the last one there is none to wait for."""
        if attempt < self.retries:
            self._sleep(seconds)

    def fetch(
        self,
        url: str,
        params: Mapping[str, str] | None,
        parse: Callable[[Response], T],
        *,
        what: str = "arXiv",
        headers: Mapping[str, str] | None = None,
    ) -> T:
        """GET and parse, retrying transient failures; raise Upstream when they persist.
        `headers` are sent with the request besides the User-Agent. A response saying the
        quota is used up (`X-RateLimit-Remaining: 0`) goes to `parse` unretried: waiting for
        the quota's reset, maybe an hour, is the caller's decision."""
        last_error = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self._log(f"{what}: {last_error}; retry {attempt}/{self.retries}")
            self._wait_turn()
            self.requests += 1
            try:
                r = self._http.get(url, params=params, headers=headers)
            except httpx.TimeoutException:
                last_error = "timed out"
                self._pause(attempt, self._backoff(attempt))
                continue
            except httpx.TransportError as exc:
                last_error = f"connection failed ({exc.__class__.__name__}: {exc})"
                if not self.retry_unresolved and _unresolved(exc):
                    raise Upstream(f"{what} at {url}: {last_error}; not retried") from exc
                self._pause(attempt, self._backoff(attempt))
                continue
            exhausted = r.headers.get("X-RateLimit-Remaining") == "0"
            # GitHub's secondary rate limits answer 403 with Retry-After.
            throttled = r.status_code == 403 and "Retry-After" in r.headers
            if not exhausted and (r.status_code in (503, 429) or throttled):
                wait = _retry_after(r.headers.get("Retry-After"))
                last_error = f"HTTP {r.status_code}" + (
                    f", retry after {wait:.0f}s" if wait else ""
                )
                self._pause(
                    attempt,
                    min(wait, self.max_wait) if wait is not None else self._backoff(attempt),
                )
                continue
            if r.status_code >= 500:
                last_error = f"HTTP {r.status_code}"
                self._pause(attempt, self._backoff(attempt))
                continue
            try:
                return parse(
                    Response(
                        status=r.status_code,
                        content=r.content,
                        url=str(r.url),
                        headers={k.lower(): v for k, v in r.headers.items()},
                    )
                )
            except RetryablePayload as exc:
                last_error = f"incomplete response ({exc})"
                self._pause(attempt, self._backoff(attempt))
                continue
        raise Upstream(f"{what} at {url} failed after {self.retries + 1} attempts: {last_error}")


def _unresolved(exc: BaseException) -> bool:
    """Whether a transport error comes from a host name that could not be resolved."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
