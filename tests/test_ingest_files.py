"""File sources parsed from the real payloads in shared/data (pure)."""

import gzip
import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest

from paperfeed.errors import SourceUnreadable
from paperfeed.ingest.generic import read_generic
from paperfeed.ingest.hf_daily import read_hf_daily
from paperfeed.ingest.kaggle import read_kaggle
from paperfeed.ingest.records import Record, parse_datetime
from paperfeed.models import Author, RecordError


def kaggle_head(data_dir: Path) -> Path:
    return data_dir / "arxiv/kaggle-snapshot/arxiv-metadata-oai-snapshot.head.jsonl"


def records(items: object) -> list[Record]:
    return [i for i in items if isinstance(i, Record)]  # type: ignore[attr-defined]


def test_kaggle_head(data_dir: Path) -> None:
    with kaggle_head(data_dir).open("rb") as fh:
        items = list(read_kaggle(fh, "head"))
    assert len(items) == 200 and all(isinstance(i, Record) for i in items)
    first = items[0].paper  # type: ignore[union-attr]
    assert first is not None
    assert first.arxiv_id == "0704.0001" and first.version == 2
    assert first.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert "\n" not in (first.abstract or "") and not (first.abstract or "").startswith(" ")
    assert first.authors is not None and first.authors[0] == Author("C. Balázs")
    assert first.categories == ("hep-ph",)
    assert first.published == datetime(2007, 4, 2, 19, 18, 42)
    assert first.updated == datetime(2007, 7, 24, 20, 10, 27)
    assert [v.number for v in first.versions] == [1, 2]
    assert first.doi == "10.1103/PhysRevD.76.013009"
    assert first.journal_ref == "Phys.Rev.D76:013009,2007"
    assert first.report_no == "ANL-HEP-PR-07-12"
    assert first.submitter == "Pavel Nadolsky"
    assert first.abs_url == "https://arxiv.org/abs/0704.0001"
    assert first.pdf_url == "https://arxiv.org/pdf/0704.0001"


def test_kaggle_gzip_is_read_transparently(data_dir: Path) -> None:
    packed = io.BufferedReader(io.BytesIO(gzip.compress(kaggle_head(data_dir).read_bytes())))
    assert len(records(read_kaggle(packed, "head.gz"))) == 200


def test_bad_lines_are_reported_with_line_numbers_and_skipped(data_dir: Path) -> None:
    lines = kaggle_head(data_dir).read_bytes().splitlines(keepends=True)[:5]
    bad = [
        b'{"id": "0704.0001", "title": "trunc\n',
        b"[1, 2, 3]\n",
        b'{"id": "not-an-id", "title": "x"}\n',
        b'{"id": "0704.0009", "title": "   "}\n',
        b'{"id": "0704.0010", "title": "x", '
        b'"versions": [{"version": "v1", "created": "Mon, 99 Foo"}]}\n',
    ]
    stream = io.BufferedReader(io.BytesIO(b"".join([lines[0], *bad, *lines[1:]])))
    items = list(read_kaggle(stream, "f.jsonl"))
    errors = [i for i in items if isinstance(i, RecordError)]
    assert [e.position for e in errors] == [f"f.jsonl:{n}" for n in range(2, 7)]
    assert "not valid JSON" in errors[0].message
    assert "expected a JSON object" in errors[1].message
    assert "not an arXiv identifier" in errors[2].message
    assert "empty title" in errors[3].message
    assert "invalid date" in errors[4].message
    assert len(records(items)) == 5


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


def test_hf_daily(data_dir: Path) -> None:
    with (data_dir / "hf/daily_papers_2024-10-25.json").open("rb") as fh:
        items = records(read_hf_daily(fh, "hf"))
    assert len(items) == 29 and len({i.paper.arxiv_id for i in items if i.paper}) == 29
    first = items[0]
    assert first.paper is not None and first.daily_entry is not None
    assert first.paper.arxiv_id == "2410.17243" and first.paper.imported_upvotes == 64
    assert first.paper.version is None
    assert first.daily_entry.day == date(2024, 10, 25)
    assert first.daily_entry.submitted_by == "ClownRat"
    assert first.daily_entry.submitted_by_name == "Zesen Cheng"
    assert first.paper.authors is not None and first.paper.authors[0].name == "Zesen Cheng"


def test_hf_bad_items_are_skipped() -> None:
    payload = json.dumps(
        [
            {"paper": {"id": "x"}, "publishedAt": "2024-10-25T00:00:00Z"},
            "nope",
            {"paper": {"id": "2410.00001", "title": "ok"}, "publishedAt": "2024-10-25T00:00:00Z"},
        ]
    ).encode()
    items = list(read_hf_daily(io.BytesIO(payload), "hf"))
    assert [type(i).__name__ for i in items] == ["RecordError", "RecordError", "Record"]
    assert items[0].position == "hf[0]"  # type: ignore[union-attr]


def test_hf_unreadable() -> None:
    with pytest.raises(SourceUnreadable, match="not valid JSON"):
        list(read_hf_daily(io.BytesIO(b"{"), "hf"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-10-22", datetime(2024, 10, 22)),
        ("2024-10-22T17:59:30.000Z", datetime(2024, 10, 22, 17, 59, 30)),
        ("Mon, 2 Apr 2007 19:18:42 GMT", datetime(2007, 4, 2, 19, 18, 42)),
        ("Fri, 23 Feb 2024 00:00:00 -0500", datetime(2024, 2, 23, 5)),
        ("2024-10", datetime(2024, 10, 1)),
        ("1958", datetime(1958, 1, 1)),
        ("CACM December, 1958", datetime(1958, 12, 1)),
        ("CACM November,1960", datetime(1960, 11, 1)),
    ],
)
def test_parse_datetime(text: str, expected: datetime) -> None:
    assert parse_datetime(text) == expected
