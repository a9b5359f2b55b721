"""Search quality and cost per embedding model, side by side, so a site can pick one.

Quality comes from bench/tune.py's caches (`<work-dir>/<collection>/lists.json`: every judged
query of CACM, CISI and SciFact-train run through `SearchService.search` for keyword and
semantic search); the hybrid ranking is re-computed from those two lists with the shipped
fusion (`paperfeed.search.fusion.combine`, through bench/tune.py's `shipped` and `fuse`), so
it is the current product's even when the lists were collected before a fusion change.

Cost is measured in this run, with paperfeed's own embedder (`load_embedder`, `paper_text`),
one model after the other, each given the same work: a warm-up batch of 64 SciFact abstracts,
then 512 others in batches of 64 (documents per second); 10 warm-up queries, then 200
SciFact-train queries one at a time (query latency); a sentence-transformers model with torch's
default threads and again with one. The vector index size is the file paperfeed built for the
collection (usearch, f16, HNSW), scaled per paper to 1,000,000.

    python bench/model_costs.py                  # the three default models; writes docs
    python bench/model_costs.py --no-docs \\
        --model static-256=bench/out/models/minilm-static-256=/tmp/tune-static
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import shlex
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from paperfeed.search.embedder import (
    Embedder,
    EmbedderUnavailable,
    load_embedder,
    paper_text,
)
from paperfeed.search.evaluation import DEPTH, read_queries
from paperfeed.search.vector_index import VectorIndex, VectorIndexError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from tune import (  # noqa: E402  (bench/tune.py: collections, fusion, scoring, machine)
    COLLECTIONS,
    RELEVANCE,
    evaluate_rankings,
    fuse,
    machine,
    minilm_spec,
    model_kind,
    shipped,
)

DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- model-costs:start -->", "<!-- model-costs:end -->"
# The section goes right after bench/search.py's, when it is not in the file yet.
AFTER = "<!-- bench:search:end -->\n"
SCIFACT = RELEVANCE / "scifact-train" / "eval"
# Real arXiv abstracts, to compare text lengths with (a transformer's cost grows with length).
QUANT_PH = RELEVANCE.parent / "arxiv" / "quant-ph" / "quantph_records.jsonl"
BATCH, BATCHES = 64, 8  # 512 documents timed, after one warm-up batch
QUERIES, WARMUP_QUERIES = 200, 10
PAPERS = 1_000_000
# Budget rule: the time a site may spend embedding 1,000,000 papers once, on this machine.
BUDGETS = (("1 hour", 3600.0), ("8 hours", 8 * 3600.0), ("no limit", math.inf))
BAR_QUERY_P95_MS = 50.0


@dataclass(frozen=True)
class ModelRun:
    """One `--model LABEL=SPEC=WORKDIR`."""

    label: str
    spec: str
    work: Path


@dataclass
class Quality:
    """nDCG@10 per collection and ranking, from the caches that exist."""

    ndcg: dict[str, dict[str, float]]  # collection -> keyword / semantic / hybrid -> nDCG@10
    missing: list[str]  # "collection (why)"
    share: float | None
    code: dict[str, str]  # collection -> paperfeed code the lists were collected with

    def complete(self) -> bool:
        return all(n in self.ndcg for n in COLLECTIONS)

    def gain(self, name: str) -> float:
        s = self.ndcg[name]
        return s["hybrid"] / s["keyword"] - 1

    def min_gain(self) -> float | None:
        return min(self.gain(n) for n in COLLECTIONS) if self.complete() else None


@dataclass
class Cost:
    """One model measured with one torch thread setting."""

    threads: int | None  # None: no torch (a static model)
    kind: str
    dim: int
    params: int
    docs_per_s: float
    query_p50_ms: float
    query_p95_ms: float
    load_s: float
    load_before: str
    load_after: str
    index_bytes_per_paper: float | None
    index_source: str

    @property
    def embed_1m_s(self) -> float:
        return PAPERS / self.docs_per_s


def default_models() -> list[ModelRun]:
    return [
        ModelRun("static-256", "bench/out/models/minilm-static-256", Path("/tmp/tune-static")),
        ModelRun("MiniLM", minilm_spec(), Path("/tmp/tune-minilm")),
        ModelRun("mpnet", "st:/tmp/models/all-mpnet-base-v2", Path("/tmp/tune-mpnet")),
    ]


def parse_model(text: str) -> ModelRun:
    label, sep, rest = text.partition("=")
    spec, sep2, work = rest.rpartition("=")
    if not (sep and sep2 and label and spec and work):
        raise argparse.ArgumentTypeError(f"expected LABEL=SPEC=WORKDIR, not {text!r}")
    return ModelRun(label, spec, Path(work))


def load_now() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


# ----------------------------------------------------------------------------------- quality


def quality(run: ModelRun) -> Quality:
    """Keyword, semantic and shipped-hybrid nDCG@10 from the cached lists, scored as
    bench/tune.py's baseline rows are (papers pinned by the query first, best DEPTH)."""
    out = Quality({}, [], None, {})
    for name in COLLECTIONS:
        path = run.work / name / "lists.json"
        if not path.exists():
            out.missing.append(f"{name} (no {path})")
            continue
        try:
            d: dict[str, Any] = json.loads(path.read_text())
        except json.JSONDecodeError:
            out.missing.append(f"{name} ({path} is being written)")
            continue
        if d.get("model") != run.spec:
            out.missing.append(f"{name} (cache holds {d.get('model')}, not {run.spec})")
            continue
        variant = shipped(d["model"])
        out.share = variant.alpha
        out.code[name] = str(d.get("code", "unknown"))
        rows = d["queries"]
        qids = [r["qid"] for r in rows]
        rankings = {
            mode: [[*r["pinned"], *(p for p, _ in r[mode])][:DEPTH] for r in rows]
            for mode in ("keyword", "semantic")
        }
        rankings["hybrid"] = [fuse(variant, r) for r in rows]
        out.ndcg[name] = {
            mode: evaluate_rankings(ranked, d["qrels"], qids)["ndcg@10"]
            for mode, ranked in rankings.items()
        }
    return out


