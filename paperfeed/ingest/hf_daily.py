"""A Hugging Face `/api/daily_papers` response: papers, the day each was featured, the submitter,
and the upvote count (kept as imported votes)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import orjson

from paperfeed.arxiv_id import split_version
from paperfeed.authors import author_from_parts
from paperfeed.errors import Invalid, SourceUnreadable
from paperfeed.ingest.records import Item, Record, optional_str, parse_datetime, require_title
from paperfeed.models import DailyEntry, Paper, RecordError
from paperfeed.text import clean_abstract


def _url(value: object) -> str | None:
    if isinstance(value, str) and value.startswith(("https://", "http://")):
        return value.strip()
    return None


def parse_hf_item(item: dict[str, Any], position: str) -> Record:
    paper_data = item.get("paper")
    if not isinstance(paper_data, dict):
        raise Invalid("missing 'paper' object")
    raw_id = paper_data.get("id")
    if not isinstance(raw_id, str):
        raise Invalid("missing paper id")
    arxiv_id, version = split_version(raw_id)
    authors_raw = paper_data.get("authors")
    authors = None
    if isinstance(authors_raw, list):
        authors = tuple(
            author_from_parts(a["name"])
            for a in authors_raw
            if isinstance(a, dict) and isinstance(a.get("name"), str) and not a.get("hidden")
        )
    upvotes = paper_data.get("upvotes")
    if upvotes is not None and (not isinstance(upvotes, int) or upvotes < 0):
        raise Invalid(f"upvotes must be a non-negative integer, got {upvotes!r}")
    summary = paper_data.get("summary")
    published = paper_data.get("publishedAt")
    featured = item.get("publishedAt") or paper_data.get("submittedOnDailyAt")
    if not isinstance(featured, str):
        raise Invalid("missing publishedAt (the day the paper was featured)")
    featured_at = parse_datetime(featured)
    submitter = item.get("submittedBy") or paper_data.get("submittedOnDailyBy") or {}
    paper = Paper(
        arxiv_id=arxiv_id,
        title=require_title(paper_data.get("title") or item.get("title")),
        abstract=clean_abstract(summary) if isinstance(summary, str) else None,
        version=version,
        authors=authors,
        published=parse_datetime(published) if isinstance(published, str) else None,
        code_url=_url(paper_data.get("githubRepo")),
        project_url=_url(paper_data.get("projectPage")),
        imported_upvotes=upvotes,
    )
    entry = DailyEntry(
        arxiv_id=arxiv_id,
        day=featured_at.date(),
        submitted_by=optional_str(submitter.get("name"), "submittedBy.name")
        if isinstance(submitter, dict)
        else None,
        submitted_by_name=optional_str(submitter.get("fullname"), "submittedBy.fullname")
        if isinstance(submitter, dict)
        else None,
        submitted_at=featured_at,
        source="huggingface",
    )
    return Record(position=position, paper=paper, daily_entry=entry)


def parse_hf_daily(payload: bytes, name: str = "response") -> Iterator[Item]:
    """Items of a daily_papers response; a bad item is reported by its index and skipped."""
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise SourceUnreadable(f"{name} is not valid JSON: {exc}") from None
    if not isinstance(data, list):
        raise SourceUnreadable(f"{name}: expected a JSON list of daily papers")
    for index, item in enumerate(data):
        position = f"{name}[{index}]"
        if not isinstance(item, dict):
            yield RecordError(position, "expected an object")
            continue
        try:
            yield parse_hf_item(item, position)
        except Invalid as exc:
            yield RecordError(position, str(exc))


def read_hf_daily(raw: IO[bytes], name: str) -> Iterator[Item]:
    try:
        payload = raw.read()
    except OSError as exc:
        raise SourceUnreadable(f"cannot read {name}: {exc.strerror}") from None
    return parse_hf_daily(payload, name)
