"""Tiny embedding models the tests build themselves, offline, from the CACM abstracts.

Word vectors come from latent semantic analysis (an SVD of the tf-idf document-term matrix),
so the models are weakly meaningful: "sorting" lands near papers about sorting.

    path = build_static_model(tmp_path / "static")          # a model2vec folder
    embedder = load_embedder(str(path), cache_dir=tmp_path)
    path = build_sentence_transformer(tmp_path / "st")       # needs sentence-transformers
    embedder = load_embedder(f"st:{path}", cache_dir=tmp_path)

The root conftest offers the first as a session fixture (`tiny_static_model`), the search
tests' conftest the second (`tiny_st_model`).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer, normalizers
from tokenizers.models import WordLevel
from tokenizers.pre_tokenizers import Whitespace

CORPUS = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "data"
    / "relevance"
    / "cacm"
    / "eval"
    / "corpus.jsonl"
)
UNK, PAD = "[UNK]", "[PAD]"
STOP_WORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "was",
        "were",
        "which",
        "with",
        "we",
        "can",
        "these",
        "their",
        "not",
        "been",
        "also",
        "such",
        "may",
        "than",
    }
)
_WORD = re.compile(r"\w+")


def cacm_texts() -> list[str]:
    """Title and abstract of every CACM document."""
    with CORPUS.open(encoding="utf-8") as lines:
        docs = [json.loads(line) for line in lines]
    return [f"{doc['title']}. {doc.get('abstract') or ''}" for doc in docs]


@cache
def word_vectors(dim: int, vocab_size: int) -> tuple[tuple[str, ...], np.ndarray]:
    """The vocabulary (most frequent non-stop words) and its LSA vectors, float32 (V, dim)."""
    docs = [
        [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS and not w.isdigit()]
        for text in cacm_texts()
    ]
    doc_freq = Counter(word for doc in docs for word in set(doc))
    ranked = sorted((w for w, n in doc_freq.items() if n >= 2), key=lambda w: (-doc_freq[w], w))
    vocab = tuple(ranked[:vocab_size])
    column = {word: i for i, word in enumerate(vocab)}
    counts = np.zeros((len(docs), len(vocab)), dtype=np.float64)
    for row, doc in enumerate(docs):
        for word in doc:
            if word in column:
                counts[row, column[word]] += 1
    idf = np.log(len(docs) / np.array([doc_freq[w] for w in vocab], dtype=np.float64))
    tfidf = np.log1p(counts) * idf
    vectors = _top_term_components(tfidf, dim).astype(np.float32)
    # An SVD's signs are arbitrary; fix them so every machine builds the same model.
    signs = np.sign(vectors[np.abs(vectors).argmax(axis=0), np.arange(dim)])
    return vocab, vectors * signs


def _top_term_components(matrix: np.ndarray, dim: int) -> np.ndarray:
    """The terms' coordinates on the top `dim` singular directions (V @ S), by a randomised SVD
    with a fixed seed: a full SVD of the document-term matrix takes minutes on a busy core."""
    sketch = matrix.T @ np.random.default_rng(0).standard_normal((matrix.shape[0], dim + 16))
    for _ in range(3):
        sketch, _ = np.linalg.qr(sketch)
        sketch = matrix.T @ (matrix @ sketch)
    basis, _ = np.linalg.qr(sketch)
    _, singular, vt = np.linalg.svd(matrix @ basis, full_matrices=False)
    return (basis @ vt.T)[:, :dim] * singular[:dim]


def _tokenizer(vocab: tuple[str, ...]) -> Tokenizer:
    ids = {UNK: 0, PAD: 1} | {word: i + 2 for i, word in enumerate(vocab)}
    tokenizer = Tokenizer(WordLevel(ids, unk_token=UNK))
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.NFKD(), normalizers.StripAccents(), normalizers.Lowercase()]
    )
    tokenizer.pre_tokenizer = Whitespace()
    return tokenizer


def _table(vectors: np.ndarray) -> np.ndarray:
    """Rows for [UNK] and [PAD] (zero: they carry no meaning), then the words'."""
    return np.vstack([np.zeros((2, vectors.shape[1]), dtype=np.float32), vectors])


def build_static_model(path: Path, *, dim: int = 32, vocab_size: int = 3000) -> Path:
    """Save a model2vec StaticModel into `path` and return it."""
    from model2vec import StaticModel

    vocab, vectors = word_vectors(dim, vocab_size)
    model = StaticModel(vectors=_table(vectors), tokenizer=_tokenizer(vocab), normalize=True)
    model.save_pretrained(path)
    return path


def build_sentence_transformer(path: Path, *, dim: int = 32, vocab_size: int = 3000) -> Path:
    """Save a sentence-transformers model (one StaticEmbedding module) into `path`."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding

    vocab, vectors = word_vectors(dim, vocab_size)
    module = StaticEmbedding(_tokenizer(vocab), embedding_weights=_table(vectors))
    SentenceTransformer(modules=[module], device="cpu").save(str(path))
    return path
