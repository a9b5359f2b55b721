"""The keyword index: BM25 on tantivy over title + abstract (title words weigh more), authors
and categories.

Queries are built term by term from analysed text (`analysis`), never by tantivy's query
parser, so nothing a user types is read as engine syntax.
"""

from __future__ import annotations

import functools
import hashlib
import math
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import tantivy

from paperfeed.models import IndexDoc, SearchFilters
from paperfeed.search import analysis, spelling
from paperfeed.search.query import MAX_TERMS, ParsedQuery
from paperfeed.search.state_file import StateFile

# Extra weight of a title match on top of the title+abstract field, and of a quoted phrase's
# exact wording on top of its words. Both measured on CACM, CISI and SciFact-train together
# (bench/tune_keyword.py, docs/tuning-keyword.md): nDCG@10 0.480 / 0.385 / 0.703 as set;
# a title boost of 0 or 0.6 loses on all three, 0.15 gains on CACM but loses on CISI; no
# phrase boost among 0, 0.5 and 2 helps on all three (few queries quote a phrase).
TITLE_BOOST = 0.3
PHRASE_BOOST = 1.0
SCHEMA_VERSION = 1
_STATE = "paperfeed-index.json"
_WRITER_HEAP = 128_000_000
_WRITER_THREADS = 1
_NO_DATE = 0


# What an index that does not say was built with: every index before the analysis could be
# chosen. A fixed fact, not the current default, so that a new default cannot misread them.
_ORIGINAL_ANALYSIS = {"stem": True, "stop_words": True}


