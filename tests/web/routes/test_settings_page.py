"""A member's own digest on /settings, in-process on SQLite and PostgreSQL: subscribe, preview,
see it paused, stop it; and display names that pass for staff refused."""

from __future__ import annotations

from datetime import UTC, datetime

from digest_helpers import add_yesterdays_paper


def test_settings_manage_preview_and_show_paused(site) -> None:  # type: ignore[no-untyped-def]
    add_yesterdays_paper(site)
    site.sign_in("member@example.org")
    page = site.client.get("/settings").text
    assert 'id="digest"' in page and "You do not receive the digest" in page
    csrf = site.csrf("/settings")
    r = site.client.post(
        "/settings/digest",
        data={
            "csrf": csrf,
            "period": "daily",
            "send_hour": "7",
            "top_n": "0",
            "categories": "quant-ph",
        },
    )
    assert r.status_code == 200  # followed the redirect back to /settings
    sub = site.store.subscriptions.by_email("member@example.org")
    assert sub.status == "active" and sub.content.send_hour == 7
    assert "Active: daily at 07:00 UTC" in site.client.get("/settings").text
    preview = site.client.get("/digest/preview")
    assert preview.status_code == 200
    assert "Entanglement distillation &lt;b&gt;for&lt;/b&gt; digests" in preview.text
    assert "new in quant-ph" in preview.text
    now = datetime.now(UTC).replace(tzinfo=None)
    site.store.subscriptions.set_status(sub.id, "paused", now, "3 digests in a row were refused")
    assert "Paused: 3 digests in a row were refused" in site.client.get("/settings").text
    site.client.post("/settings/digest/stop", data={"csrf": csrf})
    assert site.store.subscriptions.by_email("member@example.org").status == "unsubscribed"


def test_a_name_that_passes_for_staff_is_refused(site) -> None:  # type: ignore[no-untyped-def]
    site.sign_in("member@example.org")
    csrf = site.csrf("/settings")
    for name in ("admin", "Ad-Min", "moderator", "paperfeed-support", "r00t"):
        r = site.client.post("/settings/name", data={"csrf": csrf, "name": name})
        assert r.status_code == 400, name
        assert "is reserved: it could pass for the site&#39;s staff; choose another" in r.text
    assert site.store.accounts.by_email("member@example.org").name == "member"
    r = site.client.post("/settings/name", data={"csrf": csrf, "name": "badminton"})
    assert r.status_code == 200  # followed the redirect back to /settings
    assert site.store.accounts.by_email("member@example.org").name == "badminton"


def test_a_member_downloads_their_data_and_deletes_their_account(site) -> None:  # type: ignore[no-untyped-def]
    site.sign_in("leaver@example.org")
    user = site.store.accounts.by_email("leaver@example.org")
    paper = site.store.papers.ids()[0]
    site.store.library.save(user.id, paper)
    site.store.follows.follow(user.id, "category", "cs.LG")
    r = site.client.get("/settings/data.json")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    assert "attachment" in r.headers["content-disposition"]
    data = r.json()
    assert data["account"]["email"] == "leaver@example.org"
    assert data["collections"][0]["papers"][0]["paper_id"] == paper
    assert data["follows"][0]["value"] == "cs.LG"
    csrf = site.csrf("/settings")
    wrong = site.client.post("/settings/delete", data={"csrf": csrf, "confirm": "someone"})
    assert wrong.status_code == 400 and "to delete your account" in wrong.text
    assert site.store.accounts.get(user.id) is not None
    gone = site.client.post(
        "/settings/delete", data={"csrf": csrf, "confirm": user.name}, follow_redirects=False
    )
    assert gone.status_code == 303 and gone.headers["location"] == "/?account=deleted"
    assert site.store.accounts.get(user.id) is None
    assert site.store.library.library(user.id) == []
    # Signed out: the settings page asks to sign in again, the data is gone.
    assert site.client.get("/settings/data.json", follow_redirects=False).status_code in (
        303,
        401,
    )
