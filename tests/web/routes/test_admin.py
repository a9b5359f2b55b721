"""The admin page in-process on SQLite and PostgreSQL: curators feature, hide and unhide
papers, admins change roles, members are refused."""

from __future__ import annotations

from web_site import csrf_of

from paperfeed.store import Store


def test_admin_feature_hide_and_roles(site, store: Store) -> None:
    site.sign_in("member@example.org")
    assert site.client.get("/admin").status_code == 403
    admin = store.accounts.ensure_user("boss@example.org", role="admin")
    site.client.cookies.clear()
    site.sign_in("boss@example.org")
    csrf = csrf_of(site, "/admin")
    site.client.post("/admin/papers/feature", data={"reference": "0704.0040", "csrf": csrf})
    assert "0704.0040" in site.client.get("/").text
    site.client.post("/admin/papers/hide", data={"reference": "0704.0040", "csrf": csrf})
    assert "0704.0040" not in site.client.get("/").text
    assert site.client.get("/papers/0704.0040").status_code == 404
    site.client.post("/admin/papers/unhide", data={"reference": "0704.0040", "csrf": csrf})
    assert "0704.0040" in site.client.get("/").text
    member = store.accounts.by_email("member@example.org")
    assert member is not None
    site.client.post(f"/admin/users/{member.id}/role", data={"role": "curator", "csrf": csrf})
    assert store.accounts.get(member.id).role == "curator"  # type: ignore[union-attr]
    assert store.accounts.get(admin.id).role == "admin"  # type: ignore[union-attr]
    # The new curator can feature and hide, but not change roles.
    site.client.cookies.clear()
    site.sign_in("member@example.org")
    csrf = csrf_of(site, "/admin")
    r = site.client.post(
        "/admin/papers/feature",
        data={"reference": "0704.0041", "csrf": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "0704.0041" in site.client.get("/").text
    r = site.client.post(f"/admin/users/{admin.id}/role", data={"role": "member", "csrf": csrf})
    assert r.status_code == 403
    assert store.accounts.get(admin.id).role == "admin"  # type: ignore[union-attr]


def test_admin_jobs_page_and_run_now(site, store: Store) -> None:
    site.sign_in("member@example.org")
    assert site.client.get("/admin/jobs").status_code == 403
    store.accounts.ensure_user("curator@example.org", role="curator")
    site.client.cookies.clear()
    site.sign_in("curator@example.org")
    assert site.client.get("/admin/jobs").status_code == 403
    assert "/admin/jobs" not in site.client.get("/admin").text
    store.accounts.ensure_user("boss@example.org", role="admin")
    site.client.cookies.clear()
    site.sign_in("boss@example.org")
    assert 'href="/admin/jobs"' in site.client.get("/admin").text
    page = site.client.get("/admin/jobs")
    assert page.status_code == 200
    for name in ("arxiv-announcements", "arxiv-oai", "hf-daily", "index", "digests"):
        assert f'id="job-{name}"' in page.text
    assert "no: fetch_arxiv is off" in page.text and "every 2 s, on each node" in page.text
    # The site sends mail, so digests can be run now; the request makes the job due at once.
    assert 'action="/admin/jobs/digests/run"' in page.text
    assert 'action="/admin/jobs/arxiv-oai/run"' not in page.text
    csrf = csrf_of(site, "/admin/jobs")
    r = site.client.post("/admin/jobs/digests/run", data={"csrf": csrf}, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/admin/jobs?requested=digests")
    row = store.jobs.get("digests")
    assert row is not None and row.next_run is not None and row.next_run <= store.db.now()
    assert "digests will run within a minute" in site.client.get(r.headers["location"]).text
    assert site.client.post("/admin/jobs/arxiv-oai/run", data={"csrf": csrf}).status_code == 400
    assert site.client.post("/admin/jobs/index/run", data={"csrf": csrf}).status_code == 400
    assert site.client.post("/admin/jobs/nope/run", data={"csrf": csrf}).status_code == 404
    assert site.client.post("/admin/jobs/digests/run", data={}).status_code == 400  # no CSRF
