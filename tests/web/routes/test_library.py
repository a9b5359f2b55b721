"""The library on the web: Save and "Not interested" on cards (htmx and plain forms), the
paper page's collections, note and read state, /library, /library/hidden, and collections'
pages, feeds and exports with who may see them, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

import pytest
from web_site import CSRF, Site, csrf_of

from paperfeed.web import cards
from paperfeed.web.cache import TimedCache
from paperfeed.web.templating import week_key

HX = {"HX-Request": "true"}


def _front_ids(site: Site) -> list[str]:
    return re.findall(r'<article class="card[^"]*" id="p-([^"]+)"', site.client.get("/").text)


def _member(site: Site, email: str) -> tuple[int, str]:
    site.sign_in(email)
    user = site.store.accounts.by_email(email)
    assert user is not None
    return user.id, csrf_of(site, "/")


def test_save_toggles_in_place_and_without_javascript(site: Site) -> None:
    anon = site.client.get("/").text
    assert "Sign in to save to your library" in anon and "Not interested" not in anon
    uid, csrf = _member(site, "saver@example.org")
    paper = _front_ids(site)[0]
    page = site.client.get("/").text
    assert 'aria-label="Save to your library"' in page and "Not interested" in page
    r = site.client.post(
        f"/papers/{paper}/save", data={"on": "1", "csrf": csrf, "next": "/"}, headers=HX
    )
    assert r.status_code == 200 and 'aria-pressed="true"' in r.text and "Saved" in r.text
    (saved,) = site.store.library.collections(uid)
    assert saved.name == "Saved" and site.store.library.saved(uid, [paper]) == {
        paper: frozenset({saved.id})
    }
    # The card shows it saved; a second click (plain form) takes it out and goes back.
    assert 'aria-pressed="true"' in _card(site.client.get("/").text, paper)
    r = site.client.post(
        f"/papers/{paper}/save",
        data={"on": "0", "csrf": csrf, "next": "/papers/trending?window=week"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/papers/trending?window=week"
    assert site.store.library.saved(uid, [paper]) == {}


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example", "/\tx", "javascript:alert(1)"]
)
def test_forms_only_go_back_to_this_site(site: Site, target: str) -> None:
    _member(site, "safe@example.org")
    csrf = csrf_of(site, "/")
    paper = _front_ids(site)[0]
    r = site.client.post(
        f"/papers/{paper}/save",
        data={"on": "1", "csrf": csrf, "next": target},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/papers/{paper}"


def test_library_writes_need_csrf_and_a_member(site: Site) -> None:
    paper = _front_ids(site)[0]
    r = site.client.post(f"/papers/{paper}/save", data={"on": "1"}, follow_redirects=False)
    assert r.status_code in (303, 400)
    site.sign_in("nocsrf@example.org")
    r = site.client.post(f"/papers/{paper}/save", data={"on": "1", "csrf": "forged"})
    assert r.status_code == 400
    r = site.client.get("/library", follow_redirects=False)
    assert r.status_code == 200  # signed in
    site.client.cookies.clear()
    r = site.client.get("/library", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/library")


def _card(html: str, arxiv_id: str) -> str:
    m = re.search(
        rf'<article class="card[^"]*" id="p-{re.escape(arxiv_id)}">.*?</article>', html, re.S
    )
    assert m, arxiv_id
    return m.group(0)


def test_not_interested_hides_a_paper_from_that_member_only(site: Site) -> None:
    app: Any = site.client.app
    app.state.page_cache = TimedCache[bytes](60)  # pages cached as in production
    first, *_ = ids = _front_ids(site)
    assert len(ids) > 1
    uid, csrf = _member(site, "picky@example.org")
    site.store.recommendations.drop(uid, first)  # exists and is quiet with nothing stored
    r = site.client.post(
        f"/papers/{first}/dismiss", data={"on": "1", "csrf": csrf, "next": "/"}, headers=HX
    )
    assert r.status_code == 200 and "Hidden" in r.text and "Undo" in r.text
    assert f'id="p-{first}"' in r.text  # it takes the card's place
    assert first not in _front_ids(site)
    # The paper's own page still opens, and says so.
    page = site.client.get(f"/papers/{first}").text
    assert "You marked this paper not interested" in page
    hidden = site.client.get("/library/hidden").text
    assert f"/papers/{first}" in hidden
    # Another member and a signed-out visitor (the cached page) still see it.
    site.client.cookies.clear()
    assert first in _front_ids(site)
    _member(site, "other@example.org")
    assert first in _front_ids(site)
    # Undo, without JavaScript: back to where it came from, listed again.
    site.client.cookies.clear()
    site.sign_in("picky@example.org")
    csrf = csrf_of(site, "/")
    r = site.client.post(
        f"/papers/{first}/dismiss",
        data={"on": "0", "csrf": csrf, "next": "/library/hidden"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/library/hidden"
    assert first in _front_ids(site)


def test_undo_with_htmx_puts_the_card_back(site: Site) -> None:
    paper = _front_ids(site)[0]
    _, csrf = _member(site, "undo@example.org")
    site.client.post(f"/papers/{paper}/dismiss", data={"on": "1", "csrf": csrf}, headers=HX)
    r = site.client.post(
        f"/papers/{paper}/dismiss", data={"on": "0", "csrf": csrf, "next": "/"}, headers=HX
    )
    assert r.status_code == 200 and '<article class="card" id="p-' in r.text
    assert "Not interested" in r.text


def test_dismissed_papers_leave_every_listing(site: Site) -> None:
    cards.memo.clear()
    _, csrf = _member(site, "lists@example.org")
    trending = site.client.get("/papers/trending?window=month").text
    top = re.findall(r'<article class="card[^"]*" id="p-([^"]+)"', trending)
    assert top
    paper = top[0]
    listed = site.store.listings.listed([paper])[paper]
    author = listed.paper.authors[0].name  # type: ignore[index]
    # An arXiv paper of the demo, with categories (Hugging Face's have none).
    arxiv = next(
        i for c in ("cs.CL", "cs.LG", "cs.AI", "cs.CV") for i in site.store.listings.by_category(c)
    )
    category = arxiv.paper.primary_category
    for dismissed in (paper, arxiv.paper.arxiv_id):
        site.client.post(f"/papers/{dismissed}/dismiss", data={"on": "1", "csrf": csrf})
    pages = {
        "/papers/trending?window=month": paper,
        f"/papers/author/{author}": paper,
        f"/papers/category/{category}": arxiv.paper.arxiv_id,
        f"/papers?q={arxiv.paper.arxiv_id}&mode=keyword": arxiv.paper.arxiv_id,
    }
    if listed.day:
        pages[f"/papers/date/{listed.day.isoformat()}"] = paper
        pages[f"/papers/week/{week_key(listed.day)}"] = paper
    for path, gone in pages.items():
        assert f'id="p-{gone}"' not in site.client.get(path).text, path
    site.client.cookies.clear()
    for path, gone in pages.items():
        assert f'id="p-{gone}"' in site.client.get(path).text, path


def test_paper_page_collections_note_and_read(site: Site) -> None:
    paper = _front_ids(site)[0]
    uid, csrf = _member(site, "reader@example.org")
    page = site.client.get(f"/papers/{paper}").text
    assert "Your library" in page and "Mark as read" in page
    r = site.client.post(
        f"/papers/{paper}/collections",
        data={"csrf": csrf, "new": "  Reading   group "},
        follow_redirects=False,
    )
    assert r.status_code == 303
    (group,) = site.store.library.collections(uid)
    assert group.name == "Reading group"
    other = site.store.library.create(uid, "Later")
    site.client.post(
        f"/papers/{paper}/collections",
        data={"csrf": csrf, "collection": [str(group.id), str(other.id)]},
    )
    assert site.store.library.saved(uid, [paper])[paper] == {group.id, other.id}
    # A new name equal to an existing one (any case) ticks that one.
    site.client.post(f"/papers/{paper}/collections", data={"csrf": csrf, "new": "later"})
    assert site.store.library.saved(uid, [paper])[paper] == {other.id}
    # Someone else's collection: refused, nothing changes.
    stranger = site.store.accounts.ensure_user("stranger@example.org")
    theirs = site.store.library.create(stranger.id, "Theirs")
    r = site.client.post(
        f"/papers/{paper}/collections", data={"csrf": csrf, "collection": str(theirs.id)}
    )
    assert r.status_code == 403
    assert site.store.library.saved(uid, [paper])[paper] == {other.id}
    # Note and read state.
    site.client.post(f"/papers/{paper}/note", data={"csrf": csrf, "note": "Línea 1\r\nline 2"})
    site.client.post(f"/papers/{paper}/read", data={"csrf": csrf, "on": "1"})
    note = site.store.library.notes(uid, [paper])[paper]
    assert note.note == "Línea 1\nline 2" and note.read_at is not None
    page = site.client.get(f"/papers/{paper}").text
    assert "Mark as unread" in page and "Línea 1" in page
    assert 'class="read-mark"' in _card(site.client.get("/").text, paper)
    r = site.client.post(f"/papers/{paper}/note", data={"csrf": csrf, "note": "x" * 10_001})
    assert r.status_code == 400 and "at most 10,000 characters" in r.text
    assert site.store.library.notes(uid, [paper])[paper].note == "Línea 1\nline 2"
    site.client.post(f"/papers/{paper}/read", data={"csrf": csrf, "on": "0"})
    assert site.store.library.notes(uid, [paper])[paper].read_at is None


def test_library_page_and_collection_management(site: Site) -> None:
    ids = _front_ids(site)[:3]
    uid, csrf = _member(site, "curator@example.org")
    for paper in ids:
        site.client.post(f"/papers/{paper}/save", data={"on": "1", "csrf": csrf})
    html = site.client.get("/library").text
    assert "3 papers" in html and all(f'id="p-{p}"' in html for p in ids)
    assert r'href="/library?collection=' in html
    r = site.client.post(
        "/library/collections",
        data={
            "csrf": csrf,
            "name": "Ideas ✨",
            "description": "For later",
            "visibility": "private",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    ideas = next(c for c in site.store.library.collections(uid) if c.name == "Ideas ✨")
    site.store.library.save(uid, ids[0], [ideas.id])
    html = site.client.get(f"/library?collection={ideas.id}").text
    assert "Ideas ✨" in html and "For later" in html and "1 paper" in html
    assert "Manage this collection" in html
    # A duplicate name, an empty one, a 10 kB one: clear 4xx, nothing made.
    for name, status in (("ideas ✨", 409), ("  ", 400), ("x" * 10_000, 400)):
        r = site.client.post("/library/collections", data={"csrf": csrf, "name": name})
        assert r.status_code == status, name
    assert len(site.store.library.collections(uid)) == 2
    # Rename, share by link, new link, delete.
    site.client.post(
        f"/library/collections/{ideas.id}",
        data={"csrf": csrf, "name": "Ideas", "description": "", "visibility": "link"},
    )
    edited = site.store.library.owned(uid, ideas.id)
    assert edited.name == "Ideas" and edited.visibility == "link"
    site.client.post(f"/library/collections/{ideas.id}", data={"csrf": csrf, "new_link": "1"})
    assert site.store.library.owned(uid, ideas.id).share_token != edited.share_token
    r = site.client.post(
        f"/library/collections/{ideas.id}", data={"csrf": csrf, "visibility": "everyone"}
    )
    assert r.status_code == 400
    # Someone else cannot touch it.
    site.client.cookies.clear()
    _, csrf2 = _member(site, "intruder@example.org")
    r = site.client.post(f"/library/collections/{ideas.id}/delete", data={"csrf": csrf2})
    assert r.status_code == 404
    r = site.client.get(f"/library?collection={ideas.id}")
    assert r.status_code == 404
    site.client.cookies.clear()
    site.sign_in("curator@example.org")
    csrf = csrf_of(site, "/library")
    r = site.client.post(
        f"/library/collections/{ideas.id}/delete", data={"csrf": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    assert [c.name for c in site.store.library.collections(uid)] == ["Saved"]
    assert ids[0] in site.store.library.saved(uid, [ids[0]])  # still in "Saved"


def test_who_sees_a_collection(site: Site) -> None:
    ids = _front_ids(site)[:2]
    uid, _ = _member(site, "owner@example.org")
    c = site.store.library.create(uid, "Best of", description="My picks")
    for paper in ids:
        site.store.library.save(uid, paper, [c.id])
    token = c.share_token
    owner_page = site.client.get(f"/collections/{c.id}")
    assert owner_page.status_code == 200 and "Best of" in owner_page.text
    assert f'id="p-{ids[0]}"' in owner_page.text
    bib = site.client.get(f"/collections/{c.id}.bib")
    assert bib.status_code == 200 and bib.text.count("@misc") == 2
    assert site.client.get(f"/collections/{c.id}.atom").status_code == 404  # private: no feed
    paths = [
        f"/collections/{c.id}",
        f"/collections/{c.id}.bib",
        f"/collections/{c.id}.ris",
        f"/collections/{c.id}.csl.json",
        f"/collections/{c.id}.atom",
        f"/collections/shared/{token}",
        f"/collections/shared/{token}.bib",
        f"/collections/shared/{token}.atom",
    ]
    site.client.cookies.clear()
    missing = site.client.get("/collections/999999")
    for path in paths:  # private: the same 404 as a collection that does not exist
        r = site.client.get(path)
        assert r.status_code == 404, path
    assert "Best of" not in missing.text
    # Shared by link: the token's pages, not the id's.
    site.store.library.edit(uid, c.id, visibility="link")
    assert site.client.get(f"/collections/{c.id}").status_code == 404
    page = site.client.get(f"/collections/shared/{token}")
    owner = site.store.accounts.by_email("owner@example.org")
    assert owner is not None
    assert page.status_code == 200 and f"@{owner.name}" in page.text and "My picks" in page.text
    assert f"/collections/shared/{token}.atom" in page.text
    atom = site.client.get(f"/collections/shared/{token}.atom")
    assert atom.status_code == 200 and atom.headers["content-type"].startswith(
        "application/atom+xml"
    )
    assert atom.text.count("<entry>") == 2 and token in atom.text
    ris = site.client.get(f"/collections/shared/{token}.ris")
    assert ris.status_code == 200 and ris.text.count("TY  - ") == 2
    csl = site.client.get(f"/collections/shared/{token}.csl.json")
    assert csl.status_code == 200 and len(csl.json()) == 2
    # A new link: the old stops working.
    site.store.library.edit(uid, c.id, new_link=True)
    assert site.client.get(f"/collections/shared/{token}").status_code == 404
    # Public: by id too, with a feed by id.
    site.store.library.edit(uid, c.id, visibility="public")
    page = site.client.get(f"/collections/{c.id}")
    assert page.status_code == 200 and f"/collections/{c.id}.atom" in page.text
    assert site.store.library.owned(uid, c.id).share_token not in page.text
    assert site.client.get(f"/collections/{c.id}.rss").status_code == 200
    for bad in ("abc", "0", "99999999999999999999", "١٢", "%00"):
        assert site.client.get(f"/collections/{bad}").status_code in (400, 404), bad


def test_signed_out_pages_show_no_one_s_library(site: Site) -> None:
    app: Any = site.client.app
    app.state.page_cache = TimedCache[bytes](60)
    paper = _front_ids(site)[0]
    _, csrf = _member(site, "private@example.org")
    site.client.post(f"/papers/{paper}/save", data={"on": "1", "csrf": csrf})
    site.client.post(f"/papers/{paper}/read", data={"csrf": csrf, "on": "1"})
    mine = site.client.get("/").text
    assert 'aria-pressed="true"' in _card(mine, paper)
    site.client.cookies.clear()
    theirs = site.client.get("/").text
    card = _card(theirs, paper)
    assert 'aria-pressed="true"' not in card and "read-mark" not in card
    assert CSRF.search(card) is None