# -------------------------------------------------------------------------------------- cost


def scifact_texts() -> list[str]:
    texts = []
    with (SCIFACT / "corpus.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            doc = json.loads(line)
            if doc.get("abstract"):
                texts.append(paper_text(str(doc.get("title") or ""), str(doc["abstract"])))
            if len(texts) == BATCH * (BATCHES + 1):
                break
    return texts


def mean_words(texts: Sequence[str]) -> float:
    return sum(len(t.split()) for t in texts) / len(texts) if texts else float("nan")


def arxiv_words() -> float:
    """Mean words of `paper_text` over the quant-ph records (title + abstract)."""
    with QUANT_PH.open(encoding="utf-8") as lines:
        docs = [json.loads(line) for line in lines if line.strip()]
    return mean_words(
        [
            paper_text(str(d.get("title") or ""), d.get("abstract"))
            for d in docs
            if d.get("abstract")
        ]
    )


def parameter_count(spec: str) -> int:
    """The model's weights, counted on a copy loaded by its own library (the embedders keep
    theirs private)."""
    if spec.startswith("st:"):
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(spec.removeprefix("st:"), device="cpu")
        return sum(int(p.numel()) for p in model.parameters())
    from model2vec import StaticModel

    vocab, dim = StaticModel.from_pretrained(spec).embedding.shape
    return int(vocab) * int(dim)


def index_size(work: Path, dim: int) -> tuple[float | None, str]:
    """Bytes per paper of the vector index paperfeed built under `work` (SciFact-train's if
    it exists, else another collection's), and which file it was."""
    for name in ("scifact-train", *(n for n in COLLECTIONS if n != "scifact-train")):
        for path in sorted((work / name / "data" / "index" / "vectors").glob("*.index")):
            state = path.with_suffix(".state.json")
            try:
                model = str(json.loads(state.read_text())["model"])
                count = len(VectorIndex.open(path, dim, model=model))
            except (OSError, ValueError, KeyError, VectorIndexError):
                continue
            if count:
                return path.stat().st_size / count, f"{name}, {count:,} papers"
    return None, "no vector index found"


def timed_runs(
    embedder: Embedder, texts: Sequence[str], queries: Sequence[str]
) -> tuple[float, list[float]]:
    """Documents per second over `texts` after the first batch, and per-query latencies (ms)
    after the warm-up queries."""
    embedder.embed(texts[:BATCH])
    timed = texts[BATCH:]
    started = time.perf_counter()
    for i in range(0, len(timed), BATCH):
        embedder.embed(timed[i : i + BATCH])
    docs_per_s = len(timed) / (time.perf_counter() - started)
    for q in queries[:WARMUP_QUERIES]:
        embedder.embed([q])
    latencies = []
    for q in queries[WARMUP_QUERIES:]:
        t = time.perf_counter()
        embedder.embed([q])
        latencies.append((time.perf_counter() - t) * 1000)
    return docs_per_s, latencies


def cost(
    run: ModelRun, texts: Sequence[str], queries: Sequence[str], cache: Path, threads: int
) -> list[Cost]:
    """Load the model and time it on the same texts and queries as every other model: a
    sentence-transformers model with torch's default threads (`threads`, as paperfeed runs
    it) and again with one thread; a static model (numpy, no torch) once."""
    gc.collect()
    started = time.perf_counter()
    # bench/tune.py records a static model's path as given, relative to the project.
    local = ROOT / run.spec
    spec = str(local) if not run.spec.startswith("st:") and local.is_dir() else run.spec
    embedder = load_embedder(spec, cache_dir=cache)
    load_s = time.perf_counter() - started
    per_paper, source = index_size(run.work, embedder.dim)
    settings: list[int | None] = [None]
    if embedder.kind == "transformer":
        settings = [threads, 1]
    params = parameter_count(spec)
    out = []
    for setting in settings:
        if setting is not None:
            import torch

            torch.set_num_threads(setting)
        before = load_now()
        docs_per_s, latencies = timed_runs(embedder, texts, queries)
        out.append(
            Cost(
                threads=setting,
                kind=embedder.kind,
                dim=embedder.dim,
                params=params,
                docs_per_s=docs_per_s,
                query_p50_ms=percentile(latencies, 50),
                query_p95_ms=percentile(latencies, 95),
                load_s=load_s,
                load_before=before,
                load_after=load_now(),
                index_bytes_per_paper=per_paper,
                index_source=source,
            )
        )
    if embedder.kind == "transformer":
        import torch

        torch.set_num_threads(threads)
    del embedder
    gc.collect()
    return out


# ------------------------------------------------------------------------------------ report


def duration(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def millions(n: int) -> str:
    return f"{n / 1e6:.1f} M" if n >= 1e6 else f"{n / 1e3:.0f} k"


def recommend(
    runs: Sequence[ModelRun], qual: dict[str, Quality], costs: dict[str, list[Cost]]
) -> dict[str, tuple[str, Cost] | None]:
    """Per budget, the configuration (model, torch threads) with the best smallest hybrid gain
    over the three collections among those whose 1,000,000-paper embed fits the budget and
    whose query p95 meets the bar (only models with all three collections cached take part;
    ties: the faster query p95)."""
    out: dict[str, tuple[str, Cost] | None] = {}
    for budget, limit in BUDGETS:
        fits = [
            (r.label, c)
            for r in runs
            if qual[r.label].complete()
            for c in costs[r.label]
            if c.embed_1m_s <= limit and c.query_p95_ms <= BAR_QUERY_P95_MS
        ]
        out[budget] = max(
            fits,
            key=lambda lc: (qual[lc[0]].min_gain() or 0.0, -lc[1].query_p95_ms),
            default=None,
        )
    return out


def thread_text(c: Cost) -> str:
    if c.threads is None:
        return "no torch"
    return f"{c.threads} torch thread" + ("s" if c.threads > 1 else "")


def config(label: str, c: Cost) -> str:
    return label if c.threads is None else f"{label}, {thread_text(c)}"


def render(
    runs: Sequence[ModelRun],
    qual: dict[str, Quality],
    costs: dict[str, list[Cost]],
    command: str,
    load_before: str,
    load_after: str,
    threads: int,
    words: tuple[float, float],
) -> str:
    labels = [r.label for r in runs]
    keyword = {
        n: sorted({round(qual[lb].ndcg[n]["keyword"], 6) for lb in labels if n in qual[lb].ndcg})
        for n in COLLECTIONS
    }
    same_keyword = all(len(v) <= 1 for v in keyword.values())
    versions = []
    for pkg in ("model2vec", "usearch", "transformers"):
        try:
            versions.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            versions.append(f"{pkg} (not installed)")
    lines = [
        START,
        "## Search: quality and cost per embedding model",
        "",
        f"Run on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC with `{command}` "
        "(`bench/model_costs.py`); re-run it to refresh.",
        "",
        *machine(),
        f"- {', '.join(versions)}; torch's default threads here: {threads}",
        f"- Machine {load_before} before, {load_after} after (2 cores shared with other "
        "benchmark processes: the timings compare the models with each other, not with an "
        "idle machine).",
        "",
        "Models: " + "; ".join(f"{r.label} `{r.spec}` ({model_kind(r.spec)})" for r in runs) + ".",
        "",
        "### Quality: nDCG@10 on the three shared collections",
        "",
        "From bench/tune.py's cached lists (every judged query through `SearchService.search`; "
        "papers pinned by the query first, best 1,000). *Hybrid* is the shipped fusion "
        "(`paperfeed/search/fusion.py`: min-max, depth 200, semantic share by the model's kind) "
        "re-computed with the service's own `combine` from the cached keyword and semantic "
        "lists; in brackets its gain over keyword search.",
        "",
        "| model | ranking | "
        + " | ".join(COLLECTIONS)
        + " | min gain over keyword | hybrid ≥ max(keyword, semantic) on all three |",
        "|---|---|" + "---:|" * len(COLLECTIONS) + "---:|---|",
    ]

    def cell(q: Quality, name: str, mode: str) -> str:
        if name not in q.ndcg:
            return "—"
        text = f"{q.ndcg[name][mode]:.3f}"
        return text + (f" ({q.gain(name):+.1%})" if mode == "hybrid" else "")

    if same_keyword:
        first = {n: next((qual[lb] for lb in labels if n in qual[lb].ndcg), None) for n in keyword}
        lines.append(
            "| (all) | keyword (paperfeed) | "
            + " | ".join(cell(q, n, "keyword") if q else "—" for n, q in first.items())
            + " | | |"
        )
    for r in runs:
        q = qual[r.label]
        modes = ("semantic", "hybrid") if same_keyword else ("keyword", "semantic", "hybrid")
        for mode in modes:
            row = f"| {r.label} | {mode}"
            if mode == "hybrid":
                row += f" (share {q.share:g})" if q.share is not None else ""
            row += " | " + " | ".join(cell(q, n, mode) for n in COLLECTIONS)
            if mode == "hybrid" and q.complete():
                below = [
                    n for n, s in q.ndcg.items() if s["hybrid"] < max(s["keyword"], s["semantic"])
                ]
                verdict = f"no ({', '.join(below)})" if below else "yes"
                row += f" | {q.min_gain():+.1%} | {verdict} |"
            elif mode == "hybrid":
                row += " | — (incomplete) | — |"
            else:
                row += " | | |"
            lines.append(row)
    lines.append("")
    if not same_keyword:
        lines.append(
            "Keyword nDCG@10 differs between the caches: they were collected with different "
            "keyword code (see *code* below)."
        )
        lines.append("")
    for r in runs:
        q = qual[r.label]
        if q.missing:
            lines.append(f"- {r.label}: no quality numbers for {'; '.join(q.missing)}.")
        by_code: dict[str, list[str]] = {}
        for name, code in q.code.items():
            by_code.setdefault(code, []).append(name)
        if by_code:
            lines.append(
                f"- {r.label} lists collected with paperfeed "
                + "; ".join(f"{code} ({', '.join(names)})" for code, names in by_code.items())
                + "."
            )
    lines += [
        "",
        "### Cost, measured in this run",
        "",
        "Same-run baseline: every model gets the same texts, the same batches and the same "
        "warm-up, one model after the other in this process; a sentence-transformers model "
        f"runs twice, with torch's default {threads} threads (paperfeed sets none) and with 1 "
        "(on a loaded machine more threads can be slower). "
        f"Documents: {BATCH * BATCHES} "
        f"SciFact-train abstracts (`paper_text(title, abstract)`) in batches of {BATCH} through "
        f"`Embedder.embed`, after one untimed batch of {BATCH} others. Queries: "
        f"{QUERIES} SciFact-train queries embedded one at a time, after {WARMUP_QUERIES} "
        "untimed ones. Vector index: the size of the usearch file (f16 vectors, HNSW graph, "
        "paper ids) paperfeed built for the collection, per paper, times 1,000,000 (a linear "
        "scaling: compare static-256's ANN file at 1,000,000 papers in the speed table above); "
        "`VectorIndex.open` loads the whole file, so this is also its memory. Projected 1M "
        "embed: 1,000,000 / documents per second, embedding alone (the keyword index and the "
        f"SQLite writes come on top). The timed texts average {words[0]:.0f} words, the "
        f"38,858 quant-ph records (`paper_text` of title and abstract) {words[1]:.0f}: a "
        "transformer, whose cost grows with length, would embed arXiv abstracts faster than "
        "projected here.",
        "",
        "| model | kind | dim | parameters | threads | docs/s | 1M embed (projected) "
        "| query p50 ms | query p95 ms | vector index bytes/paper (measured on) "
        "| vector index at 1M |",
        "|---|---|---:|---:|---|---:|---:|---:|---:|---|---:|",
    ]
    for r in runs:
        for c in costs[r.label]:
            per = c.index_bytes_per_paper
            index_cells = (
                f"{per:,.0f} ({c.index_source}) | {per * PAPERS / 1e6:,.0f} MB"
                if per
                else f"{c.index_source} | —"
            )
            lines.append(
                f"| {r.label} | {c.kind} | {c.dim} | {millions(c.params)} | {thread_text(c)} | "
                f"{c.docs_per_s:,.0f} | {duration(c.embed_1m_s)} | {c.query_p50_ms:.1f} | "
                f"{c.query_p95_ms:.1f} | {index_cells} |"
            )
    lines += ["", "Machine load per measurement, before → after:", ""]
    lines += [
        f"- {config(r.label, c)}: {c.load_before} → {c.load_after}; "
        f"model loaded in {c.load_s:.1f} s."
        for r in runs
        for c in costs[r.label]
    ]
    chosen = recommend(runs, qual, costs)

    lines += [
        "",
        "### Which model for which budget",
        "",
        "Rule (computed by the script): for a budget on the time to embed 1,000,000 papers once "
        f"on this 2-core machine ({', '.join(b for b, _ in BUDGETS)}), among the measured "
        "configurations (model, torch threads) whose projected time fits it and whose query "
        f"p95 is at most {BAR_QUERY_P95_MS:.0f} ms (the hybrid bar of issue 3, which the query "
        "embedding alone must leave room for), take the one with the best *smallest* hybrid "
        "gain over keyword on the three collections (ties: the lower query p95); a model "
        "without all three caches does not take part.",
        "",
    ]
    for r in runs:
        mg = qual[r.label].min_gain()
        for c in costs[r.label]:
            fits = ", ".join(
                f"{budget} {'yes' if c.embed_1m_s <= limit else 'no'}" for budget, limit in BUDGETS
            )
            picked = [b for b, pick in chosen.items() if pick and pick[1] is c]
            lines.append(
                f"- {config(r.label, c)}: smallest gain "
                + (f"{mg:+.1%}" if mg is not None else "unknown (caches incomplete)")
                + f", query p95 {c.query_p95_ms:.1f} ms "
                f"({'≤' if c.query_p95_ms <= BAR_QUERY_P95_MS else '>'} "
                f"{BAR_QUERY_P95_MS:.0f}), 1M embed {duration(c.embed_1m_s)} (fits: {fits}) → "
                + (f"recommended for {', '.join(picked)}" if picked else "not recommended")
                + "."
            )
    lines += [
        "",
        "Recommended: "
        + "; ".join(
            f"{budget}: {config(*pick) if pick else 'none'}" for budget, pick in chosen.items()
        )
        + ".",
        "",
        END,
    ]
    return "\n".join(lines) + "\n"


def write_docs(section: str) -> None:
    """Replace the marked section, or put it after bench/search.py's; nothing else changes."""
    text = DOCS.read_text(encoding="utf-8")
    if START in text:
        head, rest = text.split(START, 1)
        text = head + section + rest.split(END + "\n", 1)[1]
    elif AFTER in text:
        head, rest = text.split(AFTER, 1)
        text = head + AFTER + section + rest
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOCS.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--model",
        dest="models",
        action="append",
        type=parse_model,
        metavar="LABEL=SPEC=WORKDIR",
        help="a model and bench/tune.py's --work-dir for it (repeatable; default: static-256, "
        "MiniLM and mpnet in /tmp/tune-static, /tmp/tune-minilm, /tmp/tune-mpnet)",
    )
    parser.add_argument(
        "--no-docs", action="store_true", help="print the section, leave docs/benchmarks.md alone"
    )
    args = parser.parse_args()
    runs: list[ModelRun] = args.models or default_models()

    def log(message: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)

    command = "python bench/model_costs.py" + "".join(
        f" --model {shlex.quote(f'{r.label}={r.spec}={r.work}')}" for r in runs
    )
    texts = scifact_texts()
    queries = [t for _qid, t in read_queries(SCIFACT / "queries.tsv")][: WARMUP_QUERIES + QUERIES]
    if len(texts) < BATCH * (BATCHES + 1) or len(queries) < WARMUP_QUERIES + QUERIES:
        sys.exit(f"SciFact-train has too few abstracts or queries in {SCIFACT}")
    try:
        import torch

        threads = torch.get_num_threads()
    except ImportError:  # only static models can then be measured
        threads = os.cpu_count() or 1
    load_before = load_now()
    costs: dict[str, list[Cost]] = {}
    with tempfile.TemporaryDirectory() as cache:
        for r in runs:
            log(f"{r.label}: measuring ({load_now()})")
            try:
                costs[r.label] = cost(r, texts, queries, Path(cache), threads)
            except EmbedderUnavailable as exc:
                sys.exit(f"{r.label}: {exc}")
            for c in costs[r.label]:
                log(
                    f"{r.label}, {thread_text(c)}: {c.docs_per_s:,.0f} docs/s, query p50 "
                    f"{c.query_p50_ms:.1f} ms, p95 {c.query_p95_ms:.1f} ms"
                )
    load_after = load_now()
    # Read after the timing: bench/tune.py may still be filling a cache.
    qual = {r.label: quality(r) for r in runs}
    for r in runs:
        if qual[r.label].missing:
            log(f"{r.label}: caches missing: {'; '.join(qual[r.label].missing)}")
    words = (mean_words(texts[BATCH:]), arxiv_words())
    section = render(runs, qual, costs, command, load_before, load_after, threads, words)
    print(section)
    if not args.no_docs:
        write_docs(section)
        log(f"wrote {DOCS}")


if __name__ == "__main__":
    main()
