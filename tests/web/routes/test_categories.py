"""`category=` (several, `primary=1`) on every listing, trending, feed, search and
`/api/daily_papers`, on the Kaggle head imported into SQLite and PostgreSQL: a category's day
is exactly that day's papers in it, by arXiv's own record of each paper."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from webutil import indexed_search, make_settings

from paperfeed.arxiv_calendar import announcement_day
from paperfeed.ingest.kaggle import read_kaggle
from paperfeed.ingest.runner import run_import
from paperfeed.store import Store
from paperfeed.web.app import create_app

KAGGLE = "arxiv/kaggle-snapshot/arxiv-metadata-oai-snapshot.head.jsonl"


def _kaggle_days(data_dir: Path) -> dict[date, dict[str, list[str]]]:
    """Day -> {id: categories, primary first}, from the raw file: each paper on the
    announcement day of its first version (docs/web.md, rule 3)."""
    days: dict[date, dict[str, list[str]]] = {}
    for line in (data_dir / KAGGLE).read_text().splitlines():
        row = json.loads(line)
        v1 = parsedate_to_datetime(row["versions"][0]["created"]).replace(tzinfo=None)
        days.setdefault(announcement_day(v1), {})[row["id"]] = row["categories"].split()
    return days


@pytest.fixture(scope="module")
def api(
    module_db_url: str, tmp_path_factory: pytest.TempPathFactory, data_dir: Path
) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("site")
    store = Store.open(module_db_url)
    with (data_dir / KAGGLE).open("rb") as fh:
        run_import(store, read_kaggle(fh, "head"), "kaggle")
    app = create_app(
        make_settings(tmp, module_db_url),
        store,
        indexed_search(store, tmp / "search"),
        fetch=lambda _id: [],
    )
    try:
        with TestClient(app) as client:
            yield client
    finally:
        store.close()


def _hf_ids(api: TestClient, query: str) -> set[str]:
    r = api.get(f"/api/daily_papers?{query}&limit=120")
    assert r.status_code == 200, r.text
    return {item["paper"]["id"] for item in r.json()}


def _v1_ids(answer: dict[str, Any]) -> set[str]:
    return {item["paper"]["id"] for item in answer["items"]}


def test_daily_papers_of_a_category_are_all_and_only_that_days_papers_in_it(
    api: TestClient, data_dir: Path
) -> None:
    days = _kaggle_days(data_dir)
    checked = 0
    for day, papers in days.items():
        hep_th = {pid for pid, cats in papers.items() if "hep-th" in cats}
        got = _hf_ids(api, f"date={day}&category=hep-th")
        assert got == hep_th and len(got) < 120, day
        # ...and the day itself is every paper of the file filed under it.
        assert api.get(f"/api/v1/listings/date/{day}").json()["total"] == len(papers), day
        checked += bool(hep_th) and len(papers) > len(hep_th)
    # Both days of the head mix hep-th with other papers: the filter is tested on them.
    assert checked == 2


def test_primary_several_and_whole_archives(api: TestClient, data_dir: Path) -> None:
    day, papers = max(_kaggle_days(data_dir).items(), key=lambda d: len(d[1]))
    q = f"date={day}"

    def having(test: Any) -> set[str]:
        return {pid for pid, cats in papers.items() if test(cats)}

    cross = having(lambda c: "hep-th" in c[1:])
    assert cross, "the busiest day has a paper cross-listed in hep-th"
    primary = having(lambda c: c[0] == "hep-th")
    assert _hf_ids(api, f"{q}&category=hep-th&primary=1") == primary
    both = having(lambda c: "hep-th" in c or "hep-ph" in c)
    assert _hf_ids(api, f"{q}&category=hep-th,hep-ph") == both
    assert _hf_ids(api, f"{q}&category=hep-th&category=hep-ph") == both
    maths = having(lambda c: any(x.startswith("math.") for x in c))
    assert maths and _hf_ids(api, f"{q}&category=math") == maths
    # `math` is an archive: `math-ph` is not in it.
    assert not any(all(not x.startswith("math.") for x in papers[p]) for p in maths)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("category=hep-tx", "unknown arXiv category"),
        ("category=cs.LG;drop", "not an arXiv category"),
        ("category=" + ",".join(f"math.A{chr(65 + i)}" for i in range(21)), "at most 20"),
    ],
)
def test_an_unknown_category_is_a_clear_400(api: TestClient, query: str, message: str) -> None:
    for path in (
        "/api/daily_papers?date=2007-04-03",
        "/api/v1/listings/date/2007-04-03",
        "/api/v1/trending",
        "/api/v1/search?q=quark",
        "/feeds/date/2007-04-03.rss",
    ):
        r = api.get(f"{path}&{query}" if "?" in path else f"{path}?{query}")
        assert r.status_code == 400, path
        assert message in r.text, path


def test_listing_api_and_its_neighbours_keep_to_the_category(
    api: TestClient, data_dir: Path
) -> None:
    days = _kaggle_days(data_dir)
    first, second = sorted(days)  # the head's two days, both with hep-th papers
    answer = api.get(f"/api/v1/listings/date/{second}?category=hep-th").json()
    assert answer["categories"] == ["hep-th"] and answer["primary"] is False
    assert _v1_ids(answer) == {p for p, c in days[second].items() if "hep-th" in c}
    assert (answer["previous"], answer["next"]) == (first.isoformat(), None)
    # A category only the first day has: its next day is none, though the site has one.
    only_first = sorted(
        {c for cats in days[first].values() for c in cats}
        - {c for cats in days[second].values() for c in cats}
    )[0]
    answer = api.get(f"/api/v1/listings/date/{first}?category={only_first}").json()
    assert answer["items"] and answer["next"] is None
    assert api.get(f"/api/v1/listings/date/{first}").json()["next"] == second.isoformat()
    day = second
    month = api.get(f"/api/v1/listings/month/{day:%Y-%m}?category=hep-th&per_page=100").json()
    in_month = {
        p for d, ps in days.items() if d.month == day.month for p, c in ps.items() if "hep-th" in c
    }
    assert _v1_ids(month) == in_month


def test_day_page_of_a_category_links_within_it(api: TestClient, data_dir: Path) -> None:
    days = _kaggle_days(data_dir)
    day, papers = max(days.items(), key=lambda d: len(d[1]))
    page = api.get(f"/papers/date/{day}?category=hep-th")
    assert page.status_code == 200
    html = page.text
    for pid, cats in papers.items():
        assert (f'/papers/{pid}"' in html) == ("hep-th" in cats), pid
    assert "In hep-th" in html
    assert f'/papers/week/{day:%G-W%V}?category=hep-th"' in html
    assert "/feeds/date/" in html and ".rss?category=hep-th" in html
    assert f"/api/v1/listings/date/{day}?page=1&amp;sort=upvotes&amp;category=hep-th" in html


def test_feeds_trending_and_search_take_categories(api: TestClient, data_dir: Path) -> None:
    days = _kaggle_days(data_dir)
    day, papers = max(days.items(), key=lambda d: len(d[1]))
    rss = api.get(f"/feeds/date/{day}.rss?category=hep-th").text
    for pid, cats in papers.items():
        assert (f"/papers/{pid}<" in rss) == ("hep-th" in cats), pid
    trending = api.get("/api/v1/trending?window=month&category=hep-ph&limit=100").json()
    assert trending["categories"] == ["hep-ph"]
    assert trending["items"]
    assert all("hep-ph" in i["paper"]["categories"] for i in trending["items"])
    everything = api.get("/api/v1/trending?window=month&limit=100").json()["items"]
    assert len(everything) > len(trending["items"])
    found = api.get("/api/v1/search?q=field&mode=keyword&limit=100&category=hep-th,gr-qc").json()
    assert found["items"]
    assert all({"hep-th", "gr-qc"} & set(i["paper"]["categories"]) for i in found["items"])
    primary = api.get(
        "/api/v1/search?q=field&mode=keyword&limit=100&category=hep-th&primary=1"
    ).json()
    assert primary["items"]
    assert all(i["paper"]["categories"][0] == "hep-th" for i in primary["items"])


def test_front_trending_and_search_pages_take_categories(api: TestClient) -> None:
    front = api.get("/?category=hep-th&primary=1")
    assert front.status_code == 200 and "In primary hep-th" in front.text
    trending = api.get("/papers/trending?window=month&category=hep-th")
    assert trending.status_code == 200 and "In hep-th" in trending.text
    assert "?window=week&amp;category=hep-th" in trending.text
    search = api.get("/papers?q=field&category=hep-th,gr-qc&primary=1")
    assert search.status_code == 200
    assert 'value="hep-th,gr-qc"' in search.text and 'value="1" checked' in search.text
    assert api.get("/papers?q=field&category=nope").status_code == 400


def _cats(answer: dict[str, Any]) -> list[list[str]]:
    return [i["paper"]["categories"] for i in answer["items"]]


def test_category_and_author_lists_and_their_feeds_take_categories(
    api: TestClient, data_dir: Path
) -> None:
    everything = api.get("/api/v1/categories/hep-th").json()
    both = api.get("/api/v1/categories/hep-th?category=gr-qc").json()
    assert both["items"] and len(both["items"]) < len(everything["items"])
    assert all({"hep-th", "gr-qc"} <= set(c) for c in _cats(both))
    primary = api.get("/api/v1/categories/hep-th?category=gr-qc&primary=1").json()
    assert all(c[0] == "gr-qc" and "hep-th" in c for c in _cats(primary))
    if len(both["items"]) < 50:
        assert {i["paper"]["id"] for i in primary["items"]} == {
            i["paper"]["id"] for i in both["items"] if i["paper"]["categories"][0] == "gr-qc"
        }
    rss = api.get("/feeds/category/hep-th.rss?category=gr-qc").text
    assert "Newest in hep-th, also in gr-qc" in rss
    assert {f"/papers/{i['paper']['id']}<" in rss for i in both["items"]} == {True}
    assert all(
        f"/papers/{i['paper']['id']}<" not in rss
        for i in everything["items"]
        if "gr-qc" not in i["paper"]["categories"]
    )
    page = api.get("/papers/category/hep-th?category=gr-qc&primary=1")
    assert page.status_code == 200
    assert "Newest in hep-th, primary gr-qc" in page.text
    assert "/feeds/category/hep-th.rss?category=gr-qc&amp;primary=1" in page.text
    # An author with papers in an archive and papers outside it: their list narrowed to it.
    rows = [json.loads(line) for line in (data_dir / KAGGLE).read_text().splitlines()]
    papers_of: dict[str, list[set[str]]] = {}
    for row in rows:
        archives = {c.split(".")[0] for c in row["categories"].split()}
        for last, first, *_ in row["authors_parsed"]:
            papers_of.setdefault(f"{first} {last}".strip(), []).append(archives)
    name, archive = next(
        (n, a)
        for n, found in sorted(papers_of.items())
        for a in sorted(set.union(*found))
        if " " in n and 0 < sum(a in f for f in found) < len(found)
    )
    all_theirs = api.get(f"/api/v1/authors/{name}").json()["items"]
    narrowed = api.get(f"/api/v1/authors/{name}", params={"category": archive}).json()["items"]
    assert 0 < len(narrowed) < len(all_theirs), name
    assert all(any(c.split(".")[0] == archive for c in i["paper"]["categories"]) for i in narrowed)
    feed = api.get(f"/feeds/author/{name}.atom", params={"category": archive})
    assert feed.status_code == 200 and f" in {archive}" in feed.text
    assert api.get("/feeds/author/x.rss?category=nope").status_code == 400


def test_daily_papers_of_a_category_default_to_its_latest_day(
    api: TestClient, data_dir: Path
) -> None:
    days = _kaggle_days(data_dir)
    latest = max(days)
    # A category with no paper on the site's latest day: its own latest day is shown.
    present = {c for cats in days[latest].values() for c in cats}
    wanted = sorted(
        {c for papers in days.values() for cats in papers.values() for c in cats} - present
    )[0]
    its_day = max(d for d, papers in days.items() if any(wanted in c for c in papers.values()))
    expected = {pid for pid, cats in days[its_day].items() if wanted in cats}
    assert _hf_ids(api, f"category={wanted}") == expected
    assert _hf_ids(api, f"date={latest}&category={wanted}") == set()
    front = api.get(f"/?category={wanted}")
    assert front.status_code == 200
    assert all(f"/papers/{pid}" in front.text for pid in expected)
