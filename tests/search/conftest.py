"""Fixtures for search tests: tiny embedding models built offline from the CACM abstracts."""

from __future__ import annotations

from pathlib import Path

import pytest
from tiny_models import build_sentence_transformer, build_static_model


@pytest.fixture(scope="session")
def tiny_static_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model2vec model folder (32 dims); load it with load_embedder(str(path), ...)."""
    return build_static_model(tmp_path_factory.mktemp("models") / "tiny-static")


@pytest.fixture(scope="session")
def tiny_st_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sentence-transformers model folder (32 dims): load_embedder(f"st:{path}", ...)."""
    return build_sentence_transformer(tmp_path_factory.mktemp("models") / "tiny-st")
