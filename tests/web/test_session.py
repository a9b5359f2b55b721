"""Sessions in a signed cookie (pure): a round trip through the codec, anything tampered,
foreign, expired or malformed read as an anonymous visitor, cookies from before server-side
sessions signed out, the CSRF check (non-ASCII tokens too), and a fresh CSRF token at each
sign-in and sign-out. Ending sessions on the server: tests/web/routes/test_account.py."""

from __future__ import annotations

import time

import pytest
from itsdangerous import URLSafeTimedSerializer

from paperfeed.web.session import MAX_AGE, Session, SessionCodec

CODEC = SessionCodec("test-secret-not-for-production")


def signed(payload: object, secret: str = "test-secret-not-for-production") -> str:
    """A cookie as the site would sign it, carrying any payload."""
    return URLSafeTimedSerializer(secret, salt="paperfeed.session").dumps(payload)


def test_round_trip() -> None:
    session = Session("session-id", "token-abc")
    loaded = CODEC.load(CODEC.dump(session))
    assert (loaded.id, loaded.csrf, loaded.changed) == ("session-id", "token-abc", False)


def test_a_new_visitor_gets_a_token_only_when_one_is_handed_out() -> None:
    session = CODEC.load(None)
    assert (session.id, session.changed) == (None, False)
    assert not session.csrf_ok("anything")  # no token yet: nothing can match
    token = session.csrf
    assert session.changed
    assert len(token) == 32 and session.csrf == token
    loaded = CODEC.load(CODEC.dump(session))
    assert (loaded.id, loaded.csrf) == (None, token)


@pytest.mark.parametrize(
    "cookie",
    [
        "",
        "garbage",
        signed({"s": "sid", "c": "t"}, secret="another-secret"),  # signed with another key
        signed({"s": "sid", "c": "t"})[:-1] + "A",  # a changed signature
        signed({"s": "sid", "c": "t"}).replace("eyJ", "eyK", 1),  # a changed payload
        URLSafeTimedSerializer("test-secret-not-for-production").dumps({"s": "sid", "c": "t"}),
        signed({"s": "sid"}),  # no CSRF token
        signed(["sid", "t"]),  # not an object
        signed("u"),
        signed(None),
    ],
    # Named, not shown: a signed cookie holds the second it was made, and test ids must be the
    # same in every collecting process (pytest-xdist).
    ids=[
        "empty",
        "garbage",
        "other-key",
        "changed-signature",
        "changed-payload",
        "no-salt",
        "no-csrf",
        "a-list",
        "a-string",
        "null",
    ],
)
def test_anything_else_is_an_anonymous_session(cookie: str) -> None:
    session = CODEC.load(cookie)
    assert (session.id, session.changed) == (None, False)
    assert not session.csrf_ok("t")


def test_a_session_id_that_is_not_a_string_is_dropped() -> None:
    for sid in (42, "", None, ["sid"]):
        session = CODEC.load(signed({"s": sid, "c": "t"}))
        assert (session.id, session.csrf) == (None, "t")


def test_a_cookie_from_before_server_side_sessions_is_signed_out() -> None:
    """Such a cookie names a user, not a session that signing out could end: it keeps its
    CSRF token and signs nobody in."""
    session = CODEC.load(signed({"u": 42, "c": "t"}))
    assert (session.id, session.csrf_ok("t")) == (None, True)


def test_a_cookie_older_than_30_days_is_anonymous(monkeypatch: pytest.MonkeyPatch) -> None:
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now - MAX_AGE - 5)
    old = CODEC.dump(Session("sid", "t"))
    monkeypatch.setattr(time, "time", lambda: now - MAX_AGE + 5)
    recent = CODEC.dump(Session("sid", "t"))
    monkeypatch.setattr(time, "time", lambda: now)
    assert MAX_AGE == 30 * 24 * 3600
    assert (CODEC.load(old).id, CODEC.load(old).csrf_ok("t")) == (None, False)
    assert CODEC.load(recent).id == "sid"


def test_csrf_ok() -> None:
    session = Session(None, "token-abc")
    assert session.csrf_ok("token-abc")
    for wrong in ("token-abd", "token-ab", "TOKEN-ABC", "", None):
        assert not session.csrf_ok(wrong)


@pytest.mark.parametrize("wrong", ["é", "token-abé", "Ã©", "\udce9", "\x00", "令牌"])
def test_a_token_with_other_characters_is_refused_not_a_crash(wrong: str) -> None:
    assert not Session(None, "token-abc").csrf_ok(wrong)
    assert not Session(None, "token-abc").csrf_ok(wrong + "token-abc")


def test_sign_in_and_sign_out_rotate_the_token() -> None:
    session = Session(None, "before")
    session.sign_in("sid-7")
    after_sign_in = session.csrf
    assert (session.id, session.changed) == ("sid-7", True)
    assert after_sign_in != "before"
    assert not session.csrf_ok("before")  # a token seen before cannot be replayed
    loaded = CODEC.load(CODEC.dump(session))
    assert (loaded.id, loaded.csrf) == ("sid-7", after_sign_in)
    loaded.sign_out()
    assert (loaded.id, loaded.changed) == (None, True)
    assert loaded.csrf not in ("before", after_sign_in)
    assert not loaded.csrf_ok(after_sign_in)
    assert CODEC.load(CODEC.dump(loaded)).id is None
