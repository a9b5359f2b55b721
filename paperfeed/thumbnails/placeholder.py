"""The image a paper shows until it has a thumbnail (pure): its title's initials on a soft
colour of its own, as SVG."""

from __future__ import annotations

import colorsys
import hashlib
from html import escape

MEDIA_TYPE = "image/svg+xml"


def initials(title: str) -> str:
    """The first letters of the title's first two words (`Attention Is All…` → `AI`); words
    that begin with markup (`$\\alpha$`) are passed over."""
    letters = [word[0] for word in title.split() if word[0].isalnum()]
    return "".join(letters[:2]).upper()


def placeholder_colours(arxiv_id: str) -> tuple[str, str]:
    """A soft background and a darker ink of one hue taken from the id: the same paper always
    gets the same colours, neighbours on a page usually differ."""
    hue = int.from_bytes(hashlib.blake2b(arxiv_id.encode(), digest_size=2).digest()) / 65536

    def hex_colour(lightness: float, saturation: float) -> str:
        r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
        return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"

    return hex_colour(0.90, 0.55), hex_colour(0.32, 0.40)


def placeholder_svg(arxiv_id: str, title: str) -> str:
    """The image a paper shows until it has a thumbnail: its initials on its colour, 16:9."""
    background, ink = placeholder_colours(arxiv_id)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360" '
        'viewBox="0 0 640 360">'
        f'<rect width="640" height="360" fill="{background}"/>'
        '<text x="320" y="180" dy="0.35em" text-anchor="middle" '
        'font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="144" '
        f'font-weight="600" fill="{ink}">{escape(initials(title))}</text>'
        "</svg>"
    )
