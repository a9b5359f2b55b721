"""Weighted reciprocal rank fusion (pure)."""

from __future__ import annotations

import pytest

from paperfeed.search.fusion import RRF_K, rrf


def test_rrf_scores_and_ranks() -> None:
    fused = rrf(["a", "b", "c"], ["c", "d"])
    by_id = {f.paper_id: f for f in fused}
    assert by_id["c"].score == pytest.approx(1 / (RRF_K + 3) + 1 / (RRF_K + 1))
    assert by_id["a"].score == pytest.approx(1 / (RRF_K + 1))
    assert (by_id["c"].keyword_rank, by_id["c"].semantic_rank) == (3, 1)
    assert by_id["d"].keyword_rank is None
    assert fused[0].paper_id == "c"  # in both lists


def test_weights() -> None:
    only_sem = rrf(["a"], ["b"], semantic_weight=0.0)
    assert only_sem[0].paper_id == "a"
    assert only_sem[1].score == 0.0
    heavy_sem = rrf(["a"], ["b"], semantic_weight=2.0)
    assert heavy_sem[0].paper_id == "b"


def test_ties_broken_by_id() -> None:
    fused = rrf(["b", "x"], ["a", "y"])
    assert [f.paper_id for f in fused[:2]] == ["a", "b"]


def test_empty() -> None:
    assert rrf([], []) == []
    assert [f.paper_id for f in rrf(["a"], [])] == ["a"]
