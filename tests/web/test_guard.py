"""Hostile input on SQLite and PostgreSQL: every parameter of every route the app has (read from
`app.routes`, so a new route is covered by itself) gets a NUL, text that is not UTF-8, the
integers 2^63-1, 2^63, 2^31, -2^63-1 and 10 kB of text, in its path, query, form or JSON body, and
every route NUL or non-ASCII headers; each answer is the clear 4xx the guard or the parameter
bounds give, never a 500. A live server keeps its keep-alive connection through a string of
such requests; the guard's pure checks are tested on their own first."""

from __future__ import annotations

import html
import json
import socket
import tempfile
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, get_args, get_origin

import fastapi.routing
import pytest
from demo_copy import copy_demo
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from loopback import free_port, serving
from pydantic import BaseModel
from smtp_server import running_smtp
from web_site import Site, csrf_of
from webutil import make_settings

from paperfeed.store import Store
from paperfeed.web.app import create_app
from paperfeed.web.guard import Refused, check_head, check_json, check_pairs, decoded_text

ADMIN = "guard-admin@example.org"
BASE = "http://127.0.0.1:8000"


# The pure checks.


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"a%00b", "NUL character"),
        (b"a\x00b", "NUL character"),
        (b"%C3%28", "byte %C3 cannot be decoded"),
        (b"%FF", "byte %FF cannot be decoded"),
        (b"\xff", "byte %FF cannot be decoded"),
        (b"%ED%A0%80", "byte %ED cannot be decoded"),  # an encoded surrogate
    ],
)
def test_decoded_text_refuses(raw: bytes, message: str) -> None:
    with pytest.raises(Refused, match=message) as refused:
        decoded_text(raw, "the path")
    assert refused.value.status == 400 and str(refused.value).startswith("the path ")


def test_decoded_text_takes_utf8() -> None:
    assert decoded_text(b"C.%20Bal%C3%A1zs", "x") == "C. Balázs"
    assert decoded_text("Balázs".encode(), "x") == "Balázs"
    assert decoded_text(b"100%", "x") == "100%"  # not an escape: left as it is


def test_pairs_name_the_field() -> None:
    check_pairs(b"q=a+b&empty=&flag&page=2", "query parameter")
    with pytest.raises(Refused, match="query parameter 'submitter' contains a NUL"):
        check_pairs(b"q=ok&submitter=%00", "query parameter")
    with pytest.raises(Refused, match="form field 'email' is not UTF-8"):
        check_pairs(b"email=a%FF%40example.org", "form field")
    with pytest.raises(Refused, match="a form field name is not UTF-8"):
        check_pairs(b"%FF=1", "form field")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"body": "a\\u0000b"}', "JSON field 'body' contains a NUL"),
        (b'{"a": {"b": ["x", "\\u0000"]}}', "JSON field 'a.b\\[1\\]' contains a NUL"),
        (b'{"a\\u0000": 1}', "a key in the JSON body contains a NUL"),
        (b'{"body": "\\ud800"}', "JSON field 'body' holds a lone surrogate"),
        (b'{"body": "\xff"}', "the JSON body is not UTF-8"),
        (b'{"parent_id": 9223372036854775808}', "'parent_id' is 9223372036854775808, beyond"),
        (b'{"parent_id": -9223372036854775809}', "beyond any integer"),
        (b'{"body": NaN}', "not valid JSON: NaN is not a JSON value"),
        (b'{"body": ', "not valid JSON"),
        (b"[" * 100_000, "not valid JSON"),
    ],
)
def test_json_refused(body: bytes, message: str) -> None:
    with pytest.raises(Refused, match=message):
        check_json(body)


def test_json_taken() -> None:
    check_json(b'{"body": "\\u00e9 \\ud83d\\ude00", "parent_id": 9223372036854775807, "x": [true]}')


def test_head_checks_path_query_and_headers() -> None:
    scope: dict[str, Any] = {"path": "/", "raw_path": b"/", "query_string": b"", "headers": []}
    check_head(scope)
    for change, message in [
        ({"raw_path": b"/papers/author/%C3%28"}, "the path is not UTF-8"),
        ({"raw_path": b"/papers/\xff"}, "the path is not UTF-8"),
        ({"raw_path": None, "path": "/a\x00"}, "the path contains a NUL"),
        ({"query_string": b"q=%FF"}, "query parameter 'q' is not UTF-8"),
        ({"headers": [(b"x-csrf-token", b"a\x00b")]}, "'x-csrf-token' header contains a NUL"),
    ]:
        with pytest.raises(Refused, match=message):
            check_head({**scope, **change})


