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
from pathlib import Path
from typing import IO, Any

import orjson

from paperfeed.errors import Invalid, SourceUnreadable
from paperfeed.ingest.records import Item
from paperfeed.models import RecordError

Parse = Callable[[dict[str, Any], str], Item]


# Bytes of whole lines a worker parses per task (about 700 Kaggle records): large enough that
# sending them and their papers between processes costs little, small enough that the
# first batch is written soon.
BLOCK_BYTES = 1 << 20


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
    Memory stays flat: at most two blocks per worker are in flight."""
    # spawn, not fork: the caller may hold threads (a progress bar) and database connections.
    pool = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=_exit_with_parent
    )
    pending: deque[Future[list[Item]]] = deque()
    try:
        for start, block in blocks:
            pending.append(pool.submit(parse_block, parse, name, start, block))
            if len(pending) > 2 * workers:
                yield from _result(pending.popleft())
        while pending:
            yield from _result(pending.popleft())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


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


def _result(future: Future[list[Item]]) -> list[Item]:
    try:
        return future.result()
    except BrokenProcessPool:
        raise SourceUnreadable(
            "a parser process stopped unexpectedly; nothing after the last written batch "
            "was imported (set PAPERFEED_PARSE_WORKERS=0 to parse in one process)"
        ) from None
