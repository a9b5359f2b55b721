"""Sessions in a signed cookie (HttpOnly, SameSite=Lax, Secure in production): the signed-in
user's id and the CSRF token every form carries. Nothing else is kept on the client."""

from __future__ import annotations

import hmac
import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "paperfeed_session"
MAX_AGE = 30 * 24 * 3600


class Session:
    """The user id and CSRF token of one visitor. A new visitor's token is made when something
    first hands it out (a form), so pages without forms set no cookie and cache well."""

    __slots__ = ("_csrf", "changed", "user_id")

    def __init__(self, user_id: int | None, csrf: str | None, changed: bool = False) -> None:
        self.user_id = user_id
        self._csrf = csrf
        self.changed = changed

    @property
    def csrf(self) -> str:
        if self._csrf is None:
            self._csrf = secrets.token_urlsafe(24)
            self.changed = True
        return self._csrf

    def sign_in(self, user_id: int) -> None:
        # A fresh CSRF token at sign-in: a token seen before cannot be replayed afterwards.
        self.user_id = user_id
        self._csrf = secrets.token_urlsafe(24)
        self.changed = True

    def sign_out(self) -> None:
        self.user_id = None
        self._csrf = secrets.token_urlsafe(24)
        self.changed = True

    def csrf_ok(self, token: str | None) -> bool:
        if not token or self._csrf is None:
            return False
        return hmac.compare_digest(self._csrf, str(token))


class SessionCodec:
    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="paperfeed.session")

    def load(self, cookie: str | None) -> Session:
        if cookie:
            try:
                data = self._serializer.loads(cookie, max_age=MAX_AGE)
                uid = data.get("u")
                return Session(uid if isinstance(uid, int) else None, str(data["c"]))
            except (BadSignature, KeyError, TypeError, AttributeError):
                pass
        return Session(None, None)

    def dump(self, session: Session) -> str:
        return self._serializer.dumps({"u": session.user_id, "c": session.csrf})
