"""Hybrid ranking (pure): weighted reciprocal rank fusion of keyword and semantic rankings.

    score(d) = 1 / (k + rank_kw(d)) + w / (k + rank_sem(d)),   k = 60

A paper missing from one ranking gets nothing from it. Ties are broken by id so that every
machine returns the same order.

The semantic weight `w` is set per query from how distinct the top of the semantic ranking is
(a score-distribution predictor of query performance, like NQC): z = (mean similarity of the
top 10 - mean of the top 1000) / their standard deviation, and w = clamp((z - 3.2) / 2, 0, 1).
A strong model separates its best matches clearly (all-MiniLM-L6-v2 on CACM: median z 3.98);
a weak one, or a query it does not understand, ranks near-ties (a static model distilled
from MiniLM: median z 3.3), and plain fusion would let that noise push good keyword hits
down (CACM nDCG@10: BM25 0.483, static model + plain RRF 0.429). Measurements and the
alternatives tried are in docs/search.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

RRF_K = 60
# z at which the semantic ranking starts to count, and how much more z gives it full weight.
Z_FLOOR = 3.2
Z_SPAN = 2.0
CONFIDENCE_DEPTH = 1000


@dataclass(frozen=True, slots=True)
class Fused:
    paper_id: str
    score: float
    keyword_rank: int | None
    semantic_rank: int | None


def rrf(
    keyword: Sequence[str],
    semantic: Sequence[str],
    *,
    semantic_weight: float = 1.0,
    keyword_weight: float = 1.0,
    k: int = RRF_K,
) -> list[Fused]:
    """Fuse two rankings (ids best first, rank 1 = first); best first."""
    kw_rank: Mapping[str, int] = {pid: i for i, pid in enumerate(keyword, 1)}
    sem_rank: Mapping[str, int] = {pid: i for i, pid in enumerate(semantic, 1)}
    fused = []
    for pid in dict.fromkeys([*keyword, *semantic]):
        kr = kw_rank.get(pid)
        sr = sem_rank.get(pid)
        score = (keyword_weight / (k + kr) if kr else 0.0) + (
            semantic_weight / (k + sr) if sr else 0.0
        )
        fused.append(Fused(pid, score, kr, sr))
    fused.sort(key=lambda f: (-f.score, f.paper_id))
    return fused


def semantic_weight(similarities: Sequence[float]) -> float:
    """The semantic ranking's weight for one query, from its similarities (best first, up to
    `CONFIDENCE_DEPTH` of them); 0 when there are too few to judge."""
    top = list(similarities[:CONFIDENCE_DEPTH])
    if len(top) < 20:
        # Too few papers to tell signal from noise: let both engines count alike.
        return 1.0 if top else 0.0
    mean = sum(top) / len(top)
    std = math.sqrt(sum((s - mean) ** 2 for s in top) / len(top))
    if std <= 1e-9:
        return 0.0
    z = (sum(top[:10]) / 10 - mean) / std
    return min(1.0, max(0.0, (z - Z_FLOOR) / Z_SPAN))
