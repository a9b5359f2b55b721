"""Papers as the recommender's features: fit once on a corpus, saved as plain arrays, applied to
new papers.

Two keyword views and their latent semantic analysis (LSA):

- `words`: sublinear tf-idf over the title and abstract, words and word pairs as written
  (scikit-learn's English analyzer); readable, so explanations name its terms.
- `stems`: the same over search's analysis (Porter stems, Lucene's stop words, `search.analysis`)
  and pairs of stems.
- each view's LSA: a truncated SVD of its tf-idf rows (`LSA_DIMS` components). The ranker reads
  it at two resolutions, all components and the first half.
- each paper's `spread` in each keyword view: the standard deviation of its similarity to the
  papers the space was fitted on, as the LSA sees it. A paper alike to many papers (a hub) has a
  wide one; the ranker divides the paper's keyword scores by it.

With an embedding model the caller passes the papers' vectors too (`vectors`), a fifth view.
Every view of every paper is a row here; `PaperRows` holds them for a set of papers.
"""

from __future__ import annotations

import hashlib
import io
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer

from paperfeed.recommend.term_counts import TermCounts
from paperfeed.search.analysis import text_terms

Matrix: TypeAlias = sp.csr_matrix
Dense: TypeAlias = npt.NDArray[np.float32]

# Components of each view's LSA; the ranker also uses the first half. 256 alone lost on CACM
# and SciFact-train, 512 alone on CISI; both together were at least as good as either on all
# three (docs/recommend.md).
LSA_DIMS = 512
# A term seen in one paper only says nothing about another paper.
MIN_DF = 2
_TOKEN = r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b"


@dataclass(frozen=True, slots=True)
class PaperText:
    """What the features are made from: a paper's id, title, abstract and author names."""

    id: str
    title: str
    abstract: str = ""
    authors: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return f"{self.title}. {self.abstract}".strip()


def _stem_pairs(text: str) -> list[str]:
    terms = text_terms(text)
    return terms + [f"{a} {b}" for a, b in itertools.pairwise(terms)]


def _counter(kind: str, vocabulary: Sequence[str] | None = None) -> CountVectorizer:
    vocab = {t: i for i, t in enumerate(vocabulary)} if vocabulary is not None else None
    if kind == "words":
        return CountVectorizer(
            strip_accents="unicode",
            stop_words="english",
            token_pattern=_TOKEN,
            ngram_range=(1, 2),
            min_df=1 if vocab else MIN_DF,
            vocabulary=vocab,
            dtype=np.float32,
        )
    return CountVectorizer(
        analyzer=_stem_pairs, min_df=1 if vocab else MIN_DF, vocabulary=vocab, dtype=np.float32
    )


def _l2_rows(m: Matrix) -> Matrix:
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sp.csr_matrix(sp.diags(scale.astype(np.float32)) @ m, dtype=np.float32)


def unit_rows(m: Dense) -> Dense:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    out: Dense = np.divide(m, norms, out=np.zeros_like(m), where=norms > 0).astype(np.float32)
    return out


def centred(rows: Dense, centre: Dense) -> Dense:
    """Unit rows with the corpus's mean direction taken out: every paper shares it, so it says
    nothing about a reader (CISI's nDCG@10 went up when it was removed, CACM's did not move)."""
    if not rows.shape[1]:
        return rows
    unit = unit_rows(rows)
    known = np.linalg.norm(rows, axis=1, keepdims=True) > 0  # a paper of no known word stays 0
    return unit_rows(np.where(known, unit - centre, 0.0).astype(np.float32))


