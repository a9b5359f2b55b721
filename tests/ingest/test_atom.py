"""The arXiv API's Atom responses parsed (pure): every recorded response, from the 2016 and the
2026 front-ends, agrees with its raw XML; error entries and non-Atom pages fail clearly."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest
from replay import API_RECORDINGS, recorded_body

from paperfeed.ingest.atom import NS, ArxivApiError, AtomPage, parse_atom
from paperfeed.ingest.records import Record
from paperfeed.models import Author, Paper, RecordError, Version

RECORDED = sorted(API_RECORDINGS.glob("*.json"))
RAW_2016 = sorted(API_RECORDINGS.glob("*.xml"))
# Every recording but the HTTP 400 error reply (test_error_entry_raises).
FEEDS = [p for p in RECORDED if not p.name.startswith("id_abc_")] + RAW_2016


def payload(name: str) -> bytes:
    """Bytes of a recording as arXiv sent them."""
    path = API_RECORDINGS / name
    if path.suffix == ".xml":
        return path.read_bytes()
    return recorded_body(path)[1]


def recording(prefix: str) -> str:
    (match,) = [p.name for p in RECORDED if p.name.startswith(prefix + "_")]
    return match


def papers(page: AtomPage) -> list[Paper]:
    assert not [i for i in page.items if isinstance(i, RecordError)]
    return [i.paper for i in page.items if isinstance(i, Record) and i.paper is not None]


@pytest.mark.parametrize("path", FEEDS, ids=lambda p: p.name)
def test_every_recorded_response_parses(path: Path) -> None:
    """Each entry becomes a paper whose fields agree with the raw XML, in both API eras."""
    body = payload(path.name)
    page = parse_atom(body)
    entries = ET.fromstring(body).findall("atom:entry", NS)
    parsed = papers(page)
    assert len(parsed) == len(entries)
    for paper, entry in zip(parsed, entries, strict=True):
        versioned = entry.findtext("atom:id", "", NS).rsplit("/abs/", 1)[1]
        assert versioned == f"{paper.arxiv_id}v{paper.version}"
        primary = entry.find("arxiv:primary_category", NS)
        assert primary is not None and paper.categories
        assert paper.primary_category == primary.get("term")  # primary category first
        assert set(paper.categories) == {c.get("term") for c in entry.findall("atom:category", NS)}
        assert [a.name for a in paper.authors or ()] == [
            " ".join(a.findtext("atom:name", "", NS).split())
            for a in entry.findall("atom:author", NS)
        ]
        # White space padding and hard line breaks (2016 front-end) are gone.
        assert paper.abstract and paper.abstract == " ".join(paper.abstract.split())
        assert paper.title == " ".join(paper.title.split())
        assert paper.versions[0].number == 1 and paper.versions[0].submitted == paper.published
        assert paper.versions[-1].number == paper.version
        assert paper.published is not None and paper.published.tzinfo is None


def test_all_recorded_entries_are_covered(data_dir: Path) -> None:
    """243 paper entries plus the one error entry (data/README.md says 244)."""
    assert data_dir / "arxiv" / "api-atom" == API_RECORDINGS
    assert len(RECORDED) == 20 and len(RAW_2016) == 4
    assert sum(len(papers(parse_atom(payload(p.name)))) for p in FEEDS) == 243


def test_error_entry_raises() -> None:
    status, body = recorded_body(API_RECORDINGS / recording("id_abc_s0_m100"))
    assert status == 400
    with pytest.raises(ArxivApiError, match=r"^arXiv API error: incorrect id format for abc$"):
        parse_atom(body)


def test_empty_result_yields_nothing() -> None:
    page = parse_atom(payload(recording("id_0000.0000_s0_m100")))
    assert page.items == [] and page.total == 0


def test_authors_with_affiliations_and_journal_ref() -> None:
    (paper,) = papers(parse_atom(payload(recording("id_astro-ph_0601001_s0_m100"))))
    assert paper.arxiv_id == "astro-ph/0601001" and paper.version == 1
    assert paper.authors == (
        Author("Andrew Gould", ("Ohio State",)),
        Author("Susan Dorsher", ("Ohio State",)),
        Author("B. Scott Gaudi", ("CfA",)),
        Author("Andrzej Udalski", ("Warsaw University Observatory",)),
    )
    assert paper.categories == ("astro-ph",)
    assert paper.journal_ref == "ActaAstron.56:1-50,2006"
    assert paper.versions == (Version(1, datetime(2006, 1, 2, 14, 57, 58)),)


def test_utf8_names_survive_the_recording() -> None:
    (paper,) = papers(parse_atom(payload(recording("id_1707.08567_s0_m100"))))
    names = [a.name for a in paper.authors or ()]
    assert len(names) == 34 and "Dirk Wübben" in names
    assert paper.categories == ("cs.IT",)


def test_versions_come_from_published_and_updated() -> None:
    page = parse_atom(payload(recording("q_testing_s0_m10")))
    by_id = {p.arxiv_id: p for p in papers(page)}
    paper = by_id["2005.14124"]
    assert paper.version == 2
    assert paper.versions == (
        Version(1, paper.published),
        Version(2, paper.updated),
    )
    assert paper.published and paper.updated and paper.published < paper.updated
    assert paper.categories == ("cs.SE", "cs.CR", "cs.LG")
    assert paper.doi == "10.1145/3395363.3397376"
    assert (page.total, page.start, page.per_page) == (214881, 0, 10)


def test_2016_front_end() -> None:
    (paper,) = papers(parse_atom(payload("2016_id_list_1111.2011v2.xml")))
    assert paper.arxiv_id == "1111.2011" and paper.version == 2
    assert paper.versions == (
        Version(1, datetime(2011, 11, 8, 18, 48, 36)),
        Version(2, datetime(2012, 4, 2, 12, 38, 54)),
    )
    assert paper.doi == "10.1103/PhysRevB.85.115117"
    assert paper.title == (
        "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    )


def test_not_an_atom_feed_is_a_parse_error() -> None:
    with pytest.raises(ET.ParseError, match="not an Atom feed"):
        parse_atom(b"<html><body>Retry after 10 seconds</body></html>")
