"""arXiv's daily announcement feed (rss.arxiv.org, RSS 2.0 since 2024): the day's new papers,
cross-lists and replacements, so a day can be listed the evening it is announced.

The pre-2024 RDF feed is retired and not supported."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from datetime import date
from email.utils import parsedate_to_datetime

from paperfeed.arxiv_id import split_version
from paperfeed.authors import parse_authors
from paperfeed.categories import follows, validate_categories
from paperfeed.errors import Invalid, Upstream
from paperfeed.ingest.http import PoliteClient, Response, RetryablePayload
from paperfeed.ingest.records import Item, Record, require_title
from paperfeed.models import Announcement, Paper, RecordError
from paperfeed.text import clean_abstract, clean_optional

NS = {
    "arxiv": "http://arxiv.org/schemas/atom",
    "dc": "http://purl.org/dc/elements/1.1/",
}
KINDS = frozenset({"new", "cross", "replace", "replace-cross"})
_DESCRIPTION = re.compile(
    r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<kind>[\w-]+)\s*"
    r"(?:Abstract:\s*)?(?P<abstract>.*)$",
    re.DOTALL,
)


def _announced_day(text: str | None) -> date | None:
    """The announcement date as arXiv states it, in its own (US Eastern) offset."""
    if not text:
        return None
    try:
        return parsedate_to_datetime(text.strip()).date()
    except (TypeError, ValueError, IndexError):
        return None


def parse_rss(payload: bytes, feeds: Sequence[str], name: str = "RSS") -> list[Item]:
    """Items of one announcement feed. `feeds` are the categories asked for; each item is
    recorded as announced in the first of its categories that was asked for."""
    root = ET.fromstring(payload)
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise ET.ParseError(f"not an RSS 2.0 feed (root element {root.tag})")
    channel_day = _announced_day(channel.findtext("pubDate"))
    items: list[Item] = []
    for index, item in enumerate(channel.findall("item"), start=1):
        position = f"{name} item {index}"
        try:
            items.append(_parse_item(item, feeds, channel_day, position))
        except Invalid as exc:
            items.append(RecordError(position, str(exc)))
    return items


def _parse_item(
    item: ET.Element, feeds: Sequence[str], channel_day: date | None, position: str
) -> Record:
    description = item.findtext("description") or ""
    m = _DESCRIPTION.match(description)
    if not m:
        raise Invalid("description does not start with 'arXiv:ID Announce Type:'")
    arxiv_id, version = split_version(m["id"])
    raw_kind = (item.findtext("arxiv:announce_type", None, NS) or m["kind"]).strip().lower()
    if raw_kind not in KINDS:
        raise Invalid(f"unknown announce type {raw_kind!r}")
    day = _announced_day(item.findtext("pubDate")) or channel_day
    if day is None:
        raise Invalid("no valid pubDate on the item or the channel")
    categories = tuple(
        c.text.strip() for c in item.findall("category") if c.text and c.text.strip()
    )
    creators = item.findtext("dc:creator", None, NS)
    paper = Paper(
        arxiv_id=arxiv_id,
        title=require_title(item.findtext("title")),
        abstract=clean_abstract(m["abstract"]),
        version=version,
        authors=parse_authors(creators) if creators else None,
        categories=categories or None,
        doi=clean_optional(item.findtext("arxiv:DOI", None, NS)),
        journal_ref=clean_optional(item.findtext("arxiv:journal_reference", None, NS)),
        license=clean_optional(item.findtext("dc:rights", None, NS)),
    )
    wanted = [c for c in categories if follows(feeds, [c])]
    feed = wanted[0] if wanted else (feeds[0] if feeds else (categories[0] if categories else ""))
    announcement = Announcement(arxiv_id=arxiv_id, day=day, category=feed, kind=raw_kind)
    return Record(position=position, paper=paper, announcement=announcement)


def fetch_rss(client: PoliteClient, base_url: str, categories: Sequence[str]) -> Iterator[Item]:
    feeds = validate_categories(categories)
    url = base_url.rstrip("/") + "/" + "+".join(feeds)

    def parse(response: Response) -> list[Item]:
        if response.status == 404:
            raise Upstream(f"arXiv has no announcement feed for {'+'.join(feeds)}")
        if response.status != 200:
            raise Upstream(f"RSS answered HTTP {response.status}")
        try:
            return parse_rss(response.content, feeds)
        except ET.ParseError as exc:
            raise RetryablePayload(f"malformed XML: {exc}") from None

    yield from client.fetch(url, None, parse, what="arXiv RSS")
