"""Search as the site, the API, digests and the CLI use it: keyword, semantic and hybrid
search with pinned ids and titles, filters, sorting, reasons for each hit, related papers,
and keeping the indexes up to date.

Files live under `<data_dir>/index/`: `keyword/` (tantivy) and `vectors/` (one ANN index per
embedding model). Both are derived from the store and can be rebuilt from it at any time.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Hashable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from paperfeed.errors import Invalid
from paperfeed.models import Hit, IndexReport, Paper, SearchFilters, SearchResults, Why
from paperfeed.search import analysis
from paperfeed.search.embedder import (
    DEFAULT_MODEL,
    Embedder,
    EmbedderUnavailable,
    load_embedder,
)
from paperfeed.search.fusion import FUSION_DEPTH, combine, semantic_share
from paperfeed.search.indexer import (
    Progress,
    update_keyword,
    update_vectors,
)
from paperfeed.search.keyword_index import KeywordIndex
from paperfeed.search.query import ParsedQuery, parse_query
from paperfeed.search.searcher import MODES, SORTS
from paperfeed.search.state_file import StateFile
from paperfeed.search.vector_index import VectorIndex, VectorIndexError
from paperfeed.store import Store

log = logging.getLogger(__name__)

# Results come from at most this many candidates (sorting by upvotes, filtering ANN hits).
MAX_CANDIDATES = 1000
# Programmatic callers (evaluation) may ask for a full ranking; the API caps its own limit.
MAX_LIMIT = 1000
# What people searching are told when the model cannot be loaded; the reason (a path, a
# network error) is for the server log, not for every visitor.
MODEL_MISSING = (
    "Semantic search is off on this site: its embedding model is not installed. "
    "Showing keyword results."
)
TURNED_OFF = "Semantic search is off on this site. Showing keyword results."
# The model loads but its vector index is not built yet (`paperfeed index`, or the index job).
NOT_READY = "Semantic search is not ready yet on this site. Showing keyword results."
_warned: set[str] = set()


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")[:120] or "model"


@dataclass(frozen=True, slots=True)
class _Candidate:
    paper_id: str
    score: float
    why: Why


class SearchService:
    """Open once per process; cheap to query from many threads."""

    def __init__(
        self,
        store: Store,
        data_dir: Path,
        keyword: KeywordIndex,
        embedder: Embedder | None,
        notice: str | None,
        reason: str | None = None,
    ) -> None:
        self.store = store
        self.data_dir = data_dir
        self.keyword = keyword
        self.embedder = embedder
        # Without an embedder: what searchers are told, and why, for operators (index
        # reports, `paperfeed eval`).
        self.notice = notice
        self.reason = reason
        self._vectors: VectorIndex | None = None
        self._vectors_stamp: float | None = None
        self._indexing = threading.Lock()
        self._opening = threading.Lock()

    @classmethod
    def open(cls, store: Store, data_dir: Path, model: str | None = None) -> SearchService:
        """Open the indexes under `data_dir`. `model` is a model spec (default: the default
        model); "none" turns semantic search off. A model that cannot be loaded never fails
        this: search runs in keyword mode and says so in plain words (`MODEL_MISSING`); the
        reason is logged once per model, at WARNING."""
        keyword = KeywordIndex(data_dir / "index" / "keyword")
        spec = model or DEFAULT_MODEL
        embedder: Embedder | None = None
        notice: str | None = None
        reason: str | None = None
        if spec.strip().lower() in ("none", "off", ""):
            notice, reason = TURNED_OFF, "turned off (search_model = none)"
        else:
            try:
                embedder = load_embedder(spec, cache_dir=data_dir / "models")
            except EmbedderUnavailable as exc:
                notice, reason = MODEL_MISSING, str(exc)
                if spec not in _warned:
                    _warned.add(spec)
                    log.warning("semantic search is unavailable, keyword results only: %s", exc)
        return cls(store, data_dir, keyword, embedder, notice, reason)

    # --------------------------------------------------------------- indexing

    @property
    def _vector_dir(self) -> Path:
        return self.data_dir / "index" / "vectors"

    def _vector_paths(self, embedder: Embedder) -> tuple[Path, StateFile]:
        base = self._vector_dir / _slug(embedder.name)
        return base.with_suffix(".index"), StateFile(base.with_suffix(".state.json"))

    def index(self, *, rebuild: bool = False, progress: Progress | None = None) -> IndexReport:
        """Bring the keyword index, the stored vectors and the ANN index up to date with the
        store (only new or changed papers); `rebuild` starts the local indexes over (stored
        vectors whose text is unchanged are reused)."""
        with self._indexing:
            return self._index(rebuild=rebuild, progress=progress)

    def refresh(self) -> IndexReport | None:
        """Index what changed since the last run, unless a run is already under way here or
        in another process (the site calls this after a submission, the index job every few
        seconds). Costs one query when nothing changed. Returns the report of a run, None
        when there was nothing to do or another run had it."""
        if not self._indexing.acquire(blocking=False):
            return None
        try:
            if self.up_to_date():
                return None
            return self._index(rebuild=False, progress=None)
        except (ValueError, OSError, RuntimeError) as exc:
            # tantivy refuses a second writer: `paperfeed index` is running; it will catch up.
            log.info("search index refresh skipped: %s", exc)
            return None
        finally:
            self._indexing.release()

    def up_to_date(self) -> bool:
        """Whether the local indexes have taken in the store's last change."""
        last = self.store.search_data.last_change()
        if self.keyword.state().get("seq", 0 if last == 0 else None) != last:
            return False
        if self.embedder is None:
            return True
        _path, state = self._vector_paths(self.embedder)
        data = state.read()
        return data.get("model") == self.embedder.name and data.get("seq") == last

    def _index(self, *, rebuild: bool, progress: Progress | None) -> IndexReport:
        report = IndexReport()
        report.keyword_updated = update_keyword(
            self.store, self.keyword, rebuild=rebuild, progress=progress
        )
        report.keyword_total = len(self.keyword)
        if self.embedder is None:
            report.semantic = self.reason or self.notice
            return report
        path, state = self._vector_paths(self.embedder)
        if rebuild:
            path.unlink(missing_ok=True)
            state.path.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            index = VectorIndex.open(path, self.embedder.dim, model=self.embedder.name)
        except VectorIndexError as exc:
            # A damaged or foreign file is derived data: start it over from the store.
            log.warning("%s; rebuilding it", exc)
            path.unlink(missing_ok=True)
            state.path.unlink(missing_ok=True)
            index = VectorIndex.open(path, self.embedder.dim, model=self.embedder.name)
        report.embedded, report.vectors_reused = update_vectors(
            self.store, self.embedder, index, state, progress=progress
        )
        report.vectors_total = len(index)
        self._vectors = None
        return report

    def _vector_index(self) -> VectorIndex | None:
        """The ANN index of the current model, re-read when `paperfeed index` replaced it."""
        if self.embedder is None:
            return None
        path, _state = self._vector_paths(self.embedder)
        try:
            stamp = path.stat().st_mtime
        except FileNotFoundError:
            return None
        vectors = self._vectors
        if vectors is not None and stamp == self._vectors_stamp:
            return vectors
        # One thread opens it; the others wait for that one instead of each reading the
        # whole index at once (a cold worker under load opened a 200k index five times).
        with self._opening:
            if self._vectors is not None and stamp == self._vectors_stamp:
                return self._vectors
            try:
                opened = VectorIndex.open(path, self.embedder.dim, model=self.embedder.name)
            except VectorIndexError as exc:
                if path.name not in _warned:
                    _warned.add(path.name)
                    log.warning("%s", exc)
                return None
            self._vectors, self._vectors_stamp = opened, stamp
            return opened

    # ----------------------------------------------------------------- search

    def search(
        self,
        query: str,
        *,
        mode: str = "hybrid",
        limit: int = 20,
        offset: int = 0,
        filters: SearchFilters | None = None,
        sort: str = "relevance",
        explain: bool = True,
    ) -> SearchResults:
        """Search the papers. Never raises on what a user typed; an unknown mode or sort, or
        a limit out of range, is `Invalid` (those come from code or the API, not the box).
        `explain=False` skips finding each hit's matched terms (for long rankings). Papers the
        curators hid are left out inside every engine, so pages are full and `total` does not
        count them."""
        if mode not in MODES:
            raise Invalid(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if sort not in SORTS:
            raise Invalid(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
        if not 1 <= limit <= MAX_LIMIT or offset < 0:
            raise Invalid(f"limit must be 1..{MAX_LIMIT} and offset >= 0")
        filters = self._without_hidden(filters or SearchFilters())
        parsed = parse_query(query)
        notes = list(parsed.notes)
        used = mode
        vectors = self._vector_index() if mode != "keyword" else None
        if mode != "keyword" and (vectors is None or self.embedder is None):
            used = "keyword"
            notes.append(self.notice or NOT_READY)
        if parsed.is_empty:
            return SearchResults(query, used, [], 0, "; ".join(notes) or None)

        pinned, known = self._pinned(parsed, filters)
        pinned_ids = {c.paper_id for c in pinned}
        # Fusion needs each engine's best FUSION_DEPTH; keyword order alone needs only the
        # page (plus what pinned papers push down); other sorts re-rank every candidate.
        want = min(max(offset + limit, FUSION_DEPTH), MAX_CANDIDATES)
        if used == "keyword":
            want = min(offset + limit + len(pinned), MAX_CANDIDATES)
        if sort == "upvotes" or (sort == "date" and used != "keyword"):
            want = MAX_CANDIDATES
        ranked, total = self._ranked(parsed, filters, used, vectors, want, sort)
        ranked = [c for c in ranked if c.paper_id not in pinned_ids]
        if sort == "upvotes":
            votes = self.store.papers.upvote_counts([c.paper_id for c in ranked])
            ranked.sort(key=lambda c: (-votes.get(c.paper_id, 0), -c.score, c.paper_id))
        elif sort == "date" and used != "keyword":
            dated = self.store.papers.get_many([c.paper_id for c in ranked])
            ranked.sort(key=lambda c: _date_key(dated.get(c.paper_id)), reverse=True)
        everything = [*pinned, *ranked]
        page = everything[offset : offset + limit]
        missing = [c.paper_id for c in page if c.paper_id not in known]
        papers = {**known, **self.store.papers.get_many(missing)} if missing else known
        terms = _query_terms(parsed) if explain else {}
        hits = [
            Hit(
                paper=papers[c.paper_id],
                score=c.score,
                why=_with_terms(c.why, terms, papers[c.paper_id]),
            )
            for c in page
            if c.paper_id in papers
        ]
        return SearchResults(
            query, used, hits, max(total, len(everything)), "; ".join(notes) or None
        )

    def _pinned(
        self, parsed: ParsedQuery, filters: SearchFilters
    ) -> tuple[list[_Candidate], dict[str, Paper]]:
        """Papers the query names (arXiv ids, else an exact title), first in the results; and
        those read from the store to find them, so that the page need not read them again."""
        out: list[_Candidate] = []
        found: dict[str, Paper] = {}
        if parsed.references:
            named = [pid for pid in parsed.references if pid not in filters.excluded]
            found = self.store.papers.get_many(named) if named else {}
            out += [_Candidate(pid, 1.0, Why(pinned="arxiv id")) for pid in named if pid in found]
        if parsed.text and not parsed.references:
            titled = self.keyword.title_matches(parsed.text)
            # The query's own constraints hold for a title too: `surface codes -neural` does
            # not pin a paper titled "Surface codes" whose abstract is about neural decoders.
            allowed = self.keyword.restrict(titled, filters, parsed) if titled else set()
            out += [_Candidate(pid, 1.0, Why(pinned="title")) for pid in titled if pid in allowed]
        return out, found

    def _ranked(
        self,
        parsed: ParsedQuery,
        filters: SearchFilters,
        mode: str,
        vectors: VectorIndex | None,
        want: int,
        sort: str,
    ) -> tuple[list[_Candidate], int]:
        keyword: list[tuple[str, float]] = []
        total = 0
        if mode in ("keyword", "hybrid") or not parsed.text:
            kw = self.keyword.search(
                parsed, filters, limit=want, by_date=(sort == "date" and mode == "keyword")
            )
            keyword, total = kw.hits, kw.total
        semantic: list[tuple[str, float]] = []
        if mode in ("semantic", "hybrid") and vectors is not None and parsed.text:
            semantic = self._semantic(parsed, filters, vectors, want)
        if mode == "keyword" or not semantic:
            return [
                _Candidate(pid, score, Why(keyword_rank=i))
                for i, (pid, score) in enumerate(keyword, 1)
            ], total
        if mode == "semantic" or not keyword:
            return [
                _Candidate(pid, sim, Why(semantic_rank=i, similarity=sim))
                for i, (pid, sim) in enumerate(semantic, 1)
            ], len(semantic)
        sims = dict(semantic)
        assert self.embedder is not None
        fused = combine(
            keyword[:FUSION_DEPTH],
            semantic[:FUSION_DEPTH],
            share=semantic_share(self.embedder.kind),
        )
        # Beyond the fusion depth, keyword order continues (as when sorting by date).
        seen = {f.paper_id for f in fused}
        out = [
            _Candidate(
                f.paper_id,
                f.score,
                Why(
                    keyword_rank=f.keyword_rank,
                    semantic_rank=f.semantic_rank,
                    similarity=sims.get(f.paper_id),
                ),
            )
            for f in fused
        ]
        out += [
            _Candidate(pid, 0.0, Why(keyword_rank=i))
            for i, (pid, _s) in enumerate(keyword, 1)
            if pid not in seen
        ]
        return out, max(total, len(out))

    def _semantic(
        self, parsed: ParsedQuery, filters: SearchFilters, vectors: VectorIndex, want: int
    ) -> list[tuple[str, float]]:
        """The semantic ranking (best `want`, constraints applied)."""
        assert self.embedder is not None
        query_vec = np.asarray(self.embedder.embed([parsed.text])[0], dtype=np.float32)
        constrained = _constrained(parsed, filters)
        # Constraints are applied afterwards: ask for enough candidates to keep `want`.
        k = MAX_CANDIDATES if constrained else min(want + len(filters.excluded), MAX_CANDIDATES)
        hits = vectors.search(query_vec, k)
        hits = [h for h in hits if h[0] not in filters.excluded]
        if constrained and hits:
            allowed = self.keyword.restrict([pid for pid, _ in hits], filters, parsed)
            hits = [h for h in hits if h[0] in allowed]
        return hits[:want]

    def _without_hidden(self, filters: SearchFilters) -> SearchFilters:
        """`filters`, also leaving out the papers curators hid (read per search: hiding
        changes no paper, so the indexes do not know of it)."""
        hidden = self.store.moderation.hidden_ids()
        if not hidden:
            return filters
        return replace(filters, excluded=filters.excluded | hidden)

    # ---------------------------------------------------------------- related

    def related(self, arxiv_id: str, limit: int = 10) -> list[Hit]:
        """Papers near `arxiv_id`: its vector neighbours, or, without a semantic index, the
        keyword matches of its title; hidden papers left out.

        A paper's related papers change only when an index or the store does, so they are
        kept in the store's read memo under the indexes' generations (the store's change
        stamp covers the papers, their vectors and what curators hid): a paper page asks for
        them on every view, and a title search is half its cost."""
        vectors = self._vector_index()
        key = ("SearchService.related", self.memo_key(vectors), arxiv_id, limit)
        return self.store.db.remembered(key, lambda: self._related(arxiv_id, limit, vectors))

    def memo_key(self, vectors: VectorIndex | None = None) -> Hashable:
        """What names the indexes' content now, for read memo keys of answers that depend
        on nothing else but the store (whose change stamp the memo checks): equal keys, equal
        answers. `vectors`: the vector index already opened for the answer."""
        if vectors is None:
            vectors = self._vector_index()
        return (
            str(self.keyword.path),
            self.keyword.options,
            self.keyword.generation(),
            self.embedder.name if self.embedder is not None else None,
            self._vectors_stamp if vectors is not None else None,
        )

    def _related(self, arxiv_id: str, limit: int, vectors: VectorIndex | None) -> list[Hit]:
        found: list[tuple[str, float]] = []
        filters = self._without_hidden(SearchFilters())
        skip = filters.excluded | {arxiv_id}
        if vectors is not None and self.embedder is not None:
            stored = self.store.search_data.vectors(self.embedder.name, [arxiv_id])
            if arxiv_id in stored:
                vec = np.frombuffer(stored[arxiv_id], dtype="<f4").astype(np.float32)
                near = vectors.search(vec, min(limit + len(skip), MAX_CANDIDATES))
                found = [h for h in near if h[0] not in skip]
                hits_why = [
                    Why(semantic_rank=i, similarity=s) for i, (_p, s) in enumerate(found, 1)
                ]
        if not found:
            paper = self.store.papers.get(arxiv_id)
            if paper is None:
                return []
            parsed = parse_query(paper.title)
            kw = self.keyword.search(parsed, filters, limit=limit + 1)
            found = [h for h in kw.hits if h[0] != arxiv_id]
            hits_why = [Why(keyword_rank=i) for i in range(1, len(found) + 1)]
        found = found[:limit]
        papers = self.store.papers.get_many([pid for pid, _ in found])
        return [
            Hit(paper=papers[pid], score=score, why=why)
            for (pid, score), why in zip(found, hits_why, strict=False)
            if pid in papers
        ]


def _constrained(parsed: ParsedQuery, filters: SearchFilters) -> bool:
    return bool(
        parsed.authors
        or parsed.categories
        or parsed.year_from
        or parsed.year_to
        or parsed.excluded_words
        or parsed.excluded_phrases
        or (parsed.phrases and not parsed.words)
        or filters.categories
        or filters.date_from
        or filters.date_to
        or filters.ids is not None
    )


def _date_key(paper: Paper | None) -> str:
    if paper is None or paper.published is None:
        return ""
    return paper.published.isoformat()


def _query_terms(parsed: ParsedQuery) -> dict[str, str]:
    """Index term -> the word the user typed, for every ranked word and phrase word."""
    terms: dict[str, str] = {}
    for text in (*parsed.words, *parsed.phrases):
        for token in text.split():
            for term in analysis.text_terms(token):
                terms.setdefault(term, token.strip(".,;:!?()[]{}\"'"))
    for name in parsed.authors:
        for term in analysis.name_terms(name):
            terms.setdefault(f"author:{term}", name)
    return terms


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[frozenset[str], tuple[tuple[str, str], ...]]:
    """A paper's text as the analyzer splits it: the set of its words, and each word with
    the text it was cut from, in order. A pure function of the text, kept for the papers
    searches keep finding (pre-tokenizing ten abstracts was half of a query's own cost)."""
    tokens = analysis.text_analyzer_cached().pre_tokenize(text).tokens
    pairs = tuple((t.text, text[t.char_offset_from : t.char_offset_to]) for t in tokens)
    return frozenset(word for word, _ in pairs), pairs


@lru_cache(maxsize=4096)
def _author_terms(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(f"author:{t}" for name in names for t in analysis.name_terms(name))


def _with_terms(why: Why, terms: dict[str, str], paper: Paper) -> Why:
    if not terms:
        return why
    present, pairs = _words(f"{paper.title}\n{paper.abstract or ''}")
    highlights = dict.fromkeys(written for word, written in pairs if word in terms)
    names = _author_terms(tuple(a.name for a in paper.authors or ()))
    matched = [w for t, w in terms.items() if t in present or t in names]
    return replace(why, terms=tuple(dict.fromkeys(matched)), highlights=tuple(highlights))
