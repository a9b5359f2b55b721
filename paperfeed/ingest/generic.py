"""The generic JSON Lines form `{id, title, abstract, authors, categories, date}`.

Used by the quant-ph harvest and by evaluation corpora (whose ids, like `CACM-0001`, need not be
arXiv ids). `authors` is a list of names (or of `{name, affiliations}`) or an arXiv author string;
`categories` a list or a space-separated string; `date` the publication date.

Two readers share these fields. `read_generic` (`paperfeed ingest jsonl`) is strict: a record
with an unparseable date or malformed authors is skipped and reported, because listings and
feeds go by those fields and a paper filed under no date would silently leave them; fix the
source and import again. `read_corpus` (`paperfeed eval`) needs only an id and some text: an
optional field it cannot use is left out and named in `Record.dropped`, since dropping the
document would change what is being scored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import IO, Any, TypeVar

from paperfeed.arxiv_id import normalize_record_id
from paperfeed.authors import author_from_parts, parse_authors
from paperfeed.errors import Invalid
from paperfeed.ingest.lines import RowsAhead, iter_json_lines
from paperfeed.ingest.records import Item, Record, parse_datetime, require_title
from paperfeed.models import Author, Paper, RecordError
from paperfeed.text import clean_abstract, collapse_space

_T = TypeVar("_T")


def _authors(raw: object) -> tuple[Author, ...] | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        return parse_authors(raw)
    if not isinstance(raw, list):
        raise Invalid("authors must be a list or a string")
    out = []
    for item in raw:
        if isinstance(item, str):
            if item.strip():
                out.append(author_from_parts(item))
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            affs = item.get("affiliations") or []
            if not isinstance(affs, list) or not all(isinstance(a, str) for a in affs):
                raise Invalid("author affiliations must be a list of strings")
            out.append(author_from_parts(item["name"], affs))
        else:
            raise Invalid(f"malformed author {item!r}")
    return tuple(a for a in out if a.name)


def _categories(raw: object) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        return tuple(raw.split())
    if isinstance(raw, list) and all(isinstance(c, str) for c in raw):
        return tuple(c.strip() for c in raw if c.strip())
    raise Invalid("categories must be a list of strings or a string")


def parse_generic_record(data: dict[str, Any], position: str) -> Record:
    raw_id = data.get("id")
    if not isinstance(raw_id, str) or not raw_id.strip():
        raise Invalid("missing id")
    paper_id, version = normalize_record_id(raw_id)
    abstract = data.get("abstract")
    if abstract is not None and not isinstance(abstract, str):
        raise Invalid("abstract must be a string")
    raw_date = data.get("date")
    if raw_date is not None and not isinstance(raw_date, str):
        raise Invalid("date must be a string")
    paper = Paper(
        arxiv_id=paper_id,
        title=require_title(data.get("title")),
        abstract=clean_abstract(abstract) if abstract is not None else None,
        version=version,
        authors=_authors(data.get("authors")),
        categories=_categories(data.get("categories")),
        published=parse_datetime(raw_date) if raw_date else None,
    )
    return Record(position=position, paper=paper)


def read_generic(
    raw: IO[bytes], name: str, *, workers: int = 0, ahead: RowsAhead | None = None
) -> Iterator[Item]:
    """Items of a JSON Lines stream (plain or gzip); positions are `name:line`. `workers`:
    parser processes for a big file, and what they work out `ahead` (see `iter_json_lines`)."""
    return iter_json_lines(raw, parse_generic_record, name, workers=workers, ahead=ahead)


def _text(raw: object) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise Invalid("not a string")
    return collapse_space(raw)


def _date(raw: object) -> datetime | None:
    text = _text(raw)
    return parse_datetime(text) if text else None


def parse_corpus_record(data: dict[str, Any], position: str) -> Item:
    """A record of an evaluation corpus: skipped only without an id or without a title or
    abstract to search; an optional field given but unusable is left out and named in
    `dropped` (a missing or empty one is simply absent)."""
    raw_id = data.get("id")
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        raw_id = str(raw_id)  # BEIR-style numeric ids
    if not isinstance(raw_id, str) or not raw_id.strip():
        return RecordError(position, "missing id")
    record_id = raw_id.strip()
    try:
        paper_id, version = normalize_record_id(record_id)
    except Invalid as exc:
        return RecordError(position, str(exc), record_id)
    dropped: list[str] = []

    def usable(name: str, parse: Callable[[Any], _T | None]) -> _T | None:
        try:
            return parse(data.get(name))
        except Invalid:
            dropped.append(name)
            return None

    title = usable("title", _text)
    abstract = usable("abstract", _text)
    if not title and not abstract:
        return RecordError(position, "no title or abstract to search", record_id)
    paper = Paper(
        arxiv_id=paper_id,
        title=title or "",
        abstract=abstract,
        version=version,
        authors=usable("authors", _authors),
        categories=usable("categories", _categories),
        published=usable("date", _date),
    )
    return Record(position=position, paper=paper, dropped=tuple(dropped))


def read_corpus(raw: IO[bytes], name: str) -> Iterator[Item]:
    """Items of an evaluation corpus in the generic form, read leniently
    (`parse_corpus_record`); positions are `name:line`."""
    return iter_json_lines(raw, parse_corpus_record, name)
