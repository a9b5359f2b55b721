"""The middleware every response passes, in-process on SQLite and PostgreSQL: signed-out reads
set no cookie, forms do (HttpOnly), and the security headers are on."""

from __future__ import annotations

from web_site import Site


def test_signed_out_reads_set_no_cookie_but_forms_do(site: Site) -> None:
    site.client.cookies.clear()
    # (Pages hand out a token; listings too, for their subscribe form: tests/web/test_page.py.)
    for path in ("/feeds/trending/week.rss", "/api/daily_papers", "/static/style.css"):
        r = site.client.get(path)
        assert r.status_code == 200
        assert "set-cookie" not in r.headers, path
        assert r.headers["x-content-type-options"] == "nosniff"
    r = site.client.get("/login")
    assert "paperfeed_session=" in r.headers["set-cookie"]
    assert "HttpOnly" in r.headers["set-cookie"]
    assert "default-src 'self'" in r.headers["content-security-policy"]
