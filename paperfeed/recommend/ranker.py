"""A reader's recommendations from what they saved, upvoted or seeded, and what they dismissed
(pure: feature rows in, ranked `Recommendation`s out).

Each view of the features (`features.PaperRows`: tf-idf over words and over stems, each one's
LSA at two resolutions, and a model's vectors when there is one) gets a Rocchio profile: the
weighted mean of the reader's papers, less `DISMISSED_WEIGHT` times the mean of the papers they
dismissed. A candidate's score in a view is its dot product with that profile, standardised
over a background (mean 0, standard deviation 1, so that no view's scale dominates); its score
is the mean over views. In the keyword views the dot product is first divided by the
candidate's spread (`PaperRows.spread`: how widely its similarity to the corpus's papers
varies), so that a paper alike to many papers (a hub) is not recommended to every reader.
docs/recommend.md has the measurements behind each choice.

Cost per reader: a matrix-vector product per view over the candidates (and over the
background, when one is given); `score_many` makes them one matrix product per view for a batch
of readers. The keyword profiles stay sparse (only the terms of the reader's papers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from paperfeed.recommend import sparse as rows_math
from paperfeed.recommend.features import Dense, FeatureSpace, PaperRows
from paperfeed.recommend.sparse import Entries

Scores = npt.NDArray[np.float64]

# How much each kind of signal counts towards the profile. A save or a seed is a reader saying
# "more like this"; an upvote is a lighter touch. A product choice, not a measured one: the
# evaluation's readers only save.
KIND_WEIGHTS = {"saved": 1.0, "seed": 1.0, "upvoted": 0.5}
# Rocchio's textbook weight for judged non-relevant documents (Manning et al., IIR 9.1.1),
# not tuned here: on the three shared collections 0 and 0.25 were within noise of each other.
DISMISSED_WEIGHT = 0.25
BECAUSE = 2  # reader's papers named in an explanation
WORDS = 5  # words named in an explanation


@dataclass(frozen=True, slots=True)
class Positive:
    """A paper the reader showed interest in, and how: "saved", "upvoted" or "seed"."""

    paper_id: str
    kind: str = "saved"

    def __post_init__(self) -> None:
        if self.kind not in KIND_WEIGHTS:
            raise ValueError(f"unknown kind of signal {self.kind!r}")


@dataclass(frozen=True, slots=True)
class Signals:
    """What a reader has told us: papers they liked, and papers they marked "not interested"."""

    positives: tuple[Positive, ...]
    dismissed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Recommendation:
    """A recommended paper with its score and why: the reader's papers it is most like
    (`because`, ids, most alike first), the words that weighed most, and the authors it shares
    with the reader's papers."""

    paper_id: str
    score: float
    because: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()


@dataclass(slots=True)
class Profile:
    """A reader fitted to the feature rows: a profile vector per view, and the reader's own
    papers (to explain recommendations and to leave them out)."""

    sparse: dict[str, sp.csr_matrix]  # a 1-row matrix per view: only the reader's terms
    dense: dict[str, Dense]
    positives: PaperRows
    weights: Dense
    excluded: frozenset[str]
    vocabulary: npt.NDArray[np.str_]
    # The positives' sparse rows as plain arrays, per view (for explanations).
    entries: dict[str, Entries] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not len(self.positives)


def fit_profile(signals: Signals, known: PaperRows, space: FeatureSpace) -> Profile:
    """The reader's profile, from `known`: rows that include the papers `signals` name (papers
    missing from it are ignored; a reader with none left gets an empty profile)."""
    weight_of: dict[str, float] = {}
    for p in signals.positives:
        weight_of[p.paper_id] = max(weight_of.get(p.paper_id, 0.0), KIND_WEIGHTS[p.kind])
    dismissed = [d for d in dict.fromkeys(signals.dismissed) if d not in weight_of]
    pos = known.select(list(weight_of))
    neg = known.select(dismissed) if dismissed else None
    w = np.array([weight_of[pid] for pid in pos.ids], dtype=np.float32)
    w = w / w.sum() if len(w) else w
    entries = {name: rows_math.entries(m) for name, m in pos.sparse.items() if m.shape[1]}
    sparse = {}
    for name, theirs in entries.items():
        mean = rows_math.weighted_sum(theirs, w)
        if neg is not None and len(neg):
            against = rows_math.entries(neg.sparse[name])
            weights = np.full(len(neg), 1 / len(neg))
            mean = rows_math.combine(
                mean, rows_math.weighted_sum(against, weights), -DISMISSED_WEIGHT
            )
        sparse[name] = rows_math.as_row(mean, pos.sparse[name].shape[1])
    dense = {
        name: _rocchio(
            w @ m if len(w) else np.zeros(m.shape[1], np.float32),
            neg.dense[name] if neg is not None else m[:0],
        )
        for name, m in pos.dense.items()
    }
    return Profile(
        sparse=sparse,
        dense=dense,
        positives=pos,
        weights=w,
        excluded=frozenset(weight_of) | frozenset(dismissed),
        vocabulary=space.words.vocabulary,
        entries=entries,
    )


