"""Rendering page 1 of real PDFs (made by PDFium in the test) and scaling real PNGs: the size,
the ink where the title is, and a clear ThumbnailFailed for what cannot be used."""

from __future__ import annotations

import io

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pytest
from PIL import Image
from thumbnail_samples import dark_share, decoded, one_page_pdf, png

from paperfeed.thumbnails.images import (
    MAX_RATIO,
    WIDTH,
    ThumbnailFailed,
    render_first_page,
    scaled_image,
)


def test_page_one_is_rendered_640_pixels_wide() -> None:
    pdf = one_page_pdf("Attention Is All You Need", ("Ashish Vaswani", "Abstract"))
    page = decoded(render_first_page(pdf))
    assert page.size == (WIDTH, 829)  # 612 x 792 pt; PDFium rounds 828.2 up
    assert dark_share(page, (60, 60, 600, 140)) > 0.02  # the title
    assert dark_share(page, (60, 140, 600, 200)) > 0.001  # the lines under it
    assert dark_share(page, (0, 300, WIDTH, 829)) == 0


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((595.0, 842.0), (WIDTH, 906)),  # A4
        ((792.0, 612.0), (WIDTH, 495)),  # landscape (slides)
        ((612.0, 2400.0), (WIDTH, round(WIDTH * MAX_RATIO))),  # a poster: its top only
    ],
)
def test_page_shapes(size: tuple[float, float], expected: tuple[int, int]) -> None:
    page = decoded(render_first_page(one_page_pdf("A Title", size=size)))
    assert page.size == expected
    assert dark_share(page, (60, 0, 600, 160)) > 0.001  # the title stays in view


def _no_pages() -> bytes:
    document = pdfium.PdfDocument.new()
    out = io.BytesIO()
    document.save(out)
    document.close()
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not a readable PDF"),
        (b"<html><body>PDF unavailable</body></html>", "not a readable PDF"),
        (png(), "not a readable PDF"),
        (_no_pages(), "not a readable PDF|the PDF has no pages"),
    ],
    # Named, not shown: a made PDF holds its creation time, and test ids must be the same in
    # every collecting process (pytest-xdist).
    ids=["empty", "html", "png", "no-pages"],
)
def test_what_cannot_be_rendered_says_why(data: bytes, message: str) -> None:
    with pytest.raises(ThumbnailFailed, match=message):
        render_first_page(data)


def test_hf_images_are_scaled_to_the_same_width() -> None:
    card = decoded(scaled_image(png()))
    assert card.size == (WIDTH, 346)
    assert card.getpixel((320, 40))[2] > 120 and card.getpixel((320, 300)) == (255, 255, 255)
    # A smaller image is not blown up.
    assert decoded(scaled_image(png((320, 180)))).size == (320, 180)


def test_transparency_is_put_on_white() -> None:
    image = Image.new("RGBA", (100, 50), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    assert decoded(scaled_image(out.getvalue())).getpixel((50, 25)) == (255, 255, 255)


def _saved(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    image.save(out, kind)
    return out.getvalue()


def test_jpeg_and_webp_are_taken_too() -> None:
    photo = Image.new("RGB", (1280, 720), (200, 30, 30))
    assert decoded(scaled_image(_saved(photo, "JPEG"))).size == (WIDTH, 360)
    assert decoded(scaled_image(_saved(photo, "WEBP"))).size == (WIDTH, 360)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html>Not found</html>", "not a usable image"),
        (one_page_pdf("A PDF is not an image"), "not a usable image"),
        (_saved(Image.new("RGB", (10, 10)), "GIF"), "not a usable image"),  # not a format taken
        (png()[:200], "not a usable image"),  # cut short
        # 64 megapixels (a small file, in one bit per pixel) are refused before decoding.
        (_saved(Image.new("1", (8000, 8000)), "PNG"), "8000 x 8000 pixels"),
    ],
    ids=["html", "pdf", "gif", "cut-short", "64-megapixels"],
)
def test_what_is_not_a_usable_image_says_why(data: bytes, message: str) -> None:
    with pytest.raises(ThumbnailFailed, match=message):
        scaled_image(data)


def test_any_error_inside_pdfium_is_this_pdf_s_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not the run's: the job records it against the paper and goes on with the next."""

    def broken(*_args: object, **_kw: object) -> None:
        raise ValueError("bitmap of unexpected format")

    monkeypatch.setattr(pdfium.PdfPage, "render", broken)
    with pytest.raises(ThumbnailFailed, match=r"page 1 cannot be rendered \(bitmap of unexp"):
        render_first_page(one_page_pdf("A Title"))
