"""Avatars made from a name: a 5 x 5 mirrored pattern in one colour, as GitHub draws for
accounts without a picture. Pure: the same name always gives the same image.

Pages embed them as `data:` URIs rather than serve them from a route: a page of 50 cards
would otherwise make up to 50 requests, the signed-out page cache keeps them with the page,
and the site's CSP allows `data:` images already. One is about 500 bytes.
"""

from __future__ import annotations

import colorsys
import hashlib
from functools import lru_cache
from urllib.parse import quote

SIZE = 5  # cells a side; the left three columns are mirrored to the right


def _colour(hue: float, lightness: float, saturation: float) -> str:
    r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def avatar_svg(name: str) -> str:
    """The avatar of `name` as an SVG document: a soft background, cells in a darker ink of
    one hue, both taken from a hash of the name (case and surrounding space ignored)."""
    digest = hashlib.blake2b(name.strip().casefold().encode(), digest_size=8).digest()
    hue = int.from_bytes(digest[:2]) / 65536
    bits = int.from_bytes(digest[2:])
    half = (SIZE + 1) // 2
    cells = []
    for row in range(SIZE):
        for col in range(half):
            if bits >> (row * half + col) & 1:
                cells += [f"M{c + 1} {row + 1}h1v1h-1z" for c in sorted({col, SIZE - 1 - col})]
    # A pattern with no cell (1 name in 32,768) would be a blank tile: fill its centre.
    path = "".join(cells) or f"M{half} {half}h1v1h-1z"
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 7 7" shape-rendering="crispEdges">'
        f'<rect width="7" height="7" fill="{_colour(hue, 0.93, 0.5)}"/>'
        f'<path fill="{_colour(hue, 0.45, 0.55)}" d="{path}"/></svg>'
    )


@lru_cache(maxsize=4096)
def avatar_uri(name: str) -> str:
    """`avatar_svg(name)` as a `data:` URI for an `<img src>`."""
    return "data:image/svg+xml," + quote(avatar_svg(name), safe=":/=,")
