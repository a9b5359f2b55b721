"""Which papers each subscriber gets for a period, and why (pure).

Built for many subscribers at once: the period's new papers are indexed once (by category, by
author, by upvotes) and each distinct saved search runs once per period, however many
subscribers saved it; composing one digest is then a few dictionary look-ups. A subscriber who
is a member also gets what they follow (`with_follows`) and a few papers recommended for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, replace

from paperfeed.models import Hit, Paper, Reason, Subscription
from paperfeed.periods import Period
from paperfeed.search.rules import Match, PeriodPapers, Rules, author_key, matches
from paperfeed.search.rules import index_period as index_period

# A saved search restricted to the period's papers: (query, period) -> hits, best first.
SearchFn = Callable[[str, Period], Sequence[Hit]]

# A digest lists at most this many papers; the rest are counted and linked.
MAX_ITEMS = 30
MAX_RECOMMENDED = 5  # papers under "Recommended for you"


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
    # For a member: papers recommended for them (`why` the reason), beside the items.
    recommended: tuple[DigestItem, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.items


def with_follows(sub: Subscription, follows: Rules) -> Subscription:
    """`sub` with what its member follows added to its own rules (each rule once: searches
    and categories without regard to case, authors as they are matched)."""
    c = sub.content

    def merged(
        own: Sequence[str], more: Sequence[str], key: Callable[[str], str]
    ) -> tuple[str, ...]:
        kept: dict[str, str] = {}
        for value in (*own, *more):
            kept.setdefault(key(value), value)
        return tuple(kept.values())

    content = replace(
        c,
        queries=merged(c.queries, follows.queries, str.casefold),
        categories=merged(c.categories, follows.categories, str.casefold),
        authors=merged(c.authors, follows.authors, author_key),
    )
    return sub if content == c else replace(sub, content=content)


def reason_line(reason: Reason, titles: Mapping[str, str]) -> str:
    """Why a paper is recommended, in a line: the reader's papers it is closest to (by
    title, from `titles`), the words and authors that weighed most, what it matches of what
    they follow."""
    parts = []
    close = [f"“{titles[i]}”" for i in reason.because[:2] if i in titles]
    if close:
        parts.append("close to " + " and ".join(close))
    if reason.words:
        parts.append("about " + ", ".join(reason.words[:4]))
    if reason.authors:
        parts.append("by " + ", ".join(reason.authors[:3]))
    if reason.follows:
        parts.append("matches " + ", ".join(reason.follows[:3]))
    text = "; ".join(parts) or "like the papers you saved"
    return text[0].upper() + text[1:]


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
    recommended: Sequence[DigestItem] = (),
) -> Digest:
    """One subscriber's digest: its top trending papers first, then every other new paper
    that matches a saved search, category or followed author, most upvoted first. A paper
    appears once, with every reason it was chosen; papers sent before are left out. Then up
    to MAX_RECOMMENDED of `recommended` (best first) that are not among them."""
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
    chosen = {i.paper.arxiv_id for i in items} | set(already_sent)
    extra = tuple(r for r in recommended if r.paper.arxiv_id not in chosen)[:MAX_RECOMMENDED]
    return Digest(sub, period, items, max(0, len(ordered) - MAX_ITEMS), extra)


def without(digest: Digest, paper_ids: Set[str]) -> Digest:
    """`digest` less the papers in `paper_ids` (those curators hid after it was composed)."""
    kept = tuple(i for i in digest.items if i.paper.arxiv_id not in paper_ids)
    also = tuple(i for i in digest.recommended if i.paper.arxiv_id not in paper_ids)
    if len(kept) == len(digest.items) and len(also) == len(digest.recommended):
        return digest
    return replace(digest, items=kept, recommended=also)


def _reason(m: Match) -> str:
    if m.kind == "search":
        terms = f" ({', '.join(m.terms)})" if m.terms else ""
        return f"matches your search “{m.value}”{terms}"
    if m.kind == "category":
        return f"new in {m.value}"
    return f"by {m.value}, whom you follow"


def _votes(n: int) -> str:
    return "1 upvote" if n == 1 else f"{n} upvotes"
