"""The application factory in-process on SQLite and PostgreSQL: error pages and JSON errors
that help, security headers, and a production site that starts only with a real secret."""

from __future__ import annotations


def test_errors_help(site) -> None:
    r = site.client.get("/nowhere")
    assert r.status_code == 404 and "There is nothing at /nowhere" in r.text
    r = site.client.get("/api/v1/nowhere")
    assert r.status_code == 404 and "nothing at" in r.json()["error"]
    r = site.client.get("/papers/date/2024-13-45")
    assert r.status_code == 400 and "no such date" in r.text
    r = site.client.get("/papers/week/2024-43")
    assert r.status_code == 400 and "expected YYYY-Www" in r.text
    r = site.client.get("/papers/2410.99999")
    assert r.status_code == 404 and "submit it" in r.text
    r = site.client.get("/api/papers/not-an-id")
    assert r.status_code == 400 and "error" in r.json()
    r = site.client.get("/api/daily_papers", params={"limit": "many"})
    assert r.status_code == 400 and "limit" in r.json()["error"]
    # security headers
    assert r.headers["x-content-type-options"] == "nosniff"


def test_production_refuses_the_default_secret(store, tmp_path, db_url) -> None:
    import pytest
    from fastapi.testclient import TestClient
    from webutil import indexed_search, make_settings

    from paperfeed.errors import InsecureConfiguration
    from paperfeed.web.app import create_app

    with pytest.raises(InsecureConfiguration, match="default secret key"):
        make_settings(tmp_path, db_url, PAPERFEED_ENVIRONMENT="production")
    ok = make_settings(
        tmp_path, db_url, PAPERFEED_ENVIRONMENT="production", PAPERFEED_SECRET_KEY="s" * 40
    )
    assert "s" * 40 not in repr(ok)
    app = create_app(ok, store, indexed_search(store, tmp_path / "search"), fetch=lambda _id: [])
    with TestClient(app, base_url="https://papers.example.org") as client:
        login = client.get("/login")
    assert login.status_code == 200
    assert "secure" in login.headers["set-cookie"].lower()  # production cookies are Secure
