"""Digest pages in-process on SQLite and PostgreSQL: subscribe with double opt-in, one-click
unsubscribe without signing in, and the preview."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from digest_helpers import add_yesterdays_paper
from fastapi.testclient import TestClient

from paperfeed.digest.deliver import compose_period, last_completed
from paperfeed.digest.render import digest_message
from paperfeed.digest.subscribe import add_confirmed
from paperfeed.models import SubscriptionContent


def test_listing_and_search_pages_offer_the_digest(site) -> None:  # type: ignore[no-untyped-def]
    front = site.client.get("/").text
    assert "Get trending papers in your inbox" in front and 'action="/digest/subscribe"' in front
    search = site.client.get("/papers", params={"q": "memory barrier"}).text
    assert 'href="/digest/subscribe?q=memory%20barrier"' in search
    form = site.client.get("/digest/subscribe", params={"q": "memory barrier"}).text
    assert ">memory barrier</textarea>" in form


def test_double_opt_in(site) -> None:  # type: ignore[no-untyped-def]
    csrf = site.csrf("/digest/subscribe")
    r = site.client.post(
        "/digest/subscribe",
        data={"csrf": csrf, "email": "Reader@Example.org", "categories": "quant-ph cs.LG"},
    )
    assert r.status_code == 200 and "We sent a confirmation link" in r.text
    link = site.last_link("reader@example.org")
    assert "/digest/confirm/" in link
    sub = site.store.subscriptions.by_email("reader@example.org")
    assert sub.status == "pending" and sub.content.categories == ("cs.LG", "quant-ph")
    path = link
    page = site.client.get(path)  # opening the link (or a mail scanner) changes nothing
    assert "Yes, send me the digest" in page.text
    assert site.store.subscriptions.by_email("reader@example.org").status == "pending"
    r = site.client.post(path, data={"csrf": csrf})
    assert r.status_code == 200 and "You are subscribed" in r.text
    assert site.store.subscriptions.by_email("reader@example.org").status == "active"
    again = site.client.post(path, data={"csrf": csrf})
    assert again.status_code == 404 and "already used" in again.text


def test_subscribe_form_errors_keep_what_was_typed(site) -> None:  # type: ignore[no-untyped-def]
    csrf = site.csrf("/digest/subscribe")
    r = site.client.post(
        "/digest/subscribe",
        data={"csrf": csrf, "email": "not an address", "queries": "<script>x</script>"},
    )
    assert r.status_code == 400 and "not an e-mail address" in r.text
    assert "&lt;script&gt;x&lt;/script&gt;</textarea>" in r.text and "<script>x" not in r.text
    assert site.client.post("/digest/subscribe", data={"email": "a@example.org"}).status_code == 400


def test_one_click_unsubscribe_without_signing_in(site) -> None:  # type: ignore[no-untyped-def]
    add_yesterdays_paper(site)
    sub = add_confirmed(
        site.store,
        "gone@example.org",
        SubscriptionContent(categories=("quant-ph",)),
        now=datetime.now(UTC).replace(tzinfo=None),
    )
    links = site.settings.links()
    (d,) = compose_period(
        site.store, last_completed("daily", datetime.now(UTC)), [sub], lambda q, p: []
    )
    msg = digest_message(d, links)
    url = (msg.header("List-Unsubscribe") or "").strip("<>")
    path = url.split("8000", 1)[1]
    with TestClient(site.client.app, base_url="http://127.0.0.1:8000") as stranger:
        assert "Unsubscribe gone@example.org?" in stranger.get(path).text
        # RFC 8058: a POST with this body, no cookie, no CSRF token.
        r = stranger.post(
            path,
            content="List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert r.status_code == 200 and "Unsubscribed" in r.text
        assert site.store.subscriptions.by_email("gone@example.org").status == "unsubscribed"
        assert stranger.post(path).status_code == 200  # repeating it is harmless
        forged = re.sub(r"\.[\w-]+$", ".AAAAAAAAAAAAAAAAAAAAAA", path)
        assert stranger.post(forged).status_code == 400


def test_preview_needs_a_subscription(site) -> None:  # type: ignore[no-untyped-def]
    r = site.client.get("/digest/preview", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert site.client.get("/digest/preview", params={"token": "1.nope"}).status_code == 400
