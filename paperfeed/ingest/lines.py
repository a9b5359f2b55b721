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
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import fields
from itertools import starmap
from operator import attrgetter
from pathlib import Path
from typing import IO, Any

import orjson

from paperfeed.errors import Invalid, SourceUnreadable
from paperfeed.ingest.records import Item, Record
from paperfeed.ingest.runner import tune_gc_for_bulk_import
from paperfeed.models import Author, Paper, RecordError, Version

Parse = Callable[[dict[str, Any], str], Item]


# Bytes of whole lines a worker parses per task (about 700 Kaggle records): large enough that
# sending them and their papers between processes costs little, small enough that the
# first batch is written soon.
BLOCK_BYTES = 1 << 20
# The calling process parses a block itself rather than wait for the workers (see
# `_in_workers`). Tests turn it off to hand every block to the workers.
PARSE_HERE = True
# Blocks read ahead of the one the caller is at, in the workers and parsed here together.
MAX_AHEAD = 8


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


def parse_block(parse: Parse, name: str, first: int, block: bytes) -> list[Item]:
    """Items of a block of whole lines, the first of them numbered `first`; blank lines give
    none. Lines end at "\\n" only, as when iterating over the file."""
    lines = block.split(b"\n")
    if lines[-1] == b"":
        lines.pop()  # the block ends with a line break
    return [
        parse_line(line, f"{name}:{number}", parse)
        for number, line in enumerate(lines, start=first)
        if line.strip()
    ]


def iter_json_lines(raw: IO[bytes], parse: Parse, name: str, *, workers: int = 0) -> Iterator[Item]:
    """Decode each line as a JSON object and hand it to `parse`; bad lines become RecordErrors.

    With `workers` > 0, that many parser processes are started once the file turns out to
    hold more than one block. They are started with spawn, which imports the program's main
    module again: a script that passes workers needs an `if __name__ == "__main__":` guard."""
    blocks = _blocks(decompressed(raw), name)
    first = next(blocks, None)
    if first is None:
        return
    second = next(blocks, None)
    if second is None or workers < 1:
        for start, block in (first,) if second is None else _chain(first, second, blocks):
            yield from parse_block(parse, name, start, block)
        return
    yield from _in_workers(_chain(first, second, blocks), parse, name, workers)


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
    blocks: Iterable[tuple[int, bytes]], parse: Parse, name: str, workers: int
) -> Iterator[Item]:
    """Parse blocks in `workers` processes, a few blocks ahead of the caller, in file order.
    Memory stays flat: at most two blocks per worker are in flight, and MAX_AHEAD in all.

    Rather than wait for a worker, this process parses the next block itself (unless
    PARSE_HERE is off): while the workers start (each imports the program's main module
    again, a quarter of a second or more), and whenever the block it needs next is not ready
    (a lone worker falls behind the writer wherever parsing costs more than writing)."""
    # spawn, not fork: the caller may hold threads (a progress bar) and database connections.
    pool = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker
    )
    started = pool.submit(os.getpid)
    # In file order: blocks in a worker, and blocks parsed here.
    pending: deque[Future[list[Packed]] | list[Item]] = deque()
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
                pending.append(pool.submit(parse_block_packed, parse, name, *block))
                in_workers += 1
            if not pending:
                parse_next_here()  # the workers are still starting
                continue
            head = pending[0]
            if isinstance(head, list):
                pending.popleft()
                yield from head
            elif head.done() or not (PARSE_HERE and more) or len(pending) >= MAX_AHEAD:
                pending.popleft()
                in_workers -= 1
                yield from _result(head)
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
Packed = tuple[str, list[Any]] | Item


def _pack(item: Item) -> Packed:
    if (
        type(item) is not Record
        or item.paper is None
        or item.daily_entry is not None
        or item.announcement is not None
        or item.deletion is not None
        or item.hf is not None
        or item.dropped
    ):
        return item
    values = list(_PAPER_FIELDS(item.paper))
    authors = values[_AUTHORS]
    if authors is not None:
        values[_AUTHORS] = [(a.name, a.affiliations) for a in authors]
    values[_VERSIONS] = [(v.number, v.submitted, v.size) for v in values[_VERSIONS]]
    return item.position, values


def _unpack(packed: Packed) -> Item:
    if type(packed) is not tuple:
        return packed  # type: ignore[return-value]
    position, values = packed
    # starmap: 0.59 us an author against 0.84 for `Author(*a)` in a comprehension.
    authors = values[_AUTHORS]
    if authors is not None:
        values[_AUTHORS] = tuple(starmap(Author, authors))
    values[_VERSIONS] = tuple(starmap(Version, values[_VERSIONS]))
    return Record(position, Paper(*values))


def parse_block_packed(parse: Parse, name: str, first: int, block: bytes) -> list[Packed]:
    """`parse_block` in a worker, its items packed for the way back (`_unpack`)."""
    return [_pack(item) for item in parse_block(parse, name, first, block)]


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


def _result(future: Future[list[Packed]]) -> list[Item]:
    try:
        return [_unpack(packed) for packed in future.result()]
    except BrokenProcessPool:
        raise SourceUnreadable(_WORKER_DIED) from None
