"""The Kaggle arXiv snapshot parsed from the real payload in shared/data (pure)."""

import gzip
import io
from datetime import datetime
from pathlib import Path

from paperfeed.ingest.kaggle import read_kaggle
from paperfeed.ingest.records import Record
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
