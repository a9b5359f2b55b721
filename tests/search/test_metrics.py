"""Quality measures against hand-computed values (trec_eval conventions)."""

from __future__ import annotations

import math

import pytest

from paperfeed.search.metrics import mean_scores, percentile, score_query


def test_average_precision_counts_unretrieved_relevant() -> None:
    s = score_query(["a", "x", "b"], {"a": 1, "b": 1, "c": 1, "n": 0})
    assert s.ap == pytest.approx((1 / 1 + 2 / 3) / 3)
    assert s.recall100 == pytest.approx(2 / 3)
    assert s.p10 == pytest.approx(0.2)


def test_ndcg_uses_graded_gains() -> None:
    s = score_query(["b", "a"], {"a": 1, "b": 2})
    assert s.ndcg10 == pytest.approx(1.0)
    s = score_query(["a", "b"], {"a": 1, "b": 2})
    dcg = 1 + 2 / math.log2(3)
    idcg = 2 + 1 / math.log2(3)
    assert s.ndcg10 == pytest.approx(dcg / idcg)


def test_duplicates_in_a_ranking_count_once() -> None:
    assert score_query(["a", "a", "a"], {"a": 1, "b": 1}).ap == pytest.approx(0.5)


def test_no_relevant_documents() -> None:
    assert score_query(["a"], {"a": 0}).ap == 0.0


def test_mean_and_percentile() -> None:
    m = mean_scores([score_query(["a"], {"a": 1}), score_query(["x"], {"a": 1})])
    assert m == {"map": 0.5, "ndcg@10": 0.5, "recall@100": 0.5, "p@10": 0.05}
    assert percentile([1, 2, 3, 4], 50) == pytest.approx(2.5)
    assert percentile([], 95) == 0.0
