"""A paper's code and project links set by its submitter or an admin, on SQLite and PostgreSQL:
`POST /api/papers/{id}/links` (HF's body) and the paper page's form; who may, what is refused,
and that re-importing Hugging Face's day keeps what a member set."""

from __future__ import annotations

from typing import Any

import pytest
from replay import DATA
from web_site import Site, csrf_of

from paperfeed.ingest.hf_daily import parse_hf_daily
from paperfeed.ingest.records import Record
from paperfeed.ingest.runner import run_import
from paperfeed.models import Paper
from paperfeed.store import Store

HF_DAY = DATA / "hf" / "daily" / "daily_papers_2026-06-09.json"
SUBMITTED = "0704.0030"  # a demo paper, submitted in these tests
FROM_HF = "2606.07297"  # a demo paper HF gave code and project links
HF_REPO = "https://github.com/Qiushao-E/SWE-Explore-Bench"
REPO = "https://github.com/owner/repo"
PAGE = "https://example.org/project"


def _token(store: Store, email: str, role: str = "member") -> dict[str, str]:
    user = store.accounts.ensure_user(email, role)
    return {"Authorization": f"Bearer {store.accounts.create_api_token(user.id, 'bot')}"}


def _set(site: Site, arxiv_id: str, body: dict[str, Any], auth: dict[str, str]) -> Any:
    return site.client.post(f"/api/papers/{arxiv_id}/links", json=body, headers=auth)


@pytest.fixture
def submitter(site: Site, store: Store) -> dict[str, str]:
    """The token of the member who submitted SUBMITTED."""
    auth = _token(store, "submitter@example.org")
    r = site.client.post("/api/v1/submissions", json={"reference": SUBMITTED}, headers=auth)
    assert r.status_code == 201
    return auth


def test_the_submitter_sets_and_clears_links(
    site: Site, store: Store, submitter: dict[str, str]
) -> None:
    r = _set(site, SUBMITTED, {"githubRepo": REPO + ".git", "projectPage": PAGE}, submitter)
    assert r.status_code == 200, r.text
    assert (r.json()["githubRepo"], r.json()["projectPage"]) == (REPO, PAGE)
    assert r.json() == site.client.get(f"/api/papers/{SUBMITTED}").json()
    native = site.client.get(f"/api/v1/papers/{SUBMITTED}").json()["paper"]
    assert (native["code_url"], native["project_url"]) == (REPO, PAGE)
    assert f'href="{REPO}"' in site.client.get(f"/papers/{SUBMITTED}").text
    assert f"- Code: {REPO}" in site.client.get(f"/papers/{SUBMITTED}.md").text
    # A field left out keeps its link; an empty one clears it.
    r = _set(site, SUBMITTED, {"projectPage": ""}, submitter)
    assert r.json()["githubRepo"] == REPO and "projectPage" not in r.json()
    r = _set(site, SUBMITTED, {"githubRepo": None}, submitter)
    assert "githubRepo" not in r.json()
    paper = store.papers.get(SUBMITTED)
    assert paper is not None and (paper.code_url, paper.project_url) == (None, None)


