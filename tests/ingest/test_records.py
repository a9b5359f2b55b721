"""Dates as the sources write them, parsed (pure)."""

from datetime import datetime

import pytest

from paperfeed.ingest.records import parse_datetime


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-10-22", datetime(2024, 10, 22)),
        ("2024-10-22T17:59:30.000Z", datetime(2024, 10, 22, 17, 59, 30)),
        ("Mon, 2 Apr 2007 19:18:42 GMT", datetime(2007, 4, 2, 19, 18, 42)),
        ("Fri, 23 Feb 2024 00:00:00 -0500", datetime(2024, 2, 23, 5)),
        ("2024-10", datetime(2024, 10, 1)),
        ("1958", datetime(1958, 1, 1)),
        ("CACM December, 1958", datetime(1958, 12, 1)),
        ("CACM November,1960", datetime(1960, 11, 1)),
    ],
)
def test_parse_datetime(text: str, expected: datetime) -> None:
    assert parse_datetime(text) == expected
