"""The placeholder a paper shows until it has a thumbnail: valid SVG, the title's initials, a
colour of the paper's own."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from paperfeed.thumbnails.placeholder import initials, placeholder_colours, placeholder_svg

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Attention Is All You Need", "AI"),
        ("attention", "A"),
        ("$\\alpha$-Divergence Minimization for Policies", "MF"),
        ("über Alles: 3D Vision", "ÜA"),
        ("<script>alert(1)</script> & Friends", "F"),
        ("", ""),
    ],
)
def test_initials(title: str, expected: str) -> None:
    assert initials(title) == expected


@pytest.mark.parametrize(
    "title", ["Attention Is All You Need", "<b>R&D</b> \"quoted\" 'titles'", "", "Ω & <>"]
)
def test_the_placeholder_is_valid_svg_with_the_initials(title: str) -> None:
    svg = ET.fromstring(placeholder_svg("2410.17243", title))
    assert svg.tag == f"{SVG}svg" and svg.get("viewBox") == "0 0 640 360"
    rect, text = list(svg)
    background, ink = placeholder_colours("2410.17243")
    assert (rect.get("fill"), text.get("fill")) == (background, ink)
    assert (text.text or "") == initials(title)


def test_each_paper_has_its_own_soft_colour() -> None:
    ids = [f"2410.{n:05d}" for n in range(1, 41)] + ["math/0501001", "CACM-0001"]
    colours = {i: placeholder_colours(i) for i in ids}
    assert placeholder_colours("2410.00001") == colours["2410.00001"]  # the same every time
    assert len({background for background, _ in colours.values()}) > 30
    for background, ink in colours.values():
        assert _lightness(background) > 0.8 and _lightness(ink) < 0.45  # soft, and readable


def _lightness(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return (max(r, g, b) + min(r, g, b)) / 2
