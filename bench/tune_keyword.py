"""Choose the keyword engine's constants on the three shared collections together (issue 14):
the analysis (Porter stemming, English stop words), the title boost and the phrase boost.

For each of CACM, CISI and SciFact-train the corpus is imported once into a fresh SQLite store
(`run_import`, as `paperfeed eval` and bench/tune.py do) and indexed once per analysis (four
keyword indexes per collection) through the indexer's own route (`update_keyword`: the store's
`IndexDoc`s into `KeywordIndex(path, options=KeywordOptions(...))`). The boosts act at query
time, so each index is searched once per pair of boosts. Every judged query runs as the site's
keyword mode does: papers whose exact title is the query pinned first, then BM25 order, best
1,000. The BM25 baseline is bm25s (k1 0.9, b 0.4), computed as bench/tune.py computes it.

Selection rule: a variant's gain on a collection is its nDCG@10 over the current constants',
less one; the variant with the largest *smallest* gain over the three collections is chosen
(ties: the current constants), so a change is kept only when it helps on all three.

    python bench/tune_keyword.py --work-dir /tmp/tunekw            # writes docs/tuning-keyword.md
    python bench/tune_keyword.py --work-dir /tmp/tunekw --no-docs  # prints the table only

The stores, the indexes and every variant's rankings are cached under --work-dir; a re-run only
re-scores (delete the directory to measure changed code again).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

from paperfeed.ingest.generic import read_generic
from paperfeed.ingest.lines import open_source
from paperfeed.ingest.runner import run_import
from paperfeed.models import SearchFilters
from paperfeed.search.evaluation import DEPTH, canonical_id, read_qrels, read_queries
from paperfeed.search.indexer import update_keyword
from paperfeed.search.keyword_index import KeywordIndex, KeywordOptions
from paperfeed.search.metrics import score_query
from paperfeed.search.query import parse_query
from paperfeed.store import Store

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from tune import (  # noqa: E402  (bench/tune.py: collections, baseline, statistics)
    BM25_B,
    BM25_K1,
    COLLECTIONS,
    RELEVANCE,
    bm25s_rankings,
    code_state,
    evaluate_rankings,
    machine,
    paired_p,
)

DOCS = ROOT / "docs" / "tuning-keyword.md"
TITLE_BOOSTS = (0.0, 0.15, 0.3, 0.6, 1.0)
PHRASE_BOOSTS = (0.0, 0.5, 1.0, 2.0)
ANALYSES = ((True, True), (True, False), (False, True), (False, False))  # (stem, stop words)
CURRENT = KeywordOptions()
BM25_LABEL = f"BM25 (bm25s, k1 {BM25_K1:g}, b {BM25_B:g})"

Log = Callable[[str], None]
Scores = dict[str, dict[str, float]]  # collection -> measure -> value


def grid() -> list[KeywordOptions]:
    return [
        KeywordOptions(title, phrase, stem, stop)
        for stem, stop in ANALYSES
        for title in TITLE_BOOSTS
        for phrase in PHRASE_BOOSTS
    ]


def label(o: KeywordOptions) -> str:
    return (
        f"title {o.title_boost:g}, phrase {o.phrase_boost:g}, "
        f"{'stemmed' if o.stem else 'not stemmed'}, "
        f"{'stop words removed' if o.stop_words else 'stop words kept'}"
    )


def analysis_dir(o: KeywordOptions) -> str:
    return f"keyword-{'stem' if o.stem else 'nostem'}-{'stop' if o.stop_words else 'nostop'}"


# ------------------------------------------------------------------------------ measuring


def open_store(name: str, work: Path, log: Log) -> Store:
    """The collection imported into a SQLite store of its own (once: a marker says it is whole)."""
    data_dir = work / name
    data_dir.mkdir(parents=True, exist_ok=True)
    done = data_dir / "imported"
    db = data_dir / "eval.db"
    if not done.exists():
        db.unlink(missing_ok=True)
    store = Store.open(f"sqlite:///{db}")
    if not done.exists():
        corpus = RELEVANCE / name / "eval" / "corpus.jsonl"
        start = time.perf_counter()
        with open_source(corpus) as raw:
            run_import(store, read_generic(raw, corpus.name), "corpus", batch_size=2000)
        done.write_text("")
        log(f"{name}: imported in {time.perf_counter() - start:.0f} s")
    return store


def ranking(index: KeywordIndex, text: str) -> list[str]:
    """One query as the site's keyword mode ranks it (SearchService.search): a paper whose
    exact title the query is comes first, then BM25 order; best DEPTH, canonical ids."""
    parsed = parse_query(text)
    if parsed.is_empty:
        return []
    filters = SearchFilters()
    pinned: list[str] = []
    if parsed.text and not parsed.references:
        titled = index.title_matches(parsed.text)
        allowed = index.restrict(titled, filters, parsed) if titled else set()
        pinned = [pid for pid in titled if pid in allowed]
    hits = index.search(parsed, filters, limit=DEPTH + len(pinned)).hits
    first = set(pinned)
    ranked = [*pinned, *(pid for pid, _s in hits if pid not in first)]
    return [canonical_id(pid) for pid in ranked[:DEPTH]]


def collect(name: str, work: Path, log: Log) -> dict[str, Any]:
    """Every variant's ranking of every judged query of one collection, cached as JSON: a
    variant already measured is not run again."""
    out = work / name / "keyword-rankings.json"
    folder = RELEVANCE / name / "eval"
    queries = read_queries(folder / "queries.tsv")
    qrels = read_qrels(folder / "qrels.txt")
    judged = [(q, t) for q, t in queries if any(g >= 1 for g in qrels.get(q, {}).values())]
    data: dict[str, Any] = json.loads(out.read_text()) if out.exists() else {}
    if data.get("qids") != [q for q, _ in judged]:
        data = {}
    data.setdefault("qids", [q for q, _ in judged])
    data["qrels"] = {q: qrels[q] for q, _ in judged}
    data["phrased"] = sum(bool(parse_query(t).phrases) for _q, t in judged)
    data.setdefault("rankings", {})
    data.setdefault("seconds", {})
    missing = [o for o in grid() if label(o) not in data["rankings"]]
    if not missing and "bm25s" in data:
        return data
    data["code"] = code_state()
    store = open_store(name, work, log)
    try:
        data["docs"] = store.search_data.count_changed_since(None)
        for stem, stop in ANALYSES:
            variants = [o for o in missing if (o.stem, o.stop_words) == (stem, stop)]
            if not variants:
                continue
            analysed = KeywordOptions(stem=stem, stop_words=stop)
            path = work / name / analysis_dir(analysed)
            start = time.perf_counter()
            update_keyword(store, KeywordIndex(path, options=analysed))
            log(f"{name}: {analysis_dir(analysed)} indexed in {time.perf_counter() - start:.1f} s")
            for o in variants:
                index = KeywordIndex(path, options=o)
                start = time.perf_counter()
                data["rankings"][label(o)] = [ranking(index, text) for _q, text in judged]
                data["seconds"][label(o)] = time.perf_counter() - start
            log(f"{name}: {len(variants)} variants of {analysis_dir(analysed)} ranked")
            out.write_text(json.dumps(data))
    finally:
        store.close()
    if "bm25s" not in data:
        docs = [
            json.loads(line)
            for line in (folder / "corpus.jsonl").open(encoding="utf-8")
            if line.strip()
        ]
        data["bm25s"] = bm25s_rankings(docs, judged)
    out.write_text(json.dumps(data))
    return data


# ------------------------------------------------------------------------------- choosing


def per_query_ndcg(rankings: Sequence[Sequence[str]], d: dict[str, Any]) -> list[float]:
    return [score_query(r, d["qrels"][q]).ndcg10 for r, q in zip(rankings, d["qids"], strict=True)]


def scores_of(data: dict[str, dict[str, Any]], name: str | None) -> Scores:
    """Each collection's scores of one variant's rankings (`name` None: the BM25 baseline's)."""
    return {
        n: evaluate_rankings(
            d["bm25s"] if name is None else d["rankings"][name], d["qrels"], d["qids"]
        )
        for n, d in data.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--work-dir", type=Path, required=True, help="cache: stores, indexes and rankings"
    )
    parser.add_argument(
        "--no-docs", action="store_true", help="print the table, leave docs/tuning-keyword.md"
    )
    args = parser.parse_args()
    args.work_dir.mkdir(parents=True, exist_ok=True)

    def log(message: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)

    data = {name: collect(name, args.work_dir, log) for name in COLLECTIONS}
    variants = grid()
    scores = {o: scores_of(data, label(o)) for o in variants}
    bm25 = scores_of(data, None)
    base = {n: scores[CURRENT][n]["ndcg@10"] for n in COLLECTIONS}

    def min_gain(s: Scores) -> float:
        return min(s[n]["ndcg@10"] / base[n] - 1 for n in COLLECTIONS)

    ordered = sorted(variants, key=lambda o: (-round(min_gain(scores[o]), 6), o != CURRENT))
    chosen = ordered[0]
    # Against the current constants: the chosen variant, or (when that is the current one)
    # the best other, to show how far it was from being kept.
    rival = chosen if chosen != CURRENT else next(o for o in ordered if o != CURRENT)
    p_values = {
        n: paired_p(
            per_query_ndcg(data[n]["rankings"][label(rival)], data[n]),
            per_query_ndcg(data[n]["rankings"][label(CURRENT)], data[n]),
        )
        for n in COLLECTIONS
    }
    text = render(data, scores, bm25, ordered, chosen, rival, p_values, min_gain)
    print(text)
    if not args.no_docs:
        DOCS.write_text(text)
        log(f"wrote {DOCS}")


# -------------------------------------------------------------------------------- report


def render(
    data: dict[str, dict[str, Any]],
    scores: dict[KeywordOptions, Scores],
    bm25: Scores,
    ordered: Sequence[KeywordOptions],
    chosen: KeywordOptions,
    rival: KeywordOptions,
    p_values: dict[str, float],
    min_gain: Callable[[Scores], float],
) -> str:
    current = scores[CURRENT]
    head = [
        "| variant | "
        + " | ".join(f"{n} nDCG@10" for n in COLLECTIONS)
        + " | min gain over current | helps on all three | "
        + " | ".join(f"{n} MAP / R@100" for n in COLLECTIONS)
        + " |",
        "|---|" + "---:|" * len(COLLECTIONS) + "---:|---|" + "---:|" * len(COLLECTIONS),
    ]

    def helps(s: Scores) -> bool:
        return all(s[n]["ndcg@10"] > current[n]["ndcg@10"] for n in COLLECTIONS)

    def line(name: str, s: Scores, verdict: str) -> str:
        return (
            f"| {name} | "
            + " | ".join(f"{s[n]['ndcg@10']:.3f}" for n in COLLECTIONS)
            + f" | {min_gain(s):+.2%} | {verdict} | "
            + " | ".join(f"{s[n]['map']:.3f} / {s[n]['recall@100']:.3f}" for n in COLLECTIONS)
            + " |"
        )

    def named(o: KeywordOptions) -> str:
        tags = [t for t, on in (("current", o == CURRENT), ("chosen", o == chosen)) if on]
        text = label(o) + (f" ({', '.join(tags)})" if tags else "")
        return f"**{text}**" if o in (CURRENT, chosen) else text

    sizes = ", ".join(
        f"{n} {data[n]['docs']:,} docs / {len(data[n]['qids'])} judged queries "
        f"({data[n]['phrased']} with a quoted phrase)"
        for n in COLLECTIONS
    )
    deltas = {n: scores[rival][n]["ndcg@10"] - current[n]["ndcg@10"] for n in COLLECTIONS}
    compared = ", ".join(f"{n} {deltas[n]:+.4f} (p {p_values[n]:.3f})" for n in COLLECTIONS)
    changed = chosen != CURRENT
    out = [
        "# Tuning the keyword engine on the three shared collections",
        "",
        "Written by `python bench/tune_keyword.py --work-dir DIR` (`bench/tune_keyword.py`); "
        "re-run it to refresh.",
        f"Run on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        *machine(),
        "- paperfeed code measured: "
        + "; ".join(sorted({str(data[n].get("code", "unknown")) for n in COLLECTIONS})),
        "",
        f"Collections ({sizes}): `../shared/data/relevance/*/eval/`. Every judged query (one or",
        "more documents with gain ≥ 1) counts; nDCG@10 with linear gains, MAP and Recall@100 over",
        f"the best {DEPTH:,}, as `paperfeed eval` computes them (`paperfeed/search/metrics.py`).",
        "",
        "## How it was measured",
        "",
        "- Each corpus is imported into a fresh SQLite store (`run_import`) and indexed four",
        "  times through the indexer's route (`update_keyword`: the store's `IndexDoc`s into",
        "  `KeywordIndex(path, options=KeywordOptions(stem=…, stop_words=…))`), once per",
        "  analysis: Porter stemming on or off, Lucene's English stop words removed or kept.",
        "  The boosts act at query time: each index is searched with every pair.",
        "- Grid: title boost "
        + ", ".join(f"{b:g}" for b in TITLE_BOOSTS)
        + "; phrase boost "
        + ", ".join(f"{b:g}" for b in PHRASE_BOOSTS)
        + f"; {len(ANALYSES)} analyses: {len(ordered)} variants.",
        "- Each judged query runs as the site's keyword mode ranks it: a paper whose exact title",
        "  the query is first (`title_matches`), then `KeywordIndex.search` (BM25, typo",
        "  correction on, the 64 weightiest terms of a long query). The phrase boost only acts on",
        "  queries with a quoted phrase (counted above); the title boost on every query.",
        "- BM25 k1 and b are not tuned: tantivy fixes them (`const K1: Score = 1.2; const B:",
        "  Score = 0.75;` in tantivy's `src/query/bm25.rs`), and tantivy-py "
        + version("tantivy")
        + " has no",
        "  setting for them.",
        f'- Baseline: bm25s {version("bm25s")} (`method="lucene"`, k1 {BM25_K1:g}, b '
        f"{BM25_B:g}) over",
        '  `title + " " + abstract`, tokenised with paperfeed\'s default analyzer, as',
        "  bench/tune.py computes it.",
        "- Selection rule: gain = nDCG@10 / the current constants' nDCG@10 - 1 on each",
        "  collection; the variant with the largest smallest gain over the three is chosen (ties:",
        "  the current constants). The current constants score a smallest gain of 0, so another",
        "  variant is chosen only when it helps on all three collections.",
        "",
        "## Result",
        "",
        f"Current constants: {label(CURRENT)}.",
        f"Chosen: {label(chosen)} "
        + (
            "(differs from the current constants; it helps on all three)."
            if changed
            else "(the current constants: no variant helps on all three)."
        ),
        "",
        ("Chosen" if changed else f"The best other variant ({label(rival)})")
        + " against the current constants, nDCG@10 (two-sided paired randomisation test, "
        f"10,000 sign flips): {compared}.",
        "",
        *head,
        line(BM25_LABEL, bm25, ""),
        line(named(CURRENT), current, "—"),
        *([line(named(chosen), scores[chosen], "yes")] if changed else []),
        "",
        "## One constant at a time, from the current constants",
        "",
        "Kept only when it helps on all three collections. Δ nDCG@10 against the current",
        "constants, with the two-sided paired randomisation p-value of each collection.",
        "",
        "| change | "
        + " | ".join(f"{n} Δ nDCG@10 (p)" for n in COLLECTIONS)
        + " | helps on all three |",
        "|---|" + "---:|" * len(COLLECTIONS) + "---|",
    ]
    for o in ordered:
        differs = [
            o.title_boost != CURRENT.title_boost,
            o.phrase_boost != CURRENT.phrase_boost,
            o.stem != CURRENT.stem,
            o.stop_words != CURRENT.stop_words,
        ]
        if differs.count(True) != 1:
            continue
        cells = []
        for n in COLLECTIONS:
            mine = per_query_ndcg(data[n]["rankings"][label(o)], data[n])
            theirs = per_query_ndcg(data[n]["rankings"][label(CURRENT)], data[n])
            delta = scores[o][n]["ndcg@10"] - current[n]["ndcg@10"]
            cells.append(f"{delta:+.4f} ({paired_p(mine, theirs):.2f})")
        out.append(
            f"| {label(o)} | " + " | ".join(cells) + f" | {'yes' if helps(scores[o]) else 'no'} |"
        )
    same_as_current = [
        o
        for o in ordered
        if o != CURRENT
        and all(
            data[n]["rankings"][label(o)] == data[n]["rankings"][label(CURRENT)]
            for n in COLLECTIONS
        )
    ]
    out += [
        "",
        "## Every variant, best smallest gain first",
        "",
        *head,
        line(BM25_LABEL, bm25, ""),
        *(
            line(named(o), scores[o], "—" if o == CURRENT else "yes" if helps(scores[o]) else "no")
            for o in ordered
        ),
        "",
        "## Caveats",
        "",
        "- The smallest gain is a noisy statistic: CACM has "
        f"{len(data['cacm']['qids'])} judged queries and CISI {len(data['cisi']['qids'])}, so",
        "  differences of about 0.01 nDCG@10 are within noise there; the p-values above say how",
        "  often random sign flips of the per-query differences go as far.",
        "- The phrase boost acts only on the few queries with a quoted phrase (counted above):",
        "  its rows differ little, and "
        + (
            f"{len(same_as_current)} variants rank every query exactly as the current ones do."
            if same_as_current
            else "no other variant ranks every query exactly as the current ones do."
        ),
        "- The current constants' row is computed outside the service (`KeywordIndex` directly);",
        "  it should equal the *keyword (paperfeed)* row of docs/tuning.md, which runs every",
        "  query through `SearchService.search`.",
        "- Three collections of short scientific abstracts and library-science questions; the",
        "  site's arXiv abstracts are longer and its queries shorter.",
        "",
    ]
    return "\n".join(out)


if __name__ == "__main__":
    main()
