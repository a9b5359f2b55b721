"""Read JSON Lines files (plain or gzip) one record at a time, with line numbers.

A big file is parsed in worker processes while the caller writes what they parsed: validating
and normalising a Kaggle record costs about as much as storing it, and the two then run on
two cores. Items come out in file order either way, with the same positions.
"""

from __future__ import annotations

import gzip
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, fields
from functools import partial
from itertools import starmap
from operator import attrgetter
from pathlib import Path
from typing import IO, Any

import orjson

from paperfeed.errors import Invalid, SourceUnreadable
from paperfeed.ingest.records import Item, Record
from paperfeed.ingest.runner import tune_gc_for_bulk_import
from paperfeed.models import Author, Paper, PaperAhead, RecordError, Version

Parse = Callable[[dict[str, Any], str], Item]
# A paper's rows as the store would write them were it new, for a dialect
# (`store.papers.new_paper_rows`).
NewRows = Callable[[Paper, str], tuple[tuple[Any, ...], tuple[tuple[Any, ...], ...]]]


# Bytes of whole lines a worker parses per task (about 700 Kaggle records): large enough that
# sending them and their papers between processes costs little, small enough that the
# first batch is written soon.
BLOCK_BYTES = 1 << 20
# The calling process parses a block itself rather than wait for the workers (see
# `_in_workers`). Tests turn it off to hand every block to the workers.
PARSE_HERE = True
# Blocks read ahead of the one the caller is at, in the workers and parsed here together.
MAX_AHEAD = 8
# How long the calling process waits for the block it needs next before it parses one
# itself. Papers worked out ahead (`RowsAhead`) cost the writer a quarter of what a block
# parsed here does, so a worker a few milliseconds late is worth waiting for. 200,000
# records into SQLite, 0 / 2 / 5 / 20 ms, two runs each: generic 5.48-5.57 / 5.13-5.35 /
# 4.78-4.96 / 4.78-4.95 s; Kaggle 9.57-9.69 / - / 9.16-9.24 / 9.64-9.66 s.
PATIENCE_S = 0.005


@dataclass(slots=True)
class RowsAhead:
    """Has the parser processes send each paper as the rows the store would write it as
    (`PaperAhead`, worked out with `rows` for `dialect`) instead of the paper itself. In the
    writing process that leaves a look-up of the id and the write: merging, converting and
    unpickling the paper were a third of its time in a first import.

    A paper the store already has must be parsed again there to merge, so the writer turns
    `wanted` off while its batches are mostly such papers (a re-run). `run_import` sets both
    fields: the store's dialect before it reads the first item (rows for another dialect
    would be parsed again, never written as they are)."""

    rows: NewRows
    dialect: str = ""
    wanted: bool = True


def open_source(path: Path) -> IO[bytes]:
    """Open an input file as raw bytes; raise SourceUnreadable saying why it cannot be read.
    Callers may watch `tell()` on it for progress (compressed position for .gz files)."""
    if path.is_dir():
        raise SourceUnreadable(f"cannot read {path}: it is a directory")
    try:
        return path.open("rb")
    except OSError as exc:
        raise SourceUnreadable(f"cannot read {path}: {exc.strerror}") from None


def decompressed(raw: IO[bytes]) -> IO[bytes]:
    """The stream itself, or a gzip reader over it when it starts with the gzip magic."""
    magic = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def parse_line(line: bytes, position: str, parse: Parse) -> Item:
    """One line's item: what `parse` makes of its JSON object, or a RecordError saying why not."""
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return RecordError(position, f"not valid JSON ({exc})")
    if not isinstance(data, dict):
        return RecordError(position, f"expected a JSON object, got {type(data).__name__}")
    try:
        return parse(data, position)
    except Invalid as exc:
        return RecordError(position, str(exc))


def _lines(block: bytes) -> list[bytes]:
    """The lines of a block of whole lines. They end at "\\n" only, as when iterating over
    the file."""
    lines = block.split(b"\n")
    if lines[-1] == b"":
        lines.pop()  # the block ends with a line break
    return lines


def parse_block(parse: Parse, name: str, first: int, block: bytes) -> list[Item]:
    """Items of a block of whole lines, the first of them numbered `first`; blank lines give
    none."""
    return [
        parse_line(line, f"{name}:{number}", parse)
        for number, line in enumerate(_lines(block), start=first)
        if line.strip()
    ]


