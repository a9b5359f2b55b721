"""Where thumbnails live, and the only code that touches those files:
`<data_dir>/thumbnails/<id>.webp`, written atomically (a temporary file in the same folder,
renamed), and `<data_dir>/thumbnails/failed/<id>.json` for a paper whose thumbnail could not be
made (how many attempts, the last one's time and error), so the job does not fetch it again
every run. An id becomes a file name with its `/` (old-style ids: `math/0501001`) escaped."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

SUFFIX = ".webp"
MEDIA_TYPE = "image/webp"
_TEMP = ".tmp"


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """A stored thumbnail, with an ETag from its bytes (the same on every node that made the
    same image)."""

    data: bytes
    media_type: str
    etag: str


@dataclass(frozen=True, slots=True)
class Failure:
    """Attempts to make a paper's thumbnail that failed, the last one at `last`."""

    attempts: int
    last: datetime
    error: str


class ThumbnailFiles:
    """The thumbnails under one directory (created when the first one is written)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._failed = directory / "failed"

    @classmethod
    def under(cls, data_dir: Path) -> ThumbnailFiles:
        """The thumbnails of the site whose data directory is `data_dir`."""
        return cls(data_dir / "thumbnails")

    def _path(self, arxiv_id: str, folder: Path, suffix: str) -> Path:
        return folder / (quote(arxiv_id, safe="") + suffix)

    def has(self, arxiv_id: str) -> bool:
        return self._path(arxiv_id, self.directory, SUFFIX).is_file()

    def read(self, arxiv_id: str) -> Thumbnail | None:
        try:
            data = self._path(arxiv_id, self.directory, SUFFIX).read_bytes()
        except FileNotFoundError:
            return None
        etag = '"' + hashlib.blake2b(data, digest_size=16).hexdigest() + '"'
        return Thumbnail(data, MEDIA_TYPE, etag)

    def save(self, arxiv_id: str, image: bytes) -> None:
        """Store a paper's thumbnail, whole or not at all, and forget its failures."""
        _write_atomically(self._path(arxiv_id, self.directory, SUFFIX), image)
        self._path(arxiv_id, self._failed, ".json").unlink(missing_ok=True)

    def failure(self, arxiv_id: str) -> Failure | None:
        """The failed attempts on record for a paper; None when there are none (or the
        record cannot be read: then the paper is simply tried again)."""
        try:
            data = json.loads(self._path(arxiv_id, self._failed, ".json").read_text())
            return Failure(
                int(data["attempts"]), datetime.fromisoformat(data["last"]), data["error"]
            )
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None

    def record_failure(self, arxiv_id: str, when: datetime, error: str) -> Failure:
        """Count one more failed attempt for a paper."""
        before = self.failure(arxiv_id)
        failure = Failure((before.attempts if before else 0) + 1, when, error)
        record = {"attempts": failure.attempts, "last": when.isoformat(), "error": error}
        _write_atomically(
            self._path(arxiv_id, self._failed, ".json"), json.dumps(record).encode("utf-8")
        )
        return failure

    def sweep(self, older_than_seconds: float = 3600.0) -> int:
        """Remove temporary files a killed run left behind (none younger than the given age:
        another process may be writing it now); how many went."""
        cutoff = time.time() - older_than_seconds
        removed = 0
        for folder in (self.directory, self._failed):
            for temp in folder.glob(f".*{_TEMP}"):
                try:
                    if temp.stat().st_mtime < cutoff:
                        temp.unlink()
                        removed += 1
                except FileNotFoundError:  # another sweep took it
                    continue
        return removed


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=_TEMP, dir=path.parent)
    temp = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            # Renamed before its bytes reach the disk, a crash could leave an empty image that
            # would be served from then on.
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
