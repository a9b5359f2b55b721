"""OAI-PMH `ListRecords` in the `arXivRaw` format: full version history, resumption tokens,
deleted records. `ingest/checkpoints.py` makes a harvest resumable page by page."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from paperfeed.arxiv_id import split_version
from paperfeed.authors import parse_authors
from paperfeed.errors import Invalid, Upstream
from paperfeed.ingest.http import PoliteClient, Response, RetryablePayload
from paperfeed.ingest.records import Item, Record, parse_datetime, require_title
from paperfeed.models import Deletion, Paper, RecordError, Version
from paperfeed.text import clean_abstract, clean_optional

NS = {
    "oai": "http://www.openarchives.org/OAI/2.0/",
    "raw": "http://arxiv.org/OAI/arXivRaw/",
}
_OAI_PREFIX = "oai:arXiv.org:"


class OaiError(Upstream):
    """An OAI-PMH `<error>` other than noRecordsMatch (badArgument, badResumptionToken …)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"OAI-PMH error {code}: {detail}")
        self.code = code


@dataclass(slots=True)
class OaiPage:
    items: list[Item] = field(default_factory=list)
    resumption_token: str | None = None
    complete_size: int | None = None
    response_date: str | None = None


def _raw_text(meta: ET.Element, tag: str) -> str | None:
    found = meta.find(f"raw:{tag}", NS)
    return found.text if found is not None and found.text is not None else None


def _record_to_paper(meta: ET.Element) -> Paper:
    raw_id = _raw_text(meta, "id")
    if not raw_id:
        raise Invalid("missing id")
    arxiv_id, _ = split_version(raw_id)
    versions: list[Version] = []
    for v in meta.findall("raw:version", NS):
        label = (v.get("version") or "").strip().lower()
        if not label.startswith("v") or not label[1:].isdigit():
            raise Invalid(f"malformed version label {label!r}")
        when = v.findtext("raw:date", None, NS)
        versions.append(
            Version(
                number=int(label[1:]),
                submitted=parse_datetime(when) if when else None,
                size=clean_optional(v.findtext("raw:size", None, NS)),
            )
        )
    versions.sort(key=lambda v: v.number)
    authors = _raw_text(meta, "authors")
    categories = _raw_text(meta, "categories")
    abstract = _raw_text(meta, "abstract")
    return Paper(
        arxiv_id=arxiv_id,
        title=require_title(_raw_text(meta, "title")),
        abstract=clean_abstract(abstract) if abstract is not None else None,
        version=versions[-1].number if versions else None,
        authors=parse_authors(authors) if authors is not None else None,
        categories=tuple(categories.split()) if categories else None,
        published=versions[0].submitted if versions else None,
        updated=versions[-1].submitted if versions else None,
        versions=tuple(versions),
        comments=clean_optional(_raw_text(meta, "comments")),
        journal_ref=clean_optional(_raw_text(meta, "journal-ref")),
        doi=clean_optional(_raw_text(meta, "doi")),
        report_no=clean_optional(_raw_text(meta, "report-no")),
        license=clean_optional(_raw_text(meta, "license")),
        submitter=clean_optional(_raw_text(meta, "submitter")),
    )


def parse_oai(payload: bytes, name: str = "OAI-PMH") -> OaiPage:
    """One ListRecords page. Raises ET.ParseError for malformed XML, OaiError for an OAI error
    other than noRecordsMatch (which is an empty page)."""
    root = ET.fromstring(payload)
    if root.tag != f"{{{NS['oai']}}}OAI-PMH":
        raise ET.ParseError(f"not an OAI-PMH response (root element {root.tag})")
    page = OaiPage(response_date=root.findtext("oai:responseDate", None, NS))
    error = root.find("oai:error", NS)
    if error is not None:
        code = error.get("code", "")
        if code == "noRecordsMatch":
            return page
        raise OaiError(code, (error.text or "").strip())
    listing = root.find("oai:ListRecords", NS)
    if listing is None:
        raise ET.ParseError("no ListRecords element")
    for index, record in enumerate(listing.findall("oai:record", NS), start=1):
        header = record.find("oai:header", NS)
        identifier = header.findtext("oai:identifier", "", NS) if header is not None else ""
        position = f"{name} record {index} ({identifier or 'no identifier'})"
        try:
            if header is None:
                raise Invalid("missing header")
            if header.get("status") == "deleted":
                raw_id = identifier.removeprefix(_OAI_PREFIX)
                stamp = header.findtext("oai:datestamp", None, NS)
                page.items.append(
                    Record(
                        position=position,
                        deletion=Deletion(
                            arxiv_id=split_version(raw_id)[0],
                            when=parse_datetime(stamp) if stamp else None,
                        ),
                    )
                )
                continue
            meta = record.find("oai:metadata/raw:arXivRaw", NS)
            if meta is None:
                raise Invalid("no arXivRaw metadata (wrong metadataPrefix?)")
            page.items.append(Record(position=position, paper=_record_to_paper(meta)))
        except Invalid as exc:
            page.items.append(RecordError(position, str(exc)))
    token = listing.find("oai:resumptionToken", NS)
    if token is not None:
        page.resumption_token = (token.text or "").strip() or None
        size = token.get("completeListSize")
        page.complete_size = int(size) if size and size.isdigit() else None
    return page


def _parse(response: Response) -> OaiPage:
    if response.status != 200:
        raise Upstream(f"OAI-PMH answered HTTP {response.status}")
    try:
        return parse_oai(response.content)
    except ET.ParseError as exc:
        raise RetryablePayload(f"malformed XML: {exc}") from None


@dataclass(slots=True)
class Harvest:
    """Progress of one harvest, readable while iterating. `pages` counts the pages of the
    whole list, those of an earlier run that this one resumed (at `first_page`) included;
    `response_date` is the server's date of the list's first page."""

    pages: int = 0
    complete_size: int | None = None
    response_date: str | None = None
    first_page: int = 1
    # The stored resumption token had expired, so the list was asked for again from its start.
    restarted: bool = False

    def add(self, page: OaiPage) -> None:
        """Count a page just fetched."""
        self.pages += 1
        if page.complete_size is not None:
            self.complete_size = page.complete_size
        if self.response_date is None:
            self.response_date = page.response_date


def harvest_pages(
    client: PoliteClient,
    url: str,
    *,
    since: date,
    until: date | None = None,
    set_spec: str | None = None,
    token: str | None = None,
) -> Iterator[OaiPage]:
    """Every ListRecords page of the records changed in [since, until], following resumption
    tokens to the end; with `token`, that list resumed at the page the token names."""
    params: dict[str, str]
    if token is not None:
        params = {"verb": "ListRecords", "resumptionToken": token}
    else:
        params = {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "from": since.isoformat()}
        if until is not None:
            params["until"] = until.isoformat()
        if set_spec:
            params["set"] = set_spec
    while True:
        page = client.fetch(url, params, _parse, what="OAI-PMH")
        yield page
        if not page.resumption_token:
            return
        params = {"verb": "ListRecords", "resumptionToken": page.resumption_token}


def harvest(
    client: PoliteClient,
    url: str,
    *,
    since: date,
    until: date | None = None,
    set_spec: str | None = None,
    progress: Harvest | None = None,
) -> Iterator[Item]:
    """Every record changed in [since, until], following resumption tokens to the end."""
    state = progress if progress is not None else Harvest()
    for page in harvest_pages(client, url, since=since, until=until, set_spec=set_spec):
        state.add(page)
        yield from page.items
