"""Store tests: besides the root fixtures, a store whose clock the test moves by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from hand_clock import HandClock

from paperfeed.store import Store

START = datetime(2026, 3, 2, 9, 0)


@pytest.fixture
def clock() -> HandClock:
    """Stands at START; a module may override it to start elsewhere."""
    return HandClock(START)


@pytest.fixture
def clocked_store(db_url: str, clock: HandClock) -> Iterator[Store]:
    """A store on each database whose rows are stamped by `clock`."""
    s = Store.open(db_url, clock=clock)
    try:
        yield s
    finally:
        s.close()
