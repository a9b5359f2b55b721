"""The library's JSON API (routes/api_library.py): saved papers, collections, Save, "not
interested" and notes with an API token or the session and its CSRF header; bad input is a
clear 4xx that changes nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from web_site import Site, csrf_of


def _paper_ids(site: Site, n: int) -> list[str]:
    day = site.store.listings.latest_day()
    return [i.paper.arxiv_id for i in site.store.listings.featured(day, day).items[:n]]  # type: ignore[arg-type]


def _auth(site: Site, email: str) -> tuple[int, dict[str, str]]:
    user = site.store.accounts.ensure_user(email)
    return user.id, {
        "Authorization": f"Bearer {site.store.accounts.create_api_token(user.id, 't')}"
    }


def _state(site: Site, uid: int, ids: list[str]) -> Any:
    lib = site.store.library
    return (
        [(c.name, c.description, c.visibility, c.size) for c in lib.collections(uid)],
        lib.saved(uid, ids),
        lib.notes(uid, ids),
        lib.dismissed(uid),
    )


def test_save_list_note_dismiss(site: Site) -> None:
    a, b = _paper_ids(site, 2)
    uid, auth = _auth(site, "api@example.org")
    r = site.client.post(f"/api/v1/papers/{a}/save", headers=auth)
    assert r.status_code == 200 and r.json()["saved"] is True
    (saved,) = site.client.get("/api/v1/collections", headers=auth).json()
    assert saved["name"] == "Saved" and saved["size"] == 1 and saved["visibility"] == "private"
    assert saved["share_path"].startswith("/collections/shared/")
    r = site.client.post(
        "/api/v1/collections",
        json={"name": "Lectura 📚", "description": "para el seminario", "visibility": "public"},
        headers=auth,
    )
    assert r.status_code == 201
    reading = r.json()
    r = site.client.post(
        f"/api/v1/papers/{b}/save", json={"collections": [reading["id"], saved["id"]]}, headers=auth
    )
    assert r.json()["collections"] == sorted([reading["id"], saved["id"]])
    r = site.client.put(
        f"/api/v1/papers/{b}/note", json={"note": "read §3", "read": True}, headers=auth
    )
    assert r.status_code == 200 and r.json()["note"] == "read §3" and r.json()["read_at"]
    lib = site.client.get("/api/v1/library", headers=auth).json()
    assert lib["total"] == 2 and sorted(i["paper"]["id"] for i in lib["items"]) == sorted([a, b])
    first = next(i for i in lib["items"] if i["paper"]["id"] == b)
    assert first["note"] == "read §3" and first["read_at"] and first["saved_at"]
    assert set(first["collections"]) == {reading["id"], saved["id"]}
    only = site.client.get(f"/api/v1/library?collection={reading['id']}", headers=auth).json()
    assert [i["paper"]["id"] for i in only["items"]] == [b]
    r = site.client.delete(f"/api/v1/papers/{b}/save?collection={saved['id']}", headers=auth)
    assert r.json()["collections"] == [reading["id"]]
    r = site.client.delete(f"/api/v1/papers/{b}/save", headers=auth)
    assert r.json() == {"id": b, "saved": False, "collections": []}
    assert site.client.post(f"/api/v1/papers/{a}/dismiss", headers=auth).json()["dismissed"]
    assert site.store.library.dismissed(uid) == {a}
    assert not site.client.delete(f"/api/v1/papers/{a}/dismiss", headers=auth).json()["dismissed"]
    assert site.store.library.dismissed(uid) == frozenset()
    r = site.client.patch(
        f"/api/v1/collections/{reading['id']}", json={"visibility": "link"}, headers=auth
    )
    assert r.status_code == 200 and r.json()["visibility"] == "link"
    assert (
        site.client.delete(f"/api/v1/collections/{reading['id']}", headers=auth).status_code == 204
    )
    assert [c["name"] for c in site.client.get("/api/v1/collections", headers=auth).json()] == [
        "Saved"
    ]


def test_session_writes_need_the_csrf_header(site: Site) -> None:
    (a,) = _paper_ids(site, 1)
    site.sign_in("session@example.org")
    r = site.client.post(f"/api/v1/papers/{a}/save")
    assert r.status_code == 400
    csrf = csrf_of(site, "/")
    r = site.client.post(f"/api/v1/papers/{a}/save", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json()["saved"]
    assert site.client.get("/api/v1/library").json()["total"] == 1


def test_signed_out_is_refused(site: Site) -> None:
    (a,) = _paper_ids(site, 1)
    assert site.client.get("/api/v1/library").status_code == 401
    assert site.client.get("/api/v1/collections").status_code == 401
    assert site.client.post(f"/api/v1/papers/{a}/save").status_code == 401
    assert site.client.put(f"/api/v1/papers/{a}/note", json={"note": "x"}).status_code == 401


BAD: list[tuple[str, str, Any, int]] = [
    ("post", "/api/v1/collections", {"name": "x" * 10_000}, 400),
    ("post", "/api/v1/collections", {"name": "  "}, 400),
    ("post", "/api/v1/collections", {"name": "ok", "visibility": "friends"}, 400),
    ("post", "/api/v1/collections", {"name": "ok", "description": "d" * 2001}, 400),
    ("post", "/api/v1/collections", {"name": 5}, 400),
    ("post", "/api/v1/papers/{a}/save", {"collections": [2**40]}, 400),
    ("post", "/api/v1/papers/{a}/save", {"collections": [0]}, 400),
    ("post", "/api/v1/papers/{a}/save", {"collections": ["1; drop"]}, 400),
    ("post", "/api/v1/papers/{a}/save", {"collections": "{theirs}"}, 400),
    ("post", "/api/v1/papers/{a}/save", {"collections": ["{theirs}"]}, 403),
    ("post", "/api/v1/papers/0000.00000/save", None, 404),
    ("post", "/api/v1/papers/{a}/dismiss", None, 200),
    ("delete", "/api/v1/papers/{a}/save?collection={theirs}", None, 404),
    ("delete", "/api/v1/papers/{a}/save?collection=99999999999", None, 400),
    ("put", "/api/v1/papers/{a}/note", {"note": "n" * 10_001}, 400),
    ("put", "/api/v1/papers/{a}/note", {"note": "a\u0000b"}, 400),
    ("put", "/api/v1/papers/{a}/note", {"read": "yes please"}, 400),
    ("put", "/api/v1/papers/nope/note", {"note": "x"}, 404),
    ("patch", "/api/v1/collections/{theirs}", {"name": "mine now"}, 404),
    ("delete", "/api/v1/collections/{theirs}", None, 404),
    ("get", "/api/v1/library?collection={theirs}", None, 404),
    ("get", "/api/v1/library?collection=-1", None, 400),
    ("get", "/api/v1/library?per_page=1000", None, 400),
]


@pytest.mark.parametrize(("method", "path", "body", "status"), BAD)
def test_bad_input_is_a_clear_4xx_and_changes_nothing(
    site: Site, method: str, path: str, body: Any, status: int
) -> None:
    ids = _paper_ids(site, 1)
    uid, auth = _auth(site, "careful@example.org")
    stranger = site.store.accounts.ensure_user("stranger@example.org")
    theirs = site.store.library.create(stranger.id, "Theirs")
    site.store.library.save(uid, ids[0])
    before, theirs_before = _state(site, uid, ids), _state(site, stranger.id, ids)
    url = path.format(a=ids[0], theirs=theirs.id)
    payload = body
    if isinstance(body, dict) and "collections" in body:
        got = body["collections"]
        payload = {
            "collections": got.format(theirs=theirs.id)
            if isinstance(got, str)
            else [int(x.format(theirs=theirs.id)) if x == "{theirs}" else x for x in got]
        }
    r = site.client.request(method.upper(), url, json=payload, headers=auth)
    assert r.status_code == status, r.text
    if status >= 400:
        assert r.json()["error"] and r.json()["status"] == status
        assert _state(site, uid, ids) == before
    assert _state(site, stranger.id, ids) == theirs_before
