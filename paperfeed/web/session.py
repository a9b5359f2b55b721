"""Sessions in a signed cookie (HttpOnly, SameSite=Lax, Secure in production): the CSRF token
every form carries and, once signed in, the random id of a session row in the database.

Who is signed in lives on the server (`store.accounts`, table `sessions`), not in the cookie:
the cookie's id is looked up, joined with its user, in one query per request. So signing out
deletes the row and a copy of the cookie saved before opens nothing; "sign out everywhere"
deletes all of a user's rows; a role change applies to the very next request of every cookie;
and all of it holds across server processes, which share only the database. (The other way,
a per-user generation in the cookie checked against a briefly cached value, would cost the
same query when not cached, could not end one cookie without ending all of them, and would
leave every change late by the cache's lifetime in the other processes.)"""

from __future__ import annotations

import hmac
import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "paperfeed_session"
MAX_AGE = 30 * 24 * 3600


class Session:
    """One visitor's CSRF token and, when signed in, session id. A new visitor's token is made
    when something first hands it out (a form), so pages without forms set no cookie."""

    __slots__ = ("_csrf", "changed", "id")

    def __init__(self, session_id: str | None, csrf: str | None, changed: bool = False) -> None:
        self.id = session_id
        self._csrf = csrf
        self.changed = changed

    @property
    def csrf(self) -> str:
        if self._csrf is None:
            self._csrf = secrets.token_urlsafe(24)
            self.changed = True
        return self._csrf

    def sign_in(self, session_id: str) -> None:
        """Carry a new session row's id (`Accounts.start_session`). The CSRF token is new too:
        a token seen before cannot be replayed afterwards."""
        self.id = session_id
        self._csrf = secrets.token_urlsafe(24)
        self.changed = True

    def sign_out(self) -> None:
        """Forget the session id (its row is ended by the caller) and the CSRF token."""
        self.id = None
        self._csrf = secrets.token_urlsafe(24)
        self.changed = True

    def csrf_ok(self, token: str | None) -> bool:
        if not token or self._csrf is None:
            return False
        # Compared as bytes: compare_digest refuses non-ASCII str (a form field or header
        # of "é" would otherwise be a TypeError, a 500).
        given = token.encode("utf-8", "surrogatepass")
        return hmac.compare_digest(self._csrf.encode(), given)


class SessionCodec:
    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="paperfeed.session")

    def load(self, cookie: str | None) -> Session:
        """The session a cookie carries; anything unsigned, expired or malformed is a new
        visitor. (Cookies from before server-side sessions carry a user id, "u", which is
        not read: they keep their CSRF token but are signed out.)"""
        if cookie:
            try:
                data = self._serializer.loads(cookie, max_age=MAX_AGE)
                sid = data.get("s")
                return Session(sid if isinstance(sid, str) and sid else None, str(data["c"]))
            except (BadSignature, KeyError, TypeError, AttributeError):
                pass
        return Session(None, None)

    def dump(self, session: Session) -> str:
        data = {"c": session.csrf}
        if session.id is not None:
            data["s"] = session.id
        return self._serializer.dumps(data)
