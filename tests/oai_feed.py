"""OAI-PMH answers for tests in arXiv's `arXivRaw` format, written from records given as values
(the framing and record layout of the recorded page
tests/fixtures/oai/mikesaelim_ListRecords_arXivRaw_page_with_token.xml: a header with identifier,
datestamp and setSpecs; `<version version="vN"><date>` in RFC 2822 GMT; a deleted record as a
bare header), and `OaiRepository`, which answers ListRecords requests the
way export.arxiv.org does: the records whose datestamp falls in the `from`/`until` window of a
set, a page at a time, each list under resumption tokens of its own session.

    repo = OaiRepository(lambda now: records_visible_at(now), page_size=5)
    status, body = repo.answer({"verb": "ListRecords", "metadataPrefix": "arXivRaw",
                                "from": "2026-11-09"}, now)
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape, quoteattr

BASE_URL = "http://export.arxiv.org/oai2"
_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ '
    'http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">\n'
)
_RAW = (
    '<arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://arxiv.org/OAI/arXivRaw/ http://arxiv.org/OAI/arXivRaw.xsd">'
)


@dataclass(frozen=True, slots=True)
class OaiRecord:
    """One record as the repository holds it now: its versions' submission times (naive UTC,
    v1 first), or `deleted`, with the day it last changed (`datestamp`)."""

    arxiv_id: str
    datestamp: date
    sets: tuple[str, ...]
    title: str = ""
    abstract: str = ""
    authors: str = ""
    categories: tuple[str, ...] = ()
    versions: tuple[datetime, ...] = ()
    submitter: str = "Ada Lovelace"
    deleted: bool = False


def _stamp(when: datetime) -> str:
    return format_datetime(when.replace(tzinfo=UTC), usegmt=True)


def _utc(when: datetime) -> str:
    return f"{when:%Y-%m-%dT%H:%M:%S}Z"


def record_xml(record: OaiRecord) -> str:
    """One `<record>` element."""
    sets = "".join(f" <setSpec>{escape(s)}</setSpec>\n" for s in record.sets)
    header = (
        f" <identifier>oai:arXiv.org:{escape(record.arxiv_id)}</identifier>\n"
        f" <datestamp>{record.datestamp.isoformat()}</datestamp>\n{sets}"
    )
    if record.deleted:
        return f'<record>\n<header status="deleted">\n{header}</header>\n</record>\n'
    versions = "".join(
        f'<version version="v{n}"><date>{_stamp(when)}</date><size>{100 + n}kb</size></version>'
        for n, when in enumerate(record.versions, start=1)
    )
    return (
        f"<record>\n<header>\n{header}</header>\n<metadata>\n {_RAW}\n"
        f" <id>{escape(record.arxiv_id)}</id><submitter>{escape(record.submitter)}</submitter>"
        f"{versions}<title>{escape(record.title)}</title>"
        f"<authors>{escape(record.authors)}</authors>"
        f"<categories>{escape(' '.join(record.categories))}</categories>"
        "<license>http://creativecommons.org/licenses/by/4.0/</license>"
        f"<abstract>  {escape(record.abstract)}\n</abstract></arXivRaw>\n</metadata>\n</record>\n"
    )


def _request(params: Mapping[str, str]) -> str:
    attributes = "".join(f" {name}={quoteattr(value)}" for name, value in params.items())
    return f"<request{attributes}>{BASE_URL}</request>\n"


def list_records_page(
    records: Sequence[OaiRecord],
    *,
    request: Mapping[str, str],
    responded: datetime,
    token: str | None = None,
    cursor: int = 0,
    complete_size: int | None = None,
) -> bytes:
    """A ListRecords page holding `records`; `token` names the next page (None: the last
    page of a list that took several ends with an empty token, as arXiv's do)."""
    size = complete_size if complete_size is not None else len(records)
    if token is not None:
        trailer = (
            f'<resumptionToken cursor="{cursor}" completeListSize="{size}">{escape(token)}'
            "</resumptionToken>\n"
        )
    elif cursor:
        trailer = f'<resumptionToken cursor="{cursor}" completeListSize="{size}"/>\n'
    else:
        trailer = ""
    body = "".join(record_xml(r) for r in records)
    return (
        f"{_HEAD}<responseDate>{_utc(responded)}</responseDate>\n{_request(request)}"
        f"<ListRecords>\n{body}{trailer}</ListRecords>\n</OAI-PMH>\n"
    ).encode()


def oai_error(code: str, message: str, *, request: Mapping[str, str], responded: datetime) -> bytes:
    """An OAI-PMH error answer (noRecordsMatch, badResumptionToken, badArgument …)."""
    return (
        f"{_HEAD}<responseDate>{_utc(responded)}</responseDate>\n{_request(request)}"
        f'<error code="{code}">{escape(message)}</error>\n</OAI-PMH>\n'
    ).encode()


@dataclass(frozen=True, slots=True)
class _Session:
    """One list being harvested: its records as they were when the list was asked for."""

    records: tuple[OaiRecord, ...]


class OaiRepository:
    """Answers ListRecords over the records `holdings(now)` returns (what the repository
    holds at the simulated time `now`): those of the set asked for whose datestamp is in the
    window, oldest change first, `page_size` to a page. A list keeps the records it had when
    its first page was asked for, whatever changes afterwards, as arXiv's sessions do."""

    def __init__(
        self, holdings: Callable[[datetime], Sequence[OaiRecord]], *, page_size: int = 5
    ) -> None:
        self.holdings = holdings
        self.page_size = page_size
        self._sessions: dict[str, _Session] = {}
        self._numbers = itertools.count(7000001)
        self._lock = threading.Lock()

    def answer(self, params: Mapping[str, str], now: datetime) -> bytes:
        """The body of the answer to GET ?params at `now` (always HTTP 200, as arXiv's)."""
        if params.get("verb") != "ListRecords":
            return oai_error("badVerb", "only ListRecords here", request=params, responded=now)
        token = params.get("resumptionToken")
        if token is not None:
            session_id, _, start = token.partition("|")
            with self._lock:
                session = self._sessions.get(session_id)
            if session is None or not start.isdigit():
                return oai_error(
                    "badResumptionToken", f"unknown token {token}", request=params, responded=now
                )
            return self._page(session_id, session, int(start), params, now)
        if params.get("metadataPrefix") != "arXivRaw":
            return oai_error(
                "cannotDisseminateFormat", "use arXivRaw", request=params, responded=now
            )
        since = date.fromisoformat(params["from"]) if "from" in params else date.min
        until = date.fromisoformat(params["until"]) if "until" in params else date.max
        wanted = params.get("set")
        found = sorted(
            (
                r
                for r in self.holdings(now)
                if since <= r.datestamp <= until and (wanted is None or wanted in r.sets)
            ),
            key=lambda r: (r.datestamp, r.arxiv_id),
        )
        if not found:
            return oai_error("noRecordsMatch", "no records", request=params, responded=now)
        session_id = str(next(self._numbers))
        session = _Session(tuple(found))
        with self._lock:
            self._sessions[session_id] = session
        return self._page(session_id, session, 0, params, now)

    def _page(
        self,
        session_id: str,
        session: _Session,
        start: int,
        params: Mapping[str, str],
        now: datetime,
    ) -> bytes:
        end = start + self.page_size
        records = session.records[start:end]
        more = end < len(session.records)
        return list_records_page(
            records,
            request=params,
            responded=now,
            token=f"{session_id}|{end}" if more else None,
            cursor=start,
            complete_size=len(session.records),
        )
