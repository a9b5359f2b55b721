"""Refused submissions and comments answer with the form again, on SQLite and PostgreSQL: the
message in plain words, what was typed kept, the page around it intact. The site is the demo,
months after its last day (as `paperfeed serve --demo` is run), with the default 14-day window
and the real arXiv fetcher pointed at a host that does not resolve (a machine offline)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from demo_copy import copy_demo
from fastapi.testclient import TestClient
from offline import unresolvable
from smtp_server import SmtpServer
from web_site import Site, csrf_of
from webutil import make_settings

from paperfeed.feed.submission import submittable_example
from paperfeed.store import Store
from paperfeed.web.app import create_app
from paperfeed.web.server import ArxivFetcher

NOW = datetime(2026, 12, 1, 12)
LAST = date(2026, 8, 21)  # the demo's last day
HOST = "export.arxiv.invalid"
PLACEHOLDER = re.compile(r'placeholder="e\.g\. (\S+) or https://arxiv\.org/abs/\1"')


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Attempts to resolve arXiv's host, which fail as they do offline (no DNS is asked)."""
    return unresolvable(monkeypatch, HOST)


@pytest.fixture
def site(db_url: str, tmp_path: Path, smtp: SmtpServer, lookups: list[str]) -> Iterator[Site]:
    store = Store.open(db_url, clock=lambda: NOW)
    try:
        search = copy_demo(store, tmp_path / "search", at=NOW)
        settings = make_settings(
            tmp_path,
            db_url,
            **smtp.env(),
            PAPERFEED_SUBMISSION_WINDOW_DAYS="14",
            PAPERFEED_ARXIV_API_URL=f"http://{HOST}/api/query",
            PAPERFEED_HTTP_DELAY="0",
            PAPERFEED_HTTP_TIMEOUT="5",
        )
        app = create_app(settings, store, search, fetch=ArxivFetcher(settings))
        with TestClient(app, base_url="http://127.0.0.1:8000") as client:
            yield Site(client, store, settings, smtp)
    finally:
        store.close()


def _submit(site: Site, reference: str) -> Any:
    csrf = csrf_of(site, "/papers/submit")
    return site.client.post(
        "/papers/submit", data={"reference": reference, "csrf": csrf}, follow_redirects=False
    )


def _listed_on(store: Store, day: date) -> dict[str, str | None]:
    return {i.paper.arxiv_id: i.submitted_by for i in store.listings.featured(day, day).items}


# ------------------------------------------------------------------------------ submissions


def test_the_form_offers_a_demo_paper_that_can_be_submitted(site: Site) -> None:
    site.sign_in("member@example.org")
    form = site.client.get("/papers/submit").text
    assert "The paper joins the list of" in form and "Aug 21, 2026" in form
    found = PLACEHOLDER.search(form)
    assert found, form
    example = found.group(1)
    r = _submit(site, example)
    assert (r.status_code, r.headers["location"]) == (303, f"/papers/{example}?submitted=1")
    member = site.store.accounts.by_email("member@example.org")
    assert member is not None
    assert _listed_on(site.store, LAST)[example] == member.name
    assert f'id="p-{example}"' in site.client.get("/").text
    # The front day did not move to today: the next demo paper in the window goes in too.
    following = submittable_example(site.store, LAST, 14)
    assert following is not None and following != example
    assert PLACEHOLDER.search(site.client.get("/papers/submit").text).group(1) == following  # type: ignore[union-attr]
    assert _submit(site, following).status_code == 303


def test_a_paper_before_the_window_is_refused_with_the_form_kept(site: Site) -> None:
    site.sign_in("member@example.org")
    first_day = date(2026, 6, 8)
    old = site.store.listings.featured(first_day, first_day, limit=1).items[0].paper.arxiv_id
    typed = f"https://arxiv.org/abs/{old}"
    r = _submit(site, typed)
    assert r.status_code == 400
    assert "<h1>Submit a paper</h1>" in r.text and f'value="{typed}"' in r.text
    assert "days before 2026-08-21, the latest day with papers here" in r.text


