"""A replay HTTP server on 127.0.0.1 for the network sources: recorded payloads by path and query
parameters, plus faults scripted per test (5xx, 503 Retry-After, stalls, cut-short bodies).

    with ReplayServer() as server:
        server.add_arxiv_recordings(API_RECORDINGS)
        server.script(error(500), SERVE)  # the next request fails, the one after is served
        ...
        assert [r.params["start"] for r in server.requests] == ["0", "0"]
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from loopback import BackgroundServer

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
API_RECORDINGS = DATA / "arxiv" / "api-atom"

# arXiv's own flow-control page, as recorded in tests/fixtures/oai/paperhive_nock_*.json.
RETRY_AFTER_PAGE = "<html><body>\n<h1>Retry after {seconds} seconds</h1>\n</body></html>\n"


def recorded_body(path: Path) -> tuple[int, bytes]:
    """Status and original bytes of a recorded arXiv API response (`{url, status_code, body}`).

    The recorder decoded the bytes as latin-1, so encoding back gives the UTF-8 that was sent;
    a body that does not fit latin-1 was stored as real text and is encoded as UTF-8."""
    data = json.loads(path.read_text(encoding="utf-8"))
    body: str = data["body"]
    try:
        raw = body.encode("latin-1")
    except UnicodeEncodeError:
        raw = body.encode("utf-8")
    return int(data["status_code"]), raw


class FakeClock:
    """A monotonic clock that only moves when slept on (or advanced): pass `clock` and `sleep`
    to PoliteClient and ReplayServer to see every pause without waiting for it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass(frozen=True, slots=True)
class Behaviour:
    """What the server does with one request."""

    kind: str
    status: int = 200
    retry_after: int | None = None
    seconds: float = 0.0


SERVE = Behaviour("serve")
TRUNCATED = Behaviour("truncated")
DROPPED = Behaviour("dropped")


def error(status: int = 500) -> Behaviour:
    """Answer with this status and a short plain-text body."""
    return Behaviour("error", status=status)


def unavailable(retry_after: int, status: int = 503) -> Behaviour:
    """arXiv's flow control: 503 (or 429) with `Retry-After: N`."""
    return Behaviour("unavailable", status=status, retry_after=retry_after)


def stall(seconds: float) -> Behaviour:
    """Say nothing for `seconds` (longer than the client's timeout), then serve normally."""
    return Behaviour("stall", seconds=seconds)


@dataclass(frozen=True, slots=True)
class Route:
    status: int
    body: bytes
    content_type: str


@dataclass(frozen=True, slots=True)
class Request:
    path: str
    params: dict[str, str]
    time: float
    behaviour: str
    headers: dict[str, str]  # names in lower case


@dataclass(slots=True)
class _State:
    routes: dict[tuple[str, frozenset[tuple[str, str]]], Route] = field(default_factory=dict)
    script: deque[Behaviour] = field(default_factory=deque)
    default: Behaviour = SERVE
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    closing: threading.Event = field(default_factory=threading.Event)
    clock: Callable[[], float] = time.monotonic


def _key(path: str, params: Mapping[str, str]) -> tuple[str, frozenset[tuple[str, str]]]:
    return path, frozenset(params.items())


class _Handler(BaseHTTPRequestHandler):
    state: _State  # set on the subclass made per server

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output clean."""

    def do_GET(self) -> None:
        # A client that gave up (a timeout test) has nobody left to answer.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._answer()

    def _headers(self) -> dict[str, str]:
        return {name.lower(): value for name, value in self.headers.items()}

    def _answer(self) -> None:
        split = urlsplit(self.path)
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        state = self.state
        with state.lock:
            behaviour = state.script.popleft() if state.script else state.default
            state.requests.append(
                Request(split.path, params, state.clock(), behaviour.kind, self._headers())
            )
            route = state.routes.get(_key(split.path, params))
        if behaviour.kind == "stall":
            if state.closing.wait(behaviour.seconds):
                return
        elif behaviour.kind == "error":
            self._send(behaviour.status, f"HTTP {behaviour.status}\n".encode(), "text/plain")
            return
        elif behaviour.kind == "unavailable":
            page = RETRY_AFTER_PAGE.format(seconds=behaviour.retry_after).encode()
            self._send(
                behaviour.status, page, "text/html", {"Retry-After": str(behaviour.retry_after)}
            )
            return
        if route is None:
            self._send(404, f"no recording for GET {self.path}\n".encode(), "text/plain")
            return
        if behaviour.kind == "truncated":
            half = route.body[: len(route.body) // 2]
            self._send(route.status, half, route.content_type)
        elif behaviour.kind == "dropped":
            self._send(route.status, route.body, route.content_type, cut=True)
        else:
            self._send(route.status, route.body, route.content_type)

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: Mapping[str, str] | None = None,
        *,
        cut: bool = False,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        # A dropped connection: promise the whole body, send half, hang up.
        self.wfile.write(body[: len(body) // 2] if cut else body)
        self.wfile.flush()


class ReplayServer(BackgroundServer):
    """A ThreadingHTTPServer on 127.0.0.1 (free port) in a background thread."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._state = _State(clock=clock)
        handler = type("Handler", (_Handler,), {"state": self._state})
        super().__init__(ThreadingHTTPServer(("127.0.0.1", 0), handler))

    def stopping(self) -> None:
        self._state.closing.set()

    # ---------------------------------------------------------------- what it serves

    def add(
        self,
        path: str,
        params: Mapping[str, str],
        body: bytes,
        *,
        status: int = 200,
        content_type: str = "text/xml; charset=utf-8",
    ) -> None:
        """Serve `body` to GET `path` with exactly these query parameters (any order)."""
        with self._state.lock:
            self._state.routes[_key(path, params)] = Route(status, body, content_type)

    def add_file(
        self,
        path: str,
        params: Mapping[str, str],
        file: Path,
        *,
        content_type: str = "text/xml; charset=utf-8",
    ) -> None:
        self.add(path, params, file.read_bytes(), content_type=content_type)

    def add_arxiv_recordings(self, folder: Path) -> None:
        """Every recorded API response in `folder/*.json`, at the path it was recorded from."""
        for file in sorted(folder.glob("*.json")):
            url = urlsplit(json.loads(file.read_text(encoding="utf-8"))["url"])
            status, body = recorded_body(file)
            params = dict(parse_qsl(url.query, keep_blank_values=True))
            self.add(url.path, params, body, status=status, content_type="application/atom+xml")

    # ---------------------------------------------------------------- how it behaves

    def script(self, *behaviours: Behaviour) -> None:
        """Behaviours for the next requests, in order; after them requests are served."""
        with self._state.lock:
            self._state.script.extend(behaviours)

    def always(self, behaviour: Behaviour) -> None:
        """What every request gets once the script is used up."""
        with self._state.lock:
            self._state.default = behaviour

    # ---------------------------------------------------------------- what it saw

    @property
    def requests(self) -> list[Request]:
        with self._state.lock:
            return list(self._state.requests)
