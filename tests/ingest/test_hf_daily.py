"""Hugging Face's daily papers JSON parsed from the real payload in shared/data (pure)."""

import io
import json
from datetime import date
from pathlib import Path

import pytest

from paperfeed.errors import SourceUnreadable
from paperfeed.ingest.hf_daily import read_hf_daily
from paperfeed.ingest.records import Record


def records(items: object) -> list[Record]:
    return [i for i in items if isinstance(i, Record)]  # type: ignore[attr-defined]


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
