"""arXiv announcement feeds for tests, written in the RSS 2.0 format of rss.arxiv.org (as in
tests/fixtures/rss/assembled_rss2_cs.SE_2025-09-18.xml: channel head, `skipDays`, and items
with `arXiv:ID Announce Type:` descriptions, categories, `arxiv:announce_type`, `dc:creator`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from email.utils import format_datetime
from xml.sax.saxutils import escape

from paperfeed.arxiv_calendar import EASTERN


@dataclass(frozen=True, slots=True)
class FeedItem:
    arxiv_id: str
    title: str
    abstract: str
    categories: tuple[str, ...]
    kind: str = "new"
    version: int = 1
    authors: str = "Ada Lovelace, Grace Hopper"


def rss_feed(feed: str, day: date, items: list[FeedItem]) -> bytes:
    """The feed of `feed` (e.g. `quant-ph`, `cs.LG+math`) for the mailing dated `day`."""
    stamp = format_datetime(datetime.combine(day, time(), tzinfo=EASTERN))
    built = format_datetime(datetime.combine(day, time(4, 0, 1)), usegmt=False).replace(
        "-0000", "+0000"
    )
    parts = [
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<rss xmlns:arxiv="http://arxiv.org/schemas/atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0">\n'
        "  <channel>\n"
        f"    <title>{escape(feed)} updates on arXiv.org</title>\n"
        f"    <link>http://rss.arxiv.org/rss/{escape(feed)}</link>\n"
        f"    <description>{escape(feed)} updates on the arXiv.org e-print archive.</description>\n"
        f'    <atom:link href="http://rss.arxiv.org/rss/{escape(feed)}" rel="self" '
        'type="application/rss+xml"/>\n'
        "    <docs>http://www.rssboard.org/rss-specification</docs>\n"
        "    <language>en-us</language>\n"
        f"    <lastBuildDate>{built}</lastBuildDate>\n"
        "    <managingEditor>rss-help@arxiv.org</managingEditor>\n"
        f"    <pubDate>{stamp}</pubDate>\n"
        "    <skipDays>\n      <day>Sunday</day>\n      <day>Saturday</day>\n    </skipDays>\n"
    ]
    for item in items:
        categories = "".join(f"      <category>{escape(c)}</category>\n" for c in item.categories)
        parts.append(
            "    <item>\n"
            f"      <title>{escape(item.title)}</title>\n"
            f"      <link>https://arxiv.org/abs/{item.arxiv_id}</link>\n"
            f"      <description>arXiv:{item.arxiv_id}v{item.version} Announce Type: "
            f"{item.kind} \nAbstract: {escape(item.abstract)}</description>\n"
            f'      <guid isPermaLink="false">oai:arXiv.org:{item.arxiv_id}v{item.version}</guid>\n'
            f"{categories}"
            f"      <pubDate>{stamp}</pubDate>\n"
            f"      <arxiv:announce_type>{item.kind}</arxiv:announce_type>\n"
            "      <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>\n"
            f"      <dc:creator>{escape(item.authors)}</dc:creator>\n"
            "    </item>\n"
        )
    parts.append("  </channel>\n</rss>\n")
    return "".join(parts).encode()
