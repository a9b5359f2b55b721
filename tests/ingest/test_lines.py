"""JSON Lines parsed in worker processes: the same items, in the same order, with the same
positions as parsing in one process (papers worked out ahead included); a dead worker is a
clear failure."""

from __future__ import annotations

import gzip
import io
import pickle
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from parser_faults import die

from paperfeed.errors import SourceUnreadable
from paperfeed.ingest import lines
from paperfeed.ingest.generic import read_generic
from paperfeed.ingest.hf_daily import read_hf_daily
from paperfeed.ingest.kaggle import read_kaggle
from paperfeed.ingest.records import Item, Record
from paperfeed.models import Announcement, Deletion, RecordError
from paperfeed.store.papers import new_paper_rows

KAGGLE = "arxiv/kaggle-snapshot/arxiv-metadata-oai-snapshot.head.jsonl"
QUANT_PH = "arxiv/quant-ph/quantph_records.jsonl"


def _with_bad_lines(data_dir: Path) -> bytes:
    """The Kaggle head with broken, blank and non-object lines spread through it, and no
    line break after the last line."""
    good = (data_dir / KAGGLE).read_bytes().splitlines(keepends=True)
    out: list[bytes] = []
    for n, line in enumerate(good):
        out.append(line)
        if n % 37 == 5:
            out.append(b'{"id": "0704.0001", "title": "trunc\n')
        if n % 53 == 7:
            out.append(b"\n   \n")
        if n % 61 == 3:
            out.append(b"[1, 2]\n")
    return b"".join(out).rstrip(b"\n")


def _read(reader: Any, raw: bytes, workers: int) -> list[Item]:
    return list(reader(io.BufferedReader(io.BytesIO(raw)), "f.jsonl", workers=workers))


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of about ten Kaggle records, so that the head spans many of them."""
    monkeypatch.setattr(lines, "BLOCK_BYTES", 16_000)


@pytest.mark.usefixtures("small_blocks")
def test_workers_give_the_same_items_as_one_process(data_dir: Path) -> None:
    raw = _with_bad_lines(data_dir)
    alone = _read(read_kaggle, raw, workers=0)
    parallel = _read(read_kaggle, raw, workers=2)
    assert parallel == alone
    assert sum(isinstance(i, Record) for i in alone) == 200
    errors = [i for i in alone if isinstance(i, RecordError)]
    assert len(errors) == 10
    # Positions count every line, blank ones included.
    numbered = raw.split(b"\n")
    for error in errors:
        number = int(error.position.rsplit(":", 1)[1])
        assert numbered[number - 1].lstrip().startswith((b"[", b'{"id": "0704.0001", "title": "t'))


@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize("parse_here", [True, False])
def test_blocks_parsed_here_keep_their_place(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, parse_here: bool
) -> None:
    """The first blocks are parsed in this process (a worker takes far longer to start than
    reading one), and later ones whenever the next is not back from a worker, the rest in
    the workers: the same items in the same order either way."""
    raw = _with_bad_lines(data_dir)
    alone = _read(read_kaggle, raw, workers=0)
    monkeypatch.setattr(lines, "PARSE_HERE", parse_here)
    assert _read(read_kaggle, raw, workers=1) == alone


@pytest.mark.usefixtures("small_blocks")
def test_gzip_and_generic_records_in_workers(data_dir: Path) -> None:
    head = b"".join((data_dir / QUANT_PH).read_bytes().splitlines(keepends=True)[:300])
    alone = _read(read_generic, head, workers=0)
    assert _read(read_generic, gzip.compress(head), workers=1) == alone
    assert len(alone) == 300 and all(isinstance(i, Record) for i in alone)


def test_a_file_of_one_block_is_parsed_in_this_process(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pool(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a worker pool was started for one block")

    monkeypatch.setattr(lines, "ProcessPoolExecutor", no_pool)
    raw = (data_dir / KAGGLE).read_bytes()
    assert len(raw) < lines.BLOCK_BYTES
    assert len(_read(read_kaggle, raw, workers=4)) == 200
    assert _read(read_kaggle, b"", workers=4) == []


@pytest.mark.usefixtures("small_blocks")
def test_a_dead_worker_stops_the_import_with_a_clear_message(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `die` kills the process it runs in: hand every block to the worker, none to this one.
    monkeypatch.setattr(lines, "PARSE_HERE", False)
    raw = (data_dir / KAGGLE).read_bytes()
    stream = io.BufferedReader(io.BytesIO(raw))
    with pytest.raises(SourceUnreadable, match="parser process stopped unexpectedly"):
        list(lines.iter_json_lines(stream, die, "f.jsonl", workers=1))


def test_papers_survive_pickling_unchanged(data_dir: Path) -> None:
    with (data_dir / KAGGLE).open("rb") as fh:
        items = list(read_kaggle(fh, "head"))
    items.append(RecordError("head:201", "not valid JSON"))
    with (data_dir / "hf/daily_papers_2024-10-25.json").open("rb") as fh:
        items += read_hf_daily(fh, "hf")  # daily entries and upvotes
    today = date(2024, 10, 25)
    items += [Announcement("2410.00001", today, "cs.CL", "new"), Deletion("2410.00002")]
    assert pickle.loads(pickle.dumps(items)) == items


@pytest.mark.usefixtures("small_blocks")
def test_papers_worked_out_ahead_in_workers(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With RowsAhead every paper parsed in a worker comes as its rows, in its place, with
    its position; parsed again it is the paper one process makes. Other items are as ever."""
    monkeypatch.setattr(lines, "PARSE_HERE", False)
    raw = _with_bad_lines(data_dir)
    alone = _read(read_kaggle, raw, workers=0)
    ahead = lines.RowsAhead(new_paper_rows, "sqlite")
    stream = io.BufferedReader(io.BytesIO(raw))
    got = list(read_kaggle(stream, "f.jsonl", workers=1, ahead=ahead))
    assert len(got) == len(alone)
    worked_out = 0
    for mine, one in zip(got, alone, strict=True):
        if isinstance(mine, Record) and mine.ahead is not None:
            assert isinstance(one, Record) and one.paper is not None
            worked_out += 1
            assert mine.paper is None and mine.position == one.position
            assert mine.ahead.parse() == one.paper
            assert (mine.ahead.row, mine.ahead.versions) == new_paper_rows(one.paper, "sqlite")
        else:
            assert mine == one
    assert worked_out == 200


@pytest.mark.usefixtures("small_blocks")
def test_papers_come_whole_while_ahead_is_not_wanted(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lines, "PARSE_HERE", False)
    raw = _with_bad_lines(data_dir)
    ahead = lines.RowsAhead(new_paper_rows, "sqlite", wanted=False)
    stream = io.BufferedReader(io.BytesIO(raw))
    got = list(read_kaggle(stream, "f.jsonl", workers=1, ahead=ahead))
    assert got == _read(read_kaggle, raw, workers=0)
