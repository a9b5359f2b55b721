"""Generic JSON Lines parsed from the real payloads in shared/data (pure)."""

import io
import json
from datetime import datetime
from pathlib import Path

from paperfeed.ingest.generic import read_generic
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
