"""OAI-PMH arXivRaw: the parser on real pages and real error replies, then a harvest through a
replay server (page 1 -> resumption token -> page 2) into SQLite and PostgreSQL."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from replay import DATA, FIXTURES, SERVE, TRUNCATED, FakeClock, ReplayServer, unavailable
from store_rows import is_deleted

from paperfeed.ingest.http import PoliteClient
from paperfeed.ingest.kaggle import parse_kaggle_record
from paperfeed.ingest.oai import Harvest, OaiError, OaiPage, harvest, parse_oai
from paperfeed.ingest.records import Record
from paperfeed.ingest.runner import run_import
from paperfeed.models import Batch, Deletion, Paper, RecordError, Version
from paperfeed.store import Store

OAI = FIXTURES / "oai"
PAGE_1 = OAI / "mikesaelim_ListRecords_arXivRaw_page_with_token.xml"
PAGE_2 = OAI / "assembled_ListRecords_arXivRaw_page_2_final.xml"
KAGGLE = DATA / "arxiv" / "kaggle-snapshot" / "arxiv-metadata-oai-snapshot.head.jsonl"
PAGE_1_IDS = ["0704.0471", "0704.0716", "0704.0874", "0704.1109", "0704.1114", "0704.1586"]
PAGE_1_QUERY = {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "from": "2014-10-01"}
PAGE_2_QUERY = {"verb": "ListRecords", "resumptionToken": "726959|1001"}


def papers(page: OaiPage) -> dict[str, Paper]:
    return {i.paper.arxiv_id: i.paper for i in page.items if isinstance(i, Record) and i.paper}


# ------------------------------------------------------------------------- parsing (pure)


def test_arxivraw_page_with_a_resumption_token() -> None:
    page = parse_oai(PAGE_1.read_bytes())
    assert list(papers(page)) == PAGE_1_IDS
    assert page.resumption_token == "726959|1001"
    assert page.complete_size == 58011
    assert page.response_date == "2015-01-06T20:49:59Z"

    limit = papers(page)["0704.0716"]
    assert [(v.number, v.size) for v in limit.versions] == [
        (1, "43kb"),
        (2, "48kb"),
        (3, "48kb"),
        (4, "49kb"),
    ]
    assert limit.versions[0].submitted == datetime(2007, 4, 5, 12, 45, 3)
    assert limit.versions[-1].submitted == datetime(2008, 11, 14, 9, 7, 25)
    assert limit.version == 4
    assert (limit.published, limit.updated) == (
        limit.versions[0].submitted,
        limit.versions[-1].submitted,
    )
    assert limit.categories == ("math-ph", "math.MP")
    assert limit.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert limit.journal_ref == (
        "Polygons, polyominoes and polycubes, 247-299, Lecture Notes in Phys., 775, "
        "Springer, Dordrecht, 2009"
    )

    symmetry = papers(page)["0704.0471"]
    assert symmetry.license is None and symmetry.submitter == "Dinesh Shetty"
    assert symmetry.doi == "10.1103/PhysRevC.76.024606 10.1103/PhysRevC.76.039902"
    assert symmetry.title == (
        "Density dependence of the symmetry energy and the nuclear equation of state: "
        "A Dynamical and Statistical model perspective"
    )
    assert symmetry.abstract and "\n" not in symmetry.abstract
    assert '" stiff "' in symmetry.abstract  # &quot; decoded


def test_a_comma_before_the_last_and() -> None:
    """`A, B, and C` (arXiv's real author string for 0704.0471) names three people."""
    symmetry = papers(parse_oai(PAGE_1.read_bytes()))["0704.0471"]
    assert [a.name for a in symmetry.authors or ()] == [
        "D.V. Shetty",
        "S.J. Yennello",
        "G.A. Souliotis",
    ]


def test_final_page_with_a_deleted_record() -> None:
    page = parse_oai(PAGE_2.read_bytes())
    assert page.resumption_token is None  # empty token: the list is complete
    assert page.complete_size == 58011
    assert list(papers(page)) == ["0704.0001", "0704.0002"]
    deletions = [i.deletion for i in page.items if isinstance(i, Record) and i.deletion]
    assert deletions == [Deletion("0704.0003", datetime(2015, 1, 5))]
    diphoton = papers(page)["0704.0001"]
    assert diphoton.authors and diphoton.authors[0].name == "C. Balázs"
    assert diphoton.versions == (
        Version(1, datetime(2007, 4, 2, 19, 18, 42)),
        Version(2, datetime(2007, 7, 24, 20, 10, 27)),
    )
    assert diphoton.report_no == "ANL-HEP-PR-07-12"


def test_no_records_match_is_an_empty_page() -> None:
    page = parse_oai((OAI / "mikesaelim_error_noRecordsMatch.xml").read_bytes())
    assert page.items == [] and page.resumption_token is None
    assert page.response_date == "2015-06-23T13:28:30Z"


@pytest.mark.parametrize(
    ("name", "code", "detail"),
    [
        ("badArgument", "badArgument", ""),
        ("badResumptionToken", "badResumptionToken", ""),
        ("badVerb", "badVerb", "Bad verb. Verb 'wah' not implemented."),
        ("idDoesNotExist", "idDoesNotExist", ""),
    ],
)
def test_other_errors_raise_with_their_code(name: str, code: str, detail: str) -> None:
    payload = (OAI / f"mikesaelim_error_{name}.xml").read_bytes()
    with pytest.raises(OaiError, match=f"^OAI-PMH error {code}: ") as exc:
        parse_oai(payload)
    assert detail in str(exc.value)


def test_other_metadata_formats_are_reported_per_record() -> None:
    """A ListRecords page in the `arXiv` format (asked with the wrong metadataPrefix)."""
    page = parse_oai((OAI / "hepcrawl_ListRecords_arXiv_hep-th.xml").read_bytes())
    assert len(page.items) == 3
    assert all(isinstance(i, RecordError) for i in page.items)
    first = page.items[0]
    assert isinstance(first, RecordError)
    assert first.position.startswith("OAI-PMH record 1 (oai:arXiv.org:")
    assert first.message == "no arXivRaw metadata (wrong metadataPrefix?)"


def test_not_oai_pmh_is_a_parse_error() -> None:
    with pytest.raises(ET.ParseError, match="not an OAI-PMH response"):
        parse_oai(b"<html><body>\n<h1>Retry after 10 seconds</h1>\n</body></html>\n")


# ------------------------------------------------------------------ through the replay server


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as s:
        s.add_file("/oai", PAGE_1_QUERY, PAGE_1)
        s.add_file("/oai", PAGE_2_QUERY, PAGE_2)
        yield s


def kaggle_paper(arxiv_id: str) -> Paper:
    for number, line in enumerate(KAGGLE.read_text(encoding="utf-8").splitlines(), start=1):
        data = json.loads(line)
        if data["id"] == arxiv_id:
            paper = parse_kaggle_record(data, f"kaggle:{number}").paper
            assert paper is not None
            return paper
    raise LookupError(arxiv_id)


@pytest.mark.network
def test_harvest_follows_the_token_and_marks_deletions(
    store: Store, server: ReplayServer, client: PoliteClient, clock: FakeClock
) -> None:
    store.papers.write(Batch(papers=[kaggle_paper("0704.0003")]))
    progress = Harvest()
    items = harvest(client, f"{server.url}/oai", since=date(2014, 10, 1), progress=progress)
    first = run_import(store, items, "oai")

    assert [r.params for r in server.requests] == [PAGE_1_QUERY, PAGE_2_QUERY]
    assert clock.sleeps == [3.0]  # the polite pause between the pages
    assert (progress.pages, progress.complete_size) == (2, 58011)
    assert progress.response_date == "2015-01-06T20:49:59Z"
    assert (first.counts.new, first.counts.updated, first.counts.unchanged) == (8, 1, 0)
    assert first.skipped == 0
    assert is_deleted(store, "0704.0003") and store.papers.get("0704.0003") is None
    assert store.stats().papers == 8 and store.stats().deleted == 1
    stored = store.papers.get("0704.0716")
    assert stored is not None and stored.version == 4
    assert [v.size for v in stored.versions] == ["43kb", "48kb", "48kb", "49kb"]

    again = run_import(store, harvest(client, f"{server.url}/oai", since=date(2014, 10, 1)), "oai")
    assert (again.counts.new, again.counts.updated, again.counts.unchanged) == (0, 0, 9)
    assert store.stats().papers == 8 and is_deleted(store, "0704.0003")


@pytest.mark.network
def test_deleting_an_unknown_paper_changes_nothing(
    store: Store, server: ReplayServer, client: PoliteClient
) -> None:
    summary = run_import(store, harvest(client, f"{server.url}/oai", since=date(2014, 10, 1)), "o")
    assert (summary.counts.new, summary.counts.unchanged) == (8, 1)
    assert "0704.0003" not in store.papers.ids()


@pytest.mark.network
def test_retry_after_is_honoured_mid_harvest(
    store: Store, server: ReplayServer, client: PoliteClient, clock: FakeClock
) -> None:
    server.script(SERVE, unavailable(10), TRUNCATED)
    summary = run_import(store, harvest(client, f"{server.url}/oai", since=date(2014, 10, 1)), "o")
    assert [(r.params, r.behaviour) for r in server.requests] == [
        (PAGE_1_QUERY, "serve"),
        (PAGE_2_QUERY, "unavailable"),
        (PAGE_2_QUERY, "truncated"),
        (PAGE_2_QUERY, "serve"),
    ]
    # The delay, Retry-After, the backoff of the second attempt, and the rest of the delay.
    assert clock.sleeps == pytest.approx([3.0, 10.0, 0.02, 2.98])
    assert summary.counts.new == 8 and store.stats().papers == 8


@pytest.mark.network
def test_until_and_set_are_sent_and_no_match_ends_the_harvest(
    server: ReplayServer, client: PoliteClient
) -> None:
    query = {**PAGE_1_QUERY, "until": "2015-01-06", "set": "moo"}
    server.add_file("/oai", query, OAI / "mikesaelim_error_noRecordsMatch.xml")
    progress = Harvest()
    items = list(
        harvest(
            client,
            f"{server.url}/oai",
            since=date(2014, 10, 1),
            until=date(2015, 1, 6),
            set_spec="moo",
            progress=progress,
        )
    )
    assert items == [] and progress.pages == 1
    assert [r.params for r in server.requests] == [query]


@pytest.mark.network
def test_an_oai_error_mid_harvest_is_not_retried(
    server: ReplayServer, client: PoliteClient
) -> None:
    server.add_file("/oai", PAGE_2_QUERY, OAI / "mikesaelim_error_badResumptionToken.xml")
    with pytest.raises(OaiError, match="badResumptionToken"):
        list(harvest(client, f"{server.url}/oai", since=date(2014, 10, 1)))
    assert len(server.requests) == 2
