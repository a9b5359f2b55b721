"""`POST /api/papers/submit` on SQLite and PostgreSQL: a paper submitted with an API token, as
HF's `{"arxivId": …}`, through the submission form's path (arXiv fetch from a replay server on
127.0.0.1, window, daily cap, rate limit), answered with HF's paper object or a JSON refusal."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.testclient import TestClient
from replay import API_RECORDINGS, ReplayServer, error, recorded_body
from smtp_server import SmtpServer
from web_site import Site
from webutil import indexed_search, make_settings

from paperfeed.feed.claims import claim_authorship, decide_claim
from paperfeed.feed.submission import UNREACHABLE
from paperfeed.store import Store
from paperfeed.web.app import create_app
from paperfeed.web.deps import LIMITS
from paperfeed.web.server import ArxivFetcher

pytestmark = pytest.mark.network

MakeSite = Callable[..., Site]
# A well-formed id arXiv has no paper of.
MISSING = "2410.99999"


@pytest.fixture
def arxiv() -> Iterator[ReplayServer]:
    with ReplayServer() as server:
        server.add_arxiv_recordings(API_RECORDINGS)
        # arXiv's answer for an id it has no paper of (recorded for 0000.0000), for one that
        # could be a paper.
        recording = next(API_RECORDINGS.glob("id_0000.0000_*.json"))
        url = urlsplit(json.loads(recording.read_text(encoding="utf-8"))["url"])
        params = {**dict(parse_qsl(url.query, keep_blank_values=True)), "id_list": MISSING}
        server.add(url.path, params, recorded_body(recording)[1])
        yield server


@pytest.fixture
def make_site(
    store: Store, tmp_path: Path, db_url: str, arxiv: ReplayServer, smtp: SmtpServer
) -> Iterator[MakeSite]:
    """A site whose submissions fetch from the replay server, with settings `env` on top."""
    with ExitStack() as stack:

        def make(**env: str) -> Site:
            settings = make_settings(
                tmp_path,
                db_url,
                **smtp.env(),
                PAPERFEED_ARXIV_API_URL=f"{arxiv.url}/api/query",
                PAPERFEED_HTTP_DELAY="0",
                PAPERFEED_HTTP_TIMEOUT="5",
                **env,
            )
            search = indexed_search(store, tmp_path / "search")
            app = create_app(settings, store, search, fetch=ArxivFetcher(settings))
            client = stack.enter_context(TestClient(app, base_url="http://127.0.0.1:8000"))
            return Site(client, store, settings, smtp)

        yield make


def _token(store: Store, email: str = "bot@example.org") -> dict[str, str]:
    user = store.accounts.ensure_user(email)
    return {"Authorization": f"Bearer {store.accounts.create_api_token(user.id, 'bot')}"}


def test_a_token_submits_a_paper_new_to_the_store(
    make_site: MakeSite, store: Store, arxiv: ReplayServer
) -> None:
    site = make_site()
    auth = _token(store)
    r = site.client.post(
        "/api/papers/submit", json={"arxivId": "https://arxiv.org/abs/1707.08567v1"}, headers=auth
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["id"] == "1707.08567"
    assert "Dirk Wübben" in [a["name"] for a in body["authors"]]
    user = store.accounts.by_email("bot@example.org")
    assert user is not None and body["submittedOnDailyBy"]["name"] == user.name
    assert body == site.client.get("/api/papers/1707.08567").json()
    assert [req.params["id_list"] for req in arxiv.requests] == ["1707.08567"]
    today = datetime.now(UTC).date()
    listed = store.listings.featured(today, today).items
    assert [(i.paper.arxiv_id, i.source) for i in listed] == [("1707.08567", "community")]
    daily = site.client.get("/api/daily_papers", params={"date": today.isoformat()}).json()
    assert [d["paper"]["id"] for d in daily] == ["1707.08567"]
    # A paper the site has is not fetched again; a second listing of it is refused.
    again = site.client.post("/api/papers/submit", json={"arxivId": "1707.08567"}, headers=auth)
    assert again.status_code == 400 and "already among the papers" in again.json()["error"]
    assert len(arxiv.requests) == 1


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"arxivId": "not an id"}, 400, "arXiv"),
        ({"arxivId": "x" * 10_000}, 400, "too long"),
        ({"arxivId": ""}, 400, ""),
        ({}, 400, "arxivId"),
        ({"arxivId": 1707}, 400, "arxivId"),
        ({"arxivId": MISSING}, 404, f"arXiv has no paper {MISSING}"),
    ],
)
def test_bad_references_are_json_refusals_that_store_nothing(
    make_site: MakeSite, store: Store, body: dict[str, object], status: int, message: str
) -> None:
    site = make_site()
    r = site.client.post("/api/papers/submit", json=body, headers=_token(store))
    assert r.status_code == status, r.text
    assert r.json()["status"] == status and message in r.json()["error"]
    assert store.papers.get(MISSING) is None


def test_without_a_valid_token_it_is_a_401(make_site: MakeSite, store: Store) -> None:
    site = make_site()
    url, body = "/api/papers/submit", {"arxivId": "1707.08567"}
    assert site.client.post(url, json=body).status_code == 401
    bad = site.client.post(url, json=body, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and "not valid" in bad.json()["error"]
    # Signed in with the cookie, a write still needs the session's CSRF token.
    site.sign_in("member@example.org")
    r = site.client.post(url, json=body)
    assert r.status_code == 400 and r.json()["status"] == 400
    assert store.papers.get("1707.08567") is None


def test_arxiv_failing_is_a_502_and_stores_nothing(
    make_site: MakeSite, store: Store, arxiv: ReplayServer
) -> None:
    site = make_site()
    arxiv.always(error(503))
    auth = _token(store)
    r = site.client.post("/api/papers/submit", json={"arxivId": "1707.08567"}, headers=auth)
    assert r.status_code == 502
    assert r.json() == {"error": UNREACHABLE, "status": 502}
    assert store.papers.get("1707.08567") is None


def test_the_window_and_the_daily_cap_apply(make_site: MakeSite, store: Store) -> None:
    site = make_site(PAPERFEED_DAILY_SUBMISSION_CAP="1")
    auth = _token(store)
    first = site.client.post("/api/papers/submit", json={"arxivId": "1707.08567"}, headers=auth)
    assert first.status_code == 200
    r = site.client.post("/api/papers/submit", json={"arxivId": "1605.08386"}, headers=auth)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert "daily maximum" in r.json()["error"]
    # A fresh site that takes only the last 14 days' papers refuses one from 2016.
    narrow = make_site(PAPERFEED_SUBMISSION_WINDOW_DAYS="14")
    r = narrow.client.post(
        "/api/papers/submit", json={"arxivId": "1605.08386"}, headers=_token(store, "b@example.org")
    )
    assert r.status_code == 400 and "only papers from the last 14 days" in r.json()["error"]
    assert store.papers.get("1605.08386") is None


def test_over_the_rate_limit_arxiv_is_not_asked(
    make_site: MakeSite, store: Store, arxiv: ReplayServer
) -> None:
    site = make_site()
    auth = _token(store)
    user = store.accounts.by_email("bot@example.org")
    assert user is not None
    bound, window = LIMITS["submit"]
    for _ in range(bound):
        store.rate_limits.hit(f"submit:u{user.id}", bound, window)
    r = site.client.post("/api/papers/submit", json={"arxivId": "1707.08567"}, headers=auth)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert r.json()["status"] == 429 and "too many submit requests" in r.json()["error"]
    assert arxiv.requests == [] and store.papers.get("1707.08567") is None


def test_openapi_documents_it(make_site: MakeSite) -> None:
    spec = make_site().client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/papers/submit"]["post"]
    assert {"401", "400", "404", "429", "502"} <= set(operation["responses"])
    assert operation["security"]


def test_other_methods_are_a_405_not_a_paper_called_submit(make_site: MakeSite) -> None:
    site = make_site()
    r = site.client.get("/api/papers/submit")
    assert r.status_code == 405 and r.headers["Allow"] == "POST"
    assert r.json()["status"] == 405


def test_index_stores_a_paper_without_listing_it(
    make_site: MakeSite, store: Store, arxiv: ReplayServer
) -> None:
    site = make_site()
    auth = _token(store)
    r = site.client.post("/api/papers/index", json={"arxivId": "1707.08567"}, headers=auth)
    assert r.status_code == 200, r.text
    assert r.json() == {}
    paper = store.papers.get("1707.08567")
    assert paper is not None and "Dirk Wübben" in [a.name for a in paper.authors or ()]
    # Stored, with a page and the HF paper object, but on no day's list.
    assert site.client.get("/api/papers/1707.08567").json()["id"] == "1707.08567"
    assert site.client.get("/papers/1707.08567").status_code == 200
    today = datetime.now(UTC).date()
    assert store.listings.featured(today, today).items == []
    assert [req.params["id_list"] for req in arxiv.requests] == ["1707.08567"]
    # Indexed already: a member who is not its author may not have it fetched again...
    again = site.client.post("/api/papers/index", json={"arxivId": "1707.08567"}, headers=auth)
    assert again.status_code == 403
    assert "only its verified authors or an admin" in again.json()["error"]
    assert len(arxiv.requests) == 1
    # ...an admin may; and it can still be submitted to the daily list afterwards.
    admin = store.accounts.ensure_user("admin@example.org")
    admin = store.accounts.set_role(admin.id, "admin")
    admin_auth = {"Authorization": f"Bearer {store.accounts.create_api_token(admin.id, 'a')}"}
    redo = site.client.post("/api/papers/index", json={"arxivId": "1707.08567"}, headers=admin_auth)
    assert redo.status_code == 200 and len(arxiv.requests) == 2
    # ...and so may a verified author of it (not one whose claim is pending).
    member = store.accounts.by_email("bot@example.org")
    assert member is not None
    claim_authorship(store, "1707.08567", 0, member)
    pending = site.client.post("/api/papers/index", json={"arxivId": "1707.08567"}, headers=auth)
    assert pending.status_code == 403
    decide_claim(store, "1707.08567", 0, admin, True)
    author = site.client.post("/api/papers/index", json={"arxivId": "1707.08567"}, headers=auth)
    assert author.status_code == 200 and len(arxiv.requests) == 3
    listed = site.client.post("/api/papers/submit", json={"arxivId": "1707.08567"}, headers=auth)
    assert listed.status_code == 200 and len(arxiv.requests) == 3


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"arxivId": "not an id"}, 400, "arXiv"),
        ({"arxivId": "1707.08567\x00"}, 400, ""),
        ({"arxivId": "x" * 10_000}, 400, "too long"),
        ({}, 400, "arxivId"),
        ({"arxivId": MISSING}, 404, f"arXiv has no paper {MISSING}"),
    ],
)
def test_index_refusals_are_json_and_store_nothing(
    make_site: MakeSite, store: Store, body: dict[str, object], status: int, message: str
) -> None:
    site = make_site()
    r = site.client.post("/api/papers/index", json=body, headers=_token(store))
    assert r.status_code == status, r.text
    assert message in r.json()["error"]
    assert store.papers.ids() == []


def test_index_needs_a_member_and_takes_post_alone(make_site: MakeSite) -> None:
    site = make_site()
    r = site.client.post("/api/papers/index", json={"arxivId": "1707.08567"})
    assert r.status_code == 401
    got = site.client.get("/api/papers/index")
    assert got.status_code == 405 and got.headers["Allow"] == "POST"
    spec = site.client.get("/api/v1/openapi.json").json()
    assert {"401", "403", "404", "502"} <= set(
        spec["paths"]["/api/papers/index"]["post"]["responses"]
    )
