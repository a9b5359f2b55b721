"""`GET /api/arxiv/{id}/repos` on the demo: HF's three lists (empty: the site hosts no Hub
repositories) and the paper's code with the stars the github-stars job counted."""

from __future__ import annotations

from web_site import Site

from paperfeed.ingest.github import sync_links

# A demo paper whose code link HF gave (patrick-ni/RefreeKV), and one without a code link.
WITH_CODE = "2502.16886"


def test_repos_lists_the_code_and_its_counted_stars(site: Site) -> None:
    r = site.client.get(f"/api/arxiv/{WITH_CODE}/repos")
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["models", "datasets", "spaces", "code"]
    assert body["models"] == body["datasets"] == body["spaces"] == []
    [code] = body["code"]
    assert code["url"].lower() == "https://github.com/patrick-ni/refreekv"
    assert code["repo"] == "patrick-ni/refreekv"
    assert code["stars"] is None  # not counted yet
    sync_links(site.store)
    site.store.github.record(
        "patrick-ni/refreekv", "ok", site.store.db.now(), full_name="patrick-ni/RefreeKV", stars=42
    )
    assert site.client.get(f"/api/arxiv/{WITH_CODE}v2/repos").json()["code"][0]["stars"] == 42


def test_a_paper_without_code_and_unknown_papers(site: Site) -> None:
    papers = site.client.get("/api/papers", params={"limit": 120}).json()
    plain = next(p["id"] for p in papers if not p.get("githubRepo"))
    assert site.client.get(f"/api/arxiv/{plain}/repos").json()["code"] == []
    missing = site.client.get("/api/arxiv/2401.99999/repos")
    assert missing.status_code == 404 and missing.json()["status"] == 404
    assert site.client.get("/api/arxiv/%00/repos").status_code == 400
