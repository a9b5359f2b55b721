"""Recommendation quality on a relevance collection in the plain evaluation format (the one
`search.evaluation` reads), with readers simulated from the relevance judgments.

For each query in the queries file with at least `MIN_RELEVANT` relevant documents in the
corpus, a reader saves half of them (chosen with a fixed seed) and marks `DISMISSED` papers
"not interested": judged non-relevant ones first, then random ones not judged relevant. Each
recommender ranks the rest of the corpus; nDCG@10 and Recall@100 are scored on the held-out
half, as `search.metrics` computes them. arxiv-sanity-lite's SVM (`baseline`) ranks for the same
readers in the same run.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from paperfeed.errors import Invalid
from paperfeed.ingest.generic import read_corpus
from paperfeed.ingest.lines import open_source
from paperfeed.recommend.baseline import SvmBaseline
from paperfeed.recommend.features import FeatureSpace, PaperText
from paperfeed.recommend.ranker import Positive, Signals, fit_profile, score
from paperfeed.search.embedder import EmbedderUnavailable, load_embedder, paper_text
from paperfeed.search.evaluation import (
    DEPTH,
    CorpusReport,
    SkippedRecords,
    canonical_id,
    read_qrels,
    read_queries,
)
from paperfeed.search.metrics import QueryScores, mean_scores, score_query

MIN_RELEVANT = 4
DISMISSED = 5
SEED = 0
MEASURES = ("ndcg@10", "recall@100")


@dataclass(frozen=True, slots=True)
class Reader:
    """A simulated reader: the query they stand for, what they saved and dismissed, and the
    relevant papers held out (id -> gain) that a recommender should find."""

    qid: str
    saved: tuple[str, ...]
    dismissed: tuple[str, ...]
    held_out: dict[str, int]


def simulate_readers(
    qrels: Mapping[str, Mapping[str, int]],
    corpus_ids: Sequence[str],
    qids: Sequence[str],
    seed: int = SEED,
) -> list[Reader]:
    """A reader per query of `qids` with at least MIN_RELEVANT relevant papers in the corpus.
    Each query draws from its own generator (seeded with `seed` and the query id), so a reader
    does not change when other queries are added or removed."""
    in_corpus = set(corpus_ids)
    readers = []
    for qid in dict.fromkeys(qids):
        gains = qrels.get(qid, {})
        relevant = sorted(d for d, g in gains.items() if g >= 1 and d in in_corpus)
        if len(relevant) < MIN_RELEVANT:
            continue
        rng = random.Random(f"{seed}:{qid}")
        saved = sorted(rng.sample(relevant, len(relevant) // 2))
        judged_out = sorted(d for d, g in gains.items() if g <= 0 and d in in_corpus)
        dismissed = rng.sample(judged_out, min(DISMISSED, len(judged_out)))
        others = [d for d in corpus_ids if d not in gains]
        rng.shuffle(others)
        dismissed += others[: DISMISSED - len(dismissed)]
        readers.append(
            Reader(
                qid=qid,
                saved=tuple(saved),
                dismissed=tuple(dismissed),
                held_out={d: gains[d] for d in relevant if d not in saved},
            )
        )
    return readers


@dataclass(frozen=True, slots=True)
class RecommendScores:
    scores: dict[str, float]
    readers: int

    def as_json(self) -> dict[str, object]:
        return {**{m: round(self.scores[m], 4) for m in MEASURES}, "readers": self.readers}


@dataclass(frozen=True, slots=True)
class RecommendEvaluation:
    recommend: RecommendScores
    baseline_svm: RecommendScores
    corpus: CorpusReport
    model: str | None = None

    def as_json(self) -> dict[str, object]:
        return {"recommend": self.recommend.as_json(), "baseline_svm": self.baseline_svm.as_json()}


def read_papers(corpus: Path, report: CorpusReport) -> list[PaperText]:
    """The corpus's papers under their canonical ids (a repeated id: the last record wins)."""
    papers: dict[str, PaperText] = {}
    with open_source(corpus) as raw:
        for item in report.read(read_corpus(raw, corpus.name)):
            paper = getattr(item, "paper", None)
            if paper is None:
                continue
            pid = canonical_id(paper.arxiv_id)
            if pid in papers:
                report.duplicate_ids += 1
            papers[pid] = PaperText(
                id=pid,
                title=paper.title,
                abstract=paper.abstract or "",
                authors=tuple(a.name for a in paper.authors or ()),
            )
    report.documents = len(papers)
    return list(papers.values())


def evaluate_recommend(
    corpus: Path,
    queries_path: Path,
    qrels_path: Path,
    *,
    model: str | None = None,
    allow_skips: bool = True,
    seed: int = SEED,
    progress: Callable[[str, int, int], None] | None = None,
) -> RecommendEvaluation:
    """Simulate the readers, rank for each with paperfeed's recommender and with the baseline,
    and score both. With `model`, its vectors of every paper are one more view."""
    queries = read_queries(queries_path)
    qrels = read_qrels(qrels_path)
    report = CorpusReport()
    papers = read_papers(corpus, report)
    if report.skipped and not allow_skips:
        raise SkippedRecords(corpus, report)
    ids = [p.id for p in papers]
    readers = simulate_readers(qrels, ids, [qid for qid, _text in queries], seed)
    if not readers:
        raise Invalid(
            f"no query in {queries_path} has {MIN_RELEVANT} or more relevant documents in "
            f"{corpus} to simulate a reader with"
        )
    vectors, model_name = _vectors(papers, model)
    space = FeatureSpace.fit(papers, vectors)
    rows = space.transform(papers, vectors)
    baseline = SvmBaseline(papers)
    ours: list[QueryScores] = []
    theirs: list[QueryScores] = []
    where = {pid: i for i, pid in enumerate(ids)}
    for n, reader in enumerate(readers, 1):
        signals = Signals(tuple(Positive(d) for d in reader.saved), reader.dismissed)
        ours.append(_scored(ids, score(fit_profile(signals, rows, space), rows), reader))
        theirs.append(_scored(ids, baseline.scores([where[d] for d in reader.saved]), reader))
        if progress:
            progress("readers", n, len(readers))
    return RecommendEvaluation(
        recommend=RecommendScores(mean_scores(ours), len(readers)),
        baseline_svm=RecommendScores(mean_scores(theirs), len(readers)),
        corpus=report,
        model=model_name,
    )


def _scored(ids: Sequence[str], scores: npt.NDArray[np.float64], reader: Reader) -> QueryScores:
    """The reader's held-out papers scored against the ranking of every paper they have not
    saved or dismissed."""
    seen = set(reader.saved) | set(reader.dismissed)
    order = np.argsort(-scores, kind="stable")
    ranking = [ids[i] for i in order if ids[i] not in seen][:DEPTH]
    return score_query(ranking, reader.held_out)


def _vectors(
    papers: Sequence[PaperText], model: str | None
) -> tuple[npt.NDArray[np.float32] | None, str | None]:
    """Every paper's embedding by `model` (as search embeds papers), or none without one."""
    if not model or model.strip().lower() == "none":
        return None, None
    with tempfile.TemporaryDirectory(prefix="paperfeed-recommend-") as tmp:
        try:
            embedder = load_embedder(model, cache_dir=Path(tmp) / "models")
        except EmbedderUnavailable as exc:
            raise Invalid(f"cannot load model {model!r}: {exc}") from None
        vectors = embedder.embed([paper_text(p.title, p.abstract) for p in papers])
    return np.asarray(vectors, dtype=np.float32), embedder.name
