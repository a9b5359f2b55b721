"""Retrieval quality measures (pure), as trec_eval computes them.

A document is relevant when its judged gain is >= 1; nDCG uses the gains themselves (linear
gain, log2 discount), so graded collections count their grades.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class QueryScores:
    ap: float
    ndcg10: float
    recall100: float
    p10: float


def score_query(ranking: Sequence[str], gains: Mapping[str, int]) -> QueryScores:
    """Scores of one ranked list against one query's judgments (doc id -> gain)."""
    relevant = {d for d, g in gains.items() if g >= 1}
    if not relevant:
        return QueryScores(0.0, 0.0, 0.0, 0.0)
    ranking = list(dict.fromkeys(ranking))
    hits = 0
    precision_sum = 0.0
    for i, doc in enumerate(ranking, 1):
        if doc in relevant:
            hits += 1
            precision_sum += hits / i
    dcg = sum(max(gains.get(doc, 0), 0) / math.log2(i + 1) for i, doc in enumerate(ranking[:10], 1))
    ideal = sorted((g for g in gains.values() if g > 0), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 1) for i, g in enumerate(ideal, 1))
    return QueryScores(
        ap=precision_sum / len(relevant),
        ndcg10=dcg / idcg if idcg else 0.0,
        recall100=len(relevant.intersection(ranking[:100])) / len(relevant),
        p10=len(relevant.intersection(ranking[:10])) / 10,
    )


def mean_scores(scores: Sequence[QueryScores]) -> dict[str, float]:
    """The mean of each measure over queries, keyed by name (map, ndcg@10, recall@100, p@10)."""
    n = len(scores) or 1
    return {
        "map": sum(s.ap for s in scores) / n,
        "ndcg@10": sum(s.ndcg10 for s in scores) / n,
        "recall@100": sum(s.recall100 for s in scores) / n,
        "p@10": sum(s.p10 for s in scores) / n,
    }


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)
