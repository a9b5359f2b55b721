"""Schemathesis against the site's own OpenAPI document, in-process on SQLite and PostgreSQL:
for requests it builds from the document (valid ones, and ones that break it on purpose), no
answer is a 5xx, and every answer has a documented status, content type, headers and body
shape; a method an operation does not take gets a 405 with a true `Allow`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from demo_copy import copy_demo
from fastapi import FastAPI
from smtp_server import running_smtp
from webutil import make_settings

from paperfeed.store import Store
from paperfeed.web.app import create_app

# Twelve examples per operation and mode (valid, then invalid on purpose), derandomised: with
# Schemathesis' boundary cases and one request per method an operation does not take, about
# 730 requests per database in some 6 seconds, the same requests on every run. Hypothesis'
# default of 100 examples took 19 s on SQLite (2 cores) and found nothing more.
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"max-examples": 12, "mode": "all", "deterministic": True},
        "checks": {
            "enabled": False,
            "not_a_server_error": {"enabled": True},
            "status_code_conformance": {"enabled": True},
            "content_type_conformance": {"enabled": True},
            "response_headers_conformance": {"enabled": True},
            "response_schema_conformance": {"enabled": True},
            "unsupported_method": {"enabled": True},
            "allow_header_conformance": {"enabled": True},
        },
    }
)


@pytest.fixture(scope="module")
def api_app(module_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """The site with the demo loaded, shared by the module: without credentials the
    generated requests change nothing (writes answer 401)."""
    tmp = tmp_path_factory.mktemp("fuzz")
    store = Store.open(module_db_url)
    with running_smtp() as smtp:
        search = copy_demo(store, tmp / "search")
        settings = make_settings(tmp, module_db_url, **smtp.env())
        yield create_app(settings, store, search, fetch=lambda _id: [])
    store.close()


@pytest.fixture(scope="module")
def api_schema(api_app: FastAPI) -> Any:
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", api_app, config=CONFIG)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_the_api_answers_as_documented(case: Any) -> None:
    case.call_and_validate()
