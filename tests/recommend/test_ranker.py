from __future__ import annotations

import numpy as np
import pytest

from paperfeed.recommend.features import FeatureSpace, PaperRows, PaperText
from paperfeed.recommend.ranker import (
    Positive,
    Signals,
    fit_profile,
    rank,
    recommend,
    score,
    score_many,
)


@pytest.fixture
def space_rows(papers: list[PaperText]) -> tuple[FeatureSpace, PaperRows]:
    space = FeatureSpace.fit(papers)
    return space, space.transform(papers)


def test_a_reader_of_sorting_papers_is_recommended_sorting_papers(
    space_rows: tuple[FeatureSpace, PaperRows],
) -> None:
    space, rows = space_rows
    signals = Signals((Positive("SOR-000"), Positive("SOR-001")), dismissed=("GRA-005",))
    recs = recommend(signals, rows, rows, space, limit=10)
    assert len(recs) == 10
    assert all(r.paper_id.startswith("SOR-") for r in recs)
    assert {"SOR-000", "SOR-001", "GRA-005"}.isdisjoint(r.paper_id for r in recs)
    assert [r.score for r in recs] == sorted((r.score for r in recs), reverse=True)


def test_each_recommendation_is_explained(space_rows: tuple[FeatureSpace, PaperRows]) -> None:
    space, rows = space_rows
    signals = Signals((Positive("SOR-000"), Positive("SOR-001", "upvoted")))
    first = recommend(signals, rows, rows, space, limit=1)[0]
    assert 1 <= len(first.because) <= 2
    assert set(first.because) <= {"SOR-000", "SOR-001"}
    vocabulary = {"sorting", "merge", "quicksort", "heap", "comparisons", "tape", "records"}
    vocabulary |= {"keys", "order"}  # the sorting topic's words (conftest.TOPICS)
    # The words that weighed most are the topic's (the shared ones weigh little, by idf).
    assert first.words
    assert set(first.words[0].split()) <= vocabulary
    # Every sorting paper has "Sorting, A." among its authors.
    assert first.authors == ("Sorting, A.",)


def test_a_cold_start_from_one_seed(space_rows: tuple[FeatureSpace, PaperRows]) -> None:
    space, rows = space_rows
    recs = recommend(Signals((Positive("COM-003", "seed"),)), rows, rows, space, limit=5)
    assert all(r.paper_id.startswith("COM-") for r in recs)
    assert all(r.because == ("COM-003",) for r in recs)


def test_dismissing_papers_lowers_papers_like_them(
    space_rows: tuple[FeatureSpace, PaperRows],
) -> None:
    space, rows = space_rows
    liked = (Positive("SOR-000"), Positive("GRA-000"))
    before = score(fit_profile(Signals(liked), rows, space), rows)
    graphs = tuple(f"GRA-{n:03d}" for n in range(1, 6))
    after = score(fit_profile(Signals(liked, graphs), rows, space), rows)
    graph_rows = [i for i, pid in enumerate(rows.ids) if pid.startswith("GRA-")]
    sort_rows = [i for i, pid in enumerate(rows.ids) if pid.startswith("SOR-")]
    gap_before = before[sort_rows].mean() - before[graph_rows].mean()
    gap_after = after[sort_rows].mean() - after[graph_rows].mean()
    assert gap_after > gap_before


def test_upvotes_weigh_less_than_saves(space_rows: tuple[FeatureSpace, PaperRows]) -> None:
    space, rows = space_rows
    signals = Signals((Positive("SOR-000", "saved"), Positive("GRA-000", "upvoted")))
    recs = rank(fit_profile(signals, rows, space), rows, limit=5)
    assert all(r.paper_id.startswith("SOR-") for r in recs)


def test_with_a_background_a_score_does_not_depend_on_the_other_candidates(
    space_rows: tuple[FeatureSpace, PaperRows],
) -> None:
    space, rows = space_rows
    profile = fit_profile(Signals((Positive("SOR-000"),)), rows, space)
    alone = score(profile, rows.take([3]), background=rows)
    among = score(profile, rows, background=rows)
    assert alone[0] == pytest.approx(among[3])


def test_a_paper_alike_to_many_papers_scores_lower(
    space_rows: tuple[FeatureSpace, PaperRows],
) -> None:
    space, rows = space_rows
    profile = fit_profile(Signals((Positive("SOR-000"),)), rows, space)
    paper = rows.take([1])
    hub = rows.take([1])  # the same paper, its similarity to the corpus twice as spread
    hub.spread = {name: 2 * spread for name, spread in hub.spread.items()}
    assert set(hub.spread) == {"words", "stems"}
    assert score(profile, hub, rows)[0] < score(profile, paper, rows)[0]


def test_nothing_to_go_on_recommends_nothing(space_rows: tuple[FeatureSpace, PaperRows]) -> None:
    space, rows = space_rows
    assert recommend(Signals((Positive("unknown"),)), rows, rows, space) == []
    assert not score(fit_profile(Signals(()), rows, space), rows).any()


def test_an_unknown_kind_of_signal_is_refused() -> None:
    with pytest.raises(ValueError, match="kind"):
        Positive("SOR-000", "followed")


def test_without_explanations_the_order_is_the_same(
    space_rows: tuple[FeatureSpace, PaperRows],
) -> None:
    space, rows = space_rows
    profile = fit_profile(Signals((Positive("COM-001"), Positive("COM-002"))), rows, space)
    explained = rank(profile, rows, limit=20)
    plain = rank(profile, rows, limit=20, explain=False)
    assert [r.paper_id for r in plain] == [r.paper_id for r in explained]
    assert all(r.because == () and r.words == () for r in plain)
    assert np.isfinite([r.score for r in plain]).all()


def test_many_readers_at_once_score_as_each_alone(
    space_rows: tuple[FeatureSpace, PaperRows],
) -> None:
    space, rows = space_rows
    profiles = [
        fit_profile(Signals((Positive("SOR-000"),), ("GRA-001",)), rows, space),
        fit_profile(Signals(()), rows, space),
        fit_profile(Signals((Positive("COM-004", "upvoted"), Positive("GRA-002"))), rows, space),
    ]
    background = rows.take(range(0, len(rows), 2))
    together = score_many(profiles, rows, background)
    for k, profile in enumerate(profiles):
        np.testing.assert_allclose(together[k], score(profile, rows, background), atol=1e-5)
    assert not together[1].any()
