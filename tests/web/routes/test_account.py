"""Signing in by e-mail link, in-process on SQLite and PostgreSQL: single-use, expiring links,
cookie flags, address checks and the rate limit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from web_site import csrf_of

from paperfeed.errors import Invalid
from paperfeed.store import Store


def test_login_link_is_single_use_and_expires(site, store: Store) -> None:
    site.sign_in("reader@example.org")
    me = site.client.get("/api/v1/me", headers={"x-csrf-token": "x"}).json()
    assert me["name"] == "reader" and me["role"] == "member"
    # the link that signed in is spent
    link = site.last_link("reader@example.org")
    token = link.split("token=")[1].split("&")[0]
    with pytest.raises(Invalid, match="expired or was already used"):
        store.accounts.redeem_login_token(token)
    expired = store.accounts.create_login_token("late@example.org", timedelta(seconds=-1))
    with pytest.raises(Invalid, match="expired"):
        store.accounts.redeem_login_token(expired)
    # cookie flags
    site.client.cookies.clear()
    r = site.client.get("/login")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_login_rejects_bad_email_and_is_rate_limited(site) -> None:
    csrf = csrf_of(site, "/login")
    r = site.client.post("/login", data={"email": "not an email", "csrf": csrf})
    assert r.status_code == 400 and "not an e-mail address" in r.text
    codes = [
        site.client.post("/login", data={"email": "spam@example.org", "csrf": csrf}).status_code
        for _ in range(6)
    ]
    assert codes[:5] == [200] * 5 and codes[5] == 429
