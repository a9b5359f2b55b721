"""What a member's follows bring in: the papers listed on some days that are by an author they
follow, in a category they follow or match a search they follow (matched as the digest
matches its rules: search/rules.py), newest first, each with the follows it matched, less the
papers the member marked "not interested". /for-you and the private feed read it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from paperfeed.models import Hit, ListedPaper
from paperfeed.search.rules import index_period, matches, rules_of, search_among
from paperfeed.search.searcher import Searcher
from paperfeed.store import Store

RECENT_DAYS = 7  # what the private feed covers


def follow_label(kind: str, value: str) -> str:
    """How a follow is named where a paper says why it is listed: "author Yann LeCun",
    "cs.LG", "search: diffusion"."""
    if kind == "author":
        return f"author {value}"
    if kind == "search":
        return f"search: {value}"
    return value


@dataclass(frozen=True, slots=True)
class Followed:
    """A paper a member's follows brought in, and which follows: (kind, value) pairs, in the
    order searches, categories, authors."""

    listed: ListedPaper
    matched: tuple[tuple[str, str], ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(follow_label(kind, value) for kind, value in self.matched)


def recent_days(store: Store, now: datetime, days: int = RECENT_DAYS) -> tuple[date, date]:
    """The first and last of the `days` days up to today or, on a site whose newest listed day
    is older (an archive, the demo), of the `days` days up to that day: a feed of the last
    active stretch rather than of nothing."""
    last = now.date()
    latest = store.listings.latest_day()
    if latest is not None and latest < last - timedelta(days=days - 1):
        last = latest
    return last - timedelta(days=days - 1), last


def followed_papers(
    store: Store,
    user_id: int,
    *,
    since: date,
    until: date | None = None,
    limit: int = 50,
    search: Searcher | None = None,
) -> list[Followed]:
    """The papers listed on a day in [since, until] (until the newest listed day when None)
    that the member's follows bring in, newest first (by the day they were listed, then
    published), at most `limit`. Followed searches run only with a `search` engine (hybrid,
    over those days' papers alone)."""
    rules = rules_of(store.follows.of(user_id))
    if not (rules.queries or rules.categories or rules.authors):
        return []
    ids = store.listings.ids_on_days(since, until or store.listings.latest_day() or since)
    if not ids:
        return []
    new = index_period(store.papers.get_many(ids).values(), {})
    hits: dict[str, list[Hit]] = {}
    if search is not None:
        among = frozenset(ids)
        hits = {q: search_among(search, q, among, explain=False) for q in rules.queries}
    found: dict[str, list[tuple[str, str]]] = {}
    for m in matches(rules, new, hits):
        pairs = found.setdefault(m.paper_id, [])
        if (m.kind, m.value) not in pairs:
            pairs.append((m.kind, m.value))
    for paper_id in store.library.dismissed(user_id, list(found)):
        del found[paper_id]
    listed = store.listings.listed(sorted(found))
    newest = sorted(
        listed.values(),
        key=lambda i: (i.day or date.min, i.paper.published or datetime.min, i.paper.arxiv_id),
        reverse=True,
    )
    return [Followed(i, tuple(found[i.paper.arxiv_id])) for i in newest[:limit]]
