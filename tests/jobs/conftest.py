"""Job fixtures: stores on each database whose clock the test moves by hand; `open_store`
opens more on the same database, one per node."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from hand_clock import HandClock

from paperfeed.store import Store

START = datetime(2026, 3, 2, 9, 0)


@pytest.fixture
def clock() -> HandClock:
    return HandClock(START)


@pytest.fixture
def open_store(db_url: str, clock: HandClock) -> Iterator[Callable[[], Store]]:
    opened: list[Store] = []

    def open_one() -> Store:
        opened.append(Store.open(db_url, clock=clock))
        return opened[-1]

    yield open_one
    for s in opened:
        s.close()


@pytest.fixture
def clocked_store(open_store: Callable[[], Store]) -> Store:
    return open_store()
