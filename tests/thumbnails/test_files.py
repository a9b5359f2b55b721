"""Thumbnail files: one per paper under the data directory (old-style ids included), written
whole or not at all, failures remembered, leftovers of killed runs swept."""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path

import pytest

from paperfeed.thumbnails.files import Failure, ThumbnailFiles

WHEN = datetime(2024, 10, 25, 18, 0)


@pytest.fixture
def files(tmp_path: Path) -> ThumbnailFiles:
    return ThumbnailFiles.under(tmp_path / "data")


def test_under_the_data_directory(tmp_path: Path) -> None:
    assert ThumbnailFiles.under(tmp_path).directory == tmp_path / "thumbnails"


@pytest.mark.parametrize("arxiv_id", ["2410.17243", "math/0501001", "hep-th/9901001", "CACM-0001"])
def test_saved_and_read_back(files: ThumbnailFiles, arxiv_id: str) -> None:
    assert files.read(arxiv_id) is None and not files.has(arxiv_id)
    files.save(arxiv_id, b"RIFF....WEBPVP8 an image")
    thumbnail = files.read(arxiv_id)
    assert thumbnail is not None and files.has(arxiv_id)
    assert (thumbnail.data, thumbnail.media_type) == (b"RIFF....WEBPVP8 an image", "image/webp")
    # One file, straight in the folder: an old-style id's slash is escaped, not a subfolder.
    assert [p.parent for p in files.directory.iterdir()] == [files.directory]


def test_the_etag_follows_the_bytes(files: ThumbnailFiles) -> None:
    files.save("2410.00001", b"one")
    files.save("2410.00002", b"one")
    files.save("2410.00003", b"two")
    tags = [files.read(f"2410.0000{n}").etag for n in (1, 2, 3)]  # type: ignore[union-attr]
    assert tags[0] == tags[1] != tags[2]
    assert tags[0].startswith('"') and tags[0].endswith('"') and len(tags[0]) == 34


def test_a_failed_write_leaves_nothing(
    files: ThumbnailFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    files.save("2410.00001", b"the first image")

    def crash(_src: object, _dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        files.save("2410.00001", b"a second image")
    with pytest.raises(OSError, match="disk full"):
        files.save("2410.00002", b"an image")
    assert files.read("2410.00001").data == b"the first image"  # type: ignore[union-attr]
    assert files.read("2410.00002") is None
    assert sorted(p.name for p in files.directory.iterdir()) == ["2410.00001.webp"]


def test_failures_are_counted_until_a_thumbnail_is_made(files: ThumbnailFiles) -> None:
    assert files.failure("math/0501001") is None
    files.record_failure("math/0501001", WHEN, "arXiv answered HTTP 404")
    again = files.record_failure("math/0501001", WHEN.replace(hour=23), "not a readable PDF")
    assert again == Failure(2, WHEN.replace(hour=23), "not a readable PDF")
    assert files.failure("math/0501001") == again
    files.save("math/0501001", b"an image at last")
    assert files.failure("math/0501001") is None


def test_an_unreadable_failure_record_means_try_again(files: ThumbnailFiles) -> None:
    files.record_failure("2410.00001", WHEN, "HTTP 404")
    (record,) = (files.directory / "failed").iterdir()
    record.write_text("{not json")
    assert files.failure("2410.00001") is None


def test_sweep_removes_only_old_temporary_files(files: ThumbnailFiles) -> None:
    files.save("2410.00001", b"kept")
    files.record_failure("2410.00002", WHEN, "HTTP 404")
    old = [files.directory / ".2410.00003.webp.a.tmp", files.directory / "failed" / ".x.json.b.tmp"]
    young = files.directory / ".2410.00004.webp.c.tmp"
    for path in [*old, young]:
        path.write_bytes(b"partial")
    for path in old:
        os.utime(path, (time.time() - 7200, time.time() - 7200))
    assert files.sweep() == 2
    assert young.exists() and not any(p.exists() for p in old)
    assert files.read("2410.00001") is not None and files.failure("2410.00002") is not None
    assert ThumbnailFiles(files.directory / "missing").sweep() == 0
