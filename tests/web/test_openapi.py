"""The API's description (web/api_docs.py) on SQLite and PostgreSQL: the OpenAPI document
lists the errors the server really answers (400 `{"error", "status"}`, never 422; 401 with the
bearer scheme where a token is accepted; 404, 429, 502 …) and every integer's bounds; a 405
says what is allowed; and the docs page is Swagger UI from the package, drawn by a real
Chromium under the site's Content-Security-Policy with no other host reached."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from chromium import ARGS, CHROMIUM
from loopback import free_port, serving
from playwright.sync_api import expect, sync_playwright
from web_site import Site
from webutil import indexed_search, make_settings

from paperfeed.store import Store
from paperfeed.web.app import STATIC, create_app
from paperfeed.web.guard import MAX_ID, MAX_PAGE

SAMPLES = {"arxiv_id": "0704.0001", "comment_id": "1"}
BODIES = {
    "/api/v1/submissions": {"reference": "0704.0030"},
    "/api/v1/papers/{arxiv_id}/comments": {"body": "hello"},
    "/api/v1/comments/{comment_id}": {"body": "hello"},
}


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, path, op) for path, item in spec["paths"].items() for m, op in item.items()]


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_errors_are_documented_as_answered(site: Site) -> None:
    spec = site.client.get("/api/v1/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert schemas["ApiError"]["required"] == ["error", "status"]
    for method, path, op in _operations(spec):
        where = f"{method.upper()} {path}"
        codes = set(op["responses"])
        assert "422" not in codes, where
        assert {"400", "503"} <= codes, where
        if "{" in path:
            assert "404" in codes, where
        if "requestBody" in op:
            assert {"413", "415"} <= codes, where
        for code, response in op["responses"].items():
            if int(code) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ApiError"}, (where, code)
    declared = {(m, p): set(op["responses"]) for m, p, op in _operations(spec)}
    assert {"401", "404", "429", "502"} <= declared[("post", "/api/v1/submissions")]
    assert {"401", "429"} <= declared[("put", "/api/v1/papers/{arxiv_id}/vote")]
    assert {"401", "403"} <= declared[("patch", "/api/v1/comments/{comment_id}")]
    retry = spec["paths"]["/api/v1/papers/{arxiv_id}/comments"]["post"]["responses"]["429"]
    assert "Retry-After" in retry["headers"]
    # Feeds are XML, and their errors are the site's error page unless JSON is asked for.
    feed = spec["paths"]["/feeds/{kind}/{key}.{fmt}"]["get"]["responses"]
    assert set(feed["200"]["content"]) == {"application/rss+xml", "application/atom+xml"}
    assert set(feed["400"]["content"]) == {"application/json", "text/html"}


def _integers(spec: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Every integer a request can carry: (operation, where, name) → its schema."""
    found = {}
    for method, path, op in _operations(spec):
        where = f"{method.upper()} {path}"
        for param in op.get("parameters", ()):
            if param["schema"].get("type") == "integer":
                found[(where, param["in"], param["name"])] = param["schema"]
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            for name, prop in _resolve(spec, body["schema"]).get("properties", {}).items():
                for option in prop.get("anyOf", [prop]):
                    if option.get("type") == "integer":
                        found[(where, "body", name)] = option
    return found


def test_every_integer_has_documented_bounds(site: Site) -> None:
    spec = site.client.get("/api/v1/openapi.json").json()
    integers = _integers(spec)
    for key, schema in integers.items():
        assert "minimum" in schema, key
        assert schema.get("maximum", schema.get("exclusiveMaximum", MAX_ID + 1)) <= MAX_ID, key
    bounds = {
        k: (s["minimum"], s.get("maximum", s.get("exclusiveMaximum"))) for k, s in integers.items()
    }
    assert bounds[("GET /api/daily_papers", "query", "p")] == (0, MAX_PAGE)  # exclusive
    assert bounds[("GET /api/daily_papers", "query", "limit")] == (1, 120)  # as on HF
    assert bounds[("GET /api/papers/search", "query", "limit")] == (1, 120)
    assert bounds[("GET /api/v1/search", "query", "page")] == (1, MAX_PAGE)
    assert bounds[("GET /api/v1/search", "query", "limit")] == (1, 100)
    assert bounds[("GET /api/v1/listings/{kind}/{key}", "query", "page")] == (1, MAX_PAGE)
    assert bounds[("GET /api/v1/listings/{kind}/{key}", "query", "per_page")] == (1, 100)
    assert bounds[("GET /api/v1/trending", "query", "limit")] == (1, 100)
    assert bounds[("GET /api/v1/papers/{arxiv_id}/related", "query", "limit")] == (1, 50)
    assert bounds[("PATCH /api/v1/comments/{comment_id}", "path", "comment_id")] == (1, MAX_ID)
    assert bounds[("POST /api/v1/papers/{arxiv_id}/comments", "body", "parent_id")] == (1, MAX_ID)


