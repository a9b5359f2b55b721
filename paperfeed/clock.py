"""The one clock: naive UTC to the second, like every datetime the store keeps.

Code that needs the time takes a `Clock` (default `utcnow`), so tests can move time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)
