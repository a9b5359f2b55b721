"""A GitHub REST API on 127.0.0.1 replaying recorded exchanges (tests/fixtures/github, from
PyGithub's test suite: see PROVENANCE.txt there).

    with GitHubReplay() as github:
        github.serve(recorded("repo-2026-01-08.txt")[0], path="/repos/PyGithub/PyGithub")
        github.script(failure(502))  # the next request fails, the one after is served
        ...
        assert github.requests[0].headers["x-github-api-version"] == "2022-11-28"
"""

from __future__ import annotations

import ast
import contextlib
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from loopback import BackgroundServer

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "github"
# Headers that described the original transfer: the body is stored decoded, whole.
_TRANSFER = frozenset(
    {"content-length", "transfer-encoding", "content-encoding", "connection", "status"}
)


@dataclass(frozen=True, slots=True)
class Exchange:
    """One recorded request and GitHub's answer."""

    path: str
    request_headers: dict[str, str]
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def recorded(name: str) -> list[Exchange]:
    """The exchanges of a fixture file, in PyGithub's replay format (10 lines each)."""
    lines = (FIXTURES / name).read_text(encoding="utf-8").split("\n")
    out = []
    i = 0
    while i < len(lines):
        if not lines[i]:
            i += 1
            continue
        block = lines[i : i + 10]
        out.append(
            Exchange(
                path=block[4],
                request_headers=ast.literal_eval(block[5]),
                status=int(block[7]),
                headers=[(str(k), str(v)) for k, v in ast.literal_eval(block[8])],
                body=block[9].encode("utf-8"),
            )
        )
        i += 10
    return out


def failure(status: int) -> Exchange:
    """A bare server error (GitHub's 5xx pages are not worth recording)."""
    return Exchange("", {}, status, [("Content-Type", "text/plain")], f"HTTP {status}\n".encode())


@dataclass(frozen=True, slots=True)
class Seen:
    path: str
    headers: dict[str, str]  # names in lower case


@dataclass(slots=True)
class _State:
    routes: dict[str, Exchange] = field(default_factory=dict)
    # (path, If-None-Match) → the answer to a conditional request.
    conditional: dict[tuple[str, str], Exchange] = field(default_factory=dict)
    script: deque[Exchange] = field(default_factory=deque)
    requests: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""


class _Handler(BaseHTTPRequestHandler):
    state: _State

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output clean."""

    def do_GET(self) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._answer()

    def _answer(self) -> None:
        state = self.state
        headers = {k.lower(): v for k, v in self.headers.items()}
        with state.lock:
            state.requests.append(Seen(self.path, headers))
            if state.script:
                exchange: Exchange | None = state.script.popleft()
            else:
                # GitHub reads owner and repository names in any case.
                path, etag = self.path.lower(), headers.get("if-none-match", "")
                exchange = state.conditional.get((path, etag)) or state.routes.get(path)
        if exchange is None:
            self._send(404, [("Content-Type", "text/plain")], b"no recording\n")
            return
        answer = [
            (k, v.replace("https://api.github.com", state.url) if k.lower() == "location" else v)
            for k, v in exchange.headers
            if k.lower() not in _TRANSFER
        ]
        self._send(exchange.status, answer, exchange.body)

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()


class GitHubReplay(BackgroundServer):
    """A ThreadingHTTPServer on 127.0.0.1 (free port) in a background thread."""

    def __init__(self) -> None:
        self._state = _State()
        handler = type("Handler", (_Handler,), {"state": self._state})
        super().__init__(ThreadingHTTPServer(("127.0.0.1", 0), handler))
        self._state.url = self.url

    def serve(self, exchange: Exchange, *, path: str | None = None) -> None:
        """Answer GET `path` (the recorded one by default) with `exchange`."""
        with self._state.lock:
            self._state.routes[(path or exchange.path).lower()] = exchange

    def serve_not_modified(self, exchange: Exchange, *, path: str | None = None) -> None:
        """Answer a request for `path` carrying `If-None-Match: <the recorded ETag>` with
        `exchange` (a recorded 304)."""
        etag = exchange.request_headers["If-None-Match"]
        with self._state.lock:
            self._state.conditional[((path or exchange.path).lower(), etag)] = exchange

    def serve_file(self, name: str) -> None:
        """Every exchange of a fixture file at its recorded path."""
        for exchange in recorded(name):
            self.serve(exchange)

    def script(self, *exchanges: Exchange) -> None:
        """Answers for the next requests, whatever they ask, in order."""
        with self._state.lock:
            self._state.script.extend(exchanges)

    @property
    def requests(self) -> list[Seen]:
        with self._state.lock:
            return list(self._state.requests)
