"""Title keys for exact-title lookups: the fast path for ASCII titles gives exactly what the
general Unicode path gives, on every real title we have and on hand-picked edge cases."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from paperfeed.search.analysis import title_key

_NON_WORD = re.compile(r"[^\w]+")


def _general_title_key(title: str) -> str:
    """title_key as it was before its ASCII fast path: NFKD, combining marks dropped, runs of
    non-word characters (and underscores) to one space."""
    folded = unicodedata.normalize("NFKD", title.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", folded).replace("_", " ").split())


def _titles(data_dir: Path) -> list[str]:
    quant_ph = data_dir / "arxiv" / "quant-ph" / "quantph_records.jsonl"
    kaggle = data_dir / "arxiv" / "kaggle-snapshot"
    titles = [json.loads(line)["title"] for line in quant_ph.read_text().splitlines()]
    for path in kaggle.glob("*.json*"):
        titles += [json.loads(line)["title"] for line in path.read_text().splitlines() if line]
    return titles


def test_every_real_title_gets_the_key_of_the_general_path(data_dir: Path) -> None:
    titles = _titles(data_dir)
    assert len(titles) > 38_000
    assert [title_key(t) for t in titles] == [_general_title_key(t) for t in titles]


@pytest.mark.parametrize(
    "title",
    [
        "Attention Is All You Need.",
        "  snake_case and  kebab-case\tand\nnew lines ",
        "Ctrl\x1c\x1f\x7f chars and \x00 nul",
        "Schrödinger's cat in a Café",
        "\ufb01ne ligatures and \uff26\uff35\uff2c\uff2c wide",
        "Straße und STRASSE",
        "İstanbul, Ǆ and ß",
        "x² + y₁ = ½",
        "Über-fast $\\alpha$-decay: 100% of _it_",
        "",
        "!!!",
    ],
)
def test_edge_cases_get_the_key_of_the_general_path(title: str) -> None:
    assert title_key(title) == _general_title_key(title)


def test_case_accents_and_punctuation_do_not_matter() -> None:
    assert title_key("Attention Is All You Need.") == "attention is all you need"
    assert title_key("Schrödinger's Cat") == title_key("schrodinger s cat")
