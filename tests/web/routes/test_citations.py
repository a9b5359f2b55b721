"""A paper for reference managers on the demo (SQLite and PostgreSQL): `/papers/{id}.bib`,
`.ris` and `.csl.json` read back by bibtexparser, rispy and json with the authors in order;
the paper page's Highwire Press tags and links; COinS on listing cards."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from urllib.parse import parse_qsl

import bibtexparser
import rispy
from web_site import Site

ID = "2606.07297"


def _authors(site: Site) -> list[str]:
    paper = site.store.papers.get(ID)
    assert paper is not None and paper.authors
    return [a.name for a in paper.authors]


def test_bibtex_of_a_paper(site: Site) -> None:
    r = site.client.get(f"/papers/{ID}.bib")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/x-bibtex; charset=utf-8"
    parsed = bibtexparser.parse_string(r.text)
    assert not parsed.failed_blocks and len(parsed.entries) == 1
    entry = parsed.entries[0]
    assert entry["author"].split(" and ") == _authors(site)
    assert entry["title"] == "{SWE-Explore: Benchmarking How Coding Agents Explore Repositories}"
    assert (entry["eprint"], entry["archivePrefix"]) == (ID, "arXiv")
    paper = site.store.papers.get(ID)
    assert paper is not None
    primary = entry.fields_dict.get("primaryClass")
    assert (primary.value if primary else None) == (paper.categories or (None,))[0]
    assert entry["url"] == f"https://arxiv.org/abs/{ID}"
    assert site.client.get(f"/papers/{ID}v1.bib").text == r.text  # a version: the paper


def test_ris_and_csl_json_of_a_paper(site: Site) -> None:
    r = site.client.get(f"/papers/{ID}.ris")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/x-research-info-systems; charset=utf-8"
    assert r.text.startswith("TY  - ")
    (record,) = rispy.loads(r.text)
    assert record["title"].startswith("SWE-Explore")
    families = [a.rsplit(" ", 1)[-1] for a in _authors(site)]
    assert [a.split(",")[0] for a in record["authors"]] == families
    assert record["urls"] == [f"https://arxiv.org/abs/{ID}"]
    r = site.client.get(f"/papers/{ID}.csl.json")
    assert r.headers["content-type"] == "application/vnd.citationstyles.csl+json; charset=utf-8"
    (item,) = json.loads(r.text)
    assert item["id"] == ID and [a["family"] for a in item["author"]] == families


def test_an_unknown_paper_or_format_is_not_found(site: Site) -> None:
    assert site.client.get("/papers/2101.99999.bib").status_code == 404
    assert site.client.get(f"/papers/{ID}.bibx").status_code in (400, 404)
    assert site.client.get("/papers/.bib").status_code in (400, 404)
    site.store.moderation.hide(ID, None, "spam")
    for suffix in (".bib", ".ris", ".csl.json"):
        assert site.client.get(f"/papers/{ID}{suffix}").status_code == 404


def test_the_paper_page_carries_citation_tags_and_links(site: Site) -> None:
    page = site.client.get(f"/papers/{ID}").text
    head = page[: page.index("</head>")]
    tags = re.findall(r'<meta name="(citation_[a-z_]+)" content="([^"]*)">', head)
    named = dict(tags)
    assert html.unescape(named["citation_title"]).startswith("SWE-Explore")
    assert [html.unescape(v) for k, v in tags if k == "citation_author"] == _authors(site)
    assert named["citation_arxiv_id"] == ID
    assert named["citation_pdf_url"] == f"https://arxiv.org/pdf/{ID}"
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}", named["citation_date"])
    body = page[page.index("</head>") :]
    for suffix in (".bib", ".ris", ".csl.json"):
        assert f'href="/papers/{ID}{suffix}"' in body


def test_listing_cards_carry_coins(site: Site) -> None:
    page = site.client.get("/").text
    spans = re.findall(r'<span class="Z3988" title="([^"]*)"></span>', page)
    cards = page.count('<article class="card"')
    assert cards and len(spans) == cards
    fields = parse_qsl(html.unescape(spans[0]))
    assert ("ctx_ver", "Z39.88-2004") in fields
    assert any(k == "rft_id" and v.startswith("info:arxiv/") for k, v in fields)
    assert [v for k, v in fields if k == "rft.au"]


def test_a_listing_and_a_search_export_their_papers(site) -> None:  # type: ignore[no-untyped-def]
    import bibtexparser
    import rispy

    day = "2026-08-21"
    page_ids = site.store.listings.ids_on_days(date(2026, 8, 21), date(2026, 8, 21))
    r = site.client.get(f"/papers/date/{day}.bib")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-bibtex")
    entries = bibtexparser.parse_string(r.text).entries
    assert sorted(e["eprint"] for e in entries) == sorted(page_ids)
    ris = rispy.loads(site.client.get("/papers/week/2026-W34.ris").text)
    assert len(ris) >= len(page_ids)
    found = site.client.get("/papers.csl.json", params={"q": "diffusion", "mode": "keyword"})
    assert found.status_code == 200
    hits = site.client.app.state.search.search("diffusion", mode="keyword", limit=100).hits
    assert [i["id"] for i in found.json()] == [h.paper.arxiv_id for h in hits]
    assert site.client.get("/papers.bib").status_code == 400
    assert site.client.get("/papers/date/2026-13-99.bib").status_code in (400, 404)
    # A member's export leaves out what they marked not interested.
    site.sign_in("reader@example.org")
    user = site.store.accounts.by_email("reader@example.org")
    site.store.library.dismiss(user.id, page_ids[0])
    mine = bibtexparser.parse_string(site.client.get(f"/papers/date/{day}.bib").text).entries
    assert page_ids[0] not in {e["eprint"] for e in mine} and len(mine) == len(page_ids) - 1


def test_listing_and_search_pages_link_their_exports(site: Site) -> None:
    day = site.client.get("/papers/date/2026-08-21").text
    assert 'href="/papers/date/2026-08-21.bib"' in day and "cite all:" in day
    found = site.client.get("/papers", params={"q": "diffusion"}).text
    assert 'href="/papers.ris?q=diffusion' in found
