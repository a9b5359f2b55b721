"""Hugging Face's daily papers JSON parsed from the real payloads in shared/data (pure), then
fetched through a replay server on 127.0.0.1 replaying them (paging, retries, HTTP errors) into
SQLite and PostgreSQL."""

import io
import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from replay import DATA, TRUNCATED, FakeClock, ReplayServer, error

from paperfeed.errors import SourceUnreadable, Upstream
from paperfeed.ingest.hf_daily import (
    MAX_FIELDS_BYTES,
    MODELLED_ITEM,
    MODELLED_PAPER,
    fetch_hf_daily,
    parse_hf_daily,
    read_hf_daily,
)
from paperfeed.ingest.http import PoliteClient
from paperfeed.ingest.records import Record
from paperfeed.ingest.runner import run_import
from paperfeed.models import RecordError
from paperfeed.store import Store

DAILY = DATA / "hf" / "daily"
JUNE_9 = DAILY / "daily_papers_2026-06-09.json"


def records(items: object) -> list[Record]:
    return [i for i in items if isinstance(i, Record)]  # type: ignore[attr-defined]


def test_hf_daily(data_dir: Path) -> None:
    with (data_dir / "hf/daily_papers_2024-10-25.json").open("rb") as fh:
        items = records(read_hf_daily(fh, "hf"))
    assert len(items) == 29 and len({i.paper.arxiv_id for i in items if i.paper}) == 29
    first = items[0]
    assert first.paper is not None and first.daily_entry is not None
    assert first.paper.arxiv_id == "2410.17243" and first.paper.imported_upvotes == 64
    assert first.paper.version is None
    assert first.daily_entry.day == date(2024, 10, 25)
    assert first.daily_entry.submitted_by == "ClownRat"
    assert first.daily_entry.submitted_by_name == "Zesen Cheng"
    assert first.paper.authors is not None and first.paper.authors[0].name == "Zesen Cheng"


def test_hf_bad_items_are_skipped() -> None:
    payload = json.dumps(
        [
            {"paper": {"id": "x"}, "publishedAt": "2024-10-25T00:00:00Z"},
            "nope",
            {"paper": {"id": "2410.00001", "title": "ok"}, "publishedAt": "2024-10-25T00:00:00Z"},
        ]
    ).encode()
    items = list(read_hf_daily(io.BytesIO(payload), "hf"))
    assert [type(i).__name__ for i in items] == ["RecordError", "RecordError", "Record"]
    assert items[0].position == "hf[0]"  # type: ignore[union-attr]


def test_hf_unreadable() -> None:
    with pytest.raises(SourceUnreadable, match="not valid JSON"):
        list(read_hf_daily(io.BytesIO(b"{"), "hf"))


def _day_of(path: Path) -> date:
    return date.fromisoformat(path.stem.removeprefix("daily_papers_"))


def _june_9() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(JUNE_9.read_bytes())
    return items


def test_the_day_is_when_hf_put_it_on_the_daily_list() -> None:
    """Every item's top-level publishedAt (its arXiv publication) is days before the file's
    date; paper.submittedOnDailyAt is the day HF listed it, which `date=` asks for."""
    files = sorted(DAILY.glob("daily_papers_*.json"))
    assert len(files) == 55
    total = 0
    for path in files:
        raw = json.loads(path.read_bytes())
        found = records(parse_hf_daily(path.read_bytes(), path.name))
        assert len(found) == len(raw)
        for given, record in zip(raw, found, strict=True):
            assert record.daily_entry is not None
            assert record.daily_entry.day == _day_of(path)
            assert record.daily_entry.submitted_at == datetime.combine(
                _day_of(path), datetime.min.time()
            )
            assert given["publishedAt"][:10] != path.stem[-10:]
        total += len(found)
    assert total == 1222


