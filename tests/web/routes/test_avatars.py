"""`/avatars/{name}.svg`: where the Hugging Face API's relative `avatarUrl`s lead on the demo."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest
from web_site import Site

from paperfeed.web.avatar import avatar_svg


def test_every_avatar_url_of_the_hf_api_is_an_image_here(site: Site) -> None:
    daily = site.client.get("/api/daily_papers", params={"limit": 120}).json()
    urls = {item["submittedBy"]["avatarUrl"] for item in daily if "submittedBy" in item}
    relative = sorted(u for u in urls if u.startswith("/"))
    assert relative, "the demo's HF submitters include default avatars (/avatars/<hash>.svg)"
    for url in relative:
        r = site.client.get(urljoin("http://127.0.0.1:8000/", url))
        assert r.status_code == 200, url
        assert r.headers["content-type"] == "image/svg+xml"
        assert "immutable" in r.headers["cache-control"]
        assert r.text.startswith("<svg ")


def test_an_avatar_is_the_one_pages_draw_for_that_name(site: Site) -> None:
    r = site.client.get("/avatars/ada%20lovelace.svg")
    assert r.text == avatar_svg("ada lovelace")


@pytest.mark.parametrize("name", ["%00", "x" * 201, "%20", "a%0Ab"])
def test_bad_names_are_a_400(site: Site, name: str) -> None:
    assert site.client.get(f"/avatars/{name}.svg").status_code == 400