def iter_json_lines(
    raw: IO[bytes],
    parse: Parse,
    name: str,
    *,
    workers: int = 0,
    ahead: RowsAhead | None = None,
) -> Iterator[Item]:
    """Decode each line as a JSON object and hand it to `parse`; bad lines become RecordErrors.

    With `workers` > 0, that many parser processes are started once the file turns out to
    hold more than one block. They are started with spawn, which imports the program's main
    module again: a script that passes workers needs an `if __name__ == "__main__":` guard.
    With `ahead`, a record that is just a paper and was parsed in a worker while
    `ahead.wanted` comes as `Record.ahead` instead of `Record.paper`."""
    blocks = _blocks(decompressed(raw), name)
    first = next(blocks, None)
    if first is None:
        return
    second = next(blocks, None)
    if second is None or workers < 1:
        for start, block in (first,) if second is None else _chain(first, second, blocks):
            yield from parse_block(parse, name, start, block)
        return
    yield from _in_workers(_chain(first, second, blocks), parse, name, workers, ahead)


def _blocks(stream: IO[bytes], name: str) -> Iterator[tuple[int, bytes]]:
    """(number of the first line, whole lines) of about BLOCK_BYTES each. The lines are not
    split here: counting line breaks is all the reading process does per line."""
    number = 1
    try:
        while True:
            block = stream.read(BLOCK_BYTES)
            if not block:
                return
            if not block.endswith(b"\n"):
                block += stream.readline()
            yield number, block
            number += block.count(b"\n")
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise SourceUnreadable(f"{name}: read failed after line {number - 1}: {exc}") from None


def _chain(
    first: tuple[int, bytes], second: tuple[int, bytes], rest: Iterable[tuple[int, bytes]]
) -> Iterator[tuple[int, bytes]]:
    yield first
    yield second
    yield from rest


def _in_workers(
    blocks: Iterable[tuple[int, bytes]],
    parse: Parse,
    name: str,
    workers: int,
    ahead: RowsAhead | None,
) -> Iterator[Item]:
    """Parse blocks in `workers` processes, a few blocks ahead of the caller, in file order.
    Memory stays flat: at most two blocks per worker are in flight, and MAX_AHEAD in all.

    Rather than wait for a worker, this process parses the next block itself (unless
    PARSE_HERE is off): while the workers start (each imports the program's main module
    again, a quarter of a second or more), and whenever the block it needs next is not ready
    within PATIENCE_S (a lone worker falls behind the writer wherever parsing costs more
    than writing)."""
    # spawn, not fork: the caller may hold threads (a progress bar) and database connections.
    pool = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker
    )
    started = pool.submit(os.getpid)
    # In file order: blocks in a worker (with the block), and blocks parsed here.
    pending: deque[tuple[Future[list[Packed]], tuple[int, bytes]] | list[Item]] = deque()
    in_workers = 0
    source = iter(blocks)
    more = True

    def parse_next_here() -> None:
        nonlocal more
        block = next(source, None)
        if block is None:
            more = False
        else:
            pending.append(parse_block(parse, name, *block))

    try:
        while more or pending:
            while more and in_workers < 2 * workers and (started.done() or not PARSE_HERE):
                block = next(source, None)
                if block is None:
                    more = False
                    break
                rows = ahead.rows if ahead is not None and ahead.wanted else None
                dialect = ahead.dialect if ahead is not None else ""
                task = pool.submit(parse_block_packed, parse, name, *block, rows, dialect)
                pending.append((task, block))
                in_workers += 1
            if not pending:
                parse_next_here()  # the workers are still starting
                continue
            head = pending[0]
            if isinstance(head, list):
                pending.popleft()
                yield from head
            elif (
                head[0].done()
                or not (PARSE_HERE and more)
                or len(pending) >= MAX_AHEAD
                or wait([head[0]], timeout=PATIENCE_S).done
            ):
                pending.popleft()
                in_workers -= 1
                yield from _result(*head, parse, name, ahead)
            else:
                parse_next_here()
    except BrokenProcessPool:
        raise SourceUnreadable(_WORKER_DIED) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# A record that is just a paper (what the file readers make) travels from a worker as plain
# tuples: pickling one through its dataclasses' __reduce__ (a Python call per paper, author
# and version) cost 10 us per generic record to dump and 5 us to load, in the writing process,
# against 5 and 2.4 packed.
_PAPER_NAMES = [f.name for f in fields(Paper)]
_PAPER_FIELDS = attrgetter(*_PAPER_NAMES)
_AUTHORS = _PAPER_NAMES.index("authors")
_VERSIONS = _PAPER_NAMES.index("versions")
# A paper worked out ahead travels as (line number, its start and end in the block, row,
# version rows): the writing process keeps the block to parse the line again if need be.
Packed = (
    tuple[str, list[Any]]
    | tuple[int, int, int, tuple[Any, ...], tuple[tuple[Any, ...], ...]]
    | Item
)