def test_every_field_hf_gives_is_kept_as_given() -> None:
    for path in sorted(DAILY.glob("daily_papers_*.json")):
        raw = json.loads(path.read_bytes())
        for given, record in zip(raw, records(parse_hf_daily(path.read_bytes())), strict=True):
            assert record.hf is not None and record.paper is not None
            assert record.hf.arxiv_id == record.paper.arxiv_id == given["paper"]["id"]
            assert record.hf.num_comments == given["numComments"]
            kept = record.hf.fields
            # Nothing but what paperfeed stores elsewhere is left out, and nothing is changed.
            assert {**kept["item"], **{k: given[k] for k in MODELLED_ITEM if k in given}} == given
            paper = given["paper"]
            assert {
                **kept["paper"],
                **{k: paper[k] for k in MODELLED_PAPER if k in paper},
            } == paper
            assert not MODELLED_ITEM & kept["item"].keys()
            assert not MODELLED_PAPER & kept["paper"].keys()


def test_the_fields_of_one_real_item() -> None:
    items = records(parse_hf_daily(JUNE_9.read_bytes(), JUNE_9.name))
    first = items[0]
    assert first.hf is not None and first.paper is not None
    assert first.paper.imported_upvotes == 90 and first.hf.num_comments == 1
    item, paper = first.hf.fields["item"], first.hf.fields["paper"]
    assert item["thumbnail"] == (
        "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2606.07297.png"
    )
    assert item["isAuthorParticipating"] is False
    assert item["organization"]["name"] == "SJTU"
    assert item["publishedAt"] == "2026-06-04T20:00:00.000Z"
    assert item["submittedBy"]["avatarUrl"].startswith("https://cdn-avatars.huggingface.co/")
    assert item["submittedBy"]["followerCount"] == 105
    assert paper["ai_summary"].startswith("SWE-Explore introduces a benchmark")
    assert paper["ai_keywords"][:2] == ["repository exploration", "coding agents"]
    assert paper["ai_summary_model"] == "Qwen/Qwen2.5-Coder-32B-Instruct"
    assert (paper["githubStars"], paper["githubRepoAddedBy"]) == (5, "user")
    assert paper["discussionId"] == "6a26b590e4c258a0294923f0"
    assert paper["organization"]["fullname"] == "Shanghai Jiao Tong University"
    assert paper["authors"][0] == {
        "_id": "6a26b590e4c258a0294923e5",
        "hidden": False,
        "name": "Shaoqiu Zhang",
    }
    claimed = next(r for r in items if r.paper and r.paper.arxiv_id == "2606.05753")
    assert claimed.hf is not None
    author = claimed.hf.fields["paper"]["authors"][0]
    assert (author["status"], author["user"]["user"]) == ("claimed_verified", "xiuyuz")
    assert author["statusLastChangedAt"] == "2026-06-08T09:44:20.168Z"


def test_older_responses_without_submitted_on_daily_at_use_published_at(data_dir: Path) -> None:
    payload = (data_dir / "hf/daily_papers_2024-10-25.json").read_bytes()
    found = records(parse_hf_daily(payload))
    assert {r.daily_entry.day for r in found if r.daily_entry} == {date(2024, 10, 25)}
    first = found[0]
    assert first.hf is not None
    assert first.hf.fields["paper"]["authors"][0]["user"]["user"] == "ClownRat"


def _nested(depth: int) -> object:
    value: object = "deep"
    for _ in range(depth):
        value = [value]
    return value


