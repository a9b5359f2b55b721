from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from paperfeed.recommend.features import LSA_DIMS, FeatureSpace, PaperText


def test_views_of_a_corpus(papers: list[PaperText]) -> None:
    space = FeatureSpace.fit(papers)
    rows = space.transform(papers)
    assert rows.ids == [p.id for p in papers]
    assert set(rows.sparse) == {"words", "stems"}
    assert set(rows.dense) == {"words_lsa", "words_lsa_half", "stems_lsa", "stems_lsa_half"}
    dims = min(LSA_DIMS, len(papers) // 3)
    assert rows.dense["words_lsa"].shape == (len(papers), dims)
    assert rows.dense["words_lsa_half"].shape == (len(papers), dims // 2)
    for m in rows.dense.values():
        np.testing.assert_allclose(np.linalg.norm(m, axis=1), 1.0, rtol=1e-5)
    # Readable words (and pairs) in one view, stems in the other.
    assert "quicksort" in set(space.words.vocabulary)
    assert "sort" in set(space.stems.vocabulary)
    assert rows.authors[0] == papers[0].authors


def test_saved_and_loaded_it_transforms_new_papers_alike(
    papers: list[PaperText], tmp_path: Path
) -> None:
    space = FeatureSpace.fit(papers)
    space.save(tmp_path / "space.npz")
    loaded = FeatureSpace.load(tmp_path / "space.npz")
    new = [PaperText("N1", "Quicksort on tape", "merge sorting of records", ("Knuth, D.",))]
    a, b = space.transform(new), loaded.transform(new)
    for name in a.sparse:
        assert (a.sparse[name] != b.sparse[name]).nnz == 0
    for name in a.dense:
        np.testing.assert_array_equal(a.dense[name], b.dense[name])
    for name in a.spread:
        np.testing.assert_array_equal(a.spread[name], b.spread[name])
    assert set(b.spread) == {"words", "stems"}
    assert a.sparse["words"].nnz > 0


def test_each_paper_has_its_spread_of_similarity_to_the_corpus(papers: list[PaperText]) -> None:
    space = FeatureSpace.fit(papers)
    rows = space.transform(papers)
    assert set(rows.spread) == {"words", "stems"}
    for name, m in rows.sparse.items():
        exact = np.asarray((m @ m.T).toarray()).std(axis=1)
        # Estimated from the LSA (22 components of this corpus of 66): near the exact spread.
        np.testing.assert_allclose(rows.spread[name], exact, rtol=0.2)
    assert rows.take([2, 0]).spread["words"].tolist() == rows.spread["words"][[2, 0]].tolist()


def test_a_space_saved_without_spreads_loads_and_scores_as_before(
    papers: list[PaperText], tmp_path: Path
) -> None:
    space = FeatureSpace.fit(papers)
    space.save(tmp_path / "space.npz")
    with np.load(tmp_path / "space.npz") as data:
        older = {k: data[k] for k in data.files if not k.endswith(("lsa_mean", "lsa_power"))}
    np.savez(tmp_path / "older.npz", **older)
    rows = FeatureSpace.load(tmp_path / "older.npz").transform(papers)
    assert rows.spread == {}
    assert set(rows.dense) == {"words_lsa", "words_lsa_half", "stems_lsa", "stems_lsa_half"}


def test_a_paper_of_unknown_words_has_empty_rows(papers: list[PaperText]) -> None:
    rows = FeatureSpace.fit(papers).transform([PaperText("X", "zzz qqq")])
    assert rows.sparse["words"].nnz == 0
    assert not rows.dense["words_lsa"].any()


def test_a_corpus_too_small_for_lsa_keeps_its_keyword_views() -> None:
    few = [PaperText(str(i), "graph edges", "shortest path") for i in range(3)]
    rows = FeatureSpace.fit(few).transform(few)
    assert rows.sparse["words"].shape[0] == 3
    assert rows.dense == {}
    assert rows.spread == {}


def test_model_vectors_are_one_more_view(papers: list[PaperText]) -> None:
    vectors = np.random.default_rng(0).normal(size=(len(papers), 8)).astype(np.float32)
    space = FeatureSpace.fit(papers, vectors)
    rows = space.transform(papers, vectors)
    assert rows.dense["model"].shape == (len(papers), 8)
    # Centred on the corpus's mean direction.
    np.testing.assert_allclose(rows.dense["model"].mean(axis=0), 0.0, atol=0.1)
    with pytest.raises(ValueError):
        space.transform(papers, vectors[:3])


def test_counts_are_scikit_learns_for_any_text(papers: list[PaperText]) -> None:
    """The view counts terms itself (features._count): the same counts as CountVectorizer
    over the fitted vocabulary, for accented, non-Latin and repeated words too."""
    from sklearn.feature_extraction.text import CountVectorizer

    from paperfeed.recommend.features import _counter

    space = FeatureSpace.fit(papers)
    texts = [p.text for p in papers] + [
        "Quicksort quicksort QUICKSORT merge sort, naïve café Ünïcödé",
        "Ελληνικά 日本語 $\\alpha$ heap-sort: tape\x00records",
        "",
    ]
    for view in (space.words, space.stems):
        vocabulary = {t: i for i, t in enumerate(view.vocabulary.tolist())}
        expected: CountVectorizer = _counter(view.kind, list(vocabulary))
        want = expected.transform(texts).astype(np.float32).tocsr()
        want.sort_indices()
        got = view.weigh(want)
        rows, _lsa, _half, _spread = view.transform(texts)
        assert (rows != got).nnz == 0, view.kind
        assert rows.has_sorted_indices
