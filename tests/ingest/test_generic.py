"""Generic JSON Lines parsed from the real payloads in shared/data (pure)."""

import io
import json
from datetime import datetime
from pathlib import Path

from paperfeed.ingest.generic import read_corpus, read_generic
from paperfeed.ingest.records import Record
from paperfeed.models import Author, RecordError


def records(items: object) -> list[Record]:
    return [i for i in items if isinstance(i, Record)]  # type: ignore[attr-defined]


def test_generic_quant_ph_sample(data_dir: Path) -> None:
    path = data_dir / "arxiv/quant-ph/quantph_records.jsonl"
    with path.open("rb") as fh:
        head = [next(fh) for _ in range(50)]
    items = list(read_generic(io.BufferedReader(io.BytesIO(b"".join(head))), "qp"))
    assert len(records(items)) == 50
    p = items[0].paper  # type: ignore[union-attr]
    assert p is not None and p.arxiv_id == "gr-qc/9210004"
    assert p.authors is None and p.categories is None
    assert p.published == datetime(1992, 10, 7)


def test_generic_accepts_eval_corpora(data_dir: Path) -> None:
    with (data_dir / "relevance/cacm/eval/corpus.jsonl").open("rb") as fh:
        items = list(read_generic(fh, "cacm"))
    good = records(items)
    assert len(good) == 3203
    assert good[0].paper is not None and good[0].paper.arxiv_id == "CACM-0001"
    assert not good[0].paper.is_arxiv and good[0].paper.abs_url is None
    errors = [i for i in items if isinstance(i, RecordError)]
    assert [e.position for e in errors] == ["cacm:3193"]


def test_generic_shapes() -> None:
    lines = [
        {
            "id": "2401.00001",
            "title": "A",
            "authors": "X. One and Y. Two",
            "categories": "cs.LG cs.AI",
            "date": "2024-01-02",
        },
        {
            "id": "2401.00002",
            "title": "B",
            "authors": [{"name": "Z", "affiliations": ["MIT"]}],
            "categories": ["cs.CL"],
        },
        {"id": "2401.00003", "title": "C", "date": "2024-13-45"},
        {"id": "2401.00004", "title": "D", "authors": 5},
    ]
    raw = "".join(json.dumps(x) + "\n" for x in lines).encode()
    items = list(read_generic(io.BufferedReader(io.BytesIO(raw)), "g"))
    a, b = items[0].paper, items[1].paper  # type: ignore[union-attr]
    assert a is not None and b is not None
    assert [x.name for x in a.authors or ()] == ["X. One", "Y. Two"]
    assert a.categories == ("cs.LG", "cs.AI") and a.published == datetime(2024, 1, 2)
    assert b.authors == (Author("Z", ("MIT",)),)
    assert isinstance(items[2], RecordError) and "invalid date" in items[2].message
    assert isinstance(items[3], RecordError) and "authors" in items[3].message


def test_corpus_reader_keeps_every_cacm_record(data_dir: Path) -> None:
    with (data_dir / "relevance/cacm/eval/corpus.jsonl").open("rb") as fh:
        items = list(read_corpus(fh, "cacm"))
    good = records(items)
    assert len(good) == len(items) == 3204
    assert not any(r.dropped for r in good)
    # The record the strict reader skips: an empty title, but an abstract to search.
    untitled = good[3192].paper
    assert untitled is not None and untitled.arxiv_id == "CACM-3193" and untitled.title == ""
    assert untitled.abstract and untitled.abstract.startswith("Work is in progress")


def test_corpus_reader_drops_unusable_optional_fields() -> None:
    lines = [
        {"id": "D1", "title": "A", "date": "spring 1979", "authors": 5, "categories": [1]},
        {"id": 42, "abstract": "Numeric ids, as in BEIR.", "date": "1979-05"},
        {"id": "D3", "title": ["not", "text"], "abstract": "Still searchable."},
        {"id": "D4", "title": " ", "abstract": ""},
        {"title": "No id"},
        {"id": "has space", "title": "B"},
    ]
    raw = "".join(json.dumps(x) + "\n" for x in lines).encode() + b"[1, 2]\n"
    items = list(read_corpus(io.BufferedReader(io.BytesIO(raw)), "c"))
    d1, d2, d3 = records(items)
    assert d1.dropped == ("authors", "categories", "date")
    assert d1.paper is not None and d1.paper.published is None and d1.paper.authors is None
    assert d2.dropped == () and d2.paper is not None and d2.paper.arxiv_id == "42"
    assert d2.paper.title == "" and d2.paper.published == datetime(1979, 5, 1)
    assert d3.dropped == ("title",)
    errors = [(e.position, e.record_id, e.message) for e in items if isinstance(e, RecordError)]
    assert errors[:2] == [
        ("c:4", "D4", "no title or abstract to search"),
        ("c:5", None, "missing id"),
    ]
    assert errors[2][:2] == ("c:6", "has space")
    assert errors[3] == ("c:7", None, "expected a JSON object, got list")
