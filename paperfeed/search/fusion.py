"""Hybrid ranking (pure): a convex combination of the two engines' normalised scores.

    score(d) = (1 - s) · kw(d) + s · sem(d)

kw and sem are each engine's scores (BM25, cosine similarity) over its best `FUSION_DEPTH`
papers for the query, scaled to [0, 1] within that list (min-max); a paper missing from one
list gets that list's lowest value, 0 (it was at best just below the cut). Ties are broken by
id so that every machine returns the same order.

The semantic share `s` follows the embedding model: a contextual (sentence-transformers)
model gets `SHARE_TRANSFORMER`, a static (model2vec) one, whose similarities are noisier,
`SHARE_STATIC`. `bench/tune.py` chose the form, the depth and both shares on CACM, CISI and
SciFact-train together (the largest smallest gain over keyword search, and never below the
better of the two engines on any of them), with all-MiniLM-L6-v2 and with a static model
distilled from it: docs/tuning.md and docs/tuning-static.md. No single share served both
models: 0.4 let the static model's noise push good keyword hits down (SciFact-train nDCG@10
below keyword alone), 0.2 left MiniLM below semantic alone on CISI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Each engine contributes its best this-many papers to the fusion.
FUSION_DEPTH = 200
SHARE_TRANSFORMER = 0.4
SHARE_STATIC = 0.2


@dataclass(frozen=True, slots=True)
class Fused:
    paper_id: str
    score: float
    keyword_rank: int | None
    semantic_rank: int | None


def semantic_share(kind: str) -> float:
    """The semantic share for an embedding model of `kind` ("static" or "transformer")."""
    return SHARE_STATIC if kind == "static" else SHARE_TRANSFORMER


def normalised(ranked: Sequence[tuple[str, float]]) -> dict[str, float]:
    """Each paper's score scaled to [0, 1] within `ranked` (min-max); all 1.0 when every
    score is the same (one paper, or ties)."""
    if not ranked:
        return {}
    scores = [float(s) for _pid, s in ranked]
    lo, hi = min(scores), max(scores)
    span = hi - lo
    return {pid: ((float(s) - lo) / span if span > 0 else 1.0) for pid, s in ranked}


def combine(
    keyword: Sequence[tuple[str, float]],
    semantic: Sequence[tuple[str, float]],
    *,
    share: float,
) -> list[Fused]:
    """Fuse two rankings ((id, score) best first, rank 1 = first) with semantic share
    `share` in [0, 1]; best first."""
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"semantic share must be within 0..1, not {share}")
    kw_norm = normalised(keyword)
    sem_norm = normalised(semantic)
    kw_rank = {pid: i for i, (pid, _s) in enumerate(keyword, 1)}
    sem_rank = {pid: i for i, (pid, _s) in enumerate(semantic, 1)}
    fused = [
        Fused(
            pid,
            (1.0 - share) * kw_norm.get(pid, 0.0) + share * sem_norm.get(pid, 0.0),
            kw_rank.get(pid),
            sem_rank.get(pid),
        )
        for pid in dict.fromkeys([*kw_rank, *sem_rank])
    ]
    fused.sort(key=lambda f: (-f.score, f.paper_id))
    return fused
