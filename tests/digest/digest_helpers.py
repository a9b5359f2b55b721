"""Helpers for the digest tests: a recording SMTP handler, papers, a stand-in search."""

from __future__ import annotations

import asyncio
import email
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.policy import default
from typing import Any

from paperfeed.digest.compose import SearchFn
from paperfeed.digest.periods import Period
from paperfeed.digest.render import Links
from paperfeed.digest.send import Mailer, SmtpConfig
from paperfeed.models import Author, Batch, Hit, Paper, Why
from paperfeed.secret import Secret
from paperfeed.store import Store

SECRET = Secret("test-secret-not-for-production")
LINKS = Links("http://paperfeed.test", "paperfeed <digest@paperfeed.test>", SECRET)


@dataclass
class Recorder:
    """aiosmtpd handler: keeps accepted messages; `transient` replies are used up first."""

    messages: list[EmailMessage] = field(default_factory=list)
    transient: list[str] = field(default_factory=list)
    reject: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.reject:
            return self.reject[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.transient:
            return self.transient.pop(0)
        if self.delay:
            await asyncio.sleep(self.delay)
        msg = email.message_from_bytes(envelope.original_content, policy=default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@dataclass
class SmtpServer:
    host: str
    port: int
    recorder: Recorder

    def config(self, **kwargs: Any) -> SmtpConfig:
        return SmtpConfig(
            host=self.host, port=self.port, tls="none", timeout=5, backoff=0.01, **kwargs
        )

    def mailer(self, **kwargs: Any) -> Mailer:
        return Mailer(self.config(**kwargs))


def add_papers(store: Store, day: datetime, n: int, **kwargs: Any) -> list[Paper]:
    """`n` papers published on `day`, in quant-ph (and cs.LG for odd ones)."""
    papers = [
        Paper(
            arxiv_id=f"{day:%y%m}.{i:05d}",
            title=kwargs.get("title", "Quantum error correction with surface codes {i}").format(
                i=i
            ),
            abstract="We study " + " ".join(["decoding"] * 80) + f" number {i}.",
            authors=(Author("Ada Lovelace"), Author(f"Author {i}")),
            categories=("quant-ph", "cs.LG") if i % 2 else ("quant-ph",),
            published=day.replace(hour=12),
            imported_upvotes=i,
        )
        for i in range(kwargs.get("start", 1), kwargs.get("start", 1) + n)
    ]
    store.write(Batch(papers=papers))
    return papers


def term_search(store: Store) -> SearchFn:
    """A stand-in for the hybrid search in tests of sending: every word in title or abstract."""

    def search(query: str, period: Period) -> list[Hit]:
        papers = store.get_papers(store.paper_ids_between(period.start, period.end))
        words = tuple(query.lower().split())
        return [
            Hit(p, 1.0, Why(terms=words))
            for p in papers.values()
            if all(w in f"{p.title} {p.abstract}".lower() for w in words)
        ]

    return search