def _rocchio(centroid: Dense, dismissed: Dense) -> Dense:
    if not dismissed.shape[0]:
        return centroid
    mean = np.asarray(dismissed.mean(axis=0), dtype=np.float32).ravel()
    result: Dense = centroid - DISMISSED_WEIGHT * mean
    return result


def score(profile: Profile, candidates: PaperRows, background: PaperRows | None = None) -> Scores:
    """Each candidate's score: the mean over views of its standardised profile similarity.
    Standardised over `background` (a fixed sample of papers, so that a score does not depend
    on which other papers are ranked with it), or over the candidates themselves without one."""
    scores: Scores = score_many([profile], candidates, background)[0]
    return scores


def score_many(
    profiles: Sequence[Profile], candidates: PaperRows, background: PaperRows | None = None
) -> npt.NDArray[np.float64]:
    """`score` for many readers at once, a row each: one matrix product per view instead of a
    matrix-vector product per reader and view (what a daily run over every reader wants)."""
    total = np.zeros((len(profiles), len(candidates)), dtype=np.float64)
    views = np.zeros(len(profiles), dtype=np.float64)
    if not len(candidates):
        return total
    for kind in ("sparse", "dense"):
        for name, rows in getattr(candidates, kind).items():
            who = [
                k
                for k, p in enumerate(profiles)
                if not p.empty and name in getattr(p, kind) and rows.shape[1]
            ]
            if not who:
                continue
            if kind == "sparse":
                vectors = sp.vstack([profiles[k].sparse[name] for k in who], format="csr").T
            else:
                vectors = np.stack([profiles[k].dense[name] for k in who], axis=1)
            s = _per_spread(candidates, name, _dense(rows @ vectors))  # (candidates, readers)
            ref = s
            if background is not None:
                ref = _dense(getattr(background, kind)[name] @ vectors)
                ref = _per_spread(background, name, ref)
            mean, spread = ref.mean(axis=0), ref.std(axis=0)
            safe = np.where(spread > 0, spread, 1.0)
            total[who] += np.where(spread > 0, (s - mean) / safe, 0.0).T
            views[who] += 1
    return total / np.maximum(views, 1)[:, None]


