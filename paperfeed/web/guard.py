"""Hostile input, refused once where requests come in, before any route, dependency, mounted
app or database sees it: a NUL character (PostgreSQL text cannot hold one), text that is not
UTF-8 (a bad %-escape such as `%C3%28` or `%FF`, a lone surrogate in JSON), a JSON integer
beyond 64 bits, a body over `MAX_BODY`, and multipart bodies except where a route takes a
file (`UPLOADS`, with their own size limit; those routes check the file and fields). The path,
query string, headers and form and JSON bodies are checked here; the answer is the site's
own error (JSON under /api/, the error page elsewhere), never a 500.

Integer parameters are bounded where routes declare them, with the types at the end of this
module, so their bounds show in the OpenAPI document. A number outside them is a 400 naming
the parameter, ids included: an id beyond `MAX_ID` is a malformed request, not a missing
thing, so it is not a 404."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import unquote_to_bytes

from annotated_types import Interval
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# A hundred 10 kB comments would fit; every form and JSON body here is far smaller.
MAX_BODY = 1024 * 1024
# Paths that take a file (multipart/form-data) and their body limit: a library import's
# export of up to 5 MB (paperfeed.references.MAX_BYTES) and its form fields.
UPLOADS: dict[str, int] = {"/library/import": 5_000_000 + 64 * 1024}
_INT64 = range(-(2**63), 2**63)
_TITLES = {400: "Bad request", 413: "Request too large", 415: "Unsupported form"}

# How the guard answers: the app's error response (request, status, title, message).
Answer = Callable[[Request, int, str, str], Response]


class Refused(Exception):
    """Why a request is refused, for the person who sent it."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def decoded_text(raw: bytes, what: str) -> str:
    """`raw` with its %-escapes decoded, as text; Refused unless it is UTF-8 without NUL."""
    data = unquote_to_bytes(raw)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(
            f"{what} is not UTF-8 text (byte %{data[exc.start]:02X} cannot be decoded): "
            "percent-encode text as UTF-8"
        ) from None
    if "\x00" in text:
        raise Refused(f"{what} contains a NUL character (%00), which no text here may hold")
    return text


def check_pairs(raw: bytes, kind: str) -> None:
    """A query string or urlencoded form: every name and value decodes to clean text."""
    for piece in raw.split(b"&"):
        name, _, value = piece.partition(b"=")
        field = decoded_text(name.replace(b"+", b" "), f"a {kind} name")
        decoded_text(value.replace(b"+", b" "), f"{kind} {field!r}")


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def check_json(body: bytes) -> None:
    """A JSON body: UTF-8, well formed, no NUL or lone surrogate in any string, every integer
    within 64 bits."""
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise Refused("the JSON body is not UTF-8 text") from None
    except (ValueError, RecursionError) as exc:
        raise Refused(f"the body is not valid JSON: {exc}") from None
    # Depth first, without recursion: json.loads takes nestings deeper than Python's stack.
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        where = f"JSON field {path!r}" if path else "the JSON body"
        if isinstance(value, dict):
            for key, item in value.items():
                _check_string(key, f"a key in {where}")
                stack.append((f"{path}.{key}" if path else key, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(value))
        elif isinstance(value, str):
            _check_string(value, where)
        elif isinstance(value, int) and not isinstance(value, bool) and value not in _INT64:
            raise Refused(f"{where} is {value}, beyond any integer this site stores (64 bits)")


def _check_string(text: str, where: str) -> None:
    if "\x00" in text:
        raise Refused(f"{where} contains a NUL character (\\u0000), which no text here may hold")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Refused(f"{where} holds a lone surrogate (\\ud800 … \\udfff): not text") from None


def check_head(scope: Scope) -> None:
    """The request line and headers: path, query string and header values."""
    for name, value in scope["headers"]:
        if b"\x00" in name or b"\x00" in value:
            raise Refused(f"the {name.decode('latin-1')!r} header contains a NUL character")
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
    decoded_text(raw_path, "the path")
    check_pairs(scope.get("query_string", b""), "query parameter")


def check_body(headers: Headers, body: bytes, upload: bool = False) -> None:
    """A form or JSON body, by its Content-Type (others reach the routes, which refuse them);
    multipart only when `upload` (a path of UPLOADS)."""
    kind = headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        check_pairs(body, "form field")
    elif kind == "multipart/form-data" and not upload:
        raise Refused(
            "forms here are sent as application/x-www-form-urlencoded, not multipart/form-data",
            415,
        )
    elif kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json")):
        check_json(body)


class InputGuard:
    """ASGI middleware: checks every HTTP request as described above and answers the refused
    ones with `answer`; the body it read is replayed to the app."""

    def __init__(self, app: ASGIApp, answer: Answer) -> None:
        self.app = app
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            check_head(scope)
            headers = Headers(scope=scope)
            upload = UPLOADS.get(scope["path"])
            body = await _read_body(headers, receive, upload or MAX_BODY)
            if body is None:
                return  # the client went away
            check_body(headers, body, upload is not None)
        except Refused as refused:
            status = refused.status
            response = self.answer(Request(scope), status, _TITLES[status], str(refused))
            await response(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _read_body(headers: Headers, receive: Receive, limit: int) -> bytes | None:
    """The whole body (None when the client disconnects); Refused over `limit` bytes."""
    too_large = Refused(f"the request body is over {limit:,} bytes", 413)
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


MAX_ID = 2**31 - 1
"""The largest id a table holds: PostgreSQL's INTEGER, the type of every id column."""
MAX_PAGE = 10_000
"""The last page any listing or search gives (10,000 pages of 100 is a million papers)."""

RowId = Annotated[int, Interval(ge=1, le=MAX_ID)]
"""A comment's, user's or other row's id."""
Int32 = Annotated[int, Interval(ge=-MAX_ID - 1, le=MAX_ID)]
"""A number an INTEGER column holds (digest settings); its own check says which make sense."""
PageNumber = Annotated[int, Interval(ge=1, le=MAX_PAGE)]
"""A page of a listing or search, from 1."""
Flag = Annotated[int, Interval(ge=0, le=1)]
"""A form's on/off switch: 0 or 1."""
MAX_AUTHOR_POSITION = 99_999
"""The last author place a claim can name (papers with thousands of authors exist)."""
AuthorPosition = Annotated[int, Interval(ge=0, le=MAX_AUTHOR_POSITION)]
"""An author's place in a paper's author list, from 0; the paper's own list bounds it too."""