@dataclass(frozen=True, slots=True)
class KeywordOptions:
    """The keyword engine's ranking constants (bench/tune_keyword.py measures them). The
    boosts act at query time; stemming and stop words decide what is indexed, so an index
    keeps the analysis it was built with and queries are analysed the same way."""

    title_boost: float = TITLE_BOOST
    phrase_boost: float = PHRASE_BOOST
    stem: bool = True
    stop_words: bool = True
    text: analysis.TextAnalysis = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("title_boost", "phrase_boost"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, not {value!r}")
        object.__setattr__(self, "text", analysis.TextAnalysis(self.stem, self.stop_words))


def _schema(text: analysis.TextAnalysis) -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
    b.add_text_field("title", tokenizer_name=text.tokenizer_name)
    # Title and abstract together: BM25 on one field ranks better than a sum over two
    # (CACM MAP 0.318 against 0.277); the title field only adds weight to title words.
    b.add_text_field("text", tokenizer_name=text.tokenizer_name)
    b.add_text_field("authors", tokenizer_name=analysis.NAMES)
    b.add_text_field("categories", tokenizer_name=analysis.CATEGORIES, index_option="basic")
    b.add_text_field("title_key", tokenizer_name="raw", index_option="basic")
    # Days since 0001-01-01 (date.toordinal); 0 when the paper has no date.
    b.add_integer_field("published", indexed=True, fast=True)
    return b.build()


@dataclass(frozen=True, slots=True)
class KeywordHits:
    """Best first: (paper id, BM25 score, or the sort key when sorted by date)."""

    hits: list[tuple[str, float]]
    total: int


class KeywordIndex:
    """A tantivy index in a directory of its own, with a small JSON state file beside it.
    `correct_typos` (on unless a benchmark compares without it): a query term no paper
    contains is replaced by the nearest one papers do (search/spelling.py). `options`: the
    ranking constants; an existing index must be opened with the analysis it was built with
    (ValueError otherwise: delete the directory and index again to change it)."""

    def __init__(
        self,
        path: Path,
        *,
        correct_typos: bool = True,
        options: KeywordOptions = KeywordOptions(),
    ) -> None:
        self.path = path
        self.correct_typos = correct_typos
        self.options = options
        path.mkdir(parents=True, exist_ok=True)
        self.schema = _schema(options.text)
        state = self.state()
        if state.get("schema_version") not in (None, SCHEMA_VERSION):
            raise ValueError(f"{path} holds an index of another version: rebuild it")
        # tantivy writes meta.json when it creates an index; without it this one is new.
        new = not (path / "meta.json").exists()
        built_with = state.get("analysis", _ORIGINAL_ANALYSIS)
        if not new and built_with != self._analysis():
            raise ValueError(
                f"{path} was indexed with {_described(built_with)}, not "
                f"{_described(self._analysis())}: open it with the same options, or delete it "
                "and index again"
            )
        self.index = tantivy.Index(self.schema, path=str(path), reuse=True)
        # Searches see a new commit when `reader` finds meta.json changed, not when a
        # watcher thread happens to notice: so the generation it reports is the one searched.
        self.index.config_reader(reload_policy="Manual")
        analysis.register(self.index, options.text)
        self._reading = threading.Lock()
        self._meta: bytes | None = None
        self._generation = b""
        self._searcher = self.index.searcher()
        if new and self._analysis() != _ORIGINAL_ANALYSIS:
            self.save_state(state)

    # ------------------------------------------------------------------ state

    def state(self) -> dict[str, Any]:
        return StateFile(self.path / _STATE).read()

    def save_state(self, state: dict[str, Any]) -> None:
        """Replace the state; the analysis is recorded only when it is not the original one,
        so the state of a default index is what it always was."""
        data = {**state, "schema_version": SCHEMA_VERSION}
        data.pop("analysis", None)
        if self._analysis() != _ORIGINAL_ANALYSIS:
            data["analysis"] = self._analysis()
        StateFile(self.path / _STATE).write(data)

    def _analysis(self) -> dict[str, bool]:
        return asdict(self.options.text)

    # ----------------------------------------------------------------- writes

    def update(self, docs: Iterable[IndexDoc]) -> int:
        """Add or replace `docs` (removing deleted ones) in one commit; returns how many."""
        listed = list(docs)
        with self.writing() as writer:
            writer.put(listed)
            writer.commit()
        return len(listed)

    @contextmanager
    def writing(self) -> Iterator[KeywordWriter]:
        """Writing for a run of changes: what is not committed when the block ends (or
        raises) is dropped; merges finish before it ends."""
        writer = KeywordWriter(self)
        try:
            yield writer
        finally:
            writer.close()

    def clear(self) -> None:
        writer = self.index.writer(_WRITER_HEAP, _WRITER_THREADS)
        writer.delete_all_documents()
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.save_state({})

    # ------------------------------------------------------------------ reads

    def reader(self) -> tuple[bytes, tantivy.Searcher]:
        """The generation of the last commit (any process's) and a searcher that sees it.

        tantivy replaces meta.json with every commit and merge, so its bytes name what the
        index holds; reading it costs about 11 µs, a search about 1 ms. It is read before the
        reload, so a searcher is never older than the generation it comes with."""
        try:
            meta = (self.path / "meta.json").read_bytes()
        except FileNotFoundError:
            meta = b""
        with self._reading:
            if meta != self._meta:
                self.index.reload()
                self._meta, self._searcher = meta, self.index.searcher()
                self._generation = hashlib.blake2b(meta, digest_size=16).digest()
            return self._generation, self._searcher

    def generation(self) -> bytes:
        """What names the index's content now: equal generations give equal answers (for
        memo keys; `SearchService.related`)."""
        return self.reader()[0]

    def __len__(self) -> int:
        return int(self.reader()[1].num_docs)

    def title_matches(self, title: str, limit: int = 5) -> list[str]:
        """Papers whose title is exactly `title` (ignoring case, accents and punctuation)."""
        key = analysis.title_key(title)
        if not key:
            return []
        q = tantivy.Query.term_query(self.schema, "title_key", key)
        return self._ids(q, limit)

    def restrict(
        self, ids: Sequence[str], filters: SearchFilters, query: ParsedQuery | None = None
    ) -> set[str]:
        """Which of `ids` pass `filters` and the query's constraints (authors, categories,
        years, exclusions): for results that come from another engine."""
        if not ids:
            return set()
        clauses = [(tantivy.Occur.Must, tantivy.Query.term_set_query(self.schema, "id", list(ids)))]
        clauses += self._constraints(query or ParsedQuery(), filters)
        return set(self._ids(tantivy.Query.boolean_query(clauses), len(ids)))

    def _ids(self, query: tantivy.Query, limit: int) -> list[str]:
        searcher = self.reader()[1]
        result = searcher.search(query, limit, count=False)
        return sorted({searcher.doc(addr)["id"][0] for _score, addr in result.hits})

    def search(
        self,
        query: ParsedQuery,
        filters: SearchFilters | None = None,
        *,
        limit: int = 20,
        offset: int = 0,
        by_date: bool = False,
    ) -> KeywordHits:
        """BM25 hits for the query's words, phrases and authors; filters and exclusions apply.

        With no words at all (only filters) every matching paper qualifies, newest first."""
        searcher = self.reader()[1]
        built = self._query(query, filters or SearchFilters(), searcher)
        if built is None:
            return KeywordHits([], 0)
        if by_date or not query.has_terms:
            result = searcher.search(
                built, limit, count=True, order_by_field="published", offset=offset
            )
        else:
            result = searcher.search(built, limit, count=True, offset=offset)
        hits = [(searcher.doc(addr)["id"][0], float(key)) for key, addr in result.hits]
        # Ties in order of id, so that every machine gives the same order.
        hits.sort(key=lambda h: (-h[1], h[0]))
        # `count` is missing from tantivy's type stubs but present at run time.
        total: int = getattr(result, "count", None) or 0
        return KeywordHits(hits, total)

    def _query(
        self, q: ParsedQuery, filters: SearchFilters, searcher: tantivy.Searcher
    ) -> tantivy.Query | None:
        s = self.schema
        should: list[tuple[tantivy.Occur, tantivy.Query]] = []
        # A term said twice counts twice, as in Lucene (long natural-language queries repeat
        # what matters: on CACM, MAP 0.274 with duplicates dropped, 0.318 kept).
        # Beside other words, a phrase ranks (its words count, the exact phrase adds more);
        # alone, it is required: `"attention is all you need"` finds only that wording.
        phrases_required = not q.words
        ranked_text = list(q.words) if phrases_required else [*q.words, *q.phrases]
        # Each distinct term's document count is asked of the index once (a long question
        # repeats its words; the spelling check and the term budget both need it).
        doc_freq = functools.cache(functools.partial(searcher.doc_freq, "text"))
        terms = weightiest_terms(
            _spelt(ranked_text, searcher, doc_freq, self.correct_typos, self.options.text),
            doc_freq,
            searcher.num_docs,
        )
        # One flat OR of term queries: tantivy's block-max WAND skips hopeless documents only
        # when every clause is a term query (nesting `title OR text` per word made 1M-paper
        # queries twice as slow). A word said n times is n equal clauses on the text field.
        title_boost = self.options.title_boost
        for term, count in sorted(terms.items()):
            text = tantivy.Query.term_query(s, "text", term)
            should.extend((tantivy.Occur.Should, text) for _ in range(count))
            if title_boost:
                title = tantivy.Query.term_query(s, "title", term)
                should.append(
                    (tantivy.Occur.Should, tantivy.Query.boost_query(title, title_boost * count))
                )
        for word in q.words:
            # A word may name an author ("Knuth") or be a category ("cs.CL").
            for name in dict.fromkeys(analysis.name_terms(word)):
                if name in analysis.STOP_WORDS:
                    continue
                should.append((tantivy.Occur.Should, tantivy.Query.term_query(s, "authors", name)))
            if "." in word or "-" in word:
                should.append(
                    (tantivy.Occur.Should, tantivy.Query.term_query(s, "categories", word.lower()))
                )
        if not phrases_required and self.options.phrase_boost:
            for phrase in q.phrases:
                pq = self._phrase(phrase)
                if pq is not None:
                    should.append(
                        (
                            tantivy.Occur.Should,
                            tantivy.Query.boost_query(pq, self.options.phrase_boost),
                        )
                    )
        must = self._constraints(q, filters)
        required = any(o == tantivy.Occur.Must for o, _ in must)
        if not should and not required:
            # Nothing to rank and nothing required (say, only exclusions): no results.
            return None
        if not should:
            return tantivy.Query.boolean_query(must)
        if not must:
            return tantivy.Query.boolean_query(should)
        return self._combine(should, must)

    def _constraints(
        self, q: ParsedQuery, filters: SearchFilters
    ) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        """What every result must (not) satisfy: phrases when the query is only phrases,
        authors, exclusions, categories, years and the filters."""
        must: list[tuple[tantivy.Occur, tantivy.Query]] = []
        if not q.words:
            for phrase in q.phrases:
                pq = self._phrase(phrase)
                if pq is not None:
                    must.append((tantivy.Occur.Must, pq))
        for author in q.authors:
            aq = self._author(author)
            if aq is not None:
                must.append((tantivy.Occur.Must, aq))
        for word in q.excluded_words:
            for term in self.options.text.terms(word):
                must.append((tantivy.Occur.MustNot, self._text_term(term, boost=False)))
        for phrase in q.excluded_phrases:
            pq = self._phrase(phrase)
            if pq is not None:
                must.append((tantivy.Occur.MustNot, pq))
        if q.categories:
            must.append((tantivy.Occur.Must, self._categories(q.categories)))
        return must + self._filter_clauses(filters, q.year_from, q.year_to)

    def _combine(
        self,
        should: list[tuple[tantivy.Occur, tantivy.Query]],
        must: list[tuple[tantivy.Occur, tantivy.Query]],
    ) -> tantivy.Query:
        # At least one word must match; constraints and filters narrow, never widen.
        ranked = tantivy.Query.boolean_query(should)
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, ranked), *must])

    def _text_term(self, term: str, *, boost: bool = True) -> tantivy.Query:
        s = self.schema
        text = tantivy.Query.term_query(s, "text", term)
        if boost and not self.options.title_boost:
            # The text field holds the title too: without a boost the title adds nothing.
            return text
        title = tantivy.Query.term_query(s, "title", term)
        return tantivy.Query.boolean_query(
            [
                (
                    tantivy.Occur.Should,
                    tantivy.Query.boost_query(title, self.options.title_boost) if boost else title,
                ),
                (tantivy.Occur.Should, text),
            ]
        )

    def _phrase(self, phrase: str) -> tantivy.Query | None:
        tokens = self.options.text.analyzer().pre_tokenize(phrase).tokens
        words: list[str | tuple[int, str]] = (
            [(t.position - tokens[0].position, t.text) for t in tokens] if tokens else []
        )
        if not words:
            return None
        if len(words) == 1:
            return self._text_term(words[0][1])
        s = self.schema
        text = tantivy.Query.phrase_query(s, "text", words)
        if not self.options.title_boost:
            return text
        return tantivy.Query.boolean_query(
            [
                (
                    tantivy.Occur.Should,
                    tantivy.Query.boost_query(
                        tantivy.Query.phrase_query(s, "title", words), self.options.title_boost
                    ),
                ),
                (tantivy.Occur.Should, text),
            ]
        )

    def _author(self, name: str) -> tantivy.Query | None:
        terms = analysis.name_terms(name)
        if not terms:
            return None
        if len(terms) == 1:
            return tantivy.Query.term_query(self.schema, "authors", terms[0])
        return tantivy.Query.phrase_query(
            self.schema, "authors", list[str | tuple[int, str]](terms)
        )

    def _categories(self, cats: Sequence[str]) -> tantivy.Query:
        return tantivy.Query.boolean_query(
            [
                (
                    tantivy.Occur.Should,
                    tantivy.Query.term_query(self.schema, "categories", c.lower()),
                )
                for c in cats
            ]
        )

    def _filter_clauses(
        self, filters: SearchFilters, year_from: int | None, year_to: int | None
    ) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        lo = filters.date_from
        hi = filters.date_to
        if year_from:
            y = date(max(year_from, 1), 1, 1)
            lo = max(lo, y) if lo else y
        if year_to:
            y = date(min(year_to, 9999), 12, 31)
            hi = min(hi, y) if hi else y
        clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
        if lo or hi:
            clauses.append(
                (
                    tantivy.Occur.Must,
                    tantivy.Query.range_query(
                        self.schema,
                        "published",
                        tantivy.FieldType.Integer,
                        lo.toordinal() if lo else _NO_DATE + 1,
                        hi.toordinal() if hi else date.max.toordinal(),
                    ),
                )
            )
        if filters.categories:
            clauses.append((tantivy.Occur.Must, self._categories(filters.categories)))
        if filters.ids is not None:
            among = tantivy.Query.term_set_query(self.schema, "id", sorted(filters.ids))
            clauses.append((tantivy.Occur.Must, among))
        if filters.excluded:
            left_out = tantivy.Query.term_set_query(self.schema, "id", sorted(filters.excluded))
            clauses.append((tantivy.Occur.MustNot, left_out))
        return clauses


