"""Embedders on tiny models the tests build: loading, vectors, and clear failures offline."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import huggingface_hub
import numpy as np
import pytest
from tiny_models import cacm_texts

from paperfeed.errors import PaperfeedError
from paperfeed.search.embedder import (
    DEFAULT_MODEL,
    EmbedderUnavailable,
    load_embedder,
    normalise_rows,
    paper_text,
)


def test_paper_text_is_title_then_abstract_with_whitespace_collapsed() -> None:
    assert paper_text("  Quantum\n  walks ", "On graphs.\n\nWith  noise.") == (
        "Quantum walks. On graphs. With noise."
    )
    assert paper_text("Title only", None) == "Title only"
    assert paper_text("Title only", "  \n") == "Title only"


def test_normalise_rows_keeps_zero_rows_zero() -> None:
    rows = normalise_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert rows.dtype == np.float32
    assert rows.tolist() == [[pytest.approx(0.6), pytest.approx(0.8)], [0.0, 0.0]]


def test_static_model_embeds_unit_float32_rows(tiny_static_model: Path, tmp_path: Path) -> None:
    embedder = load_embedder(str(tiny_static_model), cache_dir=tmp_path)
    assert embedder.name == f"model2vec:{tiny_static_model}"
    assert embedder.dim == 32
    vectors = embedder.embed(["Sorting algorithms", "A compiler for ALGOL 60"])
    assert vectors.dtype == np.float32
    assert vectors.shape == (2, 32)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed([]).shape == (0, 32)


def test_text_without_known_words_embeds_to_zero(tiny_static_model: Path, tmp_path: Path) -> None:
    embedder = load_embedder(str(tiny_static_model), cache_dir=tmp_path)
    vectors = embedder.embed(["", "xyzzy qwertz", '🙂 \\ " ]'])
    assert not vectors.any()


def test_embeddings_are_deterministic_and_independent_of_the_batch(
    tiny_static_model: Path, tmp_path: Path
) -> None:
    texts = cacm_texts()[:300]
    first = load_embedder(str(tiny_static_model), cache_dir=tmp_path).embed(texts)
    again = load_embedder(f"model2vec:{tiny_static_model}", cache_dir=tmp_path).embed(texts)
    assert np.array_equal(first, again)
    alone = load_embedder(str(tiny_static_model), cache_dir=tmp_path).embed(texts[7:8])
    assert np.allclose(alone[0], first[7], atol=1e-6)


def test_tiny_model_finds_semantic_neighbours(tiny_static_model: Path, tmp_path: Path) -> None:
    embedder = load_embedder(str(tiny_static_model), cache_dir=tmp_path)
    texts = cacm_texts()
    scores = embedder.embed(texts) @ embedder.embed(["synchronizing parallel processes"])[0]
    best = [texts[i].lower() for i in np.argsort(-scores)[:5]]
    assert all("parallel" in text or "synchroniz" in text for text in best)


def test_missing_path_is_unavailable_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(EmbedderUnavailable, match="neither a directory nor a Hugging Face"):
        load_embedder(str(tmp_path / "no" / "such" / "model"), cache_dir=tmp_path)
    with pytest.raises(EmbedderUnavailable, match="no embedding model named"):
        load_embedder("  ", cache_dir=tmp_path)


def test_file_instead_of_folder_is_unavailable(tmp_path: Path) -> None:
    model_file = tmp_path / "model.safetensors"
    model_file.write_bytes(b"not a model")
    with pytest.raises(EmbedderUnavailable, match="is not a directory"):
        load_embedder(str(model_file), cache_dir=tmp_path)


def test_damaged_model_folder_is_unavailable(tiny_static_model: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged"
    shutil.copytree(tiny_static_model, damaged)
    (damaged / "model.safetensors").write_bytes(b"\x00" * 10)
    with pytest.raises(EmbedderUnavailable, match="cannot load the model2vec model"):
        load_embedder(str(damaged), cache_dir=tmp_path)
    assert issubclass(EmbedderUnavailable, PaperfeedError)


def test_uncached_hub_model_offline_fails_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(EmbedderUnavailable, match="HF_HUB_OFFLINE") as raised:
        load_embedder(DEFAULT_MODEL, cache_dir=tmp_path / "models")
    assert str(tmp_path / "models") in str(raised.value)


def test_unreachable_hub_fails_with_a_clear_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Port 9 (discard) on loopback: nothing listens, so the connection is refused at once.
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", "http://127.0.0.1:9")
    with pytest.raises(EmbedderUnavailable, match="could not be downloaded from the Hugging Face"):
        load_embedder("minishlab/not-cached", cache_dir=tmp_path)


def test_hub_model_cached_in_the_data_dir_loads_offline(
    tiny_static_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model downloaded once (huggingface_hub's cache layout) needs no network afterwards."""
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    repo = tmp_path / "models" / "models--someone--tiny-model"
    revision = "0" * 40
    shutil.copytree(tiny_static_model, repo / "snapshots" / revision)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)
    embedder = load_embedder("someone/tiny-model", cache_dir=tmp_path / "models")
    assert embedder.name == "model2vec:someone/tiny-model"
    local = load_embedder(str(tiny_static_model), cache_dir=tmp_path)
    assert np.array_equal(embedder.embed(["matrix inversion"]), local.embed(["matrix inversion"]))


def test_sentence_transformer_model_by_path(
    tiny_st_model: Path, tiny_static_model: Path, tmp_path: Path
) -> None:
    embedder = load_embedder(f"st:{tiny_st_model}", cache_dir=tmp_path)
    assert embedder.name == f"st:{tiny_st_model}"
    assert embedder.dim == 32
    texts = ["Sorting algorithms", "A compiler for ALGOL 60", "xyzzy"]
    vectors = embedder.embed(texts)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors, embedder.embed(texts))
    # Same word vectors as the static model, so the same sentence vectors (bar the unknown word).
    static = load_embedder(str(tiny_static_model), cache_dir=tmp_path).embed(texts[:2])
    assert np.allclose(vectors[:2], static, atol=1e-5)


def test_sentence_transformer_without_the_extra_says_how_to_install(
    tiny_st_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(EmbedderUnavailable, match=r"pip install 'paperfeed\[st\]'"):
        load_embedder(f"st:{tiny_st_model}", cache_dir=tmp_path)


def test_sentence_transformer_missing_path_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(EmbedderUnavailable, match="neither a directory"):
        load_embedder(f"st:{tmp_path / 'absent'}", cache_dir=tmp_path)


def test_uncached_sentence_transformer_offline_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(EmbedderUnavailable, match="not cached in") as raised:
        load_embedder("st:sentence-transformers/all-MiniLM-L6-v2", cache_dir=tmp_path / "models")
    assert str(tmp_path / "models") in str(raised.value)


def test_damaged_sentence_transformer_folder_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "modules.json").write_text("{not json")
    with pytest.raises(EmbedderUnavailable, match="cannot load the sentence-transformers model"):
        load_embedder(f"st:{tmp_path / 'broken'}", cache_dir=tmp_path)
