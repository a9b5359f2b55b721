"""Signing in by e-mail link and signing out, in-process on SQLite and PostgreSQL: single-use,
expiring links, cookie flags, address checks and the rate limit; sign-out that ends a session
for good, sign-out everywhere, role changes that apply to every cookie at once (also across two
apps over one database, as two workers), and CSRF tokens that are not ASCII."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import run
from fastapi.testclient import TestClient
from web_site import Site, csrf_of

from paperfeed.errors import Invalid
from paperfeed.store import Store
from paperfeed.web.app import create_app
from paperfeed.web.session import COOKIE


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


# ------------------------------------------------------------------ ending sessions


def _second_browser(site: Site, app: Any = None) -> Site:
    """Another browser on the same site (or on `app`, another server process's app)."""
    client = TestClient(app or site.client.app, base_url="http://127.0.0.1:8000")
    return Site(client, site.store, site.settings, site.smtp)


def _signed_in_as(site: Site) -> str | None:
    r = site.client.get("/api/v1/me")
    return r.json()["name"] if r.status_code == 200 else None


def test_a_cookie_saved_before_sign_out_opens_nothing_after(site: Site, store: Store) -> None:
    store.accounts.ensure_user("boss@example.org", role="admin")
    site.sign_in("boss@example.org")
    saved = site.client.cookies[COOKIE]
    assert site.client.get("/admin").status_code == 200
    r = site.client.post("/logout", data={"csrf": site.csrf("/settings")}, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/")
    site.client.cookies.clear()
    site.client.cookies.set(COOKIE, saved)  # the copy an attacker or a shared computer kept
    for path in ("/settings", "/admin"):
        r = site.client.get(path, follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, f"/login?next={path}")
    assert _signed_in_as(site) is None
    boss = store.accounts.by_email("boss@example.org")
    assert boss is not None and store.accounts.session_count(boss.id) == 0


def test_a_made_up_bearer_does_not_stand_in_for_the_form_token(site: Site, store: Store) -> None:
    """Writes with a bearer token skip the CSRF check only when the token is real: a made-up
    one beside the session cookie is a 401, and the session stays."""
    site.sign_in("ada@example.org")
    r = site.client.post(
        "/logout", headers={"Authorization": "Bearer made-up"}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert _signed_in_as(site) == "ada"


def test_sign_out_everywhere_ends_the_other_browsers_sessions(site: Site, store: Store) -> None:
    phone = _second_browser(site)
    stranger = _second_browser(site)
    site.sign_in("ada@example.org")
    phone.sign_in("ada@example.org")
    stranger.sign_in("bob@example.org")
    assert [_signed_in_as(s) for s in (site, phone, stranger)] == ["ada", "ada", "bob"]
    page = site.client.get("/settings").text
    assert "Signed in on 2 browsers" in page and 'action="/logout/everywhere"' in page
    r = site.client.post(
        "/logout/everywhere", data={"csrf": site.csrf("/settings")}, follow_redirects=False
    )
    assert (r.status_code, r.headers["location"]) == (303, "/")
    assert [_signed_in_as(s) for s in (site, phone, stranger)] == [None, None, "bob"]
    r = phone.client.get("/settings", follow_redirects=False)
    assert r.headers["location"] == "/login?next=/settings"


def test_signing_in_again_replaces_this_browsers_session(site: Site, store: Store) -> None:
    site.sign_in("ada@example.org")
    before = site.client.cookies[COOKIE]
    site.sign_in("ada@example.org")
    ada = store.accounts.by_email("ada@example.org")
    assert ada is not None and store.accounts.session_count(ada.id) == 1
    site.client.cookies.clear()
    site.client.cookies.set(COOKIE, before)
    assert _signed_in_as(site) is None


def test_sign_out_everywhere_needs_a_signed_in_member_and_the_form_token(site: Site) -> None:
    site.sign_in("ada@example.org")
    r = site.client.post("/logout/everywhere", data={"csrf": "forged"})
    assert r.status_code == 400 and _signed_in_as(site) == "ada"
    site.client.cookies.clear()
    r = site.client.post(
        "/logout/everywhere", data={"csrf": site.csrf("/login")}, follow_redirects=False
    )
    assert (r.status_code, r.headers["location"]) == (303, "/login?next=/logout/everywhere")


def test_a_role_change_applies_to_every_cookie_at_once(
    site: Site, store: Store, db_url: str, tmp_path: Path
) -> None:
    store.accounts.ensure_user("boss@example.org", role="admin")
    laptop, phone = site, _second_browser(site)
    laptop.sign_in("boss@example.org")
    phone.sign_in("boss@example.org")
    assert [b.client.get("/admin/jobs").status_code for b in (laptop, phone)] == [200, 200]
    # The command line demotes her: both cookies lose the admin's rights on their next request.
    code, out, _ = run(db_url, tmp_path, "users", "role", "boss@example.org", "curator")
    assert (code, out) == (0, "boss@example.org is now curator\n")
    assert [b.client.get("/admin/jobs").status_code for b in (laptop, phone)] == [403, 403]
    assert phone.client.get("/admin").status_code == 200  # a curator's page
    # Another admin demotes her on the admin page: the same, at once.
    chief = _second_browser(site)
    store.accounts.ensure_user("chief@example.org", role="admin")
    chief.sign_in("chief@example.org")
    boss = store.accounts.by_email("boss@example.org")
    assert boss is not None
    r = chief.client.post(
        f"/admin/users/{boss.id}/role", data={"role": "member", "csrf": chief.csrf("/admin")}
    )
    assert r.status_code == 200
    assert [b.client.get("/admin").status_code for b in (laptop, phone)] == [403, 403]


def test_sessions_hold_across_server_processes(site: Site, db_url: str) -> None:
    """Two apps over one database, as two workers are: what one ends, the other honours."""
    other_store = Store.open(db_url)
    try:
        other_app = create_app(
            site.settings, other_store, site.client.app.state.search, fetch=lambda _: []
        )
        site.sign_in("ada@example.org")
        cookie = site.client.cookies[COOKIE]
        worker_2 = _second_browser(site, other_app)
        worker_2.client.cookies.set(COOKIE, cookie)
        assert _signed_in_as(worker_2) == "ada"
        r = worker_2.client.post("/logout", data={"csrf": worker_2.csrf("/settings")})
        assert r.status_code == 200
        assert _signed_in_as(site) is None  # worker 1, the same cookie
    finally:
        other_store.close()


# ------------------------------------------------------------------------ CSRF tokens


def test_a_csrf_token_with_other_characters_is_refused_not_a_crash(site: Site) -> None:
    site.client.get("/login")  # the visitor has a token of their own
    form = {"content-type": "application/x-www-form-urlencoded"}
    r = site.client.post("/login", content=b"csrf=%C3%A9&email=ada%40example.org", headers=form)
    assert r.status_code == 400 and "Form expired" in r.text
    r = site.client.post(
        "/login",
        data={"email": "ada@example.org"},
        headers={"X-CSRF-Token": "é".encode()},  # as raw bytes on the wire
    )
    assert r.status_code == 400 and "Form expired" in r.text
    assert site.smtp.recorder.messages == []
