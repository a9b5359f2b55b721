"""Authors claiming their papers through the site, on SQLite and PostgreSQL: the JSON API
(`/api/v1/papers/{id}/claims`), the paper page's "Claim authorship" form, an admin's Verify /
Reject on /admin, what a verified author may then do (set links), and how the Hugging
Face-compatible API shows them; refusals (someone else's author, bad positions, no CSRF
token, hidden papers) with clear messages; a claim following its author through later
versions of the paper, and going stale when a version drops them."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
from web_site import Site, csrf_of

from paperfeed.ingest.records import Record
from paperfeed.ingest.runner import run_import
from paperfeed.models import Author
from paperfeed.store import Store

PAPER = "2606.07502"  # a demo paper of 6 authors; HF says a member of its own is author 0
DAY = "2026-06-08"
REPO = "https://github.com/owner/repo"


def _token(store: Store, email: str, role: str = "member") -> dict[str, str]:
    user = store.accounts.ensure_user(email, role)
    return {"Authorization": f"Bearer {store.accounts.create_api_token(user.id, 'bot')}"}


def _claim(site: Site, body: Any, auth: dict[str, str], paper: str = PAPER) -> Any:
    return site.client.post(f"/api/v1/papers/{paper}/claims", json=body, headers=auth)


def _decide(site: Site, position: int, verify: bool, auth: dict[str, str]) -> Any:
    return site.client.post(
        f"/api/v1/papers/{PAPER}/claims/{position}/decision", json={"verify": verify}, headers=auth
    )


def _hf_author(site: Site, position: int) -> dict[str, Any]:
    author: dict[str, Any] = site.client.get(f"/api/papers/{PAPER}").json()["authors"][position]
    return author


def test_claim_verify_then_set_links(site: Site, store: Store) -> None:
    ada = _token(store, "ada@example.org")
    admin = _token(store, "admin@example.org", "admin")
    r = _claim(site, {"position": 1}, ada)
    assert r.status_code == 201, r.text
    mine = r.json()
    assert {k: mine[k] for k in ("paper_id", "position", "member", "status")} == {
        "paper_id": PAPER,
        "position": 1,
        "member": "ada",
        "status": "pending",
    }
    assert mine["author"] == store.papers.get(PAPER).authors[1].name  # type: ignore[union-attr]
    # A pending claim is the member's and the admins' business; it sets no links yet.
    assert site.client.get(f"/api/v1/papers/{PAPER}/claims").json() == {"id": PAPER, "claims": []}
    assert site.client.get(f"/api/v1/papers/{PAPER}/claims", headers=ada).json()["claims"] == [mine]
    assert "user" not in _hf_author(site, 1)
    refused = site.client.post(f"/api/papers/{PAPER}/links", json={"githubRepo": REPO}, headers=ada)
    assert refused.status_code == 403 and "verified author" in refused.json()["error"]
    # Only admins decide.
    assert _decide(site, 1, True, ada).status_code == 403
    r = _decide(site, 1, True, admin)
    assert r.status_code == 200 and r.json()["status"] == "verified"
    public = site.client.get(f"/api/v1/papers/{PAPER}/claims").json()["claims"]
    assert [(c["position"], c["member"], c["status"]) for c in public] == [(1, "ada", "verified")]
    r = site.client.post(f"/api/papers/{PAPER}/links", json={"githubRepo": REPO}, headers=ada)
    assert r.status_code == 200 and r.json()["githubRepo"] == REPO


def test_the_hf_api_shows_a_verified_author_as_hf_does(site: Site, store: Store) -> None:
    ada = _token(store, "ada@example.org")
    admin = _token(store, "admin@example.org", "admin")
    hf_own = _hf_author(site, 0)
    assert hf_own["status"] == "claimed_verified" and "user" in hf_own
    before = _hf_author(site, 1)
    _claim(site, {"position": 1}, ada)
    _decide(site, 1, True, admin)
    author = _hf_author(site, 1)
    assert list(author) == ["_id", "user", "name", "status", "statusLastChangedAt", "hidden"]
    assert author["_id"] == before["_id"] and author["name"] == before["name"]
    assert author["user"] == {
        "avatarUrl": "/avatars/ada.svg",
        "isPro": False,
        "fullname": "ada",
        "user": "ada",
        "type": "user",
        "name": "ada",
    }
    assert author["status"] == "claimed_verified" and author["hidden"] is False
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", author["statusLastChangedAt"])
    # HF's own claim stays where no member claimed the author here; the daily list agrees.
    assert _hf_author(site, 0) == hf_own
    [item] = [
        i
        for i in site.client.get("/api/daily_papers", params={"date": DAY, "limit": 120}).json()
        if i["paper"]["id"] == PAPER
    ]
    assert item["paper"]["authors"][1] == author
    assert item["paper"]["authors"][0] == hf_own
    # An admin's own claim is verified at once: HF's "admin_assigned".
    r = _claim(site, {"position": 0}, admin)
    assert r.status_code == 201 and r.json()["status"] == "assigned"
    assigned = _hf_author(site, 0)
    assert assigned["status"] == "admin_assigned"
    assert assigned["user"]["name"] == r.json()["member"]
    assert assigned["_id"] == hf_own["_id"]


def test_a_verified_author_commenting_is_participating(site: Site, store: Store) -> None:
    ada = _token(store, "ada@example.org")
    admin = _token(store, "admin@example.org", "admin")

    def participating() -> bool:
        items = site.client.get("/api/daily_papers", params={"date": DAY, "limit": 120}).json()
        return next(i["isAuthorParticipating"] for i in items if i["paper"]["id"] == PAPER)

    theirs = participating()
    _claim(site, {"position": 1}, ada)
    r = site.client.post(f"/api/v1/papers/{PAPER}/comments", json={"body": "Hi!"}, headers=ada)
    assert r.status_code == 201
    assert participating() == theirs  # not verified yet
    _decide(site, 1, True, admin)
    assert participating() is True


def test_someone_elses_author_is_a_409(site: Site, store: Store) -> None:
    ada = _token(store, "ada@example.org")
    bob = _token(store, "bob@example.org")
    assert _claim(site, {"position": 2}, ada).status_code == 201
    r = _claim(site, {"position": 2}, bob)
    assert r.status_code == 409 and r.json()["status"] == 409
    assert "(author 2) is already claimed by another member" in r.json()["error"]
    # One author per member and paper.
    r = _claim(site, {"position": 3}, ada)
    assert r.status_code == 409 and "you already claim to be" in r.json()["error"]
    # Claiming one's own again is no error, and changes nothing.
    assert _claim(site, {"position": 2}, ada).json()["status"] == "pending"


def test_a_rejected_claim_frees_the_author(site: Site, store: Store) -> None:
    ada = _token(store, "ada@example.org")
    bob = _token(store, "bob@example.org")
    admin = _token(store, "admin@example.org", "admin")
    _claim(site, {"position": 2}, ada)
    r = _decide(site, 2, False, admin)
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert site.client.get(f"/api/v1/papers/{PAPER}/claims", headers=ada).json()["claims"][0][
        "status"
    ] == ("rejected")
    assert _claim(site, {"position": 2}, bob).status_code == 201
    assert _decide(site, 5, True, admin).status_code == 404


def test_admins_assign_an_author_to_a_member(site: Site, store: Store) -> None:
    ada = _token(store, "ada@example.org")
    store.accounts.ensure_user("bob@example.org")
    admin = _token(store, "admin@example.org", "admin")
    r = _claim(site, {"position": 4, "member": "@bob"}, admin)
    assert r.status_code == 201 and (r.json()["member"], r.json()["status"]) == ("bob", "assigned")
    r = _claim(site, {"position": 3, "member": "bob"}, ada)
    assert r.status_code == 403 and "only admins can assign" in r.json()["error"]
    r = _claim(site, {"position": 3, "member": "nobody-here"}, admin)
    assert r.status_code == 404 and "no member is called @nobody-here" in r.json()["error"]


def test_claims_are_rate_limited(site: Site, store: Store) -> None:
    ada = _token(store, "ada@example.org")
    for _ in range(20):
        assert _claim(site, {"position": 1}, ada).status_code == 201
    r = _claim(site, {"position": 1}, ada)
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "too many claim requests" in r.json()["error"]


def test_withdraw(site: Site, store: Store) -> None:
    ada = _token(store, "ada@example.org")
    _claim(site, {"position": 1}, ada)
    r = site.client.delete(f"/api/v1/papers/{PAPER}/claims", headers=ada)
    assert r.status_code == 204
    assert store.claims.for_paper(PAPER) == []
    r = site.client.delete(f"/api/v1/papers/{PAPER}/claims", headers=ada)
    assert r.status_code == 404 and "you have no claim" in r.json()["error"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"position": -1}, "position: Input should be greater than or equal to 0"),
        ({"position": 10**30}, "beyond any integer this site stores"),
        ({"position": 10**12}, "position: Input should be less than or equal to 99999"),
        ({"position": "x"}, "position: Input should be a valid integer"),
        ({"position": 1.5}, "position: Input should be a valid integer"),
        ({"position": 6}, "position must be from 0 to 5: 2606.07502 has 6 authors"),
        ({"position": 99_999}, "position must be from 0 to 5"),
        ({}, "position: Field required"),
        ({"position": 0, "member": "x" * 101}, "member: String should have at most 100"),
        ({"position": 0, "member": "Not A Name!"}, "names are 3 to 40 characters"),
    ],
)
def test_bad_positions_are_clear_400s(
    site: Site, store: Store, body: dict[str, Any], message: str
) -> None:
    admin = _token(store, "admin@example.org", "admin")
    r = _claim(site, body, admin)
    assert r.status_code == 400 and message in r.json()["error"], r.text
    assert store.claims.for_paper(PAPER) == []


def test_signed_out_and_without_a_csrf_token(site: Site, store: Store) -> None:
    r = _claim(site, {"position": 0}, {})
    assert r.status_code == 401
    site.sign_in("ada@example.org")
    # The session cookie alone is not enough: a write carries the session's CSRF token.
    r = site.client.post(f"/api/v1/papers/{PAPER}/claims", json={"position": 0})
    assert r.status_code == 400 and "this form expired" in r.json()["error"]
    r = site.client.post(f"/papers/{PAPER}/claim", data={"position": "0"})
    assert r.status_code == 400 and "this form expired" in r.text
    r = site.client.post(f"/papers/{PAPER}/claim/withdraw", data={"csrf": "made-up"})
    assert r.status_code == 400
    assert store.claims.for_paper(PAPER) == []
    csrf = {"X-CSRF-Token": csrf_of(site, f"/papers/{PAPER}")}
    r = site.client.post(f"/api/v1/papers/{PAPER}/claims", json={"position": 0}, headers=csrf)
    assert r.status_code == 201


def test_claims_of_a_hidden_paper_are_not_found(site: Site, store: Store) -> None:
    ada = _token(store, "ada@example.org")
    admin_user = store.accounts.ensure_user("admin@example.org", "admin")
    _claim(site, {"position": 1}, ada)
    store.moderation.hide(PAPER, admin_user.id)
    assert site.client.get(f"/api/v1/papers/{PAPER}/claims").status_code == 404
    r = _claim(site, {"position": 2}, _token(store, "bob@example.org"))
    assert r.status_code == 404 and r.json()["error"] == f"no paper {PAPER}"
    assert site.client.delete(f"/api/v1/papers/{PAPER}/claims", headers=ada).status_code == 404
    assert _claim(site, {"position": 0}, ada, paper="2410.99999").status_code == 404
    admin = _token(store, "admin@example.org", "admin")
    assert _decide(site, 1, True, admin).status_code == 404
    # The admin page keeps its claims back until the paper is shown again.
    assert "No claims waiting." in site.client.get("/admin", headers=admin).text
    store.moderation.unhide(PAPER)
    assert "<strong>@ada</strong> says they are" in site.client.get("/admin", headers=admin).text
    assert _decide(site, 1, True, admin).status_code == 200


def test_the_paper_page_and_admin_page(site: Site, store: Store) -> None:
    store.accounts.ensure_user("root@example.org", "admin")
    page = site.client.get(f"/papers/{PAPER}").text
    assert 'id="claim"' not in page  # signed out
    site.sign_in("ada@example.org")
    page = site.client.get(f"/papers/{PAPER}").text
    assert "Claim authorship" in page and 'action="/papers/2606.07502/claim"' in page
    assert 'name="member"' not in page  # admins only
    form = {"position": "2", "csrf": csrf_of(site, f"/papers/{PAPER}")}
    bad = site.client.post(f"/papers/{PAPER}/claim", data={**form, "position": "x"})
    assert bad.status_code == 400 and "position" in bad.text
    r = site.client.post(f"/papers/{PAPER}/claim", data=form, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, f"/papers/{PAPER}#claim")
    author = store.papers.get(PAPER).authors[2].name  # type: ignore[union-attr]
    page = site.client.get(f"/papers/{PAPER}").text
    assert "waiting for an admin to verify it" in page and author in page
    assert "Withdraw my claim" in page
    assert "waiting for an admin" in site.client.get("/settings").text
    # Withdrawn, and claimed again.
    withdraw = {"csrf": form["csrf"]}
    r = site.client.post(f"/papers/{PAPER}/claim/withdraw", data=withdraw, follow_redirects=False)
    assert r.status_code == 303 and store.claims.for_paper(PAPER) == []
    site.client.post(f"/papers/{PAPER}/claim", data=form)
    # A member cannot open the admin page; an admin verifies there.
    assert site.client.get("/admin").status_code == 403
    site.client.cookies.clear()
    site.sign_in("root@example.org")
    admin_page = site.client.get("/admin").text
    assert 'id="claims"' in admin_page and "<strong>@ada</strong> says they are" in admin_page
    decide = {
        "paper": PAPER,
        "position": "2",
        "verify": "1",
        "csrf": csrf_of(site, "/admin"),
    }
    r = site.client.post("/admin/claims/decide", data=decide, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/admin#claims")
    assert "No claims waiting." in site.client.get("/admin").text
    page = site.client.get(f"/papers/{PAPER}").text
    assert "verified author @ada" in page
    assert 'name="member"' in page  # an admin's form can assign
    site.client.cookies.clear()
    site.sign_in("ada@example.org")
    page = site.client.get(f"/papers/{PAPER}").text
    assert "verified; you can set the links of this paper" in page and 'id="links"' in page
    settings = site.client.get("/settings").text
    assert 'id="papers"' in settings and f'href="/papers/{PAPER}"' in settings
    assert f"as {author} · verified" in settings


def test_the_form_refuses_someone_elses_author(site: Site, store: Store) -> None:
    _claim(site, {"position": 0}, _token(store, "bob@example.org"))
    site.sign_in("ada@example.org")
    page = site.client.get(f"/papers/{PAPER}").text
    assert '<option value="0">' not in page and '<option value="1">' in page
    form = {"position": "0", "csrf": csrf_of(site, f"/papers/{PAPER}")}
    r = site.client.post(f"/papers/{PAPER}/claim", data=form)
    assert r.status_code == 409 and "is already claimed by another member" in r.text
    bad = site.client.post(f"/papers/{PAPER}/claim", data={**form, "position": "-1"})
    assert bad.status_code == 400
    big = site.client.post(f"/papers/{PAPER}/claim", data={**form, "position": str(10**30)})
    assert big.status_code == 400


def _import_version(store: Store, version: int, authors: list[Author]) -> None:
    """A later arXiv version of PAPER with these authors, through the real import path."""
    paper = store.papers.get(PAPER)
    assert paper is not None
    record = Record("1", paper=replace(paper, version=version, authors=tuple(authors)))
    assert not run_import(store, [record], "arxiv").errors


def _badged(page: str) -> list[str]:
    """The authors the paper page marks as verified, by name."""
    # Each author is a span holding their link and its follow button, the badge after it.
    author = r'<span class="author"><a href="[^"]*">([^<>]+)</a>(?:(?!<span class="author">).)*?'
    return re.findall(author + r'</span> <span class="badge verified"', page, re.S)


def test_a_claim_follows_its_author_through_new_versions(site: Site, store: Store) -> None:
    ada = _token(store, "ada@example.org")
    admin = _token(store, "admin@example.org", "admin")
    paper = store.papers.get(PAPER)
    assert paper is not None and paper.authors is not None
    a, b, *rest = paper.authors
    assert _claim(site, {"position": 1}, ada).json()["author"] == b.name
    assert _decide(site, 1, True, admin).status_code == 200
    # Version 2 adds an author in front of B: the claim is on B, now author 2.
    _import_version(store, 2, [a, Author("Xavier Newcomer"), b, *rest])
    authors = site.client.get(f"/api/papers/{PAPER}").json()["authors"]
    assert [x["name"] for x in authors[:3]] == [a.name, "Xavier Newcomer", b.name]
    assert authors[2]["user"]["user"] == "ada" and authors[2]["status"] == "claimed_verified"
    assert "user" not in authors[1]
    [claim] = site.client.get(f"/api/v1/papers/{PAPER}/claims").json()["claims"]
    assert (claim["position"], claim["author"], claim["stale"]) == (2, b.name, False)
    page = site.client.get(f"/papers/{PAPER}").text
    assert _badged(page) == [b.name]
    r = site.client.post(f"/api/papers/{PAPER}/links", json={"githubRepo": REPO}, headers=ada)
    assert r.status_code == 200
    # Another member may claim the new author, who stands where B stood when Ada claimed.
    bob = _token(store, "bob@example.org")
    assert _claim(site, {"position": 1}, bob).json()["author"] == "Xavier Newcomer"
    assert _claim(site, {"position": 2}, bob).status_code == 409
    # Version 3 drops B: no badge, no rights, and the claim shows as stale.
    _import_version(store, 3, [a, *rest])
    authors = site.client.get(f"/api/papers/{PAPER}").json()["authors"]
    assert [x["name"] for x in authors[:2]] == [a.name, rest[0].name]
    assert all("user" not in x for x in authors[1:])
    assert _badged(site.client.get(f"/papers/{PAPER}").text) == []
    r = site.client.post(f"/api/papers/{PAPER}/links", json={"githubRepo": REPO}, headers=ada)
    assert r.status_code == 403 and "verified author" in r.json()["error"]
    assert site.client.get(f"/api/v1/papers/{PAPER}/claims").json()["claims"] == []
    [mine] = site.client.get(f"/api/v1/papers/{PAPER}/claims", headers=ada).json()["claims"]
    assert (mine["position"], mine["author"], mine["stale"], mine["status"]) == (
        None,
        b.name,
        True,
        "verified",
    )
    site.sign_in("ada@example.org")
    assert f"as {b.name} · no longer among the authors" in site.client.get("/settings").text
    page = site.client.get(f"/papers/{PAPER}").text
    assert "who is no longer among the authors of this paper" in page
    assert "Withdraw my claim" in page and "This is me" in page
    # Ada may claim again: her stale claim gives way to the new one.
    form = {"position": "2", "csrf": csrf_of(site, f"/papers/{PAPER}")}
    assert site.client.post(f"/papers/{PAPER}/claim", data=form).status_code == 200
    [again] = site.client.get(f"/api/v1/papers/{PAPER}/claims", headers=ada).json()["claims"]
    assert (again["position"], again["author"], again["stale"]) == (2, rest[1].name, False)
