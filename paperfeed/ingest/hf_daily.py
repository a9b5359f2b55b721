"""Hugging Face's daily papers (`/api/daily_papers`), read from a saved response or fetched
from HF: each paper, the day it was on the daily list, its submitter and upvotes (kept as
imported votes), and everything else HF says about it, kept as given (`HfFields`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import IO, Any

import orjson

from paperfeed.arxiv_id import split_version
from paperfeed.authors import author_from_parts
from paperfeed.errors import Invalid, SourceUnreadable, Upstream
from paperfeed.ingest.http import PoliteClient, Response, RetryablePayload
from paperfeed.ingest.records import Item, Record, optional_str, parse_datetime, require_title
from paperfeed.models import DailyEntry, HfFields, Paper, RecordError
from paperfeed.text import clean_abstract

# What `Paper`, `DailyEntry` and the comment count hold already; every other field of an item
# and of its paper object is kept as HF gave it. Upvotes and the comment count change from one
# fetch to the next, so they stay out of the kept fields: a re-import updates just those.
MODELLED_ITEM = frozenset({"paper", "title", "summary", "numComments"})
MODELLED_PAPER = frozenset({"id", "title", "summary", "upvotes"})

# Limits on what one item may hold. The longest strings in 1,251 real items are abstracts
# (1,943 characters) and AI summaries (439), the largest paper object 47 kB (an author list).
MAX_TEXT = 4_096  # characters of any one string but an abstract
MAX_ABSTRACT = 8_192  # arXiv caps abstracts at 1,920 characters
MAX_DEPTH = 16  # nesting of objects and lists (the real items go 4 deep)
MAX_FIELDS_BYTES = 1 << 20  # the kept fields of one paper, as JSON
_ABSTRACTS = frozenset({"summary", "paper.summary"})

PAGE_SIZE = 100  # the most HF's `limit` allows
# A day has had at most ~100 papers; more pages than this means the server does not page.
MAX_PAGES = 50


def _url(value: object) -> str | None:
    if isinstance(value, str) and value.startswith(("https://", "http://")):
        return value.strip()
    return None


def _count(value: object, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Invalid(f"{name} must be a non-negative integer, got {value!r}")
    return value


def _check_text(text: str, where: str) -> None:
    if "\x00" in text:
        raise Invalid(f"{where} contains a NUL character")
    limit = MAX_ABSTRACT if where in _ABSTRACTS else MAX_TEXT
    if len(text) > limit:
        raise Invalid(f"{where} is {len(text):,} characters long (at most {limit:,})")


def check_values(item: dict[str, Any]) -> None:
    """Invalid for an item no database should be asked to store: a NUL character anywhere
    (PostgreSQL refuses it in text and JSON), an overlong string, or deep nesting. Walked
    with a stack, so a hostile payload cannot exhaust the interpreter's recursion."""
    stack: list[tuple[object, str, int]] = [(item, "", 0)]
    while stack:
        value, where, depth = stack.pop()
        if isinstance(value, str):
            _check_text(value, where)
        elif isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                raise Invalid(f"{where} is nested more than {MAX_DEPTH} levels deep")
            if isinstance(value, dict):
                for key, inner in value.items():
                    _check_text(key, f"a key in {where or 'the item'}")
                    stack.append((inner, f"{where}.{key}" if where else key, depth + 1))
            else:
                stack.extend((inner, f"{where}[{i}]", depth + 1) for i, inner in enumerate(value))


def _kept_fields(item: dict[str, Any], paper_data: dict[str, Any]) -> dict[str, Any]:
    fields = {
        "item": {k: v for k, v in item.items() if k not in MODELLED_ITEM},
        "paper": {k: v for k, v in paper_data.items() if k not in MODELLED_PAPER},
    }
    size = len(orjson.dumps(fields))
    if size > MAX_FIELDS_BYTES:
        raise Invalid(f"the item's fields take {size:,} bytes (at most {MAX_FIELDS_BYTES:,})")
    return fields


