"""The vector index on real CACM vectors from the tiny model: exactness, updates, files, order."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from tiny_models import cacm_texts

from paperfeed.errors import Invalid
from paperfeed.search.embedder import load_embedder
from paperfeed.search.vector_index import VectorIndex, VectorIndexError

MODEL = "model2vec:tiny"


@pytest.fixture(scope="module")
def cacm_vectors(
    tiny_static_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[str], np.ndarray]:
    """CACM ids and vectors; documents without a known word, and repeated texts, left out."""
    embedder = load_embedder(str(tiny_static_model), cache_dir=tmp_path_factory.mktemp("cache"))
    vectors = embedder.embed(cacm_texts())
    _, first = np.unique(vectors, axis=0, return_index=True)
    keep = np.array([i for i in sorted(first) if vectors[i].any()])
    return [f"CACM-{i + 1:04d}" for i in keep], vectors[keep]


def build(path: Path, ids: list[str], vectors: np.ndarray) -> VectorIndex:
    index = VectorIndex.open(path, vectors.shape[1], model=MODEL)
    index.upsert(ids, vectors)
    return index


def exact(ids: list[str], vectors: np.ndarray, query: np.ndarray, k: int) -> list[str]:
    scores = vectors.astype(np.float64) @ query.astype(np.float64)
    return [ids[i] for i in np.argsort(-scores, kind="stable")[:k]]


def test_absent_file_opens_empty(tmp_path: Path) -> None:
    index = VectorIndex.open(tmp_path / "vectors.idx", 8)
    assert len(index) == 0
    assert "CACM-0001" not in index
    assert index.search(np.ones(8, dtype=np.float32), 10) == []
    assert not (tmp_path / "vectors.idx").exists()


def test_search_matches_exact_search(
    tmp_path: Path, cacm_vectors: tuple[list[str], np.ndarray]
) -> None:
    ids, vectors = cacm_vectors
    index = build(tmp_path / "v.idx", ids, vectors)
    assert len(index) == len(ids)
    for row in range(0, len(ids), 97):
        hits = index.search(vectors[row], 10)
        assert hits[0][0] == ids[row]
        assert hits[0][1] == pytest.approx(1.0, abs=2e-3)
        found = {paper_id for paper_id, _ in hits}
        assert len(found & set(exact(ids, vectors, vectors[row], 10))) >= 9
        scores = [score for _, score in hits]
        assert scores == sorted(scores, reverse=True)
        expected = {ids.index(p): s for p, s in hits}
        for position, score in expected.items():
            assert score == pytest.approx(float(vectors[position] @ vectors[row]), abs=2e-3)


def test_k_larger_than_the_index_returns_everything(tmp_path: Path) -> None:
    vectors = np.eye(4, dtype=np.float32)
    index = build(tmp_path / "v.idx", ["a", "b", "c", "d"], vectors)
    hits = index.search(np.array([1, 0, 0, 0], dtype=np.float32), 100)
    assert [paper_id for paper_id, _ in hits] == ["a", "b", "c", "d"]
    assert hits[0][1] == 1.0
    assert index.search(vectors[0], 0) == []


def test_ties_are_broken_by_paper_id(tmp_path: Path) -> None:
    same = np.tile(np.array([[0.6, 0.8, 0.0]], dtype=np.float32), (4, 1))
    index = build(tmp_path / "v.idx", ["2401.00003", "2401.00001", "CACM-0009", "2401.00002"], same)
    hits = index.search(np.array([0.6, 0.8, 0.0], dtype=np.float32), 4)
    assert [paper_id for paper_id, _ in hits] == [
        "2401.00001",
        "2401.00002",
        "2401.00003",
        "CACM-0009",
    ]


def test_upsert_replaces_a_papers_vector(tmp_path: Path) -> None:
    index = build(tmp_path / "v.idx", ["a", "b"], np.eye(2, dtype=np.float32))
    index.upsert(["a"], np.array([[0.0, 1.0]], dtype=np.float32))
    assert len(index) == 2
    hits = index.search(np.array([0.0, 1.0], dtype=np.float32), 2)
    assert hits == [("a", 1.0), ("b", 1.0)]
    stored = index.vector("a")
    assert stored is not None
    assert stored.tolist() == [0.0, 1.0]
    assert index.vector("zzz") is None


def test_remove_forgets_papers_and_ignores_unknown_ids(
    tmp_path: Path, cacm_vectors: tuple[list[str], np.ndarray]
) -> None:
    ids, vectors = cacm_vectors
    index = build(tmp_path / "v.idx", ids[:200], vectors[:200])
    index.remove([ids[0], ids[1], "not-there"])
    assert len(index) == 198
    assert ids[0] not in index
    assert ids[2] in index
    returned = {paper_id for paper_id, _ in index.search(vectors[0], 198)}
    assert ids[0] not in returned
    assert ids[1] not in returned
    assert len(returned) == 198
    index.upsert([ids[0]], vectors[:1])
    assert index.search(vectors[0], 1)[0][0] == ids[0]


def test_save_and_reopen_keep_everything(
    tmp_path: Path, cacm_vectors: tuple[list[str], np.ndarray]
) -> None:
    ids, vectors = cacm_vectors
    path = tmp_path / "data" / "vectors.idx"
    index = build(path, ids, vectors)
    index.remove(ids[:5])
    index.save()
    reopened = VectorIndex.open(path, vectors.shape[1], model=MODEL)
    assert len(reopened) == len(ids) - 5
    assert ids[0] not in reopened
    assert ids[5] in reopened
    for row in (5, 500, 1500):
        assert reopened.search(vectors[row], 20) == index.search(vectors[row], 20)
    reopened.upsert(ids[:5], vectors[:5])
    reopened.save()
    assert len(VectorIndex.open(path, vectors.shape[1], model=MODEL)) == len(ids)
    assert os.listdir(path.parent) == ["vectors.idx"]


def test_empty_index_saves_and_reopens(tmp_path: Path) -> None:
    VectorIndex.open(tmp_path / "v.idx", 16, model=MODEL).save()
    reopened = VectorIndex.open(tmp_path / "v.idx", 16, model=MODEL)
    assert len(reopened) == 0
    assert reopened.search(np.ones(16, dtype=np.float32), 5) == []


def test_a_failed_save_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "v.idx"
    index = build(path, ["a", "b"], np.eye(2, dtype=np.float32))
    index.save()
    before = path.read_bytes()
    index.upsert(["c"], np.array([[0.6, 0.8]], dtype=np.float32))

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        index.save()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["v.idx"]


def test_same_upserts_build_byte_identical_files(
    tmp_path: Path, cacm_vectors: tuple[list[str], np.ndarray]
) -> None:
    """Two machines indexing the same papers get the same file, whatever order the rows came in."""
    ids, vectors = cacm_vectors
    build(tmp_path / "one.idx", ids, vectors).save()
    shuffled = np.random.default_rng(3).permutation(len(ids))
    build(tmp_path / "two.idx", [ids[i] for i in shuffled], vectors[shuffled]).save()
    assert (tmp_path / "one.idx").read_bytes() == (tmp_path / "two.idx").read_bytes()


def test_incremental_and_full_builds_return_the_same_results(
    tmp_path: Path, cacm_vectors: tuple[list[str], np.ndarray]
) -> None:
    ids, vectors = cacm_vectors
    full = build(tmp_path / "full.idx", ids, vectors)
    step = VectorIndex.open(tmp_path / "step.idx", vectors.shape[1], model=MODEL)
    for start in range(0, len(ids), 500):
        step.upsert(ids[start : start + 500], vectors[start : start + 500])
    for row in range(0, len(ids), 211):
        assert step.search(vectors[row], 10) == full.search(vectors[row], 10)


def test_file_of_another_dimension_or_model_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "v.idx"
    build(path, ["a"], np.ones((1, 4), dtype=np.float32) / 2).save()
    with pytest.raises(VectorIndexError, match="rebuild"):
        VectorIndex.open(path, 8, model=MODEL)
    with pytest.raises(VectorIndexError, match="'st:other'"):
        VectorIndex.open(path, 4, model="st:other")


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: b"not a vector index at all",
        lambda data: data[: len(data) // 2],
        lambda data: data[:-40] + b"x" * 40,
        lambda data: b"\x00" * 64 + data[64:],
    ],
    ids=["empty", "foreign", "truncated", "bad-trailer", "bad-head"],
)
def test_damaged_file_is_refused_clearly(tmp_path: Path, damage: object) -> None:
    path = tmp_path / "v.idx"
    build(path, ["a", "b"], np.eye(2, dtype=np.float32)).save()
    assert callable(damage)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(VectorIndexError, match="rebuild"):
        VectorIndex.open(path, 2, model=MODEL)


def test_bad_input_is_invalid(tmp_path: Path) -> None:
    index = VectorIndex.open(tmp_path / "v.idx", 3)
    with pytest.raises(Invalid, match="expected 2 vectors of dimension 3"):
        index.upsert(["a", "b"], np.ones((2, 4), dtype=np.float32))
    with pytest.raises(Invalid, match="unique"):
        index.upsert(["a", "a"], np.ones((2, 3), dtype=np.float32))
    with pytest.raises(Invalid, match="finite"):
        index.upsert(["a"], np.array([[np.nan, 0, 0]], dtype=np.float32))
    with pytest.raises(Invalid, match="paper id"):
        index.upsert(["a\nb"], np.ones((1, 3), dtype=np.float32))
    with pytest.raises(Invalid, match="query must be one vector of dimension 3"):
        index.search(np.ones(4, dtype=np.float32), 3)
    with pytest.raises(Invalid, match="positive"):
        VectorIndex.open(tmp_path / "v.idx", 0)
    assert len(index) == 0
    index.upsert([], np.zeros((0, 3), dtype=np.float32))
    index.upsert(["a"], np.array([[1, 0, 0]], dtype=np.float32))
    assert index.search(np.zeros(3, dtype=np.float32), 3) == []
    assert index.search(np.array([np.inf, 0, 0], dtype=np.float32), 3) == []
