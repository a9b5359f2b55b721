"""Queries with a typo, on the three shared relevance collections: keyword nDCG@10 of the
clean queries, of the same queries with one typo each, with and without paperfeed's typo
correction (search/spelling.py), and of the clean queries with it (which must not move).

Each query gets one typo (seed fixed) in its rarest word of 6 letters or more, where a person
mistypes: two neighbouring letters swapped, a letter dropped, doubled or replaced by a key next
to it, at a random place that is neither the first two letters (the correction looks among
terms that share them) nor, by default, the last three. `--anywhere` puts typos in word endings
too, where they change how a word stems and are mostly not corrected; the table says which.

Both runs use the same tantivy index of the corpus (paperfeed's keyword index, title and
abstract, its analyzer), the same typed queries, no cache, and differ only in
`KeywordIndex(correct_typos=…)`. Writes docs/typos.md.

    python3 bench/typos.py [--anywhere] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import tempfile
from datetime import datetime
from pathlib import Path

import tantivy

from paperfeed.models import IndexDoc
from paperfeed.search import analysis
from paperfeed.search.evaluation import read_qrels, read_queries
from paperfeed.search.keyword_index import KeywordIndex
from paperfeed.search.metrics import mean_scores, score_query
from paperfeed.search.query import parse_query

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "relevance"
COLLECTIONS = ("cacm", "cisi", "scifact-train")
DOCS = Path(__file__).resolve().parents[1] / "docs" / "typos.md"
KEYS = {
    k: v
    for k, v in zip(
        "qwertyuiopasdfghjklzxcvbnm",
        [
            "wa",
            "qes",
            "wrd",
            "etf",
            "ryg",
            "tuh",
            "yij",
            "uok",
            "ipl",
            "ol",
            "qsz",
            "awdx",
            "sefc",
            "drgv",
            "fthb",
            "gyjn",
            "hukm",
            "jilm",
            "kop",
            "asx",
            "zsdc",
            "xdfv",
            "cfgb",
            "vghn",
            "bhjm",
            "njk",
        ],
        strict=True,
    )
}


def _docs(corpus: Path) -> list[IndexDoc]:
    now = datetime(2026, 1, 1)
    out = []
    with corpus.open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            out.append(
                IndexDoc(
                    arxiv_id=str(r["id"]),
                    title=r.get("title") or "",
                    abstract=r.get("abstract") or "",
                    authors=tuple(a for a in r.get("authors") or () if isinstance(a, str)),
                    categories=(),
                    published=now,
                    deleted=False,
                    changed_at=now,
                )
            )
    return out


def typo(word: str, rng: random.Random, anywhere: bool) -> str:
    """`word` with one typo a person makes, away from its first two letters (and, unless
    `anywhere`, its last three)."""
    last = len(word) - (1 if anywhere else 3)
    i = rng.randrange(2, max(3, last))
    kind = rng.choice(("swap", "drop", "double", "key"))
    if kind == "swap" and i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    near = KEYS.get(word[i].lower(), "e")
    return word[:i] + rng.choice(near) + word[i + 1 :]


def with_typos(
    queries: list[tuple[str, str]], searcher: tantivy.Searcher, seed: int, anywhere: bool
) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    out = []
    for qid, text in queries:
        words = [w for w in text.split() if w.isalpha() and len(w) >= 6]
        if not words:
            out.append((qid, text))
            continue

        def df(w: str) -> int:
            terms = analysis.text_terms(w)
            return min((searcher.doc_freq("text", t) for t in terms), default=0)

        rarest = min(words, key=lambda w: (df(w), w))
        out.append((qid, text.replace(rarest, typo(rarest, rng, anywhere), 1)))
    return out


def ndcg(
    index: KeywordIndex, queries: list[tuple[str, str]], qrels: dict[str, dict[str, int]]
) -> float:
    scores = []
    for qid, text in queries:
        if qid not in qrels:
            continue
        hits = index.search(parse_query(text), limit=100).hits
        scores.append(score_query([pid for pid, _ in hits], qrels[qid]))
    return mean_scores(scores)["ndcg@10"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--anywhere", action="store_true")
    args = parser.parse_args()
    rows = []
    for name in COLLECTIONS:
        folder = DATA / name / "eval"
        queries = read_queries(folder / "queries.tsv")
        qrels = read_qrels(folder / "qrels.txt")
        with tempfile.TemporaryDirectory() as tmp:
            fixed = KeywordIndex(Path(tmp) / "kw")
            fixed.update(_docs(folder / "corpus.jsonl"))
            plain = KeywordIndex(Path(tmp) / "kw", correct_typos=False)
            typed = with_typos(queries, fixed.index.searcher(), args.seed, args.anywhere)
            changed = sum(a != b for (_, a), (_, b) in zip(queries, typed, strict=True))
            rows.append(
                (
                    name,
                    changed,
                    ndcg(plain, queries, qrels),
                    ndcg(fixed, queries, qrels),
                    ndcg(plain, typed, qrels),
                    ndcg(fixed, typed, qrels),
                )
            )
    where = "anywhere in the word" if args.anywhere else "not in the first 2 or last 3 letters"
    lines = [
        "# Queries with typos",
        "",
        "Written by `bench/typos.py"
        + (" --anywhere" if args.anywhere else "")
        + f" --seed {args.seed}`; do not edit.",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {getattr(tantivy, '__version__', 'tantivy ?')}.",
        "",
        f"One typo per query in its rarest word of 6+ letters ({where}): two neighbouring "
        "letters swapped, one dropped, doubled, or replaced by a neighbouring key. Keyword "
        "search only (BM25 on tantivy, paperfeed's analyzer), the same index and typed queries "
        "for both columns, which differ only in the correction. nDCG@10:",
        "",
        "| collection | queries with a typo | clean, no correction | clean, corrected "
        "| typo, no correction | typo, corrected | recovered |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, changed, clean_plain, clean_fixed, typo_plain, typo_fixed in rows:
        lost = clean_plain - typo_plain
        back = (typo_fixed - typo_plain) / lost if lost > 0 else float("nan")
        lines.append(
            f"| {name} | {changed} | {clean_plain:.4f} | {clean_fixed:.4f} | "
            f"{typo_plain:.4f} | {typo_fixed:.4f} | {back:.0%} |"
        )
    lines += [
        "",
        '"Recovered": the share of the nDCG@10 the typos cost that the correction wins back.',
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.anywhere:
        DOCS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