def test_offline_a_new_paper_fails_at_once_with_the_form_kept(
    site: Site, lookups: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    site.sign_in("member@example.org")
    typed = "https://arxiv.org/abs/2612.01234v1"
    with caplog.at_level(logging.WARNING, logger="paperfeed.feed.submission"):
        r = _submit(site, typed)
    assert r.status_code == 502
    page = r.text
    assert "<h1>Submit a paper</h1>" in page and f'value="{typed}"' in page
    assert '<p class="error" role="alert" id="reference-error">' in page
    assert "arXiv could not be reached; try again later" in page
    for leaked in ("Errno", "Name or service", "ConnectError", HOST):
        assert leaked not in page, leaked
    # One attempt to resolve the name: no retry, so no pause before it either.
    assert lookups == [HOST]
    assert site.store.papers.get("2612.01234") is None
    (record,) = [r for r in caplog.records if r.name == "paperfeed.feed.submission"]
    assert record.levelno == logging.WARNING and "Name or service not known" in record.message


def test_the_api_says_the_same_without_socket_text(site: Site) -> None:
    site.sign_in("member@example.org")
    csrf = csrf_of(site, "/papers/submit")
    r = site.client.post(
        "/api/v1/submissions", json={"reference": "2612.01234"}, headers={"X-CSRF-Token": csrf}
    )
    assert r.status_code == 502
    assert r.json()["error"] == "arXiv could not be reached; try again later"


# --------------------------------------------------------------------------------- comments


def _commented_paper(store: Store) -> tuple[str, int]:
    """A paper of the demo's last day with a demo thread: its id and the thread's first id."""
    for item in store.listings.featured(LAST, LAST).items:
        tops = [c for c in store.comments.for_paper(item.paper.arxiv_id) if c.parent_id is None]
        if tops:
            return item.paper.arxiv_id, tops[0].id
    raise AssertionError("the demo has comments on its last day")


def _comment(site: Site, path: str, headers: dict[str, str] | None = None, **data: str) -> Any:
    csrf = csrf_of(site, "/papers/submit")
    return site.client.post(
        path, data={**data, "csrf": csrf}, headers=headers or {}, follow_redirects=False
    )


def test_an_empty_comment_answers_with_the_paper_page_and_the_message(site: Site) -> None:
    arxiv_id, _top = _commented_paper(site.store)
    title = site.store.papers.get(arxiv_id).title  # type: ignore[union-attr]
    before = len(site.store.comments.for_paper(arxiv_id))
    site.sign_in("writer@example.org")
    r = _comment(site, f"/papers/{arxiv_id}/comments", body=" \r\n  ")
    assert r.status_code == 400
    page = r.text
    assert title in page and "(demo comment)" in page  # the page, its thread kept
    assert '<p class="error" role="alert" id="comment-body-error">the comment is empty</p>' in page
    assert 'aria-describedby="comment-body-error"' in page
    assert len(site.store.comments.for_paper(arxiv_id)) == before


def test_a_refused_comment_keeps_what_was_typed(site: Site) -> None:
    arxiv_id, _top = _commented_paper(site.store)
    site.sign_in("writer@example.org")
    typed = "A long thought. " * 700
    r = _comment(site, f"/papers/{arxiv_id}/comments", body=typed)
    assert r.status_code == 400
    assert "comments are limited to 10000 characters" in r.text
    assert f"{typed}</textarea>" in r.text


def test_line_breaks_count_once_against_the_limit(site: Site) -> None:
    """A browser counts a line break once for `maxlength` and sends it as CRLF."""
    arxiv_id, _top = _commented_paper(site.store)
    site.sign_in("writer@example.org")
    typed = "ab\r\n" * 2600  # 7,800 characters in the box, 10,400 sent
    assert _comment(site, f"/papers/{arxiv_id}/comments", body=typed).status_code == 303
    assert site.store.comments.for_paper(arxiv_id)[-1].body == ("ab\n" * 2600).strip()


def test_an_empty_reply_opens_its_own_form_again(site: Site) -> None:
    arxiv_id, top = _commented_paper(site.store)
    site.sign_in("writer@example.org")
    r = _comment(site, f"/papers/{arxiv_id}/comments", body="", parent_id=str(top))
    assert r.status_code == 400
    assert '<details class="reply" open>' in r.text
    assert f'id="reply-{top}-error">the comment is empty</p>' in r.text
    assert '<p class="error" role="alert" id="comment-body-error">' not in r.text


def test_an_empty_edit_keeps_the_comment_and_opens_the_editor(site: Site) -> None:
    arxiv_id, _top = _commented_paper(site.store)
    site.sign_in("writer@example.org")
    assert _comment(site, f"/papers/{arxiv_id}/comments", body="first words").status_code == 303
    mine = site.store.comments.for_paper(arxiv_id)[-1]
    r = _comment(site, f"/comments/{mine.id}/edit", body="  ")
    assert r.status_code == 400
    assert f'id="edit-{mine.id}-error">the comment is empty</p>' in r.text
    assert re.search(r"<details open><summary>Edit</summary>", r.text)
    assert site.store.comments.get(mine.id).body == "first words"


def test_htmx_gets_the_form_alone(site: Site) -> None:
    arxiv_id, top = _commented_paper(site.store)
    site.sign_in("writer@example.org")
    htmx = {"HX-Request": "true"}
    r = _comment(site, f"/papers/{arxiv_id}/comments", headers=htmx, body="  ")
    assert r.status_code == 400
    fragment = r.text.strip()
    assert "<html" not in fragment and fragment.count("<form") == 1
    assert f'action="/papers/{arxiv_id}/comments"' in fragment
    assert "the comment is empty" in fragment and 'name="csrf"' in fragment
    reply = _comment(
        site, f"/papers/{arxiv_id}/comments", headers=htmx, body=" ", parent_id=str(top)
    )
    assert reply.status_code == 400 and f'name="parent_id" value="{top}"' in reply.text
    assert "<html" not in reply.text


def test_over_the_rate_limit_the_text_is_kept(site: Site) -> None:
    arxiv_id, _top = _commented_paper(site.store)
    site.sign_in("writer@example.org")
    for i in range(10):
        assert _comment(site, f"/papers/{arxiv_id}/comments", body=f"c{i}").status_code == 303
    r = _comment(site, f"/papers/{arxiv_id}/comments", body="one more thought")
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "one more thought</textarea>" in r.text