def test_only_the_submitter_and_admins_may(
    site: Site, store: Store, submitter: dict[str, str]
) -> None:
    other = _token(store, "other@example.org")
    r = _set(site, SUBMITTED, {"githubRepo": REPO}, other)
    assert r.status_code == 403 and r.json()["status"] == 403
    assert "submitted this paper, or an admin" in r.json()["error"]
    assert _set(site, FROM_HF, {"githubRepo": REPO}, submitter).status_code == 403
    assert site.client.post(f"/api/papers/{SUBMITTED}/links", json={}).status_code == 401
    admin = _token(store, "admin@example.org", "admin")
    assert _set(site, FROM_HF, {"githubRepo": REPO}, admin).status_code == 200
    assert _set(site, SUBMITTED, {"projectPage": PAGE}, admin).status_code == 200
    missing = _set(site, "2410.99999", {"githubRepo": REPO}, admin)
    assert missing.status_code == 404 and missing.json()["error"] == "no paper 2410.99999"
    paper = store.papers.get(SUBMITTED)
    assert paper is not None and (paper.code_url, paper.project_url) == (None, PAGE)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"githubRepo": "http://github.com/owner/repo"}, "githubRepo: give an https:// URL"),
        ({"githubRepo": "https://gitlab.com/owner/repo"}, "githubRepo: give a GitHub repository"),
        ({"githubRepo": "https://github.com/owner"}, "githubRepo: give a GitHub repository"),
        ({"githubRepo": "https://github.com/o/r/tree/main"}, "githubRepo: give a GitHub"),
        ({"githubRepo": "https://github.com/o/.."}, "githubRepo: give a GitHub repository"),
        ({"projectPage": "javascript:alert(1)"}, "projectPage: give an https:// URL"),
        ({"projectPage": "https://user:pw@example.org/"}, "projectPage: give an https:// URL"),
        ({"projectPage": "https://example.org/a b"}, "projectPage: give an https:// URL"),
        ({"projectPage": "https://example.org/" + "a" * 10_000}, "at most 10,000 characters"),
        ({"projectPage": 5}, "projectPage"),
    ],
)
def test_bad_links_are_400s_that_change_nothing(
    site: Site, store: Store, submitter: dict[str, str], body: dict[str, Any], message: str
) -> None:
    _set(site, SUBMITTED, {"githubRepo": REPO, "projectPage": PAGE}, submitter)
    r = _set(site, SUBMITTED, body, submitter)
    assert r.status_code == 400 and message in r.json()["error"], r.text
    paper = store.papers.get(SUBMITTED)
    assert paper is not None and (paper.code_url, paper.project_url) == (REPO, PAGE)


def test_reimporting_hf_keeps_the_links_a_member_set(site: Site, store: Store) -> None:
    admin = _token(store, "admin@example.org", "admin")
    assert _set(site, FROM_HF, {"githubRepo": REPO, "projectPage": ""}, admin).status_code == 200
    summary = run_import(store, parse_hf_daily(HF_DAY.read_bytes(), HF_DAY.name), "hf")
    assert not summary.errors
    paper = store.papers.get(FROM_HF)
    assert paper is not None and (paper.code_url, paper.project_url) == (REPO, None)
    shown = site.client.get(f"/api/papers/{FROM_HF}").json()
    assert shown["githubRepo"] == REPO and "projectPage" not in shown
    # A paper whose links nobody set still takes what a source says; this one does not.
    unpinned = "2606.09828"
    records = [
        Record("1", paper=Paper(unpinned, "t", code_url=HF_REPO)),
        Record("2", paper=Paper(FROM_HF, "t", code_url=HF_REPO, project_url=PAGE)),
    ]
    run_import(store, records, "hf")
    links = {
        i: (p.code_url, p.project_url)
        for i, p in store.papers.get_many([unpinned, FROM_HF]).items()
    }
    assert links[unpinned][0] == HF_REPO
    assert links[FROM_HF] == (REPO, None)


def test_the_paper_page_form(site: Site, store: Store, submitter: dict[str, str]) -> None:
    site.sign_in("other@example.org")
    page = site.client.get(f"/papers/{SUBMITTED}").text
    assert 'id="links"' not in page
    csrf = csrf_of(site, f"/papers/{SUBMITTED}")
    form = {"github": REPO, "project": PAGE, "csrf": csrf}
    refused = site.client.post(f"/papers/{SUBMITTED}/links", data=form, follow_redirects=False)
    assert refused.status_code == 403
    site.client.cookies.clear()
    site.sign_in("submitter@example.org")
    page = site.client.get(f"/papers/{SUBMITTED}").text
    assert 'id="links"' in page and 'action="/papers/0704.0030/links"' in page
    form["csrf"] = csrf_of(site, f"/papers/{SUBMITTED}")
    r = site.client.post(f"/papers/{SUBMITTED}/links", data=form, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, f"/papers/{SUBMITTED}#links")
    page = site.client.get(f"/papers/{SUBMITTED}").text
    assert f'href="{REPO}"' in page and f'value="{PAGE}"' in page
    bad = site.client.post(
        f"/papers/{SUBMITTED}/links", data={**form, "github": "https://example.org/x"}
    )
    assert bad.status_code == 400 and "GitHub repository: give a GitHub repository" in bad.text
    no_csrf = site.client.post(f"/papers/{SUBMITTED}/links", data={"github": ""})
    assert no_csrf.status_code == 400
    paper = store.papers.get(SUBMITTED)
    assert paper is not None and (paper.code_url, paper.project_url) == (REPO, PAGE)
