"""The convex combination of min-max normalised scores (pure)."""

from __future__ import annotations

import pytest

from paperfeed.search.fusion import (
    SHARE_STATIC,
    SHARE_TRANSFORMER,
    combine,
    normalised,
    semantic_share,
)


def test_normalised_scales_each_list_to_unit_range() -> None:
    assert normalised([("a", 12.0), ("b", 7.0), ("c", 2.0)]) == {"a": 1.0, "b": 0.5, "c": 0.0}
    assert normalised([("a", 0.3)]) == {"a": 1.0}
    assert normalised([("a", 0.5), ("b", 0.5)]) == {"a": 1.0, "b": 1.0}
    assert normalised([]) == {}


def test_scores_ranks_and_missing_papers() -> None:
    keyword = [("a", 10.0), ("b", 6.0), ("c", 2.0)]
    semantic = [("c", 0.9), ("d", 0.5), ("e", 0.1)]
    fused = combine(keyword, semantic, share=0.4)
    by_id = {f.paper_id: f for f in fused}
    # c: last of keyword (0) and first of semantic (1).
    assert by_id["c"].score == pytest.approx(0.4)
    assert by_id["a"].score == pytest.approx(0.6)
    assert by_id["b"].score == pytest.approx(0.6 * 0.5)
    assert by_id["d"].score == pytest.approx(0.4 * 0.5)
    assert (by_id["c"].keyword_rank, by_id["c"].semantic_rank) == (3, 1)
    assert by_id["d"].keyword_rank is None and by_id["a"].semantic_rank is None
    assert [f.paper_id for f in fused] == ["a", "c", "b", "d", "e"]


def test_share_moves_the_balance() -> None:
    keyword = [("a", 5.0), ("b", 1.0)]
    semantic = [("b", 0.8), ("a", 0.2)]
    assert combine(keyword, semantic, share=0.0)[0].paper_id == "a"
    assert combine(keyword, semantic, share=1.0)[0].paper_id == "b"
    # Equal shares tie; ties go by id.
    assert [f.paper_id for f in combine(keyword, semantic, share=0.5)] == ["a", "b"]


def test_share_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match=r"0\.\.1"):
        combine([("a", 1.0)], [], share=1.5)


def test_one_list_empty() -> None:
    assert combine([], [], share=0.4) == []
    only_kw = combine([("a", 3.0), ("b", 1.0)], [], share=0.4)
    assert [f.paper_id for f in only_kw] == ["a", "b"]


def test_share_follows_the_model_kind() -> None:
    assert semantic_share("static") == SHARE_STATIC
    assert semantic_share("transformer") == SHARE_TRANSFORMER
    assert SHARE_STATIC < SHARE_TRANSFORMER
