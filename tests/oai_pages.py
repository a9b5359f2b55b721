"""A four-page OAI-PMH harvest for the resume tests, cut from the recorded pages: the six
recorded records of the page with a token, two to a page, then the assembled final page
(tests/fixtures/oai/PROVENANCE.txt). Records are kept byte for byte; only the page framing
(request, responseDate, resumptionToken) is written here.

    page 1 (from=2014-10-01) -> {session}|3 -> page 2 -> {session}|5 -> page 3
    -> {session}|1001 -> final page (two papers and a deletion)

Each server session gives its own tokens, as arXiv does when a list is asked for again."""

from __future__ import annotations

import re

from replay import FIXTURES, ReplayServer

OAI = FIXTURES / "oai"
RECORDED = OAI / "mikesaelim_ListRecords_arXivRaw_page_with_token.xml"
FINAL = OAI / "assembled_ListRecords_arXivRaw_page_2_final.xml"
BAD_TOKEN = OAI / "mikesaelim_error_badResumptionToken.xml"

FIRST_QUERY = {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "from": "2014-10-01"}
PAGE_IDS = [
    ["0704.0471", "0704.0716"],
    ["0704.0874", "0704.1109"],
    ["0704.1114", "0704.1586"],
    ["0704.0001", "0704.0002"],  # and the deletion of 0704.0003
]
ALL_IDS = sorted(i for page in PAGE_IDS for i in page)
# The day of page 1's responseDate; the later pages answer on later days, as a harvest
# resumed days afterwards would see.
FIRST_DAY = "2015-01-06"
_LATER_DATES = ["2015-01-07T08:00:00Z", "2015-01-08T08:00:00Z", "2015-01-08T08:01:00Z"]


def token_query(token: str) -> dict[str, str]:
    return {"verb": "ListRecords", "resumptionToken": token}


def queries(session: str = "726959", first: dict[str, str] | None = None) -> list[dict[str, str]]:
    """The requests of the whole harvest, in order."""
    return [first or FIRST_QUERY, *(token_query(f"{session}|{n}") for n in (3, 5, 1001))]


def _dated(head: str, when: str) -> str:
    return re.sub(
        r"<responseDate>[^<]*</responseDate>", f"<responseDate>{when}</responseDate>", head
    )


def page_bodies(session: str = "726959") -> list[bytes]:
    """The four pages as served, in order."""
    text = RECORDED.read_text(encoding="utf-8")
    head, rest = text.split("<record>\n", 1)
    records = ["<record>\n" + r for r in rest.split("<record>\n")]
    records[-1] = records[-1][: records[-1].index("<resumptionToken")]
    assert len(records) == 6
    bodies = []
    for n in range(3):
        page_head = head
        if n:
            request = f'<request verb="ListRecords" resumptionToken="{session}|{2 * n + 1}">'
            page_head = re.sub(r"<request [^>]*>", request, page_head)
            page_head = _dated(page_head, _LATER_DATES[n - 1])
        token = f"{session}|{1001 if n == 2 else 2 * n + 3}"
        trailer = (
            f'<resumptionToken cursor="{2 * n}" completeListSize="58011">{token}'
            "</resumptionToken>\n</ListRecords>\n</OAI-PMH>\n"
        )
        bodies.append((page_head + "".join(records[2 * n : 2 * n + 2]) + trailer).encode())
    final = _dated(FINAL.read_text(encoding="utf-8"), _LATER_DATES[2])
    return [*bodies, final.encode()]


def serve_harvest(
    server: ReplayServer, session: str = "726959", first: dict[str, str] | None = None
) -> list[dict[str, str]]:
    """Serve the four pages under `session`'s tokens; returns the harvest's requests."""
    wanted = queries(session, first)
    for query, body in zip(wanted, page_bodies(session), strict=True):
        server.add("/oai", query, body)
    return wanted


def expire_session(server: ReplayServer, session: str = "726959") -> None:
    """The server forgets `session`: its tokens are answered with badResumptionToken."""
    for query in queries(session)[1:]:
        server.add_file("/oai", query, BAD_TOKEN)