class KeywordWriter:
    """Documents go to tantivy as they come; `commit` makes them durable and searchable (a
    resume point for a long run) and waits for the segment merges it starts. One indexing
    thread: with one per core, documents land in another order on each run, and as tantivy
    breaks ties in score by document order, two machines' results differed (a test)."""

    def __init__(self, index: KeywordIndex) -> None:
        self._index = index
        self._writer: tantivy.IndexWriter | None = None
        # Papers added since the last commit, which the index's searcher cannot see yet.
        self._added: set[str] = set()

    def put(self, docs: Sequence[IndexDoc]) -> None:
        """Add or replace `docs`, removing deleted ones."""
        if self._writer is None:
            self._writer = self._index.index.writer(_WRITER_HEAP, _WRITER_THREADS)
        writer, added = self._writer, self._added
        indexed = self._holding([doc.arxiv_id for doc in docs])
        for doc in docs:
            # Only a paper the index may hold is deleted first: tantivy looks every delete
            # up in every segment, and a first build has nothing to delete.
            if doc.arxiv_id in indexed or doc.arxiv_id in added:
                writer.delete_documents_by_term("id", doc.arxiv_id)
            if not doc.deleted:
                writer.add_document(_document(doc))
                added.add(doc.arxiv_id)

    def commit(self) -> None:
        if self._writer is None:
            return
        self._writer.commit()
        self.close()
        self._added.clear()

    def close(self) -> None:
        """Drop what is not committed and wait for merges to finish."""
        if self._writer is not None:
            self._writer.wait_merging_threads()
            self._writer = None
        self._index.index.reload()

    def _holding(self, ids: Sequence[str]) -> set[str]:
        """Which of `ids` the index held at the last commit: one query for a batch (3.6 ms
        for 2,000 new ids in a 100,000-paper index)."""
        searcher = self._index.reader()[1]
        if not ids or not searcher.num_docs:
            return set()
        query = tantivy.Query.term_set_query(self._index.schema, "id", list(ids))
        result = searcher.search(query, len(ids), count=False)
        return {searcher.doc(addr)["id"][0] for _score, addr in result.hits}


