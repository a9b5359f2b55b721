"""The Kaggle `arxiv-metadata-oai-snapshot.json` (JSON Lines, one arXiv record per line)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from paperfeed.arxiv_id import split_version
from paperfeed.authors import parse_authors
from paperfeed.errors import Invalid
from paperfeed.ingest.lines import RowsAhead, iter_json_lines
from paperfeed.ingest.records import Item, Record, optional_str, parse_datetime, require_title
from paperfeed.models import Paper, Version
from paperfeed.text import clean_abstract


def parse_versions(raw: object) -> tuple[Version, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise Invalid("versions must be a list")
    out = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("version"), str):
            raise Invalid(f"malformed version entry {item!r}")
        label = item["version"].strip().lower()
        if not label.startswith("v") or not label[1:].isdigit():
            raise Invalid(f"malformed version label {item['version']!r}")
        created = item.get("created")
        submitted = parse_datetime(created) if isinstance(created, str) and created else None
        out.append(Version(int(label[1:]), submitted))  # positional: see authors.parse_authors
    return tuple(out)


def parse_kaggle_record(data: dict[str, Any], position: str) -> Record:
    raw_id = data.get("id")
    if not isinstance(raw_id, str):
        raise Invalid("missing id")
    arxiv_id, id_version = split_version(raw_id)
    versions = parse_versions(data.get("versions"))
    numbers = [v.number for v in versions]
    if id_version is not None:
        numbers.append(id_version)
    authors_raw = data.get("authors")
    categories_raw = optional_str(data.get("categories"), "categories")
    update_date = data.get("update_date")
    published = versions[0].submitted if versions else None
    updated = versions[-1].submitted if versions else None
    if isinstance(update_date, str) and update_date:
        parse_datetime(update_date)  # validated; metadata update date, not a version date
    abstract = data.get("abstract")
    if abstract is not None and not isinstance(abstract, str):
        raise Invalid("abstract must be a string")
    paper = Paper(
        arxiv_id=arxiv_id,
        title=require_title(data.get("title")),
        abstract=clean_abstract(abstract) if abstract is not None else None,
        version=max(numbers) if numbers else None,
        authors=parse_authors(authors_raw) if isinstance(authors_raw, str) else None,
        categories=tuple(categories_raw.split()) if categories_raw else None,
        published=published,
        updated=updated,
        versions=versions,
        comments=optional_str(data.get("comments"), "comments"),
        journal_ref=optional_str(data.get("journal-ref"), "journal-ref"),
        doi=optional_str(data.get("doi"), "doi"),
        report_no=optional_str(data.get("report-no"), "report-no"),
        license=optional_str(data.get("license"), "license"),
        submitter=optional_str(data.get("submitter"), "submitter"),
    )
    return Record(position=position, paper=paper)


def read_kaggle(
    raw: IO[bytes], name: str, *, workers: int = 0, ahead: RowsAhead | None = None
) -> Iterator[Item]:
    """Items of a JSON Lines stream (plain or gzip); positions are `name:line`. `workers`:
    parser processes for a big file, and what they work out `ahead` (see `iter_json_lines`)."""
    return iter_json_lines(raw, parse_kaggle_record, name, workers=workers, ahead=ahead)
