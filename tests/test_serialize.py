"""JSON shapes (pure): paperfeed's own, with UTC times to the millisecond, and Hugging Face's
`/api/daily_papers` items, whose field names must be the ones Hugging Face uses (checked
against a recorded response) and which our own HF importer reads back."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest

from paperfeed.ingest.hf_daily import parse_hf_daily
from paperfeed.ingest.records import Record
from paperfeed.models import (
    Author,
    AuthorClaim,
    Comment,
    Hit,
    ListedPaper,
    Paper,
    SearchResults,
    Stats,
    Subscription,
    SubscriptionContent,
    Version,
    Why,
)
from paperfeed.serialize import (
    claim_json,
    comment_json,
    hf_daily_item,
    hf_paper,
    listed_json,
    paper_json,
    search_results_json,
    stats_json,
    subscription_json,
    why_json,
)

PAPER = Paper(
    arxiv_id="2611.00001",
    title="Surface codes <at> scale",
    abstract="We decode.",
    version=2,
    authors=(Author("Ada Lovelace", ("Analytical Engines Ltd",)), Author("Émile Zola")),
    categories=("quant-ph", "cs.LG"),
    published=datetime(2026, 11, 24, 9, 0),
    updated=datetime(2026, 11, 25, 10, 15, 30, 123456),
    versions=(
        Version(1, datetime(2026, 11, 24, 9, 0), "1.2 MB"),
        Version(2, None, None),
    ),
    comments="12 pages",
    journal_ref="Phys. Rev. X 1 (2026)",
    doi="10.1000/xyz",
    report_no="R-1",
    license="http://creativecommons.org/licenses/by/4.0/",
    submitter="Ada Lovelace",
    code_url="https://github.com/ada/codes",
    project_url="https://ada.example/codes",
    imported_upvotes=3,
)
BARE = Paper("hep-th/9901001", "Old style")
LISTED = ListedPaper(
    PAPER,
    date(2026, 11, 25),
    upvotes=12,
    num_comments=2,
    submitted_by="ada",
    submitted_by_name="Ada Lovelace",
    submitted_at=datetime(2026, 11, 25, 8, 1, 2),
    source="submission",
)
BARE_LISTED = ListedPaper(BARE, date(2026, 11, 25), upvotes=0, num_comments=0)
# How Hugging Face describes a user, as both `submittedBy` and `submittedOnDailyBy`.
SUBMITTER = {
    "avatarUrl": "/avatars/ada.svg",
    "fullname": "Ada Lovelace",
    "name": "ada",
    "user": "ada",
    "type": "user",
    "isPro": False,
}


def test_paper_json() -> None:
    assert paper_json(PAPER) == {
        "id": "2611.00001",
        "title": "Surface codes <at> scale",
        "abstract": "We decode.",
        "authors": [
            {"name": "Ada Lovelace", "affiliations": ["Analytical Engines Ltd"]},
            {"name": "Émile Zola", "affiliations": []},
        ],
        "categories": ["quant-ph", "cs.LG"],
        "published": "2026-11-24T09:00:00.000Z",
        "updated": "2026-11-25T10:15:30.123Z",
        "version": 2,
        "versions": [
            {"number": 1, "submitted": "2026-11-24T09:00:00.000Z", "size": "1.2 MB"},
            {"number": 2, "submitted": None, "size": None},
        ],
        "comments": "12 pages",
        "journal_ref": "Phys. Rev. X 1 (2026)",
        "doi": "10.1000/xyz",
        "license": "http://creativecommons.org/licenses/by/4.0/",
        "abs_url": "https://arxiv.org/abs/2611.00001",
        "pdf_url": "https://arxiv.org/pdf/2611.00001",
        "code_url": "https://github.com/ada/codes",
        "project_url": "https://ada.example/codes",
    }


def test_paper_json_of_what_a_source_did_not_say() -> None:
    assert paper_json(BARE) == {
        "id": "hep-th/9901001",
        "title": "Old style",
        "abstract": None,
        "authors": [],
        "categories": [],
        "published": None,
        "updated": None,
        "version": None,
        "versions": [],
        "comments": None,
        "journal_ref": None,
        "doi": None,
        "license": None,
        "abs_url": "https://arxiv.org/abs/hep-th/9901001",
        "pdf_url": "https://arxiv.org/pdf/hep-th/9901001",
        "code_url": None,
        "project_url": None,
    }
    assert paper_json(Paper("local-1", "Not on arXiv"))["abs_url"] is None


def test_times_are_written_the_same_the_second_time() -> None:
    """Formatted times are kept by value (serialize._iso): a time asked for again, or an
    equal one, gives the same text; an aware time is never mixed up with an equal one of
    another zone."""
    when = datetime(2026, 3, 2, 9, 30, 1, 250_000)
    first = paper_json(replace(BARE, published=when))["published"]
    assert first == "2026-03-02T09:30:01.250Z"
    assert (
        paper_json(replace(BARE, published=datetime(2026, 3, 2, 9, 30, 1, 250_000)))["published"]
        == first
    )
    utc = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    paris = datetime(2026, 3, 2, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    assert utc == paris
    published = [paper_json(replace(BARE, published=t))["published"] for t in (utc, paris)]
    assert published[0] != published[1]


def test_listed_json() -> None:
    assert listed_json(LISTED) == {
        "paper": paper_json(PAPER),
        "upvotes": 12,
        "num_comments": 2,
        "featured_on": "2026-11-25",
        "submitted_by": "ada",
        "source": "submission",
        "announced_as": None,
    }
    announced = ListedPaper(BARE, LISTED.day, upvotes=0, num_comments=0, kind="cross")
    assert listed_json(announced)["announced_as"] == "cross"
    unlisted = ListedPaper(BARE, None, upvotes=0, num_comments=0)
    assert listed_json(unlisted) == {
        "paper": paper_json(BARE),
        "upvotes": 0,
        "num_comments": 0,
        "featured_on": None,
        "submitted_by": None,
        "source": None,
        "announced_as": None,
    }


def test_why_json_rounds_only_when_asked() -> None:
    why = Why(
        terms=("surface", "code"),
        keyword_rank=1,
        semantic_rank=4,
        similarity=0.123456789,
        pinned="title",
        highlights=("Surface",),
    )
    assert why_json(why) == {
        "terms": ["surface", "code"],
        "keyword_rank": 1,
        "semantic_rank": 4,
        "similarity": 0.123456789,
        "pinned": "title",
    }
    assert why_json(why, digits=4)["similarity"] == 0.1235
    assert why_json(why, digits=0)["similarity"] == 0.0
    assert why_json(Why(), digits=4) == {
        "terms": [],
        "keyword_rank": None,
        "semantic_rank": None,
        "similarity": None,
        "pinned": None,
    }


def test_search_results_json() -> None:
    results = SearchResults(
        query="surface codes",
        mode="keyword",
        hits=[
            Hit(PAPER, 0.0327868852, Why(terms=("surface",), keyword_rank=1, similarity=0.87654)),
            Hit(BARE, 0.01, Why()),
        ],
        total=2,
        notice="semantic search is unavailable",
    )
    assert search_results_json(results) == {
        "query": "surface codes",
        "mode": "keyword",
        "total": 2,
        "notice": "semantic search is unavailable",
        "hits": [
            {
                "id": "2611.00001",
                "title": "Surface codes <at> scale",
                "authors": ["Ada Lovelace", "Émile Zola"],
                "published": "2026-11-24T09:00:00",
                "categories": ["quant-ph", "cs.LG"],
                "score": 0.032787,
                "why": {
                    "terms": ["surface"],
                    "keyword_rank": 1,
                    "semantic_rank": None,
                    "similarity": 0.8765,
                    "pinned": None,
                },
            },
            {
                "id": "hep-th/9901001",
                "title": "Old style",
                "authors": [],
                "published": None,
                "categories": [],
                "score": 0.01,
                "why": why_json(Why()),
            },
        ],
    }


def test_stats_json() -> None:
    stats = Stats(
        papers=10,
        versions=14,
        daily_entries=3,
        votes=7,
        announcements=2,
        deleted=1,
        first_published=datetime(1999, 1, 4, 23, 59),
        last_published=datetime(2026, 11, 25, 0, 1),
        first_daily=date(2024, 10, 25),
        last_daily=date(2026, 11, 25),
    )
    assert stats_json(stats) == {
        "papers": 10,
        "versions": 14,
        "daily_entries": 3,
        "votes": 7,
        "announcements": 2,
        "deleted": 1,
        "first_published": "1999-01-04",
        "last_published": "2026-11-25",
        "first_daily": "2024-10-25",
        "last_daily": "2026-11-25",
    }
    empty = Stats(0, 0, 0, 0, 0, 0, None, None, None, None)
    assert [k for k, v in stats_json(empty).items() if v is None] == [
        "first_published",
        "last_published",
        "first_daily",
        "last_daily",
    ]


def test_subscription_json() -> None:
    sub = Subscription(
        7,
        "ada@example.org",
        "paused",
        SubscriptionContent(
            period="weekly",
            send_hour=7,
            top_n=5,
            min_upvotes=2,
            queries=("surface codes",),
            categories=("quant-ph",),
            authors=("Émile Zola",),
        ),
        failures=3,
        paused_reason="550 no such user",
    )
    assert subscription_json(sub) == {
        "email": "ada@example.org",
        "status": "paused",
        "period": "weekly",
        "hour": 7,
        "top": 5,
        "min_upvotes": 2,
        "queries": ["surface codes"],
        "categories": ["quant-ph"],
        "authors": ["Émile Zola"],
        "paused_reason": "550 no such user",
    }


def test_comment_json() -> None:
    comment = Comment(
        id=5,
        arxiv_id="2611.00001",
        author="ada",
        author_id=1,
        parent_id=4,
        body="**Nice**",
        created_at=datetime(2026, 11, 25, 9, 30),
        edited_at=datetime(2026, 11, 25, 9, 45, 1, 999999),
    )
    assert comment_json(comment) == {
        "id": 5,
        "paper_id": "2611.00001",
        "author": "ada",
        "parent_id": 4,
        "body": "**Nice**",
        "created_at": "2026-11-25T09:30:00.000Z",
        "edited_at": "2026-11-25T09:45:01.999Z",
        "deleted": False,
    }


def test_claim_json_names_the_author_and_where_they_are_now() -> None:
    claim = AuthorClaim(
        "2611.00001", 1, "Émile Zola", 7, "emile", "verified", datetime(2026, 11, 25, 9, 30)
    )
    assert claim_json(claim) == {
        "paper_id": "2611.00001",
        "position": 1,
        "author": "Émile Zola",
        "stale": False,
        "member": "emile",
        "status": "verified",
        "created_at": "2026-11-25T09:30:00.000Z",
        "decided_at": None,
    }
    stale = claim_json(replace(claim, stale=True))
    assert (stale["position"], stale["author"], stale["stale"]) == (None, "Émile Zola", True)


def test_hf_paper_shows_a_claimed_author_where_they_are_now() -> None:
    """A claim made when Émile Zola was author 1 follows him to 2 in a later version, and
    marks no one once he is gone."""
    claim = AuthorClaim(
        "2611.00001", 1, "Émile Zola", 7, "emile", "verified", datetime(2026, 11, 25, 9, 30)
    )
    v3 = (PAPER.authors[0], Author("Xavier New"), PAPER.authors[1])  # type: ignore[index]
    authors = hf_paper(replace(LISTED, paper=replace(PAPER, authors=v3)), claims=[claim])["authors"]
    assert [a.get("user", {}).get("user") for a in authors] == [None, None, "emile"]
    assert authors[2]["name"] == "Émile Zola" and authors[2]["status"] == "claimed_verified"
    gone = replace(LISTED, paper=replace(PAPER, authors=v3[:2]))
    assert all("user" not in a for a in hf_paper(gone, claims=[claim])["authors"])


def test_hf_daily_item() -> None:
    assert hf_daily_item(LISTED) == {
        "paper": {
            "id": "2611.00001",
            "authors": [
                {"name": "Ada Lovelace", "hidden": False},
                {"name": "Émile Zola", "hidden": False},
            ],
            "publishedAt": "2026-11-24T09:00:00.000Z",
            "title": "Surface codes <at> scale",
            "summary": "We decode.",
            "upvotes": 12,
            "githubRepo": "https://github.com/ada/codes",
            "projectPage": "https://ada.example/codes",
            "submittedOnDailyAt": "2026-11-25T08:01:02.000Z",
            "submittedOnDailyBy": SUBMITTER,
        },
        "publishedAt": "2026-11-25T08:01:02.000Z",  # when it was submitted
        "title": "Surface codes <at> scale",
        "summary": "We decode.",
        "thumbnail": "",
        "numComments": 2,
        "isAuthorParticipating": False,
        "submittedBy": SUBMITTER,
    }


def test_hf_daily_item_of_an_imported_paper() -> None:
    assert hf_daily_item(BARE_LISTED) == {
        "paper": {
            "id": "hep-th/9901001",
            "authors": [],
            "publishedAt": None,
            "title": "Old style",
            "summary": "",
            "upvotes": 0,
            "submittedOnDailyAt": "2026-11-25T00:00:00.000Z",
        },
        "publishedAt": "2026-11-25T00:00:00.000Z",  # featured that day
        "title": "Old style",
        "summary": "",
        "thumbnail": "",
        "numComments": 0,
        "isAuthorParticipating": False,
    }
    unlisted = ListedPaper(BARE, None, upvotes=0, num_comments=0, submitted_by="bob")
    item = hf_daily_item(unlisted)
    assert item["publishedAt"] is None
    assert item["submittedBy"]["fullname"] == "bob"  # no full name: the user name
    assert hf_paper(unlisted)["submittedOnDailyBy"] == item["submittedBy"]
    assert "submittedOnDailyAt" not in hf_paper(unlisted)  # never on a daily list


def _names(items: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Field names by where they appear in daily_papers items."""
    names: dict[str, set[str]] = {"item": set(), "paper": set(), "author": set(), "user": set()}
    for item in items:
        names["item"] |= set(item)
        names["paper"] |= set(item["paper"])
        for author in item["paper"]["authors"]:
            names["author"] |= set(author)
        for user in (item.get("submittedBy"), item["paper"].get("submittedOnDailyBy")):
            names["user"] |= set(user or {})
    return names


