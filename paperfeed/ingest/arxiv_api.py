"""The arXiv API (`/api/query`): papers by id or by search query, paged politely."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence

from paperfeed.errors import Upstream
from paperfeed.ingest.atom import AtomPage, parse_atom
from paperfeed.ingest.http import PoliteClient, Response, RetryablePayload
from paperfeed.ingest.records import Item

# The API's own limits: at most 2000 results a call; ids are sent 100 at a time.
PAGE_SIZE = 100
MAX_PAGE = 2000


def _parse(response: Response) -> AtomPage:
    try:
        page = parse_atom(response.content, name="arXiv API")
    except ET.ParseError as exc:
        if response.status != 200:
            # An error page that is not Atom (404, 403 …): asking again will not help.
            raise Upstream(f"arXiv API answered HTTP {response.status}") from None
        raise RetryablePayload(f"malformed Atom: {exc}") from None
    if response.status != 200:
        raise Upstream(f"arXiv API answered HTTP {response.status}")
    return page


def _params(search_query: str, id_list: str, start: int, max_results: int) -> dict[str, str]:
    return {
        "search_query": search_query,
        "id_list": id_list,
        "sortBy": "relevance",
        "sortOrder": "descending",
        "start": str(start),
        "max_results": str(max_results),
    }


def fetch_ids(client: PoliteClient, url: str, ids: Sequence[str]) -> Iterator[Item]:
    """Records for the given ids (with or without version). Raises ArxivApiError when the API
    rejects an id, Upstream when it cannot be reached."""
    for i in range(0, len(ids), PAGE_SIZE):
        chunk = ids[i : i + PAGE_SIZE]
        page = client.fetch(
            url, _params("", ",".join(chunk), 0, PAGE_SIZE), _parse, what="arXiv API"
        )
        yield from page.items


def fetch_query(
    client: PoliteClient, url: str, query: str, max_results: int, page_size: int = PAGE_SIZE
) -> Iterator[Item]:
    """Up to `max_results` records matching an arXiv search query, page by page."""
    # One page size throughout: offsets stay aligned with the pages arXiv serves.
    page_size = max(1, min(page_size, MAX_PAGE, max_results))
    start = 0
    total: int | None = None
    while start < max_results and (total is None or start < total):
        page = client.fetch(url, _params(query, "", start, page_size), _parse, what="arXiv API")
        total = page.total
        if not page.items:
            break
        yield from page.items[: max_results - start]
        start += len(page.items)
