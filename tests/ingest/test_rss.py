"""arXiv's announcement RSS (rss.arxiv.org, RSS 2.0): the parser on feeds assembled from real
records, then fetch_rss through a replay server into SQLite and PostgreSQL."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from replay import FIXTURES, TRUNCATED, FakeClock, ReplayServer, error
from store_rows import announcements_on

from paperfeed.categories import validate_categories
from paperfeed.errors import Invalid, Upstream
from paperfeed.ingest.http import PoliteClient
from paperfeed.ingest.records import Record
from paperfeed.ingest.rss import fetch_rss, parse_rss
from paperfeed.ingest.runner import run_import
from paperfeed.models import Announcement, Author, Batch, Paper, RecordError, Version
from paperfeed.store import Store

RSS = FIXTURES / "rss"
CS_SE = RSS / "assembled_rss2_cs.SE_2025-09-18.xml"
MATH_OC = RSS / "assembled_rss2_math.OC_from_spec_examples.xml"
DAY = date(2025, 9, 18)


def records(items: list[Record | RecordError]) -> list[Record]:
    return [i for i in items if isinstance(i, Record)]


# ------------------------------------------------------------------------- parsing (pure)


def test_announce_types_categories_and_days() -> None:
    items = parse_rss(CS_SE.read_bytes(), ["cs.SE"])
    assert len(items) == 5
    got = [
        (r.paper.arxiv_id, r.paper.version, r.paper.categories, r.announcement)
        for r in records(items)
        if r.paper
    ]
    assert got == [
        ("2509.05540", 1, ("cs.SE", "cs.AI"), Announcement("2509.05540", DAY, "cs.SE", "new")),
        ("2301.05651", 1, ("cs.LG", "cs.SE"), Announcement("2301.05651", DAY, "cs.SE", "cross")),
        ("2503.05378", 2, ("cs.SE",), Announcement("2503.05378", DAY, "cs.SE", "replace")),
        (
            "2108.07910",
            2,
            ("cs.RO", "cs.SE"),
            Announcement("2108.07910", DAY, "cs.SE", "replace-cross"),
        ),
    ]


def test_malformed_item_is_reported_with_its_position_and_the_rest_kept() -> None:
    items = parse_rss(CS_SE.read_bytes(), ["cs.SE"])
    errors = [i for i in items if isinstance(i, RecordError)]
    assert errors == [
        RecordError("RSS item 2", "description does not start with 'arXiv:ID Announce Type:'")
    ]
    assert [r.position for r in records(items)] == [f"RSS item {n}" for n in (1, 3, 4, 5)]


def test_authors_abstract_and_optional_fields() -> None:
    items = records(parse_rss(CS_SE.read_bytes(), ["cs.SE"]))
    by_id = {r.paper.arxiv_id: r.paper for r in items if r.paper is not None}
    new = by_id["2509.05540"]
    assert new.authors == (
        Author("Thiago Barradas"),
        Author("Aline Paes"),
        Author("Vânia de Oliveira Neves"),
    )
    assert new.title == "Combining TSL and LLM to Automate REST API Testing: A Comparative Study"
    assert new.abstract and new.abstract.startswith("The effective execution of tests for REST")
    assert "Announce Type" not in new.abstract
    assert new.journal_ref == "SBES 2025 39th Brazilian Symposium on Software Engineering"
    assert new.doi is None and new.license is None
    replaced = by_id["2108.07910"]
    assert replaced.doi == "10.1109/AITEST52744.2021.00031"
    assert replaced.journal_ref == (
        "2021 IEEE International Conference on Artificial Intelligence Testing (AITest)"
    )


def test_the_specification_example_item() -> None:
    """arXiv's own example: the item's pubDate, not the channel's, is its announcement day."""
    (item,) = parse_rss(MATH_OC.read_bytes(), ["math.OC"])
    assert isinstance(item, Record) and item.paper is not None
    paper = item.paper
    assert (paper.arxiv_id, paper.version) == ("2203.01250", 3)
    assert item.announcement == Announcement(
        "2203.01250", date(2024, 8, 23), "math.OC", "replace-cross"
    )
    assert paper.categories == ("math.AP", "math.OC")
    assert paper.authors == (Author("Antonin Monteil"), Author("Paul Pegon"))
    assert paper.license == "http://creativecommons.org/licenses/by/4.0/"
    assert paper.doi == "10.5802/jep.257"
    assert paper.journal_ref == (
        "Journal de l'\\'Ecole polytechnique - Math\\'ematiques, Tome 11 (2024), pp. 431-472"
    )
    assert paper.abstract and paper.abstract.startswith("We consider first order local")