def _document(doc: IndexDoc) -> tantivy.Document:
    return tantivy.Document(
        id=doc.arxiv_id,
        title=doc.title,
        text=f"{doc.title}\n{doc.abstract}",
        authors=list(doc.authors) or [""],
        categories=" ".join(doc.categories),
        title_key=analysis.title_key(doc.title),
        published=doc.published.toordinal() if doc.published else _NO_DATE,
    )


def _spelt(
    words: Sequence[str],
    searcher: tantivy.Searcher,
    doc_freq: Callable[[str], int],
    correct: bool,
    text: analysis.TextAnalysis,
) -> Counter[str]:
    """The terms `text` makes of the query's words, each that no paper contains replaced by
    the nearest term papers do contain (search/spelling.py), as many edits away as the typed
    word's length allows: a typo in a rare word ("transfromer") still finds the paper.
    Terms papers contain stay as they are. A word the analysis leaves out of the index is
    never the correction; where stop words are indexed, "thier" may become "their"."""
    out: Counter[str] = Counter()
    for word in words:
        edits = spelling.max_edits(word) if correct else 0
        for term in text.terms(word):
            if edits and len(term) > 2 and not doc_freq(term) and not _an_author(word, searcher):
                found = searcher.terms_with_prefix("text", term[:2], limit=spelling.CANDIDATES)
                term = spelling.closest_term(term, found, edits, text.removed) or term
            out[term] += 1
    return out