def _with(change: str) -> dict[str, Any]:
    """The first real item of 2026-06-09 with one thing wrong."""
    item = _june_9()[0]
    paper = item["paper"]
    if change == "long ai_summary":
        paper["ai_summary"] = "x" * 10_240
    elif change == "long summary":
        item["summary"] = "x" * 10_240
    elif change == "NUL in thumbnail":
        item["thumbnail"] += "\x00"
    elif change == "NUL in title":
        paper["title"] = "A\x00B"
    elif change == "NUL in an author":
        paper["authors"][2]["name"] = "Jia\x00liang"
    elif change == "NUL in a key":
        paper["organization"]["x\x00"] = 1
    elif change == "deep nesting":
        item["mediaUrls"] = _nested(900)
    elif change == "huge fields":
        paper["authors"] += [{"name": f"{n} " + "a" * 3000, "hidden": True} for n in range(400)]
    elif change == "negative numComments":
        item["numComments"] = -1
    elif change == "numComments true":
        item["numComments"] = True
    elif change == "bad submittedOnDailyAt":
        paper["submittedOnDailyAt"] = "June 9th"
    elif change == "no day at all":
        del paper["submittedOnDailyAt"], item["publishedAt"]
    return item


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("long ai_summary", "paper.ai_summary is 10,240 characters long (at most 4,096)"),
        ("long summary", "summary is 10,240 characters long (at most 8,192)"),
        ("NUL in thumbnail", "thumbnail contains a NUL character"),
        ("NUL in title", "paper.title contains a NUL character"),
        ("NUL in an author", "paper.authors[2].name contains a NUL character"),
        ("NUL in a key", "a key in paper.organization contains a NUL character"),
        ("deep nesting", "is nested more than 16 levels deep"),
        ("huge fields", "the item's fields take 1,2"),
        ("negative numComments", "numComments must be a non-negative integer, got -1"),
        ("numComments true", "numComments must be a non-negative integer, got True"),
        ("bad submittedOnDailyAt", "invalid date 'June 9th'"),
        ("no day at all", "missing paper.submittedOnDailyAt and publishedAt"),
    ],
)
def test_a_bad_item_is_a_clear_record_error(change: str, message: str) -> None:
    items = _june_9()
    items[0] = _with(change)
    found = list(parse_hf_daily(json.dumps(items).encode(), "day.json"))
    assert isinstance(found[0], RecordError) and found[0].position == "day.json[0]"
    assert message in found[0].message
    assert len(records(found)) == 37


def test_the_size_limit_leaves_room_for_long_author_lists() -> None:
    item = _june_9()[0]
    item["paper"]["authors"] = [
        {"_id": f"{n:024x}", "name": f"Author Number {n}", "hidden": False} for n in range(3000)
    ]
    (record,) = parse_hf_daily(json.dumps([item]).encode())
    assert isinstance(record, Record) and record.hf is not None and record.paper is not None
    assert len(json.dumps(record.hf.fields)) < MAX_FIELDS_BYTES
    assert record.paper.authors is not None and len(record.paper.authors) == 3000


# ------------------------------------------------------------------ through the replay server

URL_PATH = "/api/daily_papers"


def _query(day: str, page: int = 0) -> dict[str, str]:
    return {"date": day, "limit": "100", **({"p": str(page)} if page else {})}


def _week_items() -> list[dict[str, Any]]:
    """The 168 real items of 2026-06-08 to 06-12: enough for more than one page."""
    items: list[dict[str, Any]] = []
    for day in range(8, 13):
        items += json.loads((DAILY / f"daily_papers_2026-06-{day:02}.json").read_bytes())
    return items


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as s:
        s.add(URL_PATH, _query("2026-06-09"), JUNE_9.read_bytes(), content_type="application/json")
        yield s


def _same(a: list[Record], b: list[Record]) -> None:
    assert [(r.paper, r.daily_entry, r.hf) for r in a] == [
        (r.paper, r.daily_entry, r.hf) for r in b
    ]


@pytest.mark.network
def test_fetch_a_day(server: ReplayServer, client: PoliteClient) -> None:
    fetched = list(fetch_hf_daily(client, server.url + "/", date(2026, 6, 9)))
    assert all(isinstance(i, Record) for i in fetched)
    _same(records(fetched), records(parse_hf_daily(JUNE_9.read_bytes())))
    assert fetched[0].position == "daily_papers?date=2026-06-09[0]"
    (request,) = server.requests
    assert (request.path, request.params) == (URL_PATH, _query("2026-06-09"))
    assert request.headers["user-agent"].startswith("paperfeed/")