# Every route, every parameter.

# A valid value for each parameter name, so that only the hostile one is wrong.
SAMPLES: dict[str, str] = {
    "arxiv_id": "0704.0001",
    "kind": "date",
    "key": "2026-08-20",
    "fmt": "rss",
    "category": "hep-ph",
    "name": "C. Balázs",
    "token": "x",
    "token_id": "x",
    "comment_id": "1",
    "user_id": "1",
    "body": "a comment",
    "reference": "0704.0001",
}
TEXT = {"nul": "a\x00b", "not-utf8": b"\xc3\x28", "10kB": "x" * 10_240}
NUMBERS = {"2^63-1": 2**63 - 1, "2^63": 2**63, "2^31": 2**31, "-2^63-1": -(2**63) - 1}
GUARD_SAYS = {"nul": "NUL character", "not-utf8": "not UTF-8", "surrogate": "lone surrogate"}
Where = Literal["path", "query", "form", "json"]


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # the route's path template
    where: Where | Literal["header"]
    name: str
    kind: str

    @property
    def id(self) -> str:
        return f"{self.method} {self.path} {self.where}:{self.name} {self.kind}"


def _bare_app() -> FastAPI:
    """The app without a store or search, to list its routes when tests are collected."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(Path(tmp), f"sqlite:///{tmp}/unused.db")
    return create_app(settings, None, None, fetch=lambda _id: [])  # type: ignore[arg-type]


def _routes() -> list[APIRoute]:
    """The app's routes, as a request finds them (newer FastAPI keeps included routers as
    such in `app.routes`; `iter_route_contexts` flattens them)."""
    app = _bare_app()
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    entries = flatten(app.routes) if flatten else app.routes
    routes = [getattr(e, "original_route", e) for e in entries]
    return [r for r in routes if isinstance(r, APIRoute)]


def _scalar(annotation: Any) -> type | None:
    """int or str for a parameter's type (through Annotated, unions and Literal of strings)."""
    if annotation in (int, str):
        return typing.cast(type, annotation)
    origin = get_origin(annotation)
    if origin is Literal:
        return str
    if origin in (Annotated, typing.Union, UnionType):
        for arg in get_args(annotation):
            found = _scalar(arg)
            if found is not None:
                return found
    return None


def _fields(dependant: Any) -> Iterator[tuple[Where, str, type]]:
    """Where each parameter of a route comes from, its name and its type; a JSON body's
    fields one by one."""
    for where, fields in (("path", dependant.path_params), ("query", dependant.query_params)):
        for field in fields:
            kind = _scalar(field.field_info.annotation)
            if kind is not None:
                yield where, field.alias, kind
    for field in dependant.body_params:
        annotation = field.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for name, info in annotation.model_fields.items():
                kind = _scalar(info.annotation)
                if kind is not None:
                    yield "json", name, kind
        elif (kind := _scalar(annotation)) is not None:
            yield "form", field.alias, kind
    for sub in dependant.dependencies:
        yield from _fields(sub)


def _cases() -> list[Case]:
    cases = []
    for route in _routes():
        for method in sorted(route.methods):
            template = route.path_format
            for header in ("X-CSRF-Token", "Authorization"):
                cases.append(Case(method, template, "header", header, "nul"))
                cases.append(Case(method, template, "header", header, "é"))
            if method == "POST" and not template.startswith("/api/"):
                cases.append(Case(method, template, "form", "csrf", "é"))
            for where, name, kind in dict.fromkeys(_fields(route.dependant)):
                kinds = list(TEXT) if kind is str else list(NUMBERS)
                if kind is str and where == "json":
                    kinds.append("surrogate")
                cases.extend(Case(method, template, where, name, k) for k in kinds)
    return cases


CASES = _cases()


@dataclass
class Guarded:
    site: Site  # its client carries the admin's session
    csrf: str
    anonymous: TestClient  # the same app, without cookies


