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


def open_text(path: Path) -> IO[bytes]:
    """Open a file for reading, transparently un-gzipping; raise SourceUnreadable with why."""
    try:
        fh: IO[bytes] = path.open("rb")
    except OSError as exc:
        raise SourceUnreadable(f"cannot read {path}: {exc.strerror}") from None
    magic = fh.read(2)
    fh.seek(0)
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=fh, mode="rb")  # type: ignore[return-value]
    return fh


def iter_json_lines(
    fh: IO[bytes], parse: Callable[[dict[str, Any], str], Item], name: str
) -> Iterator[Item]:
    """Decode each line as a JSON object and hand it to `parse`; bad lines become RecordErrors."""
    number = 0
    try:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            position = f"{name}:{number}"
            try:
                data = orjson.loads(raw)
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
