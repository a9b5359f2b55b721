"""`/papers/{id}/thumbnail` in-process on SQLite and PostgreSQL: the image the job made (cached
long, with an ETag), a placeholder until then (cached briefly), a 404 for a paper the site does
not have, old-style ids with their slash, and the paper pages beside it untouched."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from thumbnail_samples import one_page_pdf
from web_site import Site

from paperfeed.models import Batch, Paper
from paperfeed.thumbnails.files import ThumbnailFiles
from paperfeed.thumbnails.images import render_first_page
from paperfeed.thumbnails.placeholder import initials
from paperfeed.web.routes.thumbnails import IMAGE_CACHE, PLACEHOLDER_CACHE, etag_matches

KAGGLE_PAPER = "0704.0001"  # in the demo
OLD_STYLE = "math/0501001"


@pytest.fixture
def old_style(site: Site) -> str:
    site.store.papers.write(Batch(papers=[Paper(OLD_STYLE, "Old Style Identifiers")]))
    return OLD_STYLE


@pytest.mark.parametrize("which", ["new", "old"])
def test_a_placeholder_until_the_job_makes_one(site: Site, old_style: str, which: str) -> None:
    arxiv_id = KAGGLE_PAPER if which == "new" else old_style
    title = site.store.papers.get(arxiv_id).title  # type: ignore[union-attr]
    r = site.client.get(f"/papers/{arxiv_id}/thumbnail")
    assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"
    assert r.headers["cache-control"] == PLACEHOLDER_CACHE and "etag" not in r.headers
    svg = ET.fromstring(r.text)
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")] == [initials(title)]
    assert initials(title)  # the paper's letters, not an empty card


@pytest.mark.parametrize("which", ["new", "old"])
def test_the_image_once_made_with_a_long_cache_and_an_etag(
    site: Site, old_style: str, which: str
) -> None:
    arxiv_id = KAGGLE_PAPER if which == "new" else old_style
    image = render_first_page(one_page_pdf("Calculation of prompt diphoton production"))
    ThumbnailFiles.under(site.settings.data_dir).save(arxiv_id, image)
    r = site.client.get(f"/papers/{arxiv_id}/thumbnail")
    assert r.status_code == 200 and r.headers["content-type"] == "image/webp"
    assert r.content == image and r.headers["cache-control"] == IMAGE_CACHE
    etag = r.headers["etag"]
    again = site.client.get(f"/papers/{arxiv_id}/thumbnail", headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    other = site.client.get(f"/papers/{arxiv_id}/thumbnail", headers={"If-None-Match": '"x"'})
    assert other.status_code == 200 and other.content == image


def test_the_paper_pages_beside_it_are_untouched(site: Site, old_style: str) -> None:
    for arxiv_id in (KAGGLE_PAPER, old_style):
        page = site.client.get(f"/papers/{arxiv_id}")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert site.client.get("/papers/submit").status_code in (200, 303)


@pytest.mark.parametrize(
    "path",
    [
        "/papers/2501.00001/thumbnail",  # an arXiv id the site does not have
        "/papers/hep-th/9901001/thumbnail",
        "/papers/not-a-paper/thumbnail",
        "/papers//thumbnail",
    ],
)
def test_a_paper_the_site_does_not_have_is_404(site: Site, path: str) -> None:
    r = site.client.get(path)
    assert r.status_code == 404, r.text


def test_a_hidden_paper_has_no_thumbnail(site: Site) -> None:
    site.store.moderation.hide(KAGGLE_PAPER, None, "spam")
    assert site.client.get(f"/papers/{KAGGLE_PAPER}/thumbnail").status_code == 404


def test_a_versioned_id_is_sent_to_the_paper_s_thumbnail(site: Site, old_style: str) -> None:
    for versioned, canonical in (
        (f"{KAGGLE_PAPER}v2", KAGGLE_PAPER),
        (f"{old_style}v1", old_style),
    ):
        r = site.client.get(f"/papers/{versioned}/thumbnail", follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (301, f"/papers/{canonical}/thumbnail")


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        ('"abc"', True),
        ('W/"abc"', True),
        ('"x", "abc"', True),
        ("*", True),
        ('"abcd"', False),
        ("", False),
        (None, False),
    ],
)
def test_if_none_match(header: str | None, matches: bool) -> None:
    assert etag_matches(header, '"abc"') is matches