@pytest.fixture(scope="module")
def guarded(module_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guarded]:
    """One site for the whole module, its admin signed in: every request below is refused
    before it changes anything, or changes nothing another case looks at. API tokens are
    tried without the session (a bearer token skips the CSRF check, and POST /logout would
    end the shared session)."""
    tmp = tmp_path_factory.mktemp("guard")
    store = Store.open(module_db_url)
    with running_smtp() as smtp:
        search = copy_demo(store, tmp / "search")
        env = {**smtp.env(), "PAPERFEED_ADMIN_EMAILS": ADMIN}
        settings = make_settings(tmp, module_db_url, **env)
        app = create_app(settings, store, search, fetch=lambda _id: [])
        with TestClient(app, base_url=BASE) as client:
            site = Site(client, store, settings, smtp)
            site.sign_in(ADMIN)
            anonymous = TestClient(app, base_url=BASE)
            yield Guarded(site, csrf_of(site, "/settings"), anonymous)
            anonymous.close()
    store.close()


def _request(case: Case, csrf: str) -> tuple[str, str, dict[str, Any]]:
    """The method, URL and httpx arguments of `case`: valid everywhere but in one place."""
    path = case.path
    for name in SAMPLES:
        path = path.replace(f"{{{name}}}", SAMPLES[name])
    headers: dict[str, Any] = {"X-CSRF-Token": csrf}
    kwargs: dict[str, Any] = {"headers": headers}
    query, form = "", f"csrf={csrf}"
    json_body: dict[str, Any] = {"body": SAMPLES["body"], "reference": SAMPLES["reference"]}
    hostile: Any = NUMBERS.get(case.kind, TEXT.get(case.kind))
    escaped = (
        "".join(f"%{b:02X}" for b in hostile)
        if isinstance(hostile, bytes)
        else str(hostile).replace("\x00", "%00")
    )
    if case.where == "header":
        value = b"a\x00b" if case.kind == "nul" else "é".encode()
        headers[case.name] = b"Bearer " + value if case.name == "Authorization" else value
    elif case.where == "path":
        path = case.path.replace(f"{{{case.name}}}", escaped)
        for name in SAMPLES:
            path = path.replace(f"{{{name}}}", SAMPLES[name])
    elif case.where == "query":
        query = f"?{case.name}={escaped}"
    elif case.where == "form" and case.name == "csrf":
        del headers["X-CSRF-Token"]  # it would be read before the form
        form = "csrf=%C3%A9"
    elif case.where == "form":
        form += f"&{case.name}={escaped}"
    if case.method != "GET" and case.where != "json":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        kwargs["content"] = form.encode()
    if case.where == "json" or (case.method != "GET" and path.startswith("/api/")):
        headers["Content-Type"] = "application/json"
        if case.where != "json":
            kwargs["content"] = json.dumps(json_body).encode()
        elif case.kind == "not-utf8":
            marked = json.dumps({**json_body, case.name: "\x01"}).encode()
            kwargs["content"] = marked.replace(b"\\u0001", hostile)
        elif case.kind == "surrogate":
            kwargs["content"] = json.dumps({**json_body, case.name: "\ud800"}).encode()
        else:
            kwargs["content"] = json.dumps({**json_body, case.name: hostile}).encode()
    return case.method, path + query, kwargs


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_is_a_clear_4xx(guarded: Guarded, case: Case) -> None:
    method, url, kwargs = _request(case, guarded.csrf)
    client = guarded.anonymous if case.name == "Authorization" else guarded.site.client
    r = client.request(method, url, follow_redirects=False, **kwargs)
    assert r.status_code < 500, r.text[:500]
    if r.status_code < 400:
        # Only ten kilobytes of text may be taken (a token's label is cut to 100 characters),
        # or a non-ASCII header passed over: a read needs no CSRF token, and a page sends an
        # API token no one has to sign in. A write with a non-ASCII CSRF token is refused.
        passed_over = case.kind == "é" and (case.method == "GET" or case.name == "Authorization")
        assert case.name != "csrf", "a form with a CSRF token of é was taken"
        assert case.kind == "10kB" or passed_over, (r.status_code, r.text[:300])
        return
    if url.startswith("/api/"):
        body = r.json()
        assert body == {"error": body["error"], "status": r.status_code}
        message = body["error"]
    else:
        assert r.headers["content-type"].startswith("text/html")
        message = html.unescape(r.text)
    if case.kind in GUARD_SAYS and case.where != "header":
        assert r.status_code == 400 and GUARD_SAYS[case.kind] in message, message[:300]
    elif case.kind in NUMBERS:
        # Out of its bounds: a 400 that names the parameter (ids too, rather than a 404).
        assert r.status_code == 400 and case.name in message, message[:300]
    elif case.where == "header" and case.kind == "nul":
        assert r.status_code == 400 and "header contains a NUL" in message
    # A non-ASCII CSRF header, or 10 kB of text: refused by the route, in a 4xx of its own.


