"""Avatars made from a name (pure): stable, distinct, mirrored, and safe to put in a page."""

from __future__ import annotations

import re
from urllib.parse import unquote
from xml.etree import ElementTree as ET

import pytest

from paperfeed.web.avatar import SIZE, avatar_svg, avatar_uri

SVG = "{http://www.w3.org/2000/svg}"
NAMES = ["taesiri", "akhaliq", "ada", "bob", "demo-ada", "google", "KouShi2", "x", "Ω", ""]


def _cells(svg: str) -> set[tuple[int, int]]:
    path = ET.fromstring(svg).find(f"{SVG}path")
    assert path is not None
    return {(int(x), int(y)) for x, y in re.findall(r"M(\d+) (\d+)h1v1h-1z", path.get("d", ""))}


def test_the_same_name_gives_the_same_avatar_and_others_differ() -> None:
    assert avatar_svg("taesiri") == avatar_svg("taesiri") == avatar_svg(" TaeSiri ")
    assert len({avatar_svg(n) for n in NAMES}) == len(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_an_avatar_is_a_mirrored_pattern_of_rects(name: str) -> None:
    svg = avatar_svg(name)
    root = ET.fromstring(svg)
    assert [child.tag for child in root] == [f"{SVG}rect", f"{SVG}path"]
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c.get("fill", "")) for c in root)
    cells = _cells(svg)
    assert cells, "never a blank tile"
    assert all(1 <= x <= SIZE and 1 <= y <= SIZE for x, y in cells)
    assert cells == {(SIZE + 1 - x, y) for x, y in cells}  # symmetric about the middle column


def test_the_name_never_reaches_the_image() -> None:
    hostile = '"><script>alert(1)</script>'
    assert "script" not in avatar_svg(hostile) and "alert" not in avatar_uri(hostile)


def test_a_data_uri_an_attribute_can_hold() -> None:
    uri = avatar_uri("taesiri")
    assert uri.startswith("data:image/svg+xml,")
    # No character that would end the attribute, start a fragment or a tag
    assert not set(uri) & set("\"'<>#& ")
    assert unquote(uri.removeprefix("data:image/svg+xml,")) == avatar_svg("taesiri")
    assert len(uri) < 1000
