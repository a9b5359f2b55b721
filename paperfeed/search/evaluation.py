"""Search quality on a relevance collection in the plain evaluation format:

- `corpus.jsonl`: `{"id", "title", "abstract", "authors": [...], "date"}` per line
- `queries.tsv`: `qid<TAB>query text`
- `qrels.txt`: TREC qrels `qid 0 docid gain` (gain >= 1 is relevant; graded gains count in nDCG)

The corpus is imported into a throwaway data directory, indexed, and every judged query is run
through the same `SearchService` the site uses, in each mode asked.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from paperfeed.errors import Invalid
from paperfeed.ingest.generic import read_generic
from paperfeed.ingest.lines import open_source
from paperfeed.ingest.runner import run_import
from paperfeed.search.metrics import mean_scores, percentile, score_query
from paperfeed.search.service import SearchService
from paperfeed.store import Store

DEPTH = 1000  # documents ranked per query, as trec_eval's default cut-off
_NUMBERED = re.compile(r"^(.*?)(\d+)$")


def canonical_id(doc_id: str) -> str:
    """Match ids however a collection pads them: `CACM-756` and `CACM-0756` are one document."""
    m = _NUMBERED.match(doc_id.strip())
    return f"{m[1]}{int(m[2])}" if m else doc_id.strip()


def read_queries(path: Path) -> list[tuple[str, str]]:
    queries = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            qid, sep, text = line.partition("\t")
            if not sep or not qid.strip():
                raise Invalid(f"{path}:{n}: expected 'qid<TAB>query text'")
            queries.append((qid.strip(), text.strip()))
    return queries


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 4:
                raise Invalid(f"{path}:{n}: expected 'qid 0 docid gain'")
            qid, _iter, doc, gain = parts
            try:
                qrels.setdefault(qid, {})[canonical_id(doc)] = int(gain)
            except ValueError:
                raise Invalid(f"{path}:{n}: gain must be an integer, got {gain!r}") from None
    return qrels


@dataclass(slots=True)
class ModeResult:
    scores: dict[str, float]
    queries: int
    latency_ms_p50: float
    latency_ms_p95: float
    mode_used: str
    notice: str | None = None

    def as_json(self) -> dict[str, object]:
        return {
            **{k: round(v, 4) for k, v in self.scores.items()},
            "queries": self.queries,
            "latency_ms_p50": round(self.latency_ms_p50, 2),
            "latency_ms_p95": round(self.latency_ms_p95, 2),
            "mode_used": self.mode_used,
            **({"notice": self.notice} if self.notice else {}),
        }


@dataclass(slots=True)
class Evaluation:
    corpus_size: int
    skipped: int
    results: dict[str, ModeResult] = field(default_factory=dict)
    model: str | None = None


def evaluate(
    corpus: Path,
    queries_path: Path,
    qrels_path: Path,
    modes: Sequence[str],
    *,
    model: str | None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Evaluation:
    """Index `corpus` in a throwaway data directory and score every judged query per mode.

    A mode that needs a model fails with `Invalid` when none can be loaded, rather than
    quietly scoring keyword search under another name."""
    queries = read_queries(queries_path)
    qrels = read_qrels(qrels_path)
    judged = [
        (qid, text) for qid, text in queries if any(g >= 1 for g in qrels.get(qid, {}).values())
    ]
    if not judged:
        raise Invalid(f"no query in {queries_path} has a relevant document in {qrels_path}")
    with tempfile.TemporaryDirectory(prefix="paperfeed-eval-") as tmp:
        data_dir = Path(tmp)
        store = Store.open(f"sqlite:///{data_dir / 'eval.db'}")
        try:
            with open_source(corpus) as raw:
                summary = run_import(
                    store, read_generic(raw, corpus.name), "corpus", batch_size=2000
                )
            service = SearchService.open(store, data_dir, model=model or "none")
            if service.embedder is None and any(m != "keyword" for m in modes):
                raise Invalid(
                    f"modes {', '.join(m for m in modes if m != 'keyword')} need an embedding "
                    f"model: {service.reason or service.notice}"
                )
            service.index(progress=progress)
            result = Evaluation(
                corpus_size=summary.counts.new + summary.counts.updated + summary.counts.unchanged,
                skipped=summary.skipped,
                model=service.embedder.name if service.embedder else None,
            )
            for mode in modes:
                result.results[mode] = _run_mode(service, mode, judged, qrels, progress)
        finally:
            store.close()
    return result


def _run_mode(
    service: SearchService,
    mode: str,
    judged: Sequence[tuple[str, str]],
    qrels: dict[str, dict[str, int]],
    progress: Callable[[str, int, int], None] | None,
) -> ModeResult:
    per_query = []
    latencies = []
    used = mode
    notice = None
    for i, (qid, text) in enumerate(judged, 1):
        # Latency as a reader sees it (a first page of 10, with reasons); the ranking scored is
        # the full one.
        start = time.perf_counter()
        service.search(text, mode=mode, limit=10)
        latencies.append((time.perf_counter() - start) * 1000)
        results = service.search(text, mode=mode, limit=DEPTH, explain=False)
        used, notice = results.mode, results.notice
        ranking = [canonical_id(h.paper.arxiv_id) for h in results.hits]
        per_query.append(score_query(ranking, qrels[qid]))
        if progress:
            progress(mode, i, len(judged))
    return ModeResult(
        scores=mean_scores(per_query),
        queries=len(judged),
        latency_ms_p50=percentile(latencies, 50),
        latency_ms_p95=percentile(latencies, 95),
        mode_used=used,
        notice=notice,
    )
