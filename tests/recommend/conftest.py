"""Small made-up collections: papers of three topics with their own words (`papers`), and one
in the plain evaluation format (`collection`)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from paperfeed.recommend.features import PaperText

TOPICS = {
    "sorting": "sorting merge quicksort heap comparisons tape records keys order",
    "graphs": "graph vertices edges shortest path spanning tree traversal planar",
    "compilers": "compiler parsing grammar syntax code generation register allocation",
}
COMMON = "method results paper study approach analysis system data new"
PER_TOPIC = 22
RELEVANT = 8


def paper(topic: str, n: int, rng: random.Random) -> dict[str, object]:
    words = TOPICS[topic].split()
    common = COMMON.split()
    return {
        "id": f"{topic[:3].upper()}-{n:03d}",
        "title": " ".join(rng.sample(words, 3)),
        "abstract": " ".join(rng.choice(rng.choice((words, common))) for _ in range(30)),
        "authors": [f"{topic.title()}, A.", f"Author{n}, B."],
    }


@pytest.fixture
def collection(tmp_path: Path) -> Path:
    """A folder with corpus.jsonl, queries.tsv and qrels.txt: 3 topics of 40 papers, each
    paper 10 of its topic's 40 words (so that arxiv-sanity-lite's min_df 5 and max_df 0.1
    keep them), and a query per topic judging 8 of its papers relevant."""
    rng = random.Random(11)
    lines, qrels = [], []
    for q, topic in enumerate(TOPICS, 1):
        vocabulary = [f"{topic}{k}" for k in range(40)]
        for n in range(40):
            pid = f"{topic[:3].upper()}-{n:03d}"
            words = rng.sample(vocabulary, 10) + rng.sample(COMMON.split(), 3)
            record = {"id": pid, "title": " ".join(words[:3]), "abstract": " ".join(words[3:])}
            lines.append(json.dumps(record))
            if n < RELEVANT:
                qrels.append(f"q{q} 0 {pid} 1")
    (tmp_path / "corpus.jsonl").write_text("\n".join(lines) + "\n")
    (tmp_path / "queries.tsv").write_text(
        "".join(f"q{q}\t{topic}\n" for q, topic in enumerate(TOPICS, 1))
    )
    (tmp_path / "qrels.txt").write_text("\n".join(qrels) + "\n")
    return tmp_path


@pytest.fixture
def papers() -> list[PaperText]:
    """The collection's papers, as the recommender's features take them."""
    rng = random.Random(7)
    out = []
    for topic in TOPICS:
        for n in range(PER_TOPIC):
            p = paper(topic, n, rng)
            out.append(
                PaperText(
                    id=str(p["id"]),
                    title=str(p["title"]),
                    abstract=str(p["abstract"]),
                    authors=tuple(str(a) for a in p["authors"]),  # type: ignore[attr-defined]
                )
            )
    return out
