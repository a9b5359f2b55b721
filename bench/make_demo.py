"""Build the demo's Hugging Face bundle, `paperfeed/demo/hf-daily-<first>_<last>.json.gz`, from
the 55 weekdays of real `/api/daily_papers` responses in ../shared/data/hf/daily/, and rewrite
its section of `paperfeed/demo/PROVENANCE.txt`.

The bundle is one JSON object, day -> that day's response as HF gave it: every day, every item,
every field, in the source's order; only the indentation is dropped (7.0 MB minified), then
gzip at level 9 with no name and no timestamp in the header. Checks each input against the
sha256 its PROVENANCE.txt lists before using it. Same inputs and zlib, same bytes:

    python3 bench/make_demo.py [--source DIR]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "hf" / "daily"
DEMO = ROOT / "paperfeed" / "demo"
SECTION = "== Hugging Face daily papers =="
# Listed files in the source's PROVENANCE.txt: name, item count, bytes, sha256, commit.
_LISTED = re.compile(
    r"^daily_papers_(\d{4}-\d{2}-\d{2})\.json\s+items=\s*(\d+)\s+bytes=\s*(\d+)\s+"
    r"sha256=([0-9a-f]{64})\s+src_commit=([0-9a-f]{40})",
    re.MULTILINE,
)
SIZE_LIMIT = 3_000_000


def listed(source: Path) -> list[tuple[str, str, str, str, str]]:
    """The files the source's PROVENANCE.txt lists: (day, items, bytes, sha256, commit)."""
    return sorted(_LISTED.findall((source / "PROVENANCE.txt").read_text(encoding="utf-8")))


def read_days(source: Path) -> dict[str, list[object]]:
    """Each listed day's items, after checking the file against its listed size and sha256."""
    days: dict[str, list[object]] = {}
    for day, items, size, sha256, _commit in listed(source):
        raw = (source / f"daily_papers_{day}.json").read_bytes()
        if len(raw) != int(size) or hashlib.sha256(raw).hexdigest() != sha256:
            sys.exit(f"daily_papers_{day}.json differs from what {source}/PROVENANCE.txt lists")
        data = json.loads(raw)
        if not isinstance(data, list) or len(data) != int(items):
            sys.exit(f"daily_papers_{day}.json: expected a list of {items} items")
        days[day] = data
    if not days:
        sys.exit(f"no daily_papers_*.json listed in {source}/PROVENANCE.txt")
    return days


def minified(days: dict[str, list[object]]) -> bytes:
    return json.dumps(days, ensure_ascii=False, separators=(",", ":")).encode()


def provenance(name: str, days: dict[str, list[object]], plain: bytes, packed: bytes) -> str:
    first, last = next(iter(days)), next(reversed(days))
    items = sum(len(v) for v in days.values())
    return f"""{SECTION}
File: {name}
Source: github.com/2404589803/hf-daily-paper-newsletter-chinese, folder
Paper_metadata_download/ (snapshot HEAD 7cffe8b89a260c24d18f5c4674d4d2ff2aa09c1d, 2026-08-21);
licence: Apache-2.0 (LICENSE at the repository root). Each file there is one real response of
the Hugging Face Daily Papers API, GET https://huggingface.co/api/daily_papers?date=YYYY-MM-DD,
fetched once on its own day a few hours after 00:00 UTC (so upvotes and numComments are the
counts at that moment), re-indented by the source. Taken from the byte-for-byte copies in the
project's shared data (hf/daily/, whose PROVENANCE.txt lists each file's source commit); the
sha256 of each input is listed below and checked by the script.
Content: {len(days)} consecutive weekdays, {first} .. {last}, {items} items: every day, every
item and every field, in the source's order.
What was changed: the days were put into one JSON object (day -> that day's item list),
minified (no indentation; UTF-8, {len(plain):,} bytes) and gzipped (level 9, no name, mtime 0)
by bench/make_demo.py. Nothing else.
Size: {len(packed):,} bytes
sha256: {hashlib.sha256(packed).hexdigest()}
sha256 of the uncompressed JSON: {hashlib.sha256(plain).hexdigest()}
Built with zlib {zlib.ZLIB_RUNTIME_VERSION}; another zlib may give other bytes for the same JSON.
Inputs (day, items, sha256 of the source file, the source commit that added it):
"""


def main() -> None:
    parser = argparse.ArgumentParser(description="Build the demo's Hugging Face bundle.")
    parser.add_argument("--source", type=Path, default=SOURCE)
    args = parser.parse_args()
    days = read_days(args.source)
    plain = minified(days)
    packed = gzip.compress(plain, compresslevel=9, mtime=0)
    if len(packed) > SIZE_LIMIT:
        sys.exit(f"the bundle would be {len(packed):,} bytes, over {SIZE_LIMIT:,}")
    name = f"hf-daily-{next(iter(days))}_{next(reversed(days))}.json.gz"
    (DEMO / name).write_bytes(packed)
    inputs = "".join(
        f"{day}  items={int(items):3d}  sha256={sha256}  src_commit={commit}\n"
        for day, items, _size, sha256, commit in listed(args.source)
    )
    path = DEMO / "PROVENANCE.txt"
    kept = path.read_text(encoding="utf-8").split(SECTION)[0].rstrip("\n")
    path.write_text(f"{kept}\n\n{provenance(name, days, plain, packed)}{inputs}", encoding="utf-8")
    print(f"{DEMO / name}: {len(packed):,} bytes, sha256 {hashlib.sha256(packed).hexdigest()}")
    print(f"{len(days)} days, {sum(len(v) for v in days.values())} items; {path} updated")


if __name__ == "__main__":
    main()
