"""Search quality on a relevance collection in the plain evaluation format:

- `corpus.jsonl`: `{"id", "title", "abstract", "authors": [...], "date"}` per line
- `queries.tsv`: `qid<TAB>query text`
- `qrels.txt`: TREC qrels `qid 0 docid gain` (gain >= 1 is relevant; graded gains count in nDCG)

The corpus is imported into a throwaway data directory, indexed, and every judged query is run
through the same `SearchService` the site uses, in each mode asked. What was read is reported
with the scores (`CorpusReport`, `QueryReport`): a score over part of a corpus, or over queries
whose relevant documents are missing, is not the score of the collection.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from paperfeed.errors import Invalid
from paperfeed.ingest.generic import read_corpus
from paperfeed.ingest.lines import open_source
from paperfeed.ingest.records import Item
from paperfeed.ingest.runner import run_import
from paperfeed.models import RecordError
from paperfeed.search.metrics import mean_scores, percentile, score_query
from paperfeed.search.service import SearchService
from paperfeed.store import Store

DEPTH = 1000  # documents ranked per query, as trec_eval's default cut-off
LISTED = 20  # skipped records and unanswerable queries named in a report
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


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    line: int
    id: str | None
    reason: str

    @classmethod
    def of(cls, error: RecordError) -> SkippedRecord:
        # Positions are `name:line` (`iter_json_lines`).
        return cls(int(error.position.rpartition(":")[2]), error.record_id, error.message)

    def __str__(self) -> str:
        return f"line {self.line}{f' ({self.id})' if self.id else ''}: {self.reason}"


@dataclass(slots=True)
class CorpusReport:
    """What the corpus file held: records read, documents indexed, records skipped (the first
    LISTED named), and per optional field how many records had it left out as unusable."""

    records: int = 0
    documents: int = 0
    skipped: int = 0
    skipped_records: list[SkippedRecord] = field(default_factory=list)
    fields_dropped: Counter[str] = field(default_factory=Counter)
    duplicate_ids: int = 0  # records that repeated an earlier id (merged into one document)

    def read(self, items: Iterable[Item]) -> Iterator[Item]:
        """Pass `items` through, counting skipped records and dropped fields."""
        for item in items:
            self.records += 1
            if isinstance(item, RecordError):
                self.skipped += 1
                if len(self.skipped_records) < LISTED:
                    self.skipped_records.append(SkippedRecord.of(item))
            else:
                self.fields_dropped.update(item.dropped)
            yield item

    def named(self, limit: int = 3) -> str:
        """The first skipped records, as `line 2: not valid JSON; line 5 (D5): …; and 4 more`."""
        shown = self.skipped_records[:limit]
        more = self.skipped - len(shown)
        return "; ".join(str(r) for r in shown) + (f"; and {more:,} more" if more else "")

    def line(self) -> str:
        dropped = ", ".join(f"{n:,} {name}" for name, n in sorted(self.fields_dropped.items()))
        return (
            f"corpus: {self.records:,} records, {self.documents:,} documents indexed, "
            f"{self.skipped:,} skipped"
            + (f" ({self.named()})" if self.skipped else "")
            + (f", {self.duplicate_ids:,} duplicate ids merged" if self.duplicate_ids else "")
            + (f"; unusable fields left out: {dropped}" if dropped else "")
        )

    def as_json(self) -> dict[str, object]:
        return {
            "records": self.records,
            "documents": self.documents,
            "skipped": self.skipped,
            "skipped_records": [
                {"line": r.line, "id": r.id, "reason": r.reason} for r in self.skipped_records
            ],
            "fields_dropped": dict(sorted(self.fields_dropped.items())),
            "duplicate_ids": self.duplicate_ids,
        }


@dataclass(slots=True)
class QueryReport:
    """Which queries were scored and which could not be, and why."""

    scored: int = 0
    # In the queries file without a relevant document in the qrels: not scored.
    unjudged: int = 0
    # Judged in the qrels but absent from the queries file: not scored.
    missing_text: int = 0
    # Scored, but none of their relevant documents is in the corpus: they score 0.
    no_relevant_in_corpus: list[str] = field(default_factory=list)

    def line(self) -> str:
        missing = self.no_relevant_in_corpus
        return (
            f"queries: {self.scored:,} scored; not scored: {self.unjudged:,} without a relevant "
            f"judgment, {self.missing_text:,} judged but not in the queries file"
            + (
                f"; {len(missing):,} scored with no relevant document in the corpus "
                f"({', '.join(missing[:LISTED])}{', …' if len(missing) > LISTED else ''})"
                if missing
                else ""
            )
        )

    def as_json(self) -> dict[str, object]:
        return {
            "scored": self.scored,
            "unjudged": self.unjudged,
            "missing_text": self.missing_text,
            "no_relevant_in_corpus": len(self.no_relevant_in_corpus),
            "no_relevant_in_corpus_ids": self.no_relevant_in_corpus[:LISTED],
        }


class SkippedRecords(Invalid):
    """The corpus had records that could not be read; nothing was scored."""

    def __init__(self, path: Path, report: CorpusReport) -> None:
        super().__init__(
            f"{path}: {report.skipped:,} of {report.records:,} records skipped ({report.named()})"
        )
        self.report = report


@dataclass(slots=True)
class Evaluation:
    corpus: CorpusReport
    queries: QueryReport
    results: dict[str, ModeResult] = field(default_factory=dict)
    model: str | None = None

    @property
    def corpus_size(self) -> int:
        return self.corpus.documents

    @property
    def skipped(self) -> int:
        return self.corpus.skipped

    def as_json(self) -> dict[str, object]:
        """Scores keyed by mode, beside `corpus` and `queries` (no mode has those names)."""
        return {
            "corpus": self.corpus.as_json(),
            "queries": self.queries.as_json(),
            **{m: r.as_json() for m, r in self.results.items()},
        }


def evaluate(
    corpus: Path,
    queries_path: Path,
    qrels_path: Path,
    modes: Sequence[str],
    *,
    model: str | None,
    allow_skips: bool = True,
    progress: Callable[[str, int, int], None] | None = None,
) -> Evaluation:
    """Index `corpus` in a throwaway data directory and score every judged query per mode.

    With `allow_skips` false, a corpus with a record that could not be read raises
    `SkippedRecords` before anything is scored. A mode that needs a model fails with `Invalid`
    when none can be loaded, rather than quietly scoring keyword search under another name."""
    queries = read_queries(queries_path)
    qrels = read_qrels(qrels_path)
    relevant = {qid for qid, docs in qrels.items() if any(g >= 1 for g in docs.values())}
    judged = [(qid, text) for qid, text in queries if qid in relevant]
    if not judged:
        raise Invalid(f"no query in {queries_path} has a relevant document in {qrels_path}")
    report = CorpusReport()
    with tempfile.TemporaryDirectory(prefix="paperfeed-eval-") as tmp:
        data_dir = Path(tmp)
        store = Store.open(f"sqlite:///{data_dir / 'eval.db'}")
        try:
            with open_source(corpus) as raw:
                summary = run_import(
                    store, report.read(read_corpus(raw, corpus.name)), "corpus", batch_size=2000
                )
            if report.skipped and not allow_skips:
                raise SkippedRecords(corpus, report)
            service = SearchService.open(store, data_dir, model=model or "none")
            if service.embedder is None and any(m != "keyword" for m in modes):
                raise Invalid(
                    f"modes {', '.join(m for m in modes if m != 'keyword')} need an embedding "
                    f"model: {service.reason or service.notice}"
                )
            indexed = service.index(progress=progress)
            kept = summary.counts.new + summary.counts.updated + summary.counts.unchanged
            report.documents = indexed.keyword_total
            report.duplicate_ids = kept - indexed.keyword_total
            result = Evaluation(
                corpus=report,
                queries=_query_report(judged, queries, relevant, qrels, store),
                model=service.embedder.name if service.embedder else None,
            )
            for mode in modes:
                result.results[mode] = _run_mode(service, mode, judged, qrels, progress)
        finally:
            store.close()
    return result


def _query_report(
    judged: Sequence[tuple[str, str]],
    queries: Sequence[tuple[str, str]],
    relevant: set[str],
    qrels: dict[str, dict[str, int]],
    store: Store,
) -> QueryReport:
    in_corpus = {canonical_id(doc_id) for doc_id in store.papers.ids()}
    asked = {qid for qid, _text in queries}
    return QueryReport(
        scored=len(judged),
        unjudged=len(asked - relevant),
        missing_text=len(relevant - asked),
        no_relevant_in_corpus=[
            qid
            for qid, _text in judged
            if not any(g >= 1 and doc in in_corpus for doc, g in qrels[qid].items())
        ],
    )


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