def test_every_family_is_covered() -> None:
    """The cases reach every kind of place input comes from, and every route."""
    assert {c.where for c in CASES} == {"path", "query", "form", "json", "header"}
    assert {c.kind for c in CASES} >= set(TEXT) | set(NUMBERS) | {"surrogate", "é"}
    # Every operation the OpenAPI document lists (found another way) is among them.
    assert set(_bare_app().openapi()["paths"]) < {c.path for c in CASES}
    ints = {(c.path, c.where, c.name) for c in CASES if c.kind == "2^63"}
    assert ("/comments/{comment_id}/edit", "path", "comment_id") in ints
    assert ("/api/v1/papers/{arxiv_id}/comments", "json", "parent_id") in ints
    assert ("/papers/{arxiv_id}/comments", "form", "parent_id") in ints
    assert ("/api/daily_papers", "query", "p") in ints
    assert ("/settings/digest", "form", "send_hour") in ints


def test_static_files_and_unknown_paths_are_guarded(guarded: Guarded) -> None:
    client = guarded.site.client
    for path in ("/static/%00", "/static/%FF", "/nowhere/%C3%28"):
        r = client.get(path)
        assert r.status_code == 400 and "text/html" in r.headers["content-type"], path
    r = client.get("/api/v1/nowhere/%00")
    assert r.json() == {"error": r.json()["error"], "status": 400}


def test_multipart_and_large_bodies(guarded: Guarded) -> None:
    client, csrf = guarded.site.client, guarded.csrf
    r = client.post(
        "/api/v1/papers/0704.0001/comments",
        files={"body": (None, "hi")},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 415 and "x-www-form-urlencoded" in r.json()["error"]
    r = client.post(
        "/api/v1/papers/0704.0001/comments",
        content=b'{"body": "' + b"x" * (1024 * 1024) + b'"}',
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
    )
    assert r.status_code == 413 and r.json()["status"] == 413


# A live server: refusals leave the connection open.


def _exchange(sock: socket.socket, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send one HTTP/1.1 request on `sock` and read its response (which has a length)."""
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    while len(body) < int(headers["content-length"]):
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection mid-response"
        body += chunk
    return int(lines[0].split()[1]), headers, body


def test_a_live_connection_survives_hostile_requests(
    store: Store, tmp_path: Path, db_url: str
) -> None:
    search = copy_demo(store, tmp_path / "search")
    port = free_port()
    settings = make_settings(tmp_path, db_url, PAPERFEED_PORT=str(port))
    app = create_app(settings, store, search, fetch=lambda _id: [])
    host = f"Host: 127.0.0.1:{port}\r\n"
    form = b"csrf=x&email=a%00%40example.org"
    hostile = [
        f"GET /papers/author/%00 HTTP/1.1\r\n{host}\r\n".encode(),
        f"GET /api/v1/authors/a%00b HTTP/1.1\r\n{host}\r\n".encode(),
        f"GET /api/daily_papers?submitter=%00 HTTP/1.1\r\n{host}\r\n".encode(),
        f"GET /api/daily_papers?p=99999999999999999999 HTTP/1.1\r\n{host}\r\n".encode(),
        f"GET /?page=9223372036854775807 HTTP/1.1\r\n{host}\r\n".encode(),
        f"GET /papers?q=%C3%28 HTTP/1.1\r\n{host}\r\n".encode(),
        f"POST /login HTTP/1.1\r\n{host}Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(form)}\r\n\r\n".encode()
        + form,
        f"POST /api/v1/papers/0704.0001/comments HTTP/1.1\r\n{host}"
        "Content-Type: application/json\r\nContent-Length: 24\r\n\r\n"
        '{"body": "a\\u0000b"}    '.encode(),
    ]
    with serving(app, port), socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        for request in hostile:
            status, headers, _ = _exchange(sock, request)
            assert status == 400, request
            assert headers.get("connection") != "close", request
        request = f"GET /api/v1/papers/0704.0001 HTTP/1.1\r\n{host}\r\n".encode()
        status, _, body = _exchange(sock, request)
        assert status == 200 and json.loads(body)["paper"]["id"] == "0704.0001"
