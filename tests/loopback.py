"""Servers on 127.0.0.1 for tests: a free port, the site served by uvicorn in a thread, and the
base of the recorded-response servers (`BackgroundServer`)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app: Any, port: int) -> Iterator[str]:
    """Serve the ASGI `app` on 127.0.0.1:`port` until the block ends; yields its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, f"the site did not start on port {port}"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


class BackgroundServer:
    """A ThreadingHTTPServer on 127.0.0.1 served from a background thread while the `with`
    block runs; `url` is its address. A subclass builds the server (port 0: a free one) and
    may release what its handlers wait on in `stopping`."""

    def __init__(self, httpd: ThreadingHTTPServer) -> None:
        self._httpd = httpd
        httpd.daemon_threads = True
        # A short poll interval: shutdown() waits for the serving loop to notice.
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        host, port = httpd.server_address[:2]
        self.url = f"http://{host!s}:{port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def stopping(self) -> None:
        """Called first when the block ends: release anything a handler is waiting on."""

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stopping()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()
