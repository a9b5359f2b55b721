"""/for-you in-process on SQLite and PostgreSQL over the demo: a member who saves three papers
sees recommendations, each with a reason naming one of them; "not interested" removes one for
good; before anything is saved the page says how to start."""

from __future__ import annotations

import re
import shutil
from datetime import date

from paperfeed.feed.recommending import SPACE_FILE, Recommender, recommend_all


def _diffusion_papers(site, n: int = 3) -> list[str]:  # type: ignore[no-untyped-def]
    items = site.store.listings.featured(date(2026, 6, 8), date(2026, 8, 21), limit=2000).items
    found = [i.paper.arxiv_id for i in items if "diffusion" in i.paper.title.lower()]
    return found[:n]


def test_three_saves_bring_explained_recommendations(site, demo_space) -> None:  # type: ignore[no-untyped-def]
    assert site.client.get("/for-you", follow_redirects=False).status_code in (303, 401)
    site.sign_in("reader@example.org")
    page = site.client.get("/for-you")
    assert page.status_code == 200 and "Start your feed" in page.text
    user = site.store.accounts.by_email("reader@example.org")
    seeds = _diffusion_papers(site)
    for pid in seeds:
        site.store.library.save(user.id, pid)
    search = site.client.app.state.search
    # The recommendations job fits the feature space; here it is the demo's, fitted once.
    shutil.copy(demo_space, search.data_dir / SPACE_FILE)
    csrf = site.csrf("/for-you")
    r = site.client.post("/for-you/refresh", data={"csrf": csrf})
    assert r.status_code == 200
    recs = site.store.recommendations.of(user.id)
    assert len(recs) >= 10
    titles = {pid: site.store.papers.get(pid).title for pid in seeds}
    reasons = re.findall(r'<p class="reason">(.*?)</p>', r.text, re.S)
    assert len(reasons) >= 10
    for reason in reasons:
        assert reason.startswith("Because you saved ")
        assert any(pid in reason for pid in seeds), reason
    assert any(t.split(":")[0][:20] in r.text for t in titles.values())
    # Not interested: off the page, and a refresh does not bring it back.
    gone = recs[0].paper_id
    r = site.client.post(f"/papers/{gone}/dismiss", data={"csrf": csrf, "on": "1"})
    assert r.status_code in (200, 303)
    site.client.post("/for-you/refresh", data={"csrf": csrf})
    assert gone not in {x.paper_id for x in site.store.recommendations.of(user.id)}
    assert f'id="p-{gone}"' not in site.client.get("/for-you").text
    # The API's twin: the same list, each naming the saved papers it is most like.
    api = site.client.get("/api/v1/recommendations?limit=5").json()
    assert len(api["items"]) == 5 and api["made_at"]
    for item in api["items"]:
        assert item["reason"]["because"] and set(item["reason"]["because"]) <= set(seeds)
        assert item["paper"]["id"] != gone


def test_another_member_never_sees_them(site, demo_space) -> None:  # type: ignore[no-untyped-def]
    site.sign_in("reader@example.org")
    user = site.store.accounts.by_email("reader@example.org")
    for pid in _diffusion_papers(site):
        site.store.library.save(user.id, pid)
    search = site.client.app.state.search
    shutil.copy(demo_space, search.data_dir / SPACE_FILE)
    made = Recommender.open(site.store, search.data_dir)
    recommend_all(site.store, made, search, user.id, site.store.db.now())
    assert site.store.recommendations.of(user.id)
    site.client.post("/logout", data={"csrf": site.csrf("/")})
    site.sign_in("other@example.org")
    page = site.client.get("/for-you").text
    assert "Start your feed" in page and 'class="reason"' not in page
