"""How a paper matches a reader's standing rules: a followed author, a category, a saved
search. The digest (digest/compose.py) and what members follow (feed/following.py) both match
through here, so a paper that meets a rule in one meets it in the other.

Some days' papers are indexed once (by category, by author, by upvotes); each saved search
runs over those papers alone, and counts only real matches: hybrid search always has nearest
neighbours to offer, so a hit counts when the keyword engine found it, it was pinned (an id or
exact title), or its similarity to the query reaches SIMILARITY_FLOOR.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from paperfeed.models import Follow, Hit, Paper, SearchFilters
from paperfeed.search.searcher import Searcher

SIMILARITY_FLOOR = 0.5
PER_SEARCH = 100  # hits taken per saved search


def author_key(name: str) -> str:
    """How followed authors are matched: accents, case and spacing do not matter."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().replace(".", ". ").split())


@dataclass(frozen=True, slots=True)
class PeriodPapers:
    """Some days' papers (a digest's period, a member's last week), indexed for matching."""

    papers: Mapping[str, Paper]
    upvotes: Mapping[str, int]
    trending: Sequence[str]  # ids by upvotes, most first
    by_category: Mapping[str, Sequence[str]]
    by_author: Mapping[str, Sequence[str]]


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


@dataclass(frozen=True, slots=True)
class Rules:
    """What a reader asked for: saved searches, categories, authors."""

    queries: Sequence[str] = ()
    categories: Sequence[str] = ()
    authors: Sequence[str] = ()


def rules_of(follows: Sequence[Follow]) -> Rules:
    """What a member follows, as rules: followed searches, categories and authors."""

    def of(kind: str) -> tuple[str, ...]:
        return tuple(f.value for f in follows if f.kind == kind)

    return Rules(queries=of("search"), categories=of("category"), authors=of("author"))


@dataclass(frozen=True, slots=True)
class Match:
    """A paper meeting one rule: `kind` is search, category or author, `value` the rule as the
    reader gave it; `terms` are a search's matched words."""

    paper_id: str
    kind: str
    value: str
    terms: tuple[str, ...] = ()


def matches(rules: Rules, new: PeriodPapers, hits: Mapping[str, Sequence[Hit]]) -> Iterator[Match]:
    """Every (paper, rule) pair among `new`'s papers: searches first (their `hits`, already
    run, by query), then categories, then authors, each in the rules' order."""
    for q in rules.queries:
        for hit in hits.get(q, ()):
            if hit.paper.arxiv_id in new.papers:
                yield Match(hit.paper.arxiv_id, "search", q, hit.why.terms)
    for category in rules.categories:
        for paper_id in new.by_category.get(category, ()):
            yield Match(paper_id, "category", category)
    for author in rules.authors:
        for paper_id in new.by_author.get(author_key(author), ()):
            yield Match(paper_id, "author", author)


def is_real_match(hit: Hit) -> bool:
    why = hit.why
    return (
        why.keyword_rank is not None
        or why.pinned is not None
        or (why.similarity is not None and why.similarity >= SIMILARITY_FLOOR)
    )


def search_among(
    engine: Searcher, query: str, ids: frozenset[str], *, explain: bool = True
) -> list[Hit]:
    """A saved search in hybrid mode over the papers `ids` alone, real matches only (each
    hit's matched terms found unless `explain` is false).

    The answer changes only when the store or an index does, and many ask the same question
    of the same papers (members following one search, a member coming back to /for-you, the
    digest's members over one period): an engine that names its indexes' content
    (`SearchService.memo_key`) has it kept in the store's read memo."""

    def run() -> list[Hit]:
        results = engine.search(
            query,
            mode="hybrid",
            limit=PER_SEARCH,
            filters=SearchFilters(ids=ids),
            sort="relevance",
            explain=explain,
        )
        return [h for h in results.hits if is_real_match(h)]

    memo_key = getattr(engine, "memo_key", None)
    store = getattr(engine, "store", None)
    if memo_key is None or store is None:
        return run()
    key = ("search_among", memo_key(), query, ids, explain)
    hits: list[Hit] = store.db.remembered(key, run)
    return hits
