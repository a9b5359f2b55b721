"""Text embedders for semantic search: model2vec static models by default, sentence-transformers
as an optional extra. Every embedder returns float32, L2-normalised rows, deterministically."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

from paperfeed.errors import PaperfeedError

if TYPE_CHECKING:
    from model2vec import StaticModel
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL = "minishlab/potion-retrieval-32M"
ST_PREFIX = "st:"
MODEL2VEC_PREFIX = "model2vec:"
# Seconds to wait for the Hugging Face Hub before giving up: loading must never hang offline.
HUB_TIMEOUT = 10.0
# "owner/name" as the Hub spells repository ids.
_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")

Vectors = npt.NDArray[np.float32]


class EmbedderUnavailable(PaperfeedError):
    """No embedding model can be loaded (bad path, no network, missing extra); says why."""


class Embedder(Protocol):
    """Turns texts into unit vectors; `name` is stored with the vectors it produced; `kind`
    ("static" or "transformer") sets the semantic share of the hybrid (search/fusion.py)."""

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> Vectors: ...


def paper_text(title: str, abstract: str | None) -> str:
    """The text a paper is embedded from: its title, then its abstract, whitespace collapsed."""
    parts = [" ".join(title.split()), " ".join((abstract or "").split())]
    return ". ".join(part for part in parts if part)


def normalise_rows(vectors: npt.ArrayLike) -> Vectors:
    """float32 rows scaled to unit length; an all-zero row (no known token) stays zero."""
    rows = np.asarray(vectors, dtype=np.float32)
    if rows.ndim == 1:
        rows = rows.reshape(1, -1)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    unit: Vectors = np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)
    return unit


class StaticEmbedder:
    """A model2vec static model: a token-vector lookup and a mean, fast on a CPU."""

    def __init__(self, model: StaticModel, name: str) -> None:
        self._model = model
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def kind(self) -> str:
        return "static"

    @property
    def dim(self) -> int:
        return int(self._model.dim)

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # model2vec's threaded path sets a process-wide environment variable; one thread is as
        # deterministic and fast enough for a lookup-and-mean model.
        encoded = self._model.encode(list(texts), normalize=False, use_multiprocessing=False)
        return normalise_rows(encoded)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, run on the CPU."""

    def __init__(self, model: SentenceTransformer, name: str) -> None:
        self._model = model
        self._name = name
        # Measured rather than asked: the method that reports it was renamed across versions.
        self._dim = int(self.embed(["dimension"]).shape[1])

    @property
    def name(self) -> str:
        return self._name

    @property
    def kind(self) -> str:
        return "transformer"

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encoded = self._model.encode(
            list(texts), batch_size=32, show_progress_bar=False, convert_to_numpy=True
        )
        return normalise_rows(encoded)


def load_embedder(spec: str, *, cache_dir: Path) -> Embedder:
    """Load the model `spec` names; hub models are downloaded once into `cache_dir`.

    `spec` is a model2vec hub id (`minishlab/potion-retrieval-32M`) or local directory, optionally
    prefixed `model2vec:`, or `st:NAME_OR_PATH` for a sentence-transformers model.
    Raises EmbedderUnavailable with the reason when the model cannot be had.
    """
    spec = spec.strip()
    if spec.startswith(ST_PREFIX):
        return _load_sentence_transformer(spec.removeprefix(ST_PREFIX).strip(), cache_dir)
    return _load_static(spec.removeprefix(MODEL2VEC_PREFIX).strip(), cache_dir)


def _load_static(target: str, cache_dir: Path) -> StaticEmbedder:
    from model2vec import StaticModel

    folder = _local_folder(target) or _hub_snapshot(target, cache_dir)
    try:
        model = StaticModel.from_pretrained(folder)
    # model2vec raises whatever its readers raise (OSError, ValueError, safetensors' own errors)
    # on a damaged model folder; each is the same "cannot load" for a person.
    except Exception as exc:
        raise EmbedderUnavailable(f"cannot load the model2vec model in {folder}: {exc}") from exc
    return StaticEmbedder(model, MODEL2VEC_PREFIX + target)


def _load_sentence_transformer(target: str, cache_dir: Path) -> SentenceTransformerEmbedder:
    if importlib.util.find_spec("sentence_transformers") is None:
        raise EmbedderUnavailable(
            f"the sentence-transformers model {target!r} needs the optional extra: "
            "pip install 'paperfeed[st]'"
        )
    import huggingface_hub
    from sentence_transformers import SentenceTransformer

    folder = _local_folder(target)
    where = str(folder) if folder else target
    # sentence-transformers fetches only the files it needs from a hub repository (which may
    # also hold ONNX, OpenVINO and TensorFlow copies), so it downloads; cached copies first.
    attempts = [True] if folder or huggingface_hub.constants.HF_HUB_OFFLINE else [True, False]
    failure: Exception | None = None
    for local_only in attempts:
        try:
            model = SentenceTransformer(
                where, device="cpu", cache_folder=str(cache_dir), local_files_only=local_only
            )
        # A damaged folder or an unreachable hub surfaces as any of the loaders' exception types.
        except Exception as exc:
            failure = exc
            continue
        return SentenceTransformerEmbedder(model, ST_PREFIX + target)
    reason = str(failure).strip().splitlines()[0] if str(failure).strip() else repr(failure)
    if folder:
        raise EmbedderUnavailable(
            f"cannot load the sentence-transformers model in {folder}: {reason}"
        ) from failure
    raise EmbedderUnavailable(
        f"sentence-transformers model {target} is not a local directory, not cached in "
        f"{cache_dir}, and could not be downloaded from the Hugging Face Hub: {reason}"
    ) from failure


def _local_folder(target: str) -> Path | None:
    """The directory `target` names, None for a hub id; a missing path is an error."""
    if not target:
        raise EmbedderUnavailable("no embedding model named")
    path = Path(target).expanduser()
    if path.is_dir():
        return path.resolve()
    if path.exists():
        raise EmbedderUnavailable(f"embedding model path {target} is not a directory")
    if not _REPO_ID.match(target):
        raise EmbedderUnavailable(
            f"embedding model {target!r} is neither a directory nor a Hugging Face model id"
        )
    return None


def _hub_snapshot(repo_id: str, cache_dir: Path) -> Path:
    """The cached snapshot of `repo_id`, downloaded into `cache_dir` on first use."""
    import huggingface_hub
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError, OfflineModeIsEnabled

    try:
        return Path(
            huggingface_hub.snapshot_download(repo_id, cache_dir=cache_dir, local_files_only=True)
        )
    except LocalEntryNotFoundError:
        pass
    if huggingface_hub.constants.HF_HUB_OFFLINE:
        raise EmbedderUnavailable(
            f"embedding model {repo_id} is not in {cache_dir} "
            "and HF_HUB_OFFLINE forbids downloading it"
        )
    try:
        return Path(
            huggingface_hub.snapshot_download(
                repo_id,
                cache_dir=cache_dir,
                etag_timeout=HUB_TIMEOUT,
                ignore_patterns=["onnx/*", "openvino/*", "*.onnx"],
            )
        )
    except (HfHubHTTPError, LocalEntryNotFoundError, OfflineModeIsEnabled, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EmbedderUnavailable(
            f"embedding model {repo_id} is not a local directory, not cached in {cache_dir}, "
            f"and could not be downloaded from the Hugging Face Hub: {reason}"
        ) from exc