@dataclass(slots=True)
class KeywordView:
    """One tf-idf view: its vocabulary, idf weights, LSA components (rows of `components`), the
    mean of the corpus's unit LSA rows at both resolutions (`centre`, `centre_half`), and the
    mean and mean square of each LSA component over the corpus (`lsa_mean`, `lsa_power`: a
    paper's spread in this view, see `spread`)."""

    kind: str  # "words" or "stems"
    vocabulary: npt.NDArray[np.str_]
    idf: Dense
    components: Dense  # (dims, terms); no rows when the corpus is too small for LSA
    centre: Dense
    centre_half: Dense
    lsa_mean: Dense
    lsa_power: Dense
    # Term -> column and the analyzer, made at the first transform (a vocabulary of 200,000
    # terms took 0.3 s to index: too long to pay for every call).
    _index: tuple[dict[str, int], Callable[[str], list[str]]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @classmethod
    def fit(cls, kind: str, texts: Sequence[str]) -> KeywordView:
        counter = _counter(kind)
        try:
            counts = sp.csr_matrix(counter.fit_transform(texts), dtype=np.float32)
        except ValueError:  # no term in MIN_DF papers: an empty view
            empty = _empty(0)
            return cls(kind, np.array([], dtype=str), empty, empty, empty, empty, empty, empty)
        vocabulary = counter.get_feature_names_out().astype(str)
        n = counts.shape[0]
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        # scikit-learn's smoothed idf, as TfidfVectorizer computes it.
        idf = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
        view = cls(kind, vocabulary, idf, _empty(len(vocabulary)), *(_empty(0) for _ in range(4)))
        dims = min(LSA_DIMS, n // 3, len(vocabulary) - 1)
        if dims >= 2:
            rows = view.weigh(counts)
            view.components = TruncatedSVD(dims, random_state=0).fit(rows).components_
            view.components = view.components.astype(np.float32)
            lsa = np.asarray(rows @ view.components.T, dtype=np.float32)
            view.centre = unit_rows(lsa).mean(axis=0)
            view.centre_half = unit_rows(lsa[:, : dims // 2]).mean(axis=0)
            view.lsa_mean = lsa.mean(axis=0)
            view.lsa_power = np.square(lsa).mean(axis=0)
        return view

    def weigh(self, counts: Matrix) -> Matrix:
        """Counts to l2-normalised sublinear tf-idf rows."""
        m = counts.copy()
        m.data = 1 + np.log(m.data)
        return _l2_rows(sp.csr_matrix(m @ sp.diags(self.idf), dtype=np.float32))

    def spread(self, lsa: Dense) -> Dense:
        """Each paper's standard deviation of similarity (dot product of tf-idf rows) to the
        corpus's papers, from its LSA row `lsa`. The mean square similarity is x'(B'B/n)x for the
        corpus's rows B, which the SVD's components diagonalise (the LSA keeps the largest): the
        sum over components of the component's mean square times the paper's coordinate
        squared. Less the squared mean similarity, that is the variance. Empty when the view has
        no LSA (or a space saved without these)."""
        if not len(self.lsa_power) or lsa.shape[1] != len(self.lsa_power):
            return _empty(0)
        variance = np.square(lsa) @ self.lsa_power - np.square(lsa @ self.lsa_mean)
        spread: Dense = np.sqrt(np.maximum(variance, 0.0)).astype(np.float32)
        return spread

    def count(self, texts: Sequence[str]) -> Matrix:
        """The texts' term counts over the view's vocabulary, a row each."""
        if not len(self.vocabulary):
            return sp.csr_matrix((len(texts), 0), dtype=np.float32)
        if self._index is None:
            terms = self.vocabulary.tolist()
            self._index = (
                {t: i for i, t in enumerate(terms)},
                _counter(self.kind).build_analyzer(),
            )
        return _count(*self._index, texts)

    def transform(self, texts: Sequence[str]) -> tuple[Matrix, Dense, Dense, Dense]:
        """Unit tf-idf rows, centred unit LSA rows with all components and the first half, and
        each paper's spread (`spread`)."""
        return self.from_counts(self.count(texts))

    def from_counts(self, counts: Matrix) -> tuple[Matrix, Dense, Dense, Dense]:
        """`transform` of texts whose term counts (`count`) are `counts`."""
        if not len(self.vocabulary):
            empty = sp.csr_matrix((counts.shape[0], 0), dtype=np.float32)
            return empty, _empty(0), _empty(0), _empty(0)
        rows = self.weigh(counts)
        lsa = np.asarray(rows @ self.components.T, dtype=np.float32)
        half = lsa[:, : len(self.components) // 2]
        spread = self.spread(lsa)
        return rows, centred(lsa, self.centre), centred(half, self.centre_half), spread


def _count(
    index: dict[str, int], analyze: Callable[[str], list[str]], texts: Sequence[str]
) -> Matrix:
    """The texts' term counts over a fitted vocabulary, as CountVectorizer.transform counts
    them (the same analyzer; terms outside the vocabulary ignored), in a third less time: the
    lookups are one `map` per text rather than a Python statement per term."""
    get = index.get
    columns: list[int] = []
    ends = [0]
    for text in texts:
        columns.extend(c for c in map(get, analyze(text)) if c is not None)
        ends.append(len(columns))
    m = sp.csr_matrix(
        (
            np.ones(len(columns), dtype=np.float32),
            np.asarray(columns, dtype=np.int32),
            np.asarray(ends, dtype=np.int64 if len(columns) > 2**31 - 1 else np.int32),
        ),
        shape=(len(texts), len(index)),
    )
    m.sum_duplicates()  # a term said n times: one entry of n, columns in order
    return m


def _empty(width: int) -> Dense:
    return np.zeros((0, width) if width else 0, dtype=np.float32)


@dataclass(slots=True)
class PaperRows:
    """The features of some papers, row i for `ids[i]`: per view a matrix of unit rows (`sparse`:
    `words`, `stems`; `dense`: each view's LSA at both resolutions, centred, and `model`), the
    authors' names for explanations, and per keyword view each paper's spread of similarity to
    the corpus (`spread`: `words`, `stems`, when the space has an LSA of them)."""

    ids: list[str]
    sparse: dict[str, Matrix]
    dense: dict[str, Dense]
    authors: list[tuple[str, ...]]
    spread: dict[str, Dense] = field(default_factory=dict)
    _where: dict[str, int] | None = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, index: Sequence[int] | npt.NDArray[np.intp]) -> PaperRows:
        """The rows at `index`, in that order."""
        idx = np.asarray(index, dtype=np.intp)
        return PaperRows(
            ids=[self.ids[i] for i in idx],
            sparse={name: m[idx] for name, m in self.sparse.items()},
            dense={name: m[idx] for name, m in self.dense.items()},
            authors=[self.authors[i] for i in idx],
            spread={name: v[idx] for name, v in self.spread.items()},
        )

    def positions(self, ids: Iterable[str]) -> list[int]:
        """The row numbers of `ids` that are here, in that order (unknown ids left out)."""
        if self._where is None or len(self._where) != len(self.ids):
            self._where = {pid: i for i, pid in enumerate(self.ids)}
        where = self._where
        return [where[pid] for pid in ids if pid in where]

    def select(self, ids: Sequence[str]) -> PaperRows:
        """The rows of `ids` that are here, in that order (unknown ids are left out)."""
        return self.take(self.positions(ids))


@dataclass(slots=True)
class FeatureSpace:
    """The fitted views. Fit on a corpus (a sample of some tens of thousands of papers is
    plenty), `save` it, `load` it elsewhere, and `transform` new papers into `PaperRows`.
    `model_centre` is the mean of the corpus's model vectors, when it was fitted with them."""

    words: KeywordView
    stems: KeywordView
    model_centre: Dense

    @classmethod
    def fit(cls, papers: Sequence[PaperText], vectors: npt.ArrayLike | None = None) -> FeatureSpace:
        texts = [p.text for p in papers]
        centre = (
            unit_rows(np.asarray(vectors, dtype=np.float32)).mean(axis=0)
            if vectors is not None and len(papers)
            else _empty(0)
        )
        return cls(KeywordView.fit("words", texts), KeywordView.fit("stems", texts), centre)

    @property
    def fingerprint(self) -> str:
        """Which fitted space this is (a digest of its vocabularies and idf weights): what
        term counts kept for it (`term_counts`) are valid for."""
        h = hashlib.blake2b(digest_size=16)
        for view in (self.words, self.stems):
            h.update(view.kind.encode())
            h.update(np.ascontiguousarray(view.vocabulary).tobytes())
            h.update(np.ascontiguousarray(view.idf).tobytes())
        return h.hexdigest()

    def transform(
        self,
        papers: Sequence[PaperText],
        vectors: npt.ArrayLike | None = None,
        *,
        counts: TermCounts | None = None,
    ) -> PaperRows:
        """The papers' rows; `vectors` are their embeddings (a row each) when there is a model.
        With `counts` (kept for this space), only the papers not in it are counted."""
        texts = [p.text for p in papers]
        views = {v.kind: v for v in (self.words, self.stems)}
        if counts is not None:
            counted = counts.counts(
                [p.id for p in papers], texts, {k: v.count for k, v in views.items()}
            )
        else:
            counted = {k: v.count(texts) for k, v in views.items()}
        words, words_lsa, words_half, words_spread = self.words.from_counts(counted["words"])
        stems, stems_lsa, stems_half, stems_spread = self.stems.from_counts(counted["stems"])
        dense = {
            "words_lsa": words_lsa,
            "words_lsa_half": words_half,
            "stems_lsa": stems_lsa,
            "stems_lsa_half": stems_half,
        }
        if vectors is not None:
            model = np.asarray(vectors, dtype=np.float32).reshape(len(papers), -1)
            dense["model"] = (
                centred(model, self.model_centre) if len(self.model_centre) else unit_rows(model)
            )
        return PaperRows(
            ids=[p.id for p in papers],
            sparse={"words": words, "stems": stems},
            dense={name: m for name, m in dense.items() if m.ndim == 2 and m.shape[1]},
            authors=[p.authors for p in papers],
            spread={
                name: v
                for name, v in (("words", words_spread), ("stems", stems_spread))
                if len(v) == len(papers) and len(papers)
            },
        )

    def save(self, path: Path) -> None:
        """Write the fitted views as arrays (`.npz`, no pickles) to `path`, atomically."""
        arrays = {
            f"{v.kind}_{name}": getattr(v, name)
            for v in (self.words, self.stems)
            for name in _SAVED
        }
        buffer = io.BytesIO()
        # Not compressed: the components are most of it and hardly compress (a 695 MB file
        # compressed, 750 MB not), and loading them compressed took 9.6 s against 1 s.
        np.savez(buffer, model_centre=self.model_centre, **arrays)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(buffer.getvalue())
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> FeatureSpace:
        """A space saved by `save`. One saved before papers had a spread (no `lsa_mean`,
        `lsa_power`) loads without it, and scores as it did until it is fitted again."""
        with np.load(path, allow_pickle=False) as data:

            def saved(key: str) -> npt.NDArray[Any]:
                return data[key] if key in data.files else _empty(0)

            words, stems = (
                KeywordView(kind, *(saved(f"{kind}_{name}") for name in _SAVED))
                for kind in ("words", "stems")
            )
            return cls(words, stems, data["model_centre"])


_SAVED = ("vocabulary", "idf", "components", "centre", "centre_half", "lsa_mean", "lsa_power")
