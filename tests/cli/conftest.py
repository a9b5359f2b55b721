"""Fixtures for the CLI tests of the network commands: a replay server on 127.0.0.1 with the
recorded arXiv API, OAI-PMH and RSS responses, and `paperfeed` configured to use it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import OAI, PAGE_1_QUERY, Paperfeed
from replay import API_RECORDINGS, FIXTURES, ReplayServer


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as s:
        s.add_arxiv_recordings(API_RECORDINGS)
        s.add_file(
            "/oai", PAGE_1_QUERY, OAI / "mikesaelim_ListRecords_arXivRaw_page_with_token.xml"
        )
        s.add_file(
            "/oai",
            {"verb": "ListRecords", "resumptionToken": "726959|1001"},
            OAI / "assembled_ListRecords_arXivRaw_page_2_final.xml",
        )
        s.add_file(
            "/rss/cs.SE",
            {},
            FIXTURES / "rss" / "assembled_rss2_cs.SE_2025-09-18.xml",
            content_type="application/rss+xml",
        )
        yield s


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "paperfeed.db"


@pytest.fixture
def paperfeed(server: ReplayServer, db_file: Path, tmp_path: Path) -> Paperfeed:
    return Paperfeed(server, db_file, tmp_path / "data")
