"""RSS 2.0 and Atom 1.0 documents for any list of papers, pure: papers in, bytes out.
ElementTree escapes every text node, so titles and abstracts cannot break the XML. An RSS
`description` holds HTML (readers render it: `a<b` would lose its text, `<b>` would turn
bold), so descriptions are escaped for HTML first, and an abstract is the HTML the pages show
(paperfeed/tex.py: escaped text, formulas as MathML); Atom says its text is text, and titles
are text everywhere: TeX decoded to plain text."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape

from paperfeed import tex
from paperfeed.models import Paper

ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/elements/1.1/"


@dataclass(frozen=True, slots=True)
class FeedInfo:
    title: str
    description: str
    page_url: str  # the HTML page this feed mirrors
    self_url: str  # the feed's own URL
    updated: datetime  # naive UTC


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


def _when(paper: Paper, fallback: datetime) -> datetime:
    return paper.updated or paper.published or fallback


def _bytes(root: ET.Element) -> bytes:
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def rss(
    info: FeedInfo,
    papers: Sequence[Paper],
    paper_url: str,
    notes: Mapping[str, str] | None = None,
) -> bytes:
    """RSS 2.0; `paper_url` is a format string with `{id}` for each paper's page; `notes` (by
    id) go before an abstract (why a private feed lists the paper)."""
    root = ET.Element("rss", {"version": "2.0", "xmlns:atom": ATOM_NS, "xmlns:dc": DC_NS})
    channel = ET.SubElement(root, "channel")
    ET.SubElement(channel, "title").text = info.title
    ET.SubElement(channel, "link").text = info.page_url
    ET.SubElement(channel, "description").text = escape(info.description, quote=False)
    ET.SubElement(channel, "lastBuildDate").text = format_datetime(_utc(info.updated))
    ET.SubElement(
        channel, "atom:link", {"href": info.self_url, "rel": "self", "type": "application/rss+xml"}
    )
    for paper in papers:
        item = ET.SubElement(channel, "item")
        link = paper_url.format(id=paper.arxiv_id)
        ET.SubElement(item, "title").text = tex.to_text(paper.title)
        ET.SubElement(item, "link").text = link
        ET.SubElement(item, "guid", {"isPermaLink": "true"}).text = link
        note = (notes or {}).get(paper.arxiv_id)
        lead = f"<p>{escape(note, quote=False)}</p>" if note else ""
        ET.SubElement(item, "description").text = lead + tex.to_html(paper.abstract or "")
        for author in paper.authors or ():
            ET.SubElement(item, "dc:creator").text = author.name
        for category in paper.categories or ():
            ET.SubElement(item, "category").text = category
        ET.SubElement(item, "pubDate").text = format_datetime(_utc(_when(paper, info.updated)))
    return _bytes(root)


def atom(
    info: FeedInfo,
    papers: Sequence[Paper],
    paper_url: str,
    notes: Mapping[str, str] | None = None,
) -> bytes:
    """Atom 1.0; `paper_url` is a format string with `{id}` for each paper's page; `notes` (by
    id) go before an abstract (why a private feed lists the paper)."""
    root = ET.Element("feed", {"xmlns": ATOM_NS})
    ET.SubElement(root, "title").text = info.title
    ET.SubElement(root, "subtitle").text = info.description
    ET.SubElement(root, "id").text = info.self_url
    ET.SubElement(root, "updated").text = _utc(info.updated).isoformat()
    ET.SubElement(root, "link", {"href": info.page_url, "rel": "alternate", "type": "text/html"})
    ET.SubElement(root, "link", {"href": info.self_url, "rel": "self"})
    ET.SubElement(ET.SubElement(root, "author"), "name").text = "paperfeed"
    for paper in papers:
        entry = ET.SubElement(root, "entry")
        link = paper_url.format(id=paper.arxiv_id)
        ET.SubElement(entry, "title").text = tex.to_text(paper.title)
        ET.SubElement(entry, "id").text = link
        ET.SubElement(entry, "link", {"href": link, "rel": "alternate"})
        ET.SubElement(entry, "updated").text = _utc(_when(paper, info.updated)).isoformat()
        if paper.published:
            ET.SubElement(entry, "published").text = _utc(paper.published).isoformat()
        for author in paper.authors or ():
            ET.SubElement(ET.SubElement(entry, "author"), "name").text = author.name
        for category in paper.categories or ():
            ET.SubElement(entry, "category", {"term": category})
        note = (notes or {}).get(paper.arxiv_id)
        lead = f"{note}\n\n" if note else ""
        ET.SubElement(entry, "summary").text = lead + tex.to_text(paper.abstract or "")
    return _bytes(root)