def parse_hf_item(item: dict[str, Any], position: str) -> Record:
    paper_data = item.get("paper")
    if not isinstance(paper_data, dict):
        raise Invalid("missing 'paper' object")
    raw_id = paper_data.get("id")
    if not isinstance(raw_id, str):
        raise Invalid("missing paper id")
    check_values(item)
    arxiv_id, version = split_version(raw_id)
    authors_raw = paper_data.get("authors")
    authors = None
    if isinstance(authors_raw, list):
        authors = tuple(
            author_from_parts(a["name"])
            for a in authors_raw
            if isinstance(a, dict) and isinstance(a.get("name"), str) and not a.get("hidden")
        )
    upvotes = _count(paper_data.get("upvotes"), "upvotes")
    num_comments = _count(item.get("numComments"), "numComments")
    summary = paper_data.get("summary")
    published = paper_data.get("publishedAt")
    # The day it was put on the daily list, which HF's `date=` asks for; the item's own
    # publishedAt is the paper's arXiv publication (days earlier), but older responses lack
    # submittedOnDailyAt and have it there.
    featured = paper_data.get("submittedOnDailyAt")
    if not isinstance(featured, str):
        featured = item.get("publishedAt")
    if not isinstance(featured, str):
        raise Invalid("missing paper.submittedOnDailyAt and publishedAt (the day it was listed)")
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
    hf = HfFields(arxiv_id, _kept_fields(item, paper_data), num_comments or 0)
    return Record(position=position, paper=paper, daily_entry=entry, hf=hf)


def _parse_items(data: list[Any], name: str) -> Iterator[Item]:
    for index, item in enumerate(data):
        position = f"{name}[{index}]"
        if not isinstance(item, dict):
            yield RecordError(position, "expected an object")
            continue
        try:
            yield parse_hf_item(item, position)
        except Invalid as exc:
            yield RecordError(position, str(exc))


def parse_hf_daily(payload: bytes, name: str = "response") -> Iterator[Item]:
    """Items of a daily_papers response; a bad item is reported by its index and skipped."""
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise SourceUnreadable(f"{name} is not valid JSON: {exc}") from None
    if not isinstance(data, list):
        raise SourceUnreadable(f"{name}: expected a JSON list of daily papers")
    yield from _parse_items(data, name)


def read_hf_daily(raw: IO[bytes], name: str) -> Iterator[Item]:
    try:
        payload = raw.read()
    except OSError as exc:
        raise SourceUnreadable(f"cannot read {name}: {exc.strerror}") from None
    return parse_hf_daily(payload, name)


def fetch_hf_daily(client: PoliteClient, base_url: str, day: date) -> Iterator[Item]:
    """The papers HF lists on `day`, page by page (`p=`) until a page comes back short."""
    url = base_url.rstrip("/") + "/api/daily_papers"
    previous: bytes | None = None
    for page in range(MAX_PAGES):
        params = {"date": day.isoformat(), "limit": str(PAGE_SIZE)}
        if page:
            params["p"] = str(page)
        name = f"daily_papers?date={day}" + (f"&p={page}" if page else "")

        def parse(response: Response, name: str = name) -> tuple[bytes, int, list[Item]]:
            if response.status != 200:
                raise Upstream(f"Hugging Face answered HTTP {response.status} for {name}")
            try:
                data = orjson.loads(response.content)
            except orjson.JSONDecodeError as exc:
                raise RetryablePayload(f"malformed JSON: {exc}") from None
            if not isinstance(data, list):
                raise Upstream(f"Hugging Face's answer to {name} is not a list of papers")
            return response.content, len(data), list(_parse_items(data, name))

        content, size, items = client.fetch(url, params, parse, what="Hugging Face")
        if content == previous:  # a server that ignores `p` sends the same page again
            return
        yield from items
        if size < PAGE_SIZE:
            return
        previous = content
    raise Upstream(f"Hugging Face sent more than {MAX_PAGES} full pages for {day}; stopped")
