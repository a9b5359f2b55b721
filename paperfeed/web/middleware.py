"""The middleware every response passes: the session cookie in, a changed session out, and
the security headers. Plain ASGI (not Starlette's BaseHTTPMiddleware, which costs a task and
a memory stream per request)."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paperfeed.web.session import COOKIE, MAX_AGE, SessionCodec

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'"
)


def _cookie(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            return cookie_parser(value.decode("latin-1")).get(COOKIE)
    return None


class SessionAndHeaders:
    def __init__(self, app: ASGIApp, codec: SessionCodec, *, secure: bool) -> None:
        self.app = app
        self.codec = codec
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session = self.codec.load(_cookie(scope))
        scope.setdefault("state", {})["session"] = session

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if session.changed:
                    value = self.codec.dump(session)
                    cookie = f"{COOKIE}={value}; HttpOnly; Max-Age={MAX_AGE}; Path=/; SameSite=lax"
                    headers.append("set-cookie", cookie + ("; Secure" if self.secure else ""))
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = CSP
            await send(message)

        await self.app(scope, receive, send_with_headers)