def _per_spread(
    papers: PaperRows, name: str, s: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """`s` (a row per paper) divided by each paper's spread in view `name`, when the papers have
    one there (the keyword views); a paper of no spread (no known word) scores 0."""
    spread = papers.spread.get(name)
    if spread is None or len(spread) != s.shape[0]:
        return s
    inverse = np.divide(1.0, spread, out=np.zeros(len(spread)), where=spread > 0)
    scaled: npt.NDArray[np.float64] = s * inverse[:, None]
    return scaled


def _dense(m: Any) -> npt.NDArray[np.float64]:
    """A product's result as a dense array (sparse times sparse is sparse)."""
    return np.asarray(m.toarray() if sp.issparse(m) else m, dtype=np.float64)


def rank(
    profile: Profile,
    candidates: PaperRows,
    *,
    limit: int | None = None,
    background: PaperRows | None = None,
    explain: bool = True,
    scores: Scores | None = None,
) -> list[Recommendation]:
    """The candidates best first (the reader's own and dismissed papers left out), at most
    `limit`, each explained unless `explain` is false. `scores` are the candidates' scores when
    already computed (a row of `score_many`)."""
    if scores is None:
        scores = score(profile, candidates, background)
    keep = np.ones(len(candidates), dtype=bool)
    keep[candidates.positions(profile.excluded)] = False
    order = np.flatnonzero(keep)
    order = order[np.argsort(-scores[order], kind="stable")]
    if limit is not None:
        order = order[:limit]
    if profile.empty:
        return []
    if not explain:
        return [Recommendation(candidates.ids[i], float(scores[i])) for i in order]
    return explained(profile, candidates, order, scores)


def explained(
    profile: Profile,
    candidates: PaperRows,
    at: Sequence[int] | npt.NDArray[np.intp],
    scores: Scores,
) -> list[Recommendation]:
    """The candidates at positions `at` as recommendations with their `scores` and why (what
    `rank` gives; a caller that ranks first and keeps only some explains just those)."""
    order = np.asarray(at, dtype=np.intp)
    if profile.empty or not len(order):
        return []
    because = _because(profile, candidates, order)
    words = _words(profile, candidates, order)
    theirs = {a.casefold() for row in profile.positives.authors for a in row}
    return [
        Recommendation(
            paper_id=candidates.ids[i],
            score=float(scores[i]),
            because=because[j],
            words=words[j],
            authors=tuple(a for a in candidates.authors[i] if a.casefold() in theirs),
        )
        for j, i in enumerate(order.tolist())
    ]


def recommend(
    signals: Signals,
    known: PaperRows,
    candidates: PaperRows,
    space: FeatureSpace,
    *,
    limit: int | None = 50,
    background: PaperRows | None = None,
) -> list[Recommendation]:
    """`fit_profile` then `rank`: a reader's best `limit` candidates, explained."""
    profile = fit_profile(signals, known, space)
    return rank(profile, candidates, limit=limit, background=background)


def _because(
    profile: Profile, candidates: PaperRows, top: npt.NDArray[np.intp]
) -> list[tuple[str, ...]]:
    """Per candidate at `top`, the reader's papers (1 or 2) that pulled it up most: the
    weighted similarity over every view; a second one only if it pulled at least half as
    much."""
    pos = profile.positives
    sims = np.zeros((len(top), len(pos)), dtype=np.float64)
    for name, theirs in profile.entries.items():
        m = candidates.sparse.get(name)
        if m is not None:
            sims += rows_math.products(rows_math.entries(m, top), theirs)
    for name, m in candidates.dense.items():
        if name in pos.dense:
            sims += m[top] @ pos.dense[name].T
    sims *= profile.weights
    best = np.argsort(-sims, axis=1, kind="stable")[:, :BECAUSE]
    pulls = np.take_along_axis(sims, best, axis=1)
    out = []
    for ks, values in zip(best.tolist(), pulls.tolist(), strict=True):
        named = [
            pos.ids[k] for k, v in zip(ks, values, strict=True) if v > 0 and v >= 0.5 * values[0]
        ]
        out.append(tuple(named))
    return out


def _words(
    profile: Profile, candidates: PaperRows, top: npt.NDArray[np.intp]
) -> list[tuple[str, ...]]:
    """Per candidate at `top`, the words (or word pairs) whose weight in both it and the
    profile contributed most to its words score."""
    profile_row = profile.sparse.get("words")
    m = candidates.sparse.get("words")
    if profile_row is None or m is None:
        return [() for _ in top]
    # Every candidate at once: each stored term's contribution, ordered by row and then by
    # contribution (best first; ties in the row's term order), the first WORDS positive ones
    # of each row kept.
    theirs = rows_math.entries(m, top)
    contribution = theirs.value * rows_math.lookup(profile_row, theirs.term)
    counted = np.flatnonzero(contribution > 0)  # the terms it shares with the profile
    row, worth = theirs.row[counted], contribution[counted]
    order = np.lexsort((-worth, row))
    starts = np.searchsorted(row[order], np.arange(len(top)))
    place = np.arange(len(order)) - starts[row[order]]
    kept = counted[order[place < WORDS]]
    out: list[list[str]] = [[] for _ in top]
    named = profile.vocabulary[theirs.term[kept]].tolist()
    for r, word in zip(theirs.row[kept].tolist(), named, strict=True):
        out[r].append(str(word))
    return [tuple(words) for words in out]
