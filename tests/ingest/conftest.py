"""Fixtures shared by the network-source tests: a fake clock and a polite client on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from replay import FakeClock

from paperfeed.ingest.http import PoliteClient


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(clock: FakeClock) -> Iterator[PoliteClient]:
    with PoliteClient(
        delay=3.0, timeout=5.0, retries=2, backoff=0.01, sleep=clock.sleep, clock=clock
    ) as c:
        yield c
