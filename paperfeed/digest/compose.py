"""Which papers each subscriber gets for a period, and why (pure).

Built for many subscribers at once: the period's new papers are indexed once (by category, by
author, by upvotes) and each distinct saved search runs once per period, however many
subscribers saved it; composing one digest is then a few dictionary look-ups.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, replace

from paperfeed.models import Hit, Paper, Subscription
from paperfeed.periods import Period
from paperfeed.search.rules import Match, PeriodPapers, Rules, matches
from paperfeed.search.rules import author_key as author_key
from paperfeed.search.rules import index_period as index_period

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
    hits: Mapping[str, Sequence[Hit]],
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
    for m in matches(Rules(c.queries, c.categories, c.authors), new, hits):
        add(m.paper_id, _reason(m))
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


def _reason(m: Match) -> str:
    if m.kind == "search":
        terms = f" ({', '.join(m.terms)})" if m.terms else ""
        return f"matches your search “{m.value}”{terms}"
    if m.kind == "category":
        return f"new in {m.value}"
    return f"by {m.value}, whom you follow"


def _votes(n: int) -> str:
    return "1 upvote" if n == 1 else f"{n} upvotes"