def _an_author(word: str, searcher: tantivy.Searcher) -> bool:
    """Whether `word` is an author's name in the index (not a typo, though no text has it)."""
    return any(searcher.doc_freq("authors", name) for name in analysis.name_terms(word))


def weightiest_terms(
    terms: Counter[str], doc_freq: Callable[[str], int], docs: int
) -> Counter[str]:
    """At most MAX_TERMS of a query's distinct terms: all of them, or for a long query (a
    pasted abstract, CISI's questions) those BM25 weighs most, wherever they stand in it:
    times said x idf over the index's `docs` documents. The first MAX_TERMS words, as before,
    dropped the end of a long question; on CISI (57 of its queries are longer) both score
    the same (docs/search.md)."""
    if len(terms) <= MAX_TERMS:
        return terms

    def weight(term: str) -> float:
        df = doc_freq(term)
        return terms[term] * math.log(1 + (docs - df + 0.5) / (df + 0.5))

    kept = sorted(terms, key=lambda term: (-weight(term), term))[:MAX_TERMS]
    return Counter({term: terms[term] for term in kept})


def _described(built_with: object) -> str:
    """An analysis record as words: "stemming and stop words", "no stemming, no stop words"."""
    if not isinstance(built_with, dict):
        return f"an unknown analysis ({built_with!r})"
    stem = "stemming" if built_with.get("stem") else "no stemming"
    stop = "stop words removed" if built_with.get("stop_words") else "stop words kept"
    return f"{stem}, {stop}"
