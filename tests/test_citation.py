"""Papers as BibTeX, RIS, CSL-JSON and COinS (pure), over the real Kaggle head: each format
read back by its own parser, with every author in order."""

from __future__ import annotations

import json
from datetime import datetime
from itertools import islice
from pathlib import Path
from urllib.parse import parse_qsl

import bibtexparser
import pytest
import rispy

from paperfeed.citation import bibtex, cite_key, coins, csl_json, ris, split_name
from paperfeed.ingest.kaggle import read_kaggle
from paperfeed.ingest.records import Record
from paperfeed.models import Author, Paper

KAGGLE = "arxiv/kaggle-snapshot/arxiv-metadata-oai-snapshot.head.jsonl"


def _kaggle(data_dir: Path) -> list[Paper]:
    with (data_dir / KAGGLE).open("rb") as fh:
        items = list(islice(read_kaggle(fh, KAGGLE), 200))
    return [i.paper for i in items if isinstance(i, Record) and i.paper is not None]


def test_bibtex_of_real_records_parses_with_every_author_in_order(data_dir: Path) -> None:
    papers = _kaggle(data_dir)
    parsed = bibtexparser.parse_string(bibtex(papers))
    assert not parsed.failed_blocks
    assert len(parsed.entries) == len(papers)
    assert len({e.key for e in parsed.entries}) == len(papers)
    for paper, entry in zip(papers, parsed.entries, strict=True):
        names = [a.name for a in paper.authors or ()]
        written = entry["author"].split(" and ") if names else []
        assert [n.strip("{}") for n in written] == names
        assert entry["eprint"] == paper.arxiv_id and entry["archivePrefix"] == "arXiv"
        assert entry["primaryClass"] == (paper.categories or ("",))[0]
        if paper.doi:
            assert entry["doi"] == paper.doi
    assert sum(bool(p.doi) for p in papers) > 10


def test_ris_and_csl_json_of_real_records(data_dir: Path) -> None:
    papers = _kaggle(data_dir)
    records = rispy.loads(ris(papers))
    items = json.loads(csl_json(papers))
    assert len(records) == len(items) == len(papers)
    for paper, record, item in zip(papers, records, items, strict=True):
        families = [split_name(a.name)[1] for a in paper.authors or ()]
        assert [a.split(", ")[0] for a in record.get("authors", [])] == families
        assert [a.get("family", a.get("literal")) for a in item.get("author", [])] == families
        assert record["urls"] == [f"https://arxiv.org/abs/{paper.arxiv_id}"]
        assert item["URL"] == f"https://arxiv.org/abs/{paper.arxiv_id}"


@pytest.mark.parametrize(
    ("name", "given", "family"),
    [
        ("Chengsong Huang", "Chengsong", "Huang"),
        ("Ludwig van Beethoven", "Ludwig", "van Beethoven"),
        ("Jan van der Berg", "Jan", "van der Berg"),
        ("Curie, Marie", "Marie", "Curie"),
        ("ATLAS Collaboration", "ATLAS", "Collaboration"),
        ("Plato", "", "Plato"),
    ],
)
def test_names_split_into_given_and_family(name: str, given: str, family: str) -> None:
    assert split_name(name) == (given, family)


def test_awkward_titles_and_names_still_parse() -> None:
    papers = [
        Paper(
            "2401.00001",
            "Unbalanced {brace and $x^2$ & 100% _ ~ # of it",
            authors=(Author("The ATLAS and CMS Collaborations"), Author("Doe, Jane")),
            published=datetime(2024, 1, 2),
        ),
        Paper("2401.00002", "Ünïcödé: Straße", authors=(Author("Zoë Ångström"),)),
        Paper("hep-th/9901001", "Old style", authors=()),
        Paper("2401.00003", "Same key", authors=(Author("Zoë Ångström"),)),
    ]
    parsed = bibtexparser.parse_string(bibtex(papers))
    assert not parsed.failed_blocks and len(parsed.entries) == 4
    first = parsed.entries[0]
    assert first["author"] == "{The ATLAS and CMS Collaborations} and {Doe, Jane}"
    assert "Unbalanced" in first["title"]
    assert cite_key(papers[1]) == "angstromunicode"
    assert len({e.key for e in parsed.entries}) == 4


def test_coins_names_the_paper_and_its_authors_in_order() -> None:
    paper = Paper(
        "2401.00001",
        "A & B",
        authors=(Author("Ann One"), Author("Bo Two")),
        doi="10.1/x",
        published=datetime(2024, 1, 2),
    )
    fields = parse_qsl(coins(paper))
    assert ("rft.atitle", "A & B") in fields
    assert [v for k, v in fields if k == "rft.au"] == ["Ann One", "Bo Two"]
    assert ("rft_id", "info:arxiv/2401.00001") in fields and ("rft_id", "info:doi/10.1/x") in fields
    assert ("rft.date", "2024-01-02") in fields
