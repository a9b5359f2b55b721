"""A real SMTP server (aiosmtpd) on 127.0.0.1 that records what it accepts and can be told to
fail: transiently (4xx) a number of times, permanently (5xx) for some recipients, or slowly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from digest_helpers import Recorder, SmtpServer
from loopback import free_port


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, recorder)
    finally:
        controller.stop()
