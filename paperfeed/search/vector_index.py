"""The ANN index of paper vectors: usearch HNSW over half-precision vectors in one file, saved
atomically.

usearch won on bench/ann.py (docs/benchmarks.md, "Vector index"): f16 storage keeps recall of
float32 at half the memory, and unlike faiss's HNSW it can remove vectors. Results are
reproducible: vectors are inserted one thread at a time in paper-id order (so the same upserts
build a byte-identical file), and candidates are re-scored from the stored vectors and ordered
by rounded score, then paper id.

File layout: usearch's own serialisation (which ignores what follows it), then the keys
(uint64), the paper ids (UTF-8, newline-separated), a JSON header, its length and a magic tag.
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from usearch.index import Index

from paperfeed.errors import Invalid, PaperfeedError

MAGIC = b"PFVEC01\n"
FORMAT_VERSION = 1
CONNECTIVITY = 16
EXPANSION_ADD = 128
EXPANSION_SEARCH = 128
# Scores are rounded before ties are broken by id, so that float rounding differences between
# CPUs (SIMD kernels, BLAS) cannot reorder results.
SCORE_DECIMALS = 6
_TRAILER = struct.Struct("<Q8s")


class VectorIndexError(PaperfeedError):
    """The index file cannot be used (damaged, or built for another dimension or model)."""


class VectorIndex:
    """Paper id -> unit vector, searched by cosine similarity; changes are kept until `save`."""

    def __init__(
        self, path: Path, dim: int, model: str, index: Index, ids: dict[int, str], next_key: int
    ) -> None:
        self.path = path
        self.dim = dim
        self.model = model
        self._index = index
        self._ids = ids
        self._keys = {paper_id: key for key, paper_id in ids.items()}
        self._next_key = next_key

    @classmethod
    def open(cls, path: Path, dim: int, *, model: str = "") -> VectorIndex:
        """The index saved at `path`, or an empty one when the file is absent.

        `model` names the embedder the vectors come from; a file built with another model or
        dimension is refused, so that it is rebuilt rather than searched with foreign vectors.
        """
        if dim <= 0:
            raise Invalid(f"vector dimension must be positive, got {dim}")
        if not path.exists():
            return cls(path, dim, model, _new_index(dim), {}, 0)
        header, keys, ids = _read_trailer(path)
        if header["dim"] != dim or header["model"] != model:
            raise VectorIndexError(
                f"vector index {path} holds {header['dim']}-dimensional vectors of model "
                f"{header['model']!r}, not {dim}-dimensional vectors of {model!r}: rebuild it"
            )
        try:
            index = Index.restore(str(path))
        except (RuntimeError, ValueError) as exc:
            raise VectorIndexError(f"vector index {path} is damaged ({exc}): rebuild it") from exc
        if index is None or len(index) != len(ids) or index.ndim != dim:
            raise VectorIndexError(f"vector index {path} is damaged: rebuild it")
        return cls(path, dim, model, index, dict(zip(keys, ids, strict=True)), header["next_key"])

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, paper_id: object) -> bool:
        return paper_id in self._keys

    def upsert(self, ids: Sequence[str], vectors: npt.ArrayLike) -> None:
        """Add or replace the vectors of these papers (rows of `vectors`, unit length)."""
        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape != (len(ids), self.dim):
            raise Invalid(
                f"expected {len(ids)} vectors of dimension {self.dim}, got shape {matrix.shape}"
            )
        if not np.isfinite(matrix).all():
            raise Invalid("vectors must be finite")
        _check_ids(ids)
        if not ids:
            return
        self.remove([paper_id for paper_id in ids if paper_id in self._keys])
        order = sorted(range(len(ids)), key=ids.__getitem__)
        keys = np.arange(self._next_key, self._next_key + len(ids), dtype=np.uint64)
        # One thread: multi-threaded HNSW insertion builds a different graph on every run.
        self._index.add(keys, np.ascontiguousarray(matrix[order]), threads=1)
        for key, row in zip(keys.tolist(), order, strict=True):
            self._ids[key] = ids[row]
            self._keys[ids[row]] = key
        self._next_key += len(ids)

    def remove(self, ids: Iterable[str]) -> None:
        """Forget these papers; ids not in the index are ignored."""
        keys = sorted(self._keys.pop(paper_id) for paper_id in set(ids) if paper_id in self._keys)
        if not keys:
            return
        self._index.remove(np.asarray(keys, dtype=np.uint64), threads=1)
        for key in keys:
            del self._ids[key]

    def search(self, query: npt.ArrayLike, k: int) -> list[tuple[str, float]]:
        """The `k` papers most similar to `query`: (paper id, cosine similarity), best first."""
        vector = np.asarray(query, dtype=np.float32).reshape(-1)
        if vector.shape != (self.dim,):
            raise Invalid(f"query must be one vector of dimension {self.dim}, got {vector.shape}")
        if k <= 0 or not self._ids or not np.isfinite(vector).all() or not vector.any():
            return []
        # Twice the candidates asked for, re-scored below, so that the cut at k does not depend
        # on the graph's approximate order.
        # (usearch widens its search beam to the count asked for.)
        rescored = min(len(self._ids), max(2 * k, 32))
        found = self._index.search(vector, rescored, threads=1)
        keys = np.asarray(found.keys, dtype=np.uint64)
        if not len(keys):
            return []
        # One call for all candidates: fetching them one by one cost ~0.15 ms each.
        stored = np.vstack(self._index.get(keys, dtype="f32")).astype(np.float64)  # type: ignore[arg-type]
        unit = vector.astype(np.float64) / np.linalg.norm(vector.astype(np.float64))
        scores = np.round(stored @ unit, SCORE_DECIMALS).tolist()
        hits = [(self._ids[key], score) for key, score in zip(keys.tolist(), scores, strict=True)]
        hits.sort(key=lambda hit: (-hit[1], hit[0]))
        return hits[:k]

    def vectors(self, paper_ids: Sequence[str]) -> dict[str, npt.NDArray[np.float32]]:
        """The stored (half-precision) vectors of those of `paper_ids` in the index."""
        known = [p for p in paper_ids if p in self._keys]
        if not known:
            return {}
        keys = np.asarray([self._keys[p] for p in known], dtype=np.uint64)
        rows = np.vstack(self._index.get(keys, dtype="f32")).astype(np.float32)  # type: ignore[arg-type]
        return dict(zip(known, rows, strict=True))

    def vector(self, paper_id: str) -> npt.NDArray[np.float32] | None:
        """The stored (half-precision) vector of a paper, for related-paper queries."""
        key = self._keys.get(paper_id)
        return None if key is None else self._stored(key)

    def _stored(self, key: int) -> npt.NDArray[np.float32]:
        return np.asarray(self._index.get(key, dtype="f32"), dtype=np.float32)

    def save(self) -> None:
        """Write the index to its path atomically: a temporary file in the same folder, renamed."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
        )
        os.close(handle)
        temp = Path(temp_name)
        try:
            self._index.save(str(temp))
            keys = sorted(self._ids)
            ids_blob = "\n".join(self._ids[key] for key in keys).encode("utf-8")
            header = json.dumps(
                {
                    "format": FORMAT_VERSION,
                    "dim": self.dim,
                    "model": self.model,
                    "count": len(keys),
                    "next_key": self._next_key,
                    "index_bytes": temp.stat().st_size,
                    "ids_bytes": len(ids_blob),
                }
            ).encode("utf-8")
            with temp.open("ab") as out:
                out.write(np.asarray(keys, dtype="<u8").tobytes())
                out.write(ids_blob)
                out.write(header)
                out.write(_TRAILER.pack(len(header), MAGIC))
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise


def _new_index(dim: int) -> Index:
    return Index(
        ndim=dim,
        metric="ip",
        dtype="f16",
        connectivity=CONNECTIVITY,
        expansion_add=EXPANSION_ADD,
        expansion_search=EXPANSION_SEARCH,
    )


def _check_ids(ids: Sequence[str]) -> None:
    if len(set(ids)) != len(ids):
        raise Invalid("paper ids in one upsert must be unique")
    for paper_id in ids:
        if not isinstance(paper_id, str) or not paper_id.strip() or "\n" in paper_id:
            raise Invalid(f"not a usable paper id: {paper_id!r}")


def _read_trailer(path: Path) -> tuple[dict[str, Any], list[int], list[str]]:
    """The header, keys and paper ids stored after usearch's part of the file."""
    damaged = f"vector index {path} is damaged or not a paperfeed vector index: rebuild it"
    try:
        with path.open("rb") as source:
            size = source.seek(0, os.SEEK_END)
            if size < _TRAILER.size:
                raise VectorIndexError(damaged)
            source.seek(size - _TRAILER.size)
            header_len, magic = _TRAILER.unpack(source.read(_TRAILER.size))
            if magic != MAGIC or header_len > size - _TRAILER.size:
                raise VectorIndexError(damaged)
            source.seek(size - _TRAILER.size - header_len)
            header = json.loads(source.read(header_len))
            count, ids_bytes = int(header["count"]), int(header["ids_bytes"])
            source.seek(int(header["index_bytes"]))
            keys = np.frombuffer(source.read(8 * count), dtype="<u8").tolist()
            blob = source.read(ids_bytes)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise VectorIndexError(f"{damaged} ({exc})") from exc
    ids = blob.decode("utf-8").split("\n") if count else []
    if len(keys) != count or len(ids) != count or header.get("format") != FORMAT_VERSION:
        raise VectorIndexError(damaged)
    return header, keys, ids