def test_hf_field_names_are_the_ones_hugging_face_uses(data_dir: Path) -> None:
    recorded: list[dict[str, Any]] = []
    for path in sorted((data_dir / "hf").rglob("*.json")):
        recorded += json.loads(path.read_text())
    theirs = _names(recorded)
    ours = _names([hf_daily_item(LISTED), hf_daily_item(BARE_LISTED)])
    for where, fields in ours.items():
        assert fields <= theirs[where], f"{where}: {sorted(fields - theirs[where])}"
    # Every field an HF client is sure to find is there.
    assert ours["item"] >= {"paper", "publishedAt", "title", "numComments", "submittedBy"}
    assert ours["paper"] >= {"id", "authors", "publishedAt", "title", "summary", "upvotes"}


@pytest.mark.parametrize("listed", [LISTED, BARE_LISTED])
def test_our_hf_items_import_back(listed: ListedPaper) -> None:
    (record,) = parse_hf_daily(orjson.dumps([hf_daily_item(listed)]))
    assert isinstance(record, Record)
    p = listed.paper
    assert record.paper is not None and record.daily_entry is not None
    assert (record.paper.arxiv_id, record.paper.title, record.paper.published) == (
        p.arxiv_id,
        p.title,
        p.published,
    )
    assert [a.name for a in record.paper.authors or ()] == [a.name for a in p.authors or ()]
    assert (record.paper.code_url, record.paper.project_url) == (p.code_url, p.project_url)
    assert record.paper.imported_upvotes == listed.upvotes
    assert (record.daily_entry.day, record.daily_entry.submitted_by) == (
        listed.day,
        listed.submitted_by,
    )
    assert record.daily_entry.submitted_by_name == listed.submitted_by_name
