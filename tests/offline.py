"""A host name that does not resolve, as glibc answers offline ("Name or service not known"),
without asking any DNS server: for the code paths that must fail fast when arXiv is away."""

from __future__ import annotations

import socket
from typing import Any

import pytest


def unresolvable(monkeypatch: pytest.MonkeyPatch, host: str) -> list[str]:
    """Make `host` fail to resolve for the rest of the test; returns the attempts, in order."""
    asked: list[str] = []
    resolve = socket.getaddrinfo

    def offline(name: Any, *args: Any, **kwargs: Any) -> Any:
        if name == host:
            asked.append(name)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return resolve(name, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", offline)
    return asked