@pytest.mark.network
@pytest.mark.parametrize("count", [168, 200])
def test_pages_are_followed_until_a_short_one(
    server: ReplayServer, client: PoliteClient, count: int
) -> None:
    items = _week_items()
    items += items[: max(0, count - len(items))]
    pages = [items[i : i + 100] for i in range(0, count + 1, 100)]  # 200: the last is empty
    for number, page in enumerate(pages):
        server.add(URL_PATH, _query("2026-06-12", number), json.dumps(page).encode())
    fetched = list(fetch_hf_daily(client, server.url, date(2026, 6, 12)))
    _same(records(fetched), records(parse_hf_daily(json.dumps(items[:count]).encode())))
    assert [r.params.get("p") for r in server.requests] == [None, "1", "2"][: len(pages)]
    assert fetched[100].position == "daily_papers?date=2026-06-12&p=1[0]"


@pytest.mark.network
def test_a_server_that_ignores_the_page_is_not_asked_forever(
    server: ReplayServer, client: PoliteClient
) -> None:
    page = json.dumps(_week_items()[:100]).encode()
    server.add(URL_PATH, _query("2026-06-12"), page)
    server.add(URL_PATH, _query("2026-06-12", 1), page)
    fetched = list(fetch_hf_daily(client, server.url, date(2026, 6, 12)))
    assert len(fetched) == 100 and len(server.requests) == 2


@pytest.mark.network
def test_a_server_error_then_success(
    server: ReplayServer, client: PoliteClient, clock: FakeClock
) -> None:
    server.script(error(500), TRUNCATED)
    fetched = list(fetch_hf_daily(client, server.url, date(2026, 6, 9)))
    assert len(records(fetched)) == 38
    assert [r.behaviour for r in server.requests] == ["error", "truncated", "serve"]
    # backoff after each failure, then the rest of the 3 s between two requests
    assert clock.sleeps == pytest.approx([0.01, 2.99, 0.02, 2.98])


@pytest.mark.network
def test_a_server_that_keeps_failing(server: ReplayServer, client: PoliteClient) -> None:
    server.always(error(503))
    with pytest.raises(Upstream, match=r"Hugging Face at .* failed after 3 attempts: HTTP 503"):
        list(fetch_hf_daily(client, server.url, date(2026, 6, 9)))


@pytest.mark.network
def test_a_client_error_fails_at_once(server: ReplayServer, client: PoliteClient) -> None:
    with pytest.raises(
        Upstream, match=r"^Hugging Face answered HTTP 404 for daily_papers\?date=2026-06-13$"
    ):
        list(fetch_hf_daily(client, server.url, date(2026, 6, 13)))
    assert len(server.requests) == 1


@pytest.mark.network
def test_an_answer_that_is_not_a_list(server: ReplayServer, client: PoliteClient) -> None:
    server.add(URL_PATH, _query("2026-06-13"), b'{"error": "Invalid date"}')
    with pytest.raises(Upstream, match="is not a list of papers"):
        list(fetch_hf_daily(client, server.url, date(2026, 6, 13)))


@pytest.mark.network
def test_fetched_into_the_store(store: Store, server: ReplayServer, client: PoliteClient) -> None:
    first = run_import(store, fetch_hf_daily(client, server.url, date(2026, 6, 9)), "hf-daily")
    assert (first.counts.new, first.daily_entries, first.skipped) == (38, 38, 0)
    ids = store.papers.ids()
    kept = store.hf.get_many(ids)
    given = {i["paper"]["id"]: i for i in _june_9()}
    assert kept.keys() == given.keys()
    for arxiv_id, hf in kept.items():
        assert hf.fields["item"]["thumbnail"] == given[arxiv_id]["thumbnail"]
        assert hf.num_comments == given[arxiv_id]["numComments"]
    again = run_import(store, fetch_hf_daily(client, server.url, date(2026, 6, 9)), "hf-daily")
    assert (again.counts.new, again.counts.updated, again.counts.unchanged) == (0, 0, 38)
    assert store.hf.get_many(ids) == kept
