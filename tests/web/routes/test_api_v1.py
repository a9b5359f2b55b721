"""The native API in-process on SQLite and PostgreSQL: its OpenAPI description, and writes
with an API token made on /settings (votes, comments, submissions) or refused without one."""

from __future__ import annotations

import re

from web_site import csrf_of

from paperfeed.store import Store


def test_api_tokens_and_native_write_api(site, store: Store) -> None:
    site.sign_in("bot-owner@example.org")
    csrf = csrf_of(site, "/settings")
    page = site.client.post("/settings/tokens", data={"name": "my bot", "csrf": csrf}).text
    token = re.search(r'<code class="token">([^<]+)</code>', page)
    assert token
    site.client.cookies.clear()
    auth = {"Authorization": f"Bearer {token.group(1)}"}
    r = site.client.put("/api/v1/papers/0704.0004/vote", headers=auth)
    assert r.status_code == 200 and r.json()["voted"] is True
    r = site.client.post(
        "/api/v1/papers/0704.0004/comments", json={"body": "via the API"}, headers=auth
    )
    assert r.status_code == 201
    cid = r.json()["id"]
    r = site.client.patch(f"/api/v1/comments/{cid}", json={"body": "changed"}, headers=auth)
    assert r.json()["body"] == "changed"
    comments = site.client.get("/api/v1/papers/0704.0004/comments").json()
    assert [c["body"] for c in comments if c["id"] == cid] == ["changed"]
    assert site.client.delete(f"/api/v1/comments/{cid}", headers=auth).status_code == 204
    r = site.client.post("/api/v1/submissions", json={"reference": "0704.0030"}, headers=auth)
    assert r.status_code == 201 and r.json()["paper"]["id"] == "0704.0030"
    # without credentials: 401 in JSON; with a bad token: 401
    assert site.client.put("/api/v1/papers/0704.0004/vote").status_code == 401
    bad = site.client.put("/api/v1/papers/0704.0004/vote", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and "not valid" in bad.json()["error"]


def test_openapi_lists_native_api(site) -> None:
    spec = site.client.get("/api/v1/openapi.json").json()
    paths = set(spec["paths"])
    assert "/api/v1/search" in paths and "/api/v1/submissions" in paths
    assert "/api/daily_papers" in paths
    assert not any(p.startswith("/papers") for p in paths)
    assert site.client.get("/api/v1/docs").status_code == 200
