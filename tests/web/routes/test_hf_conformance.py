"""Our Hugging Face-compatible JSON against HF's own: with every real `/api/daily_papers`
response of ../shared/data/hf/ imported, `/api/daily_papers?date=D` gives back each day key by
key, type by type and value by value, in HF's order, and `/api/papers/{id}` HF's paper object;
the only differences are the deliberate ones below, listed in docs/web.md too."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from webutil import indexed_search, make_settings

from paperfeed.ingest.hf_daily import read_hf_daily
from paperfeed.ingest.runner import run_import
from paperfeed.store import Store
from paperfeed.web.app import create_app

# (where, what) -> why; `where` is a path in the JSON, `[]` standing for any list element.
# docs/web.md ("Where paperfeed differs from HF") lists the same.
DIFFERENCES = {
    (".summary", "white space"): "white space in abstracts collapsed (HF keeps arXiv's line "
    "breaks)",
    (".paper.summary", "white space"): "white space in abstracts collapsed",
    (".paper.title", "white space"): "white space in titles collapsed",
    (".paper.numComments", "extra"): "/api/papers/{id} counts comments (HF's and ours)",
    (".paper.authors[]", "hidden"): "authors HF marks hidden are left out; the others are all "
    "there, in HF's order",
}
HIDDEN = (".paper.authors[]", "hidden")
# HF's responses from before it had the field (the 2024 file) get it too.
OLDER_SHAPE = {
    (".isAuthorParticipating", "extra"): "given to papers of older responses too",
    (".summary", "extra"): "the item's abstract, given to papers of older responses too",
    (".paper.submittedOnDailyAt", "extra"): "the day it was listed, given to older ones too",
    (".paper.submittedOnDailyBy", "extra"): "who listed it, given to older ones too",
}


def _responses(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "hf").rglob("daily_papers_*.json"))


@pytest.fixture(scope="module")
def api(
    module_db_url: str, tmp_path_factory: pytest.TempPathFactory, data_dir: Path
) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("site")
    store = Store.open(module_db_url)
    try:
        for path in _responses(data_dir):
            with path.open("rb") as fh:
                run_import(store, read_hf_daily(fh, path.name), "hf-daily")
        search = indexed_search(store, tmp / "search")
        app = create_app(make_settings(tmp, module_db_url), store, search, fetch=lambda _id: [])
        with TestClient(app) as client:
            yield client
    finally:
        store.close()


def differences(ours: Any, theirs: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """(where, what) for each way `ours` differs from `theirs`: a key `missing` or `extra`,
    another `type`, a list of another `length`, text differing only in `white space`, another
    `value`."""
    if isinstance(theirs, dict) and isinstance(ours, dict):
        for key in theirs.keys() | ours.keys():
            if key not in ours:
                yield f"{where}.{key}", "missing"
            elif key not in theirs:
                yield f"{where}.{key}", "extra"
            else:
                yield from differences(ours[key], theirs[key], f"{where}.{key}")
    elif isinstance(theirs, list) and isinstance(ours, list):
        if len(ours) != len(theirs):
            yield where, "length"
        for mine, hf in zip(ours, theirs, strict=False):
            yield from differences(mine, hf, f"{where}[]")
    elif type(ours) is not type(theirs):
        yield where, "type"
    elif ours != theirs:
        same_words = isinstance(ours, str) and ours.split() == theirs.split()
        yield where, "white space" if same_words else "value"


def test_differences_finds_each_kind() -> None:
    ours = {"a": 1, "b": [1, 2], "c": "x", "d": {"e": 1}, "extra": 0, "t": "a b"}
    theirs = {"a": "1", "b": [1], "c": "y", "d": {"e": 1, "f": 2}, "t": "a\n b"}
    assert sorted(differences(ours, theirs)) == [
        (".a", "type"),
        (".b", "length"),
        (".c", "value"),
        (".d.f", "missing"),
        (".extra", "extra"),
        (".t", "white space"),
    ]


def _listed_on_several_days(data_dir: Path) -> set[str]:
    """Papers HF listed on more than one day: paperfeed keeps one set of fields and counts
    per paper (the latest listing's), so their earlier days show the later values."""
    days = Counter(
        i["paper"]["id"] for path in _responses(data_dir) for i in json.loads(path.read_bytes())
    )
    return {arxiv_id for arxiv_id, n in days.items() if n > 1}


def _shown(item: dict[str, Any]) -> dict[str, Any]:
    """HF's item without the authors it hides."""
    authors = [a for a in item["paper"]["authors"] if not a.get("hidden")]
    return {**item, "paper": {**item["paper"], "authors": authors}}


def test_every_day_as_hf_gave_it(api: TestClient, data_dir: Path) -> None:
    again = _listed_on_several_days(data_dir)
    assert len(again) == 3  # of 1,251 items
    found: Counter[tuple[str, str]] = Counter()
    unexpected: Counter[tuple[str, str, str]] = Counter()
    for path in _responses(data_dir):
        theirs = json.loads(path.read_bytes())
        day = path.stem.removeprefix("daily_papers_")
        ours = api.get("/api/daily_papers", params={"date": day, "limit": 120}).json()
        assert [i["paper"]["id"] for i in ours if i["paper"]["id"] not in again] == [
            i["paper"]["id"] for i in theirs if i["paper"]["id"] not in again
        ], day
        assert {i["paper"]["id"] for i in ours} == {i["paper"]["id"] for i in theirs}, day
        allowed = DIFFERENCES if "isAuthorParticipating" in theirs[0] else DIFFERENCES | OLDER_SHAPE
        by_id = {i["paper"]["id"]: i for i in ours}
        for item in theirs:
            if item["paper"]["id"] in again:
                continue
            shown = _shown(item)
            if shown != item:
                found[HIDDEN] += 1
            for difference in differences(by_id[item["paper"]["id"]], shown):
                if difference not in allowed:
                    unexpected[(day[:4], *difference)] += 1
                found[difference] += 1
    assert not unexpected
    assert found[HIDDEN] > 0
    assert found[(".paper.summary", "white space")] > 0  # the differences are there to see


def test_each_paper_as_hf_gave_it(api: TestClient, data_dir: Path) -> None:
    again = _listed_on_several_days(data_dir)
    for path in _responses(data_dir):
        theirs = json.loads(path.read_bytes())
        allowed = DIFFERENCES if "isAuthorParticipating" in theirs[0] else DIFFERENCES | OLDER_SHAPE
        for item in theirs:
            if item["paper"]["id"] in again:
                continue
            ours = api.get(f"/api/papers/{item['paper']['id']}").json()
            assert ours["numComments"] == item["numComments"]
            for difference in differences(ours, _shown(item)["paper"], ".paper"):
                assert difference in allowed, (item["paper"]["id"], difference)