def _only_paper(item: Item) -> Paper | None:
    """The paper of a record that is that paper and nothing else; None for any other item."""
    if (
        type(item) is not Record
        or item.daily_entry is not None
        or item.announcement is not None
        or item.deletion is not None
        or item.hf is not None
        or item.dropped
        or item.ahead is not None
    ):
        return None
    return item.paper


def _pack(item: Item) -> Packed:
    paper = _only_paper(item)
    if paper is None:
        return item
    values = list(_PAPER_FIELDS(paper))
    authors = values[_AUTHORS]
    if authors is not None:
        values[_AUTHORS] = [(a.name, a.affiliations) for a in authors]
    values[_VERSIONS] = [(v.number, v.submitted, v.size) for v in values[_VERSIONS]]
    return item.position, values


def _unpack(packed: Packed) -> Item:
    if type(packed) is not tuple:
        return packed  # type: ignore[return-value]
    position, values = packed  # type: ignore[misc]
    # starmap: 0.59 us an author against 0.84 for `Author(*a)` in a comprehension.
    authors = values[_AUTHORS]
    if authors is not None:
        values[_AUTHORS] = tuple(starmap(Author, authors))
    values[_VERSIONS] = tuple(starmap(Version, values[_VERSIONS]))
    return Record(position, Paper(*values))


def parse_block_packed(
    parse: Parse,
    name: str,
    first: int,
    block: bytes,
    rows: NewRows | None = None,
    dialect: str = "",
) -> list[Packed]:
    """`parse_block` in a worker, its items packed for the way back (`_result`): with
    `rows`, a paper as its rows for `dialect` and where its line is in the block."""
    if rows is None:
        return [_pack(item) for item in parse_block(parse, name, first, block)]
    out: list[Packed] = []
    start = 0
    for number, line in enumerate(_lines(block), start=first):
        end = start + len(line)
        if line.strip():
            item = parse_line(line, f"{name}:{number}", parse)
            paper = _only_paper(item)
            if paper is not None:
                row, versions = rows(paper, dialect)
                out.append((number, start, end, row, versions))
            else:
                out.append(item)
        start = end + 1
    return out


def _parse_again(parse: Parse, name: str, number: int, block: bytes, start: int, end: int) -> Paper:
    """The paper of a line a worker parsed (`PaperAhead.parse`)."""
    item = parse_line(block[start:end], f"{name}:{number}", parse)
    if not isinstance(item, Record) or item.paper is None:
        raise RuntimeError(f"{name}:{number} parsed differently the second time")
    return item.paper


def _start_worker() -> None:
    """In a worker, before its first block: exit with the importing process, and tune the
    garbage collector as the writing process does (`runner.bulk_import_gc`). A worker does
    nothing but parse, and with the default thresholds the collector kept re-scanning what
    it imported: parsing, packing and pickling a Kaggle record took 98-106 us of CPU against
    69-84 (50,000 records, three runs each on a busy 2-core machine)."""
    _exit_with_parent()
    tune_gc_for_bulk_import()


def _exit_with_parent() -> None:
    """In a worker: exit as soon as the importing process is gone, even if it was killed
    (it cannot say so then, and the worker would wait for work forever)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


_WORKER_DIED = (
    "a parser process stopped unexpectedly; nothing after the last written batch was imported "
    "(set PAPERFEED_PARSE_WORKERS=0 to parse in one process)"
)


def _result(
    future: Future[list[Packed]],
    block: tuple[int, bytes],
    parse: Parse,
    name: str,
    ahead: RowsAhead | None,
) -> list[Item]:
    try:
        packed = future.result()
    except BrokenProcessPool:
        raise SourceUnreadable(_WORKER_DIED) from None
    data = block[1]
    dialect = ahead.dialect if ahead is not None else ""
    out: list[Item] = []
    for p in packed:
        if type(p) is tuple and len(p) == 5:
            number, start, end, row, versions = p
            again = partial(_parse_again, parse, name, number, data, start, end)
            position = f"{name}:{number}"
            out.append(Record(position, ahead=PaperAhead(row[0], dialect, row, versions, again)))
        else:
            out.append(_unpack(p))
    return out
