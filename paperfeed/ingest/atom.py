"""Parse arXiv API (`/api/query`) Atom responses, both the 2016-era and the current front-end."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from paperfeed.arxiv_id import split_version
from paperfeed.authors import author_from_parts
from paperfeed.errors import Invalid
from paperfeed.ingest.records import Item, Record, parse_datetime, require_title
from paperfeed.models import Paper, RecordError, Version
from paperfeed.text import clean_abstract, clean_optional

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "os": "http://a9.com/-/spec/opensearch/1.1/",
}
_ABS = ("http://arxiv.org/abs/", "https://arxiv.org/abs/")


class ArxivApiError(Invalid):
    """The API answered with an error entry (e.g. `incorrect id format for abc`)."""


@dataclass(slots=True)
class AtomPage:
    total: int
    start: int
    per_page: int
    items: list[Item] = field(default_factory=list)


def _text(el: ET.Element, path: str) -> str | None:
    found = el.find(path, NS)
    return found.text if found is not None and found.text is not None else None


def _entry_to_paper(entry: ET.Element) -> Paper:
    raw_id = _text(entry, "atom:id") or ""
    if not raw_id.startswith(_ABS):
        raise Invalid(f"entry id is not an arXiv abstract URL: {raw_id!r}")
    arxiv_id, version = split_version(raw_id.split("/abs/", 1)[1])
    published_raw = _text(entry, "atom:published")
    updated_raw = _text(entry, "atom:updated")
    published = parse_datetime(published_raw) if published_raw else None
    updated = parse_datetime(updated_raw) if updated_raw else None
    authors = tuple(
        author_from_parts(
            a.findtext("atom:name", "", NS),
            [x.text or "" for x in a.findall("arxiv:affiliation", NS)],
        )
        for a in entry.findall("atom:author", NS)
    )
    primary = entry.find("arxiv:primary_category", NS)
    categories = [c.get("term", "") for c in entry.findall("atom:category", NS)]
    if primary is not None and primary.get("term"):
        term = primary.get("term", "")
        categories = [term] + [c for c in categories if c != term]
    versions: list[Version] = []
    if version is not None:
        if published is not None:
            versions.append(Version(number=1, submitted=published))
        if version > 1 and updated is not None:
            versions.append(Version(number=version, submitted=updated))
    code_url = project_url = None
    for link in entry.findall("atom:link", NS):
        href = link.get("href", "")
        if link.get("title") == "code":
            code_url = href
        elif link.get("title") == "project":
            project_url = href
    summary = _text(entry, "atom:summary")
    return Paper(
        arxiv_id=arxiv_id,
        title=require_title(_text(entry, "atom:title")),
        abstract=clean_abstract(summary) if summary is not None else None,
        version=version,
        authors=tuple(a for a in authors if a.name),
        categories=tuple(c for c in categories if c),
        published=published,
        updated=updated,
        versions=tuple(versions),
        comments=clean_optional(_text(entry, "arxiv:comment")),
        journal_ref=clean_optional(_text(entry, "arxiv:journal_ref")),
        doi=clean_optional(_text(entry, "arxiv:doi")),
        code_url=code_url,
        project_url=project_url,
    )


def parse_atom(payload: bytes, name: str = "response") -> AtomPage:
    """Entries of one API page. An error entry raises ArxivApiError; malformed XML raises
    ET.ParseError; a bad entry becomes a RecordError with its position."""
    root = ET.fromstring(payload)
    if root.tag != f"{{{NS['atom']}}}feed":
        raise ET.ParseError(f"not an Atom feed (root element {root.tag})")
    entries = root.findall("atom:entry", NS)
    for entry in entries:
        if "/api/errors" in (_text(entry, "atom:id") or ""):
            message = clean_optional(_text(entry, "atom:summary")) or "unknown error"
            raise ArxivApiError(f"arXiv API error: {message}")

    def number(path: str, default: int) -> int:
        value = _text(root, path)
        return int(value) if value and value.strip().isdigit() else default

    page = AtomPage(
        total=number("os:totalResults", len(entries)),
        start=number("os:startIndex", 0),
        per_page=number("os:itemsPerPage", len(entries)),
    )
    for index, entry in enumerate(entries):
        position = f"{name} entry {page.start + index + 1}"
        try:
            page.items.append(Record(position=position, paper=_entry_to_paper(entry)))
        except Invalid as exc:
            page.items.append(RecordError(position, str(exc)))
    return page
