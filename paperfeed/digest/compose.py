"""Which papers each subscriber gets for a period, and why (pure).

Built for many subscribers at once: the period's new papers are indexed once (by category, by
author, by upvotes) and each distinct saved search runs once per period, however many
subscribers saved it; composing one digest is then a few dictionary look-ups.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, replace

from paperfeed.models import Hit, Paper, Subscription
from paperfeed.periods import Period

# A saved search restricted to the period's papers: (query, period) -> hits, best first.
SearchFn = Callable[[str, Period], Sequence[Hit]]

# A digest lists at most this many papers; the rest are counted and linked.
MAX_ITEMS = 30


@dataclass(frozen=True, slots=True)
class DigestItem:
    paper: Paper
    upvotes: int
    why: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Digest:
    subscription: Subscription
    period: Period
    items: tuple[DigestItem, ...]
    more: int = 0  # matching papers left out beyond MAX_ITEMS

    @property
    def is_empty(self) -> bool:
        return not self.items


@dataclass(frozen=True, slots=True)
class PeriodPapers:
    """The period's new papers, indexed for composing many digests."""

    papers: Mapping[str, Paper]
    upvotes: Mapping[str, int]
    trending: Sequence[str]  # ids by upvotes, most first
    by_category: Mapping[str, Sequence[str]]
    by_author: Mapping[str, Sequence[str]]


def author_key(name: str) -> str:
    """How followed authors are matched: accents, case and spacing do not matter."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().replace(".", ". ").split())


def index_period(papers: Iterable[Paper], upvotes: Mapping[str, int]) -> PeriodPapers:
    by_id = {p.arxiv_id: p for p in papers}
    by_category: dict[str, list[str]] = {}
    by_author: dict[str, list[str]] = {}
    for p in by_id.values():
        for c in p.categories or ():
            by_category.setdefault(c, []).append(p.arxiv_id)
        for a in p.authors or ():
            by_author.setdefault(author_key(a.name), []).append(p.arxiv_id)
    trending = sorted(by_id, key=lambda i: (-upvotes.get(i, 0), i))
    return PeriodPapers(
        papers=by_id,
        upvotes={i: upvotes.get(i, 0) for i in by_id},
        trending=trending,
        by_category=by_category,
        by_author=by_author,
    )


def run_saved_searches(
    subscriptions: Iterable[Subscription], period: Period, search: SearchFn
) -> dict[str, list[Hit]]:
    """Each distinct saved search of `subscriptions`, run once."""
    queries = dict.fromkeys(q for s in subscriptions for q in s.content.queries)
    return {q: list(search(q, period)) for q in queries}


def compose(
    sub: Subscription,
    period: Period,
    new: PeriodPapers,
    matches: Mapping[str, Sequence[Hit]],
    already_sent: frozenset[str] | set[str] = frozenset(),
) -> Digest:
    """One subscriber's digest: its top trending papers first, then every other new paper
    that matches a saved search, category or followed author, most upvoted first. A paper
    appears once, with every reason it was chosen; papers sent before are left out."""
    c = sub.content
    why: dict[str, list[str]] = {}

    def add(paper_id: str, reason: str) -> None:
        if (
            paper_id in new.papers
            and paper_id not in already_sent
            and new.upvotes[paper_id] >= c.min_upvotes
        ):
            why.setdefault(paper_id, []).append(reason)

    if c.top_n:
        for rank, paper_id in enumerate(new.trending[: c.top_n], 1):
            if new.upvotes[paper_id] > 0:
                add(paper_id, f"trending: #{rank} with {_votes(new.upvotes[paper_id])}")
    trending = list(why)
    for q in c.queries:
        for hit in matches.get(q, ()):
            terms = f" ({', '.join(hit.why.terms)})" if hit.why.terms else ""
            add(hit.paper.arxiv_id, f"matches your search “{q}”{terms}")
    for category in c.categories:
        for paper_id in new.by_category.get(category, ()):
            add(paper_id, f"new in {category}")
    for author in c.authors:
        for paper_id in new.by_author.get(author_key(author), ()):
            add(paper_id, f"by {author}, whom you follow")
    rest = sorted((i for i in why if i not in trending), key=lambda i: (-new.upvotes[i], i))
    ordered = trending + rest
    items = tuple(
        DigestItem(paper=new.papers[i], upvotes=new.upvotes[i], why=tuple(why[i]))
        for i in ordered[:MAX_ITEMS]
    )
    return Digest(sub, period, items, more=max(0, len(ordered) - MAX_ITEMS))


def without(digest: Digest, paper_ids: Set[str]) -> Digest:
    """`digest` less the papers in `paper_ids` (those curators hid after it was composed)."""
    kept = tuple(i for i in digest.items if i.paper.arxiv_id not in paper_ids)
    return digest if len(kept) == len(digest.items) else replace(digest, items=kept)


def _votes(n: int) -> str:
    return "1 upvote" if n == 1 else f"{n} upvotes"
