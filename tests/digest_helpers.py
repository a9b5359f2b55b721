"""Helpers for the digest tests: papers (and one published yesterday, for the site's digest
pages), links, a stand-in search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from paperfeed.digest.compose import SearchFn
from paperfeed.digest.links import Links
from paperfeed.models import Announcement, Author, Batch, Hit, Paper, Why
from paperfeed.periods import Period
from paperfeed.secret import Secret
from paperfeed.store import Store

SECRET = Secret("test-secret-not-for-production")
LINKS = Links("http://paperfeed.test", "paperfeed <digest@paperfeed.test>", SECRET)


def yesterday_noon() -> datetime:
    """Noon yesterday (UTC), read when called: a constant read at import went stale when the
    suite ran across midnight, and the digest then looked at the day after the paper's."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return now.replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)


def add_papers(store: Store, day: datetime, n: int, **kwargs: Any) -> list[Paper]:
    """`n` papers published on `day` and announced by arXiv that day (so listed on it), in
    quant-ph (and cs.LG for odd ones)."""
    papers = [
        Paper(
            arxiv_id=f"{day:%y%m}.{i:05d}",
            title=kwargs.get("title", "Quantum error correction with surface codes {i}").format(
                i=i
            ),
            abstract="We study " + " ".join(["decoding"] * 80) + f" number {i}.",
            authors=(Author("Ada Lovelace"), Author(f"Author {i}")),
            categories=("quant-ph", "cs.LG") if i % 2 else ("quant-ph",),
            published=day.replace(hour=12),
            imported_upvotes=i,
        )
        for i in range(kwargs.get("start", 1), kwargs.get("start", 1) + n)
    ]
    store.papers.write(Batch(papers=papers, announcements=_announced(papers, day)))
    return papers


def _announced(papers: list[Paper], day: datetime) -> list[Announcement]:
    return [Announcement(p.arxiv_id, day.date(), "quant-ph", "new") for p in papers]


def term_search(store: Store) -> SearchFn:
    """A stand-in for the hybrid search in tests of sending: every word in title or abstract."""

    def search(query: str, period: Period) -> list[Hit]:
        papers = store.papers.get_many(store.listings.ids_on_days(period.start, period.last))
        words = tuple(query.lower().split())
        return [
            Hit(p, 1.0, Why(terms=words))
            for p in papers.values()
            if all(w in f"{p.title} {p.abstract}".lower() for w in words)
        ]

    return search


def add_yesterdays_paper(site) -> Paper:  # type: ignore[no-untyped-def]
    yesterday = yesterday_noon()
    paper = Paper(
        arxiv_id="2611.99999",
        title="Entanglement distillation <b>for</b> digests",
        abstract="A paper published yesterday, for the digest.",
        authors=(Author("Grace Hopper"),),
        categories=("quant-ph",),
        published=yesterday,
    )
    site.store.papers.write(Batch(papers=[paper], announcements=_announced([paper], yesterday)))
    return paper
