"""Sessions in a signed cookie (HttpOnly, SameSite=Lax, Secure in production): the signed-in
user's id and the CSRF token every form carries. Nothing else is kept on the client."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "paperfeed_session"
MAX_AGE = 30 * 24 * 3600


@dataclass(slots=True)
class Session:
    user_id: int | None
    csrf: str
    changed: bool = False

    def sign_in(self, user_id: int) -> None:
        # A fresh CSRF token at sign-in: a token seen before cannot be replayed afterwards.
        self.user_id = user_id
        self.csrf = secrets.token_urlsafe(24)
        self.changed = True

    def sign_out(self) -> None:
        self.user_id = None
        self.csrf = secrets.token_urlsafe(24)
        self.changed = True

    def csrf_ok(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf, str(token))


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
        return Session(None, secrets.token_urlsafe(24), changed=True)

    def dump(self, session: Session) -> str:
        return self._serializer.dumps({"u": session.user_id, "c": session.csrf})
