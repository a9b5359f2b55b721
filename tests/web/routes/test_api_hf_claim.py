"""`POST /api/settings/papers/claim` (Hugging Face's body) on the demo, SQLite and PostgreSQL:
an author named by HF's `_id` or by place, claimed with an API token, verified by an admin,
then shown by `/api/papers/{id}` as HF shows claimed authors."""

from __future__ import annotations

from typing import Any

import pytest
from web_site import Site

from paperfeed.feed.claims import decide_claim
from paperfeed.store import Store

ID = "2606.07297"  # a demo paper from HF: its authors carry HF's _id


def _auth(store: Store, email: str, role: str = "member") -> dict[str, str]:
    user = store.accounts.ensure_user(email, role=role)
    return {"Authorization": f"Bearer {store.accounts.create_api_token(user.id, 'hf')}"}


def _authors(site: Site) -> list[dict[str, Any]]:
    authors: list[dict[str, Any]] = site.client.get(f"/api/papers/{ID}").json()["authors"]
    return authors


def test_claim_by_hf_author_id_then_verified(site: Site) -> None:
    store = site.store
    authors = _authors(site)
    target = next(i for i, a in enumerate(authors) if "_id" in a and "user" not in a)
    r = site.client.post(
        "/api/settings/papers/claim",
        json={"paperId": ID, "claimAuthorId": authors[target]["_id"]},
        headers=_auth(store, "grace@example.org"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["paperId"] == ID and body["position"] == target
    assert body["author"] == authors[target]["name"] and body["status"] == "pending"
    admin = store.accounts.ensure_user("ada@example.org", role="admin")
    decide_claim(store, ID, target, admin, True)
    shown = _authors(site)[target]
    assert shown["status"] == "claimed_verified" and shown["user"]["user"] == body["member"]
    assert shown["_id"] == authors[target]["_id"] and shown["statusLastChangedAt"].endswith("Z")


def test_by_place_conflicts_and_assignment(site: Site) -> None:
    store = site.store
    grace = _auth(store, "grace@example.org")
    first = site.client.post(
        "/api/settings/papers/claim", json={"paperId": ID, "claimAuthorId": "1"}, headers=grace
    )
    assert first.status_code == 200 and first.json()["position"] == 1
    # Someone else on the same author: 409; a member naming someone else: 403.
    other = _auth(store, "bob@example.org")
    taken = site.client.post(
        "/api/settings/papers/claim", json={"paperId": ID, "claimAuthorId": "1"}, headers=other
    )
    assert taken.status_code == 409 and "already claimed" in taken.json()["error"]
    member = store.accounts.by_email("grace@example.org")
    assert member is not None
    forbidden = site.client.post(
        "/api/settings/papers/claim",
        json={"paperId": ID, "claimAuthorId": "2", "targetUserId": member.name},
        headers=other,
    )
    assert forbidden.status_code == 403
    # An admin assigns an author to a member: verified at once ("admin_assigned").
    bob = store.accounts.by_email("bob@example.org")
    assert bob is not None
    assigned = site.client.post(
        "/api/settings/papers/claim",
        json={"paperId": ID, "claimAuthorId": "2", "targetUserId": f"@{bob.name}"},
        headers=_auth(store, "ada@example.org", role="admin"),
    )
    assert assigned.status_code == 200 and assigned.json()["status"] == "assigned"
    assert _authors(site)[2]["status"] == "admin_assigned"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"paperId": ID, "claimAuthorId": "ffffffffffffffffffffffff"}, 400, "claimAuthorId"),
        ({"paperId": ID, "claimAuthorId": "99999"}, 400, "claimAuthorId"),
        ({"paperId": ID, "claimAuthorId": "-1"}, 400, "claimAuthorId"),
        ({"paperId": ID, "claimAuthorId": "1" * 30}, 400, "claimAuthorId"),
        ({"paperId": ID, "claimAuthorId": "x" * 101}, 400, "claimAuthorId"),
        ({"paperId": ID}, 400, "claimAuthorId"),
        ({"paperId": "2401.99999", "claimAuthorId": "0"}, 404, "no paper"),
        ({"paperId": "not an id", "claimAuthorId": "0"}, 400, "arXiv"),
        ({"paperId": ID, "claimAuthorId": "0", "targetUserId": "nobody-here"}, 404, "no member"),
    ],
)
def test_refusals_are_clear_and_store_nothing(
    site: Site, body: dict[str, str], status: int, message: str
) -> None:
    store = site.store
    headers = _auth(store, "ada@example.org", role="admin")
    r = site.client.post("/api/settings/papers/claim", json=body, headers=headers)
    assert r.status_code == status, r.text
    assert message in r.json()["error"]
    assert store.claims.for_paper(ID) == []


def test_needs_a_member(site: Site) -> None:
    r = site.client.post("/api/settings/papers/claim", json={"paperId": ID, "claimAuthorId": "0"})
    assert r.status_code == 401
