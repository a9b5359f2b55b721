"""Fixtures for search tests: a tiny sentence-transformers model built offline from the CACM
abstracts (the model2vec one, which the CLI tests use too, is in the root conftest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tiny_models import build_sentence_transformer


@pytest.fixture(scope="session")
def tiny_st_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sentence-transformers model folder (32 dims): load_embedder(f"st:{path}", ...)."""
    return build_sentence_transformer(tmp_path_factory.mktemp("models") / "tiny-st")
