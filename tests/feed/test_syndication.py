"""RSS 2.0 and Atom 1.0 (pure), read back with xml.etree and with feedparser: titles with `<`,
`&` and non-ASCII survive, RSS descriptions are HTML-escaped text that readers show as typed,
dates are UTC, every feed links to itself and to its page."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from datetime import datetime
from html import unescape

import feedparser
import pytest

from paperfeed.feed.syndication import ATOM_NS, DC_NS, FeedInfo, atom, rss
from paperfeed.models import Author, Paper

INFO = FeedInfo(
    title="Daily <papers> & more · Ünïcode",
    description="Papers featured on Wednesday, November 25, 2026",
    page_url="http://paperfeed.test/papers/date/2026-11-25",
    self_url="http://paperfeed.test/feeds/date/2026-11-25.atom?category=cs.LG&x=1",
    updated=datetime(2026, 11, 25, 18, 30),
)
PAPER_URL = "http://paperfeed.test/papers/{id}"
TRICKY = Paper(
    "2611.00001",
    "Bounds on <b>entropy</b> & Schrödinger\u2019s cats ]]> 量子",
    abstract="We show that a < b && c > d, for \u03c8 in L².",
    authors=(Author("Émile Zola"), Author("Ada Lovelace")),
    categories=("quant-ph", "cs.LG"),
    published=datetime(2026, 11, 24, 9, 0),
    updated=datetime(2026, 11, 25, 10, 15, 30),
)
OLD = Paper("hep-th/9901001", "Old style", published=datetime(1999, 1, 4))
UNDATED = Paper("2611.00002", "No dates")
PAPERS = [TRICKY, OLD, UNDATED]
A = f"{{{ATOM_NS}}}"
Render = Callable[[FeedInfo, Sequence[Paper], str], bytes]


def test_rss_parses_with_etree() -> None:
    data = rss(INFO, PAPERS, PAPER_URL)
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<rss version=\"2.0\"")
    channel = ET.fromstring(data).find("channel")
    assert channel is not None
    assert channel.findtext("title") == INFO.title
    assert channel.findtext("link") == INFO.page_url
    assert channel.findtext("description") == INFO.description
    assert channel.findtext("lastBuildDate") == "Wed, 25 Nov 2026 18:30:00 +0000"
    self_link = channel.find(f"{A}link")
    assert self_link is not None
    assert self_link.attrib == {
        "href": INFO.self_url,
        "rel": "self",
        "type": "application/rss+xml",
    }
    items = channel.findall("item")
    assert [
        (
            i.findtext("title"),
            i.findtext("link"),
            i.findtext("guid"),
            i.findtext("description"),
            [c.text for c in i.findall(f"{{{DC_NS}}}creator")],
            [c.text for c in i.findall("category")],
            i.findtext("pubDate"),
        )
        for i in items
    ] == [
        (
            TRICKY.title,
            "http://paperfeed.test/papers/2611.00001",
            "http://paperfeed.test/papers/2611.00001",
            "We show that a &lt; b &amp;&amp; c &gt; d, for \u03c8 in L².",  # HTML, as text
            ["Émile Zola", "Ada Lovelace"],
            ["quant-ph", "cs.LG"],
            "Wed, 25 Nov 2026 10:15:30 +0000",  # the last update
        ),
        (
            "Old style",
            "http://paperfeed.test/papers/hep-th/9901001",
            "http://paperfeed.test/papers/hep-th/9901001",
            "",
            [],
            [],
            "Mon, 04 Jan 1999 00:00:00 +0000",  # else the publication
        ),
        (
            "No dates",
            "http://paperfeed.test/papers/2611.00002",
            "http://paperfeed.test/papers/2611.00002",
            "",
            [],
            [],
            "Wed, 25 Nov 2026 18:30:00 +0000",  # else the feed's time
        ),
    ]
    assert items[0].find("guid").attrib == {"isPermaLink": "true"}  # type: ignore[union-attr]


def test_atom_parses_with_etree() -> None:
    data = atom(INFO, PAPERS, PAPER_URL)
    root = ET.fromstring(data)
    assert root.tag == f"{A}feed"
    assert root.findtext(f"{A}title") == INFO.title
    assert root.findtext(f"{A}subtitle") == INFO.description
    assert root.findtext(f"{A}id") == INFO.self_url
    assert root.findtext(f"{A}updated") == "2026-11-25T18:30:00+00:00"
    assert [link.attrib for link in root.findall(f"{A}link")] == [
        {"href": INFO.page_url, "rel": "alternate", "type": "text/html"},
        {"href": INFO.self_url, "rel": "self"},
    ]
    assert root.findtext(f"{A}author/{A}name") == "paperfeed"
    entries = root.findall(f"{A}entry")
    assert [
        (
            e.findtext(f"{A}title"),
            e.findtext(f"{A}id"),
            [link.attrib for link in e.findall(f"{A}link")],
            e.findtext(f"{A}updated"),
            e.findtext(f"{A}published"),
            [n.text for n in e.findall(f"{A}author/{A}name")],
            [c.attrib["term"] for c in e.findall(f"{A}category")],
            e.findtext(f"{A}summary"),
        )
        for e in entries
    ] == [
        (
            TRICKY.title,
            "http://paperfeed.test/papers/2611.00001",
            [{"href": "http://paperfeed.test/papers/2611.00001", "rel": "alternate"}],
            "2026-11-25T10:15:30+00:00",
            "2026-11-24T09:00:00+00:00",
            ["Émile Zola", "Ada Lovelace"],
            ["quant-ph", "cs.LG"],
            TRICKY.abstract,
        ),
        (
            "Old style",
            "http://paperfeed.test/papers/hep-th/9901001",
            [{"href": "http://paperfeed.test/papers/hep-th/9901001", "rel": "alternate"}],
            "1999-01-04T00:00:00+00:00",
            "1999-01-04T00:00:00+00:00",
            [],
            [],
            "",
        ),
        (
            "No dates",
            "http://paperfeed.test/papers/2611.00002",
            [{"href": "http://paperfeed.test/papers/2611.00002", "rel": "alternate"}],
            "2026-11-25T18:30:00+00:00",
            None,  # no <published> when the paper has no date
            [],
            [],
            "",
        ),
    ]


def test_the_xml_is_utf8_and_escapes_markup() -> None:
    for data in (rss(INFO, PAPERS, PAPER_URL), atom(INFO, PAPERS, PAPER_URL)):
        assert "Schrödinger\u2019s cats ]]&gt; 量子".encode() in data
        assert b"Bounds on &lt;b&gt;entropy&lt;/b&gt; &amp; " in data
        assert b"category=cs.LG&amp;x=1" in data
        assert b"<b>" not in data
    # An RSS description is HTML: escaped for HTML, then for XML.
    assert b"a &amp;lt; b &amp;amp;&amp;amp; c &amp;gt; d" in rss(INFO, PAPERS, PAPER_URL)
    assert b"a &lt; b &amp;&amp; c &gt; d" in atom(INFO, PAPERS, PAPER_URL)


@pytest.mark.parametrize(("make", "version"), [(rss, "rss20"), (atom, "atom10")])
def test_readers_show_descriptions_as_typed(make: Render, version: str) -> None:
    """What looks like markup in an abstract or a feed's description (a search query) is text:
    feedparser, like a reader, shows it as typed, without dropping or rendering any of it."""
    text = "x<y, <b>bold</b> & <script>alert(1)</script> a&amp;b \u03c8"
    info = FeedInfo(
        "t", f"Papers matching {text!r}", "http://p.test/", "http://p.test/f", INFO.updated
    )
    feed = feedparser.parse(make(info, [Paper("2611.00003", "t", abstract=text)], PAPER_URL))
    assert (feed.bozo, feed.version) == (False, version)
    summary, subtitle = feed.entries[0].summary_detail, feed.feed.subtitle_detail
    if version == "rss20":
        assert (summary.type, subtitle.type) == ("text/html", "text/html")
        assert unescape(summary.value) == text
        assert unescape(subtitle.value) == info.description
    else:
        assert (summary.value, subtitle.value) == (text, info.description)


@pytest.mark.parametrize(("make", "version"), [(rss, "rss20"), (atom, "atom10")])
def test_feedparser_reads_titles_dates_and_links(make: Render, version: str) -> None:
    feed = feedparser.parse(make(INFO, PAPERS, PAPER_URL))
    assert (feed.bozo, feed.version, feed.encoding) == (False, version, "utf-8")
    assert feed.feed.title == INFO.title
    assert feed.feed.link == INFO.page_url
    assert [link.href for link in feed.feed.links if link.rel == "self"] == [INFO.self_url]
    assert [e.title for e in feed.entries] == [TRICKY.title, "Old style", "No dates"]
    assert [e.link for e in feed.entries] == [
        "http://paperfeed.test/papers/2611.00001",
        "http://paperfeed.test/papers/hep-th/9901001",
        "http://paperfeed.test/papers/2611.00002",
    ]
    assert [e.id for e in feed.entries] == [e.link for e in feed.entries]
    assert unescape(feed.entries[0].summary) == TRICKY.abstract
    assert [t.term for t in feed.entries[0].tags] == ["quant-ph", "cs.LG"]
    assert [a.name for a in feed.entries[0].authors] == ["Émile Zola", "Ada Lovelace"]
    assert tuple(feed.feed.updated_parsed)[:6] == (2026, 11, 25, 18, 30, 0)


def test_feedparser_reads_entry_dates() -> None:
    entries = feedparser.parse(atom(INFO, PAPERS, PAPER_URL)).entries
    assert [tuple(e.updated_parsed)[:6] for e in entries] == [
        (2026, 11, 25, 10, 15, 30),
        (1999, 1, 4, 0, 0, 0),
        (2026, 11, 25, 18, 30, 0),
    ]
    assert tuple(entries[0].published_parsed)[:6] == (2026, 11, 24, 9, 0, 0)
    items = feedparser.parse(rss(INFO, PAPERS, PAPER_URL)).entries
    assert [tuple(e.published_parsed)[:6] for e in items] == [
        (2026, 11, 25, 10, 15, 30),
        (1999, 1, 4, 0, 0, 0),
        (2026, 11, 25, 18, 30, 0),
    ]


def test_an_empty_list_is_a_valid_feed() -> None:
    for make in (rss, atom):
        feed = feedparser.parse(make(INFO, [], PAPER_URL))
        assert (feed.bozo, feed.feed.title, feed.entries) == (False, INFO.title, [])
