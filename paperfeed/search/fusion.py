"""Hybrid ranking (pure): weighted reciprocal rank fusion of keyword and semantic rankings.

    score(d) = w_kw / (k + rank_kw(d)) + w_sem / (k + rank_sem(d)),   k = 60

A paper missing from one ranking gets nothing from it. Ties are broken by id so that every
machine returns the same order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

RRF_K = 60


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
