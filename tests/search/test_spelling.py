"""Correcting a query term against the index's terms (pure)."""

from __future__ import annotations

import pytest

from paperfeed.search.spelling import closest_term, edit_distance, max_edits


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("transform", "transform", 0),
        ("transfrom", "transform", 1),  # neighbours swapped: one edit
        ("transfor", "transform", 1),
        ("trensform", "transform", 1),
        ("tarnsfrom", "transform", 2),
        ("abc", "abcdef", 3),
    ],
)
def test_edit_distance(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b, 3) == distance
    assert edit_distance(b, a, 3) == distance


def test_edit_distance_stops_past_the_limit() -> None:
    assert edit_distance("quantum", "classical", 1) == 2


def test_max_edits_by_length() -> None:
    assert [max_edits(w) for w in ("bert", "graph", "quantum", "superconducting")] == [0, 1, 1, 2]


def test_closest_term_prefers_nearest_then_most_frequent() -> None:
    found = [("transform", 50), ("transformer", 400), ("transit", 90)]
    assert closest_term("transfrom", found) == "transform"
    assert closest_term("transformr", found) == "transformer"
    assert closest_term("zzzzzz", found) is None
    assert closest_term("bert", [("best", 999)]) is None  # too short to guess
    assert closest_term("graph", [("graph", 3)]) is None  # itself is not a correction
    assert closest_term("grapj", [("graph", 3), ("grape", 9)]) == "grape"


def test_closest_term_prefers_a_swap_and_skips_stop_words() -> None:
    found = [("has", 308), ("hash", 26)]
    assert closest_term("hahs", found, 1) == "hash"  # same length: a swap
    assert closest_term("hahs", [("has", 308)], 1, ignore={"has"}) is None