def test_an_archive_feed_matches_its_categories() -> None:
    items = records(parse_rss(MATH_OC.read_bytes(), ["math"]))
    assert [r.announcement.category for r in items if r.announcement] == ["math.AP"]


def test_not_rss_is_a_parse_error() -> None:
    page = (FIXTURES / "oai" / "mikesaelim_error_badVerb.xml").read_bytes()
    with pytest.raises(ET.ParseError, match=r"not an RSS 2\.0 feed"):
        parse_rss(page, ["cs.SE"])


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["cs.SE"], ["cs.SE"]),
        (["cs.SE+math.OC"], ["cs.SE", "math.OC"]),
        (["cs.CV", "astro-ph.GA", "math"], ["cs.CV", "astro-ph.GA", "math"]),
    ],
)
def test_valid_categories(given: list[str], expected: list[str]) -> None:
    assert validate_categories(given) == expected


@pytest.mark.parametrize("bad", [["../etc"], ["cs.SE?x=1"], [""], ["CS"]])
def test_invalid_categories_are_refused(bad: list[str]) -> None:
    with pytest.raises(Invalid):
        validate_categories(bad)


# ------------------------------------------------------------------ through the replay server


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as s:
        s.add_file("/rss/cs.SE", {}, CS_SE, content_type="application/rss+xml")
        yield s


def survey_v1() -> Paper:
    """2503.05378 as it was before its v2: the title and v1 date of the recorded API entry."""
    return Paper(
        arxiv_id="2503.05378",
        title="A Survey on Web Testing: On the Rise of AI and Applications in Industry",
        version=1,
        categories=("cs.SE",),
        versions=(Version(1, datetime(2025, 3, 7, 12, 39, 59)),),
    )


@pytest.mark.network
def test_papers_and_announcements_into_the_store(
    store: Store, server: ReplayServer, client: PoliteClient
) -> None:
    store.papers.write(Batch(papers=[survey_v1()]))
    base = f"{server.url}/rss/"
    first = run_import(store, fetch_rss(client, base, ["cs.SE"]), "rss")
    assert [r.path for r in server.requests] == ["/rss/cs.SE"]
    assert (first.counts.new, first.counts.updated, first.counts.unchanged) == (3, 1, 0)
    assert first.skipped == 1 and first.errors[0].position == "RSS item 2"
    assert first.announcements == 4
    assert announcements_on(store, DAY) == [
        Announcement("2108.07910", DAY, "cs.SE", "replace-cross"),
        Announcement("2301.05651", DAY, "cs.SE", "cross"),
        Announcement("2503.05378", DAY, "cs.SE", "replace"),
        Announcement("2509.05540", DAY, "cs.SE", "new"),
    ]
    survey = store.papers.get("2503.05378")
    assert survey is not None and survey.version == 2  # the replacement updated it
    assert survey.abstract and survey.abstract.startswith("Web application testing")
    assert [v.number for v in survey.versions] == [1]  # RSS does not date versions
    assert "2412.16620" not in store.papers.ids()

    again = run_import(store, fetch_rss(client, base, ["cs.SE"]), "rss")
    assert (again.counts.new, again.counts.updated, again.counts.unchanged) == (0, 0, 4)
    assert again.announcements == 0 and again.skipped == 1
    assert len(announcements_on(store, DAY)) == 4


@pytest.mark.network
def test_a_truncated_feed_is_fetched_again(
    server: ReplayServer, client: PoliteClient, clock: FakeClock
) -> None:
    server.script(TRUNCATED, error(502))
    items = list(fetch_rss(client, f"{server.url}/rss", ["cs.SE"]))
    assert len(items) == 5
    assert [r.behaviour for r in server.requests] == ["truncated", "error", "serve"]


@pytest.mark.network
def test_an_unknown_feed_fails_at_once(server: ReplayServer, client: PoliteClient) -> None:
    with pytest.raises(Upstream, match=r"^arXiv has no announcement feed for cs\.XX$"):
        list(fetch_rss(client, f"{server.url}/rss/", ["cs.XX"]))
    assert len(server.requests) == 1
