"""Listing cards are rendered once per distinct content (web/cards.py): a page served from the
memo is byte for byte the page rendered afresh, and whatever a card shows that changes (an
upvote, a comment, an edited title, a member's own vote, their CSRF token) shows at once, with
the page cache off, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
from web_site import CSRF, Site

from paperfeed.models import Batch
from paperfeed.web import cards
from paperfeed.web.cache import TimedCache


@pytest.fixture
def uncached(site: Site) -> Site:
    """The page cache off, and an empty card memo."""
    app: Any = site.client.app
    app.state.page_cache = TimedCache[bytes](0)
    app.state.day_cache = TimedCache[Any](0)
    cards.memo.clear()
    return site


def _first_card(site: Site) -> str:
    day = site.store.listings.latest_day()
    return site.store.listings.featured(day, day).items[0].paper.arxiv_id  # type: ignore[arg-type]


def _card(html: str, arxiv_id: str) -> str:
    m = re.search(rf'<article class="card" id="p-{re.escape(arxiv_id)}">.*?</article>', html, re.S)
    assert m, arxiv_id
    return m.group(0)


def test_a_page_from_the_memo_is_the_page_rendered_afresh(uncached: Site) -> None:
    first = uncached.client.get("/").text
    assert cards.memo.misses > 0 and cards.memo.hits == 0
    second = uncached.client.get("/").text
    assert cards.memo.hits == cards.memo.misses
    assert second == first
    cards.memo.clear()
    assert uncached.client.get("/").text == first


def test_an_upvote_and_a_comment_show_at_once(uncached: Site) -> None:
    site = uncached
    arxiv_id = _first_card(site)
    before = _card(site.client.get("/").text, arxiv_id)
    upvotes = int(re.search(r'class="count">(\d+)<', before).group(1))  # type: ignore[union-attr]
    member = site.store.accounts.ensure_user("reader@example.org")
    site.store.votes.cast(member.id, arxiv_id, True)
    site.store.comments.add(arxiv_id, member.id, "A new comment.")
    after = _card(site.client.get("/").text, arxiv_id)
    assert f'class="count">{upvotes + 1}<' in after
    comments = re.search(r'#comments" aria-label="(\d+) comment', after)
    assert comments and comments.group(1) != re.search(  # type: ignore[union-attr]
        r'#comments" aria-label="(\d+) comment', before
    ).group(1)


def test_an_edited_title_shows_at_once(uncached: Site) -> None:
    site = uncached
    arxiv_id = _first_card(site)
    site.client.get("/")
    paper = site.store.papers.get(arxiv_id)
    assert paper is not None
    newer = replace(
        paper, title="A title set after the first render", version=(paper.version or 1) + 1
    )
    site.store.papers.write(Batch(papers=[newer]))
    assert "A title set after the first render" in _card(site.client.get("/").text, arxiv_id)


def test_each_member_gets_their_own_vote_form(uncached: Site) -> None:
    site = uncached
    arxiv_id = _first_card(site)
    site.client.get("/")  # signed out: the card links to sign-in
    site.sign_in("first@example.org")
    mine = _card(site.client.get("/").text, arxiv_id)
    assert 'class="vote"' in mine and "Sign in to upvote" not in mine
    token = CSRF.search(mine)
    assert token
    site.client.post(
        f"/papers/{arxiv_id}/vote", data={"csrf": token.group(1), "on": "1"}
    ).raise_for_status()
    voted = _card(site.client.get("/").text, arxiv_id)
    assert 'class="vote on"' in voted and 'aria-pressed="true"' in voted

    site.client.cookies.clear()
    site.sign_in("second@example.org")
    theirs = _card(site.client.get("/").text, arxiv_id)
    other = CSRF.search(theirs)
    assert other and other.group(1) != token.group(1)
    assert 'aria-pressed="false"' in theirs
