"""Sessions in a signed cookie (pure): a round trip through the codec, anything tampered,
foreign, expired or malformed read as an anonymous visitor, the CSRF check, and a fresh CSRF
token at each sign-in and sign-out."""

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
    session = Session(42, "token-abc")
    loaded = CODEC.load(CODEC.dump(session))
    assert (loaded.user_id, loaded.csrf, loaded.changed) == (42, "token-abc", False)


def test_a_new_visitor_gets_a_token_only_when_one_is_handed_out() -> None:
    session = CODEC.load(None)
    assert (session.user_id, session.changed) == (None, False)
    assert not session.csrf_ok("anything")  # no token yet: nothing can match
    token = session.csrf
    assert session.changed
    assert len(token) == 32 and session.csrf == token
    loaded = CODEC.load(CODEC.dump(session))
    assert (loaded.user_id, loaded.csrf) == (None, token)


@pytest.mark.parametrize(
    "cookie",
    [
        "",
        "garbage",
        signed({"u": 42, "c": "t"}, secret="another-secret"),  # signed with another key
        signed({"u": 42, "c": "t"})[:-1] + "A",  # a changed signature
        signed({"u": 42, "c": "t"}).replace("eyJ", "eyK", 1),  # a changed payload
        URLSafeTimedSerializer("test-secret-not-for-production").dumps({"u": 42, "c": "t"}),
        signed({"u": 42}),  # no CSRF token
        signed([42, "t"]),  # not an object
        signed("u"),
        signed(None),
    ],
)
def test_anything_else_is_an_anonymous_session(cookie: str) -> None:
    session = CODEC.load(cookie)
    assert (session.user_id, session.changed) == (None, False)
    assert not session.csrf_ok("t")


def test_a_user_id_that_is_not_an_integer_is_dropped() -> None:
    for uid in ("42", 4.2, None, [42]):
        session = CODEC.load(signed({"u": uid, "c": "t"}))
        assert (session.user_id, session.csrf) == (None, "t")


def test_a_cookie_older_than_30_days_is_anonymous(monkeypatch: pytest.MonkeyPatch) -> None:
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now - MAX_AGE - 5)
    old = CODEC.dump(Session(42, "t"))
    monkeypatch.setattr(time, "time", lambda: now - MAX_AGE + 5)
    recent = CODEC.dump(Session(42, "t"))
    monkeypatch.setattr(time, "time", lambda: now)
    assert MAX_AGE == 30 * 24 * 3600
    assert (CODEC.load(old).user_id, CODEC.load(old).csrf_ok("t")) == (None, False)
    assert CODEC.load(recent).user_id == 42


def test_csrf_ok() -> None:
    session = Session(None, "token-abc")
    assert session.csrf_ok("token-abc")
    for wrong in ("token-abd", "token-ab", "TOKEN-ABC", "", None):
        assert not session.csrf_ok(wrong)


def test_sign_in_and_sign_out_rotate_the_token() -> None:
    session = Session(None, "before")
    session.sign_in(7)
    after_sign_in = session.csrf
    assert (session.user_id, session.changed) == (7, True)
    assert after_sign_in != "before"
    assert not session.csrf_ok("before")  # a token seen before cannot be replayed
    loaded = CODEC.load(CODEC.dump(session))
    assert (loaded.user_id, loaded.csrf) == (7, after_sign_in)
    loaded.sign_out()
    assert (loaded.user_id, loaded.changed) == (None, True)
    assert loaded.csrf not in ("before", after_sign_in)
    assert not loaded.csrf_ok(after_sign_in)
    assert CODEC.load(CODEC.dump(loaded)).user_id is None
