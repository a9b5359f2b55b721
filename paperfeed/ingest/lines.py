"""Read JSON Lines files (plain or gzip) one record at a time, with line numbers."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from paperfeed.errors import Invalid, SourceUnreadable
from paperfeed.ingest.records import Item
from paperfeed.models import RecordError


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


def iter_json_lines(
    raw: IO[bytes], parse: Callable[[dict[str, Any], str], Item], name: str
) -> Iterator[Item]:
    """Decode each line as a JSON object and hand it to `parse`; bad lines become RecordErrors."""
    number = 0
    try:
        for number, line in enumerate(decompressed(raw), start=1):
            if not line.strip():
                continue
            position = f"{name}:{number}"
            try:
                data = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                yield RecordError(position, f"not valid JSON ({exc})")
                continue
            if not isinstance(data, dict):
                yield RecordError(position, f"expected a JSON object, got {type(data).__name__}")
                continue
            try:
                yield parse(data, position)
            except Invalid as exc:
                yield RecordError(position, str(exc))
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise SourceUnreadable(f"{name}: read failed after line {number}: {exc}") from None