def _call(site: Site, method: str, path: str, **kwargs: Any) -> Any:
    url = path
    for name, value in SAMPLES.items():
        url = url.replace(f"{{{name}}}", value)
    body = BODIES.get(path)
    return site.client.request(method, url, json=body, **kwargs)


def test_bearer_tokens_are_declared_where_they_are_taken(site: Site) -> None:
    spec = site.client.get("/api/v1/openapi.json").json()
    assert spec["components"]["securitySchemes"]["apiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["apiToken"]["description"],
    }
    secured = [(m, p, op) for m, p, op in _operations(spec) if op.get("security")]
    assert {(m, p) for m, p, _ in secured} >= {
        ("get", "/api/v1/me"),
        ("post", "/api/v1/submissions"),
        ("put", "/api/v1/papers/{arxiv_id}/vote"),
        ("delete", "/api/v1/comments/{comment_id}"),
    }
    site.client.cookies.clear()
    for method, path, op in secured:
        assert {"apiToken": []} in op["security"] and "401" in op["responses"], path
        r = _call(site, method, path)
        assert r.status_code == 401 and set(r.json()) == {"error", "status"}, (path, r.text)
    # and with a token, the same operations let the request in
    site.sign_in("bearer@example.org")
    page = site.client.post(
        "/settings/tokens", data={"name": "docs", "csrf": site.csrf("/settings")}
    ).text
    token = re.search(r'<code class="token">([^<]+)</code>', page)
    assert token
    site.client.cookies.clear()
    auth = {"Authorization": f"Bearer {token.group(1)}"}
    for method, path, _ in secured:
        assert _call(site, method, path, headers=auth).status_code != 401, path


def test_405_says_what_is_allowed(site: Site) -> None:
    r = site.client.post("/api/v1/comments/1", json={"body": "x"})
    assert r.status_code == 405 and r.headers["allow"] == "PATCH, DELETE"
    assert r.json() == {"error": r.json()["error"], "status": 405}
    assert "it takes PATCH, DELETE" in r.json()["error"]
    r = site.client.delete("/api/daily_papers")
    assert r.status_code == 405 and r.headers["allow"] == "GET"
    r = site.client.put("/login")
    assert r.status_code == 405 and r.headers["allow"] == "GET, POST"
    assert r.headers["content-type"].startswith("text/html")


_ASSET = re.compile(r'(?:src|href)="([^"]*)"')


def test_the_docs_page_is_self_contained(site: Site) -> None:
    r = site.client.get("/api/v1/docs")
    assert r.status_code == 200
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assets = _ASSET.findall(r.text)
    assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets), assets
    assert "<style" not in r.text and " style=" not in r.text
    assert re.findall(r"<script[^>]*>([^<]*)</script>", r.text) == ["", ""]  # no inline code
    types = {".js": "javascript", ".css": "text/css"}
    for asset in assets:
        got = site.client.get(asset)
        assert got.status_code == 200 and len(got.content) > 100, asset
        assert types[Path(asset).suffix] in got.headers["content-type"], asset
    vendored = STATIC / "swagger-ui"
    assert {p.name for p in vendored.iterdir()} == {
        "swagger-ui-bundle.js",
        "swagger-ui-bundle.js.LICENSE.txt",
        "swagger-ui.css",
        "LICENSE",
        "NOTICE",
        "PROVENANCE.txt",
    }
    assert "swagger-ui-dist 5.35.0" in (vendored / "PROVENANCE.txt").read_text()


def test_swagger_ui_draws_every_operation_under_the_csp(tmp_path: Path) -> None:
    """A real browser, offline: every request to another host is refused and recorded. The
    page reads no papers, so one database (SQLite) is enough."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is required: apt-get install -y chromium")
    url = f"sqlite:///{tmp_path / 'paperfeed.db'}"
    store = Store.open(url)
    port = free_port()
    settings = make_settings(tmp_path, url, PAPERFEED_PORT=str(port))
    app = create_app(
        settings, store, indexed_search(store, tmp_path / "search"), fetch=lambda _id: []
    )
    with serving(app, port) as base, sync_playwright() as pw:
        spec = app.openapi()
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        elsewhere: list[str] = []
        errors: list[str] = []

        def only_here(route: Any) -> None:
            if route.request.url.startswith(base + "/"):
                route.continue_()
            else:
                elsewhere.append(route.request.url)
                route.abort()

        page.route("**/*", only_here)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.add_init_script(
            "window.__violations = [];"
            "document.addEventListener('securitypolicyviolation',"
            " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        page.goto(base + "/api/v1/docs")
        expect(page.locator(".opblock").first).to_be_visible()
        assert page.locator(".opblock").count() == len(_operations(spec))
        expect(page.get_by_role("button", name="Authorize")).to_be_visible()
        search = page.locator(".opblock", has_text="/api/v1/search")
        search.locator(".opblock-summary").first.click()
        expect(search.locator(".parameters")).to_contain_text("Results per page.")
        violations = page.evaluate("window.__violations")
        browser.close()
    store.close()
    assert violations == [] and errors == [] and elsewhere == [], (violations, errors, elsewhere)
