"""Thumbnail images, pure (bytes in, bytes out): the first page of a PDF rendered by PDFium, or
an image from Hugging Face scaled to the same width, both as WebP."""

from __future__ import annotations

import io
import threading

import pypdfium2 as pdfium  # type: ignore[import-untyped]
from PIL import Image

from paperfeed.errors import PaperfeedError

WIDTH = 640
# A page taller than this many widths (a poster, a long single-page abstract) is cut at the
# bottom: a thumbnail shows the title and the top of the page.
MAX_RATIO = 1.5
# Images larger than this are refused before they are decoded (HF's are 1200 x 648).
MAX_PIXELS = 40_000_000
_FORMATS = ("PNG", "JPEG", "WEBP")
# PDFium is not thread-safe: one rendering at a time in a process.
_PDFIUM = threading.Lock()


class ThumbnailFailed(PaperfeedError):
    """No thumbnail can be made from what a source gave (not a PDF, a broken image, HTTP 404)."""


def render_first_page(pdf: bytes) -> bytes:
    """Page 1 of `pdf`, WIDTH pixels wide on white, as WebP; ThumbnailFailed when PDFium
    cannot open or render it."""
    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(pdf)
        except pdfium.PdfiumError as exc:
            raise ThumbnailFailed(f"not a readable PDF ({exc})") from None
        try:
            if len(document) == 0:
                raise ThumbnailFailed("the PDF has no pages")
            page = document[0]
            try:
                width, height = page.get_size()
                if width <= 0 or height <= 0:
                    raise ThumbnailFailed(f"page 1 has no area ({width} x {height} pt)")
                cut = max(0.0, height - width * MAX_RATIO)  # points off the bottom
                image = page.render(scale=WIDTH / width, crop=(0, cut, 0, 0)).to_pil()
            except ThumbnailFailed:
                raise
            # Untrusted bytes through a C library and its wrapper: whatever goes wrong there
            # is this PDF's fault, and recorded against it, not the run's.
            except Exception as exc:
                raise ThumbnailFailed(f"page 1 cannot be rendered ({_what(exc)})") from None
            finally:
                page.close()
        finally:
            document.close()
    return _webp(image.convert("RGB"))


def scaled_image(data: bytes) -> bytes:
    """A PNG, JPEG or WebP image at most WIDTH pixels wide (and MAX_RATIO widths tall), as
    WebP; ThumbnailFailed for anything else, or an image too large to decode safely."""
    try:
        with Image.open(io.BytesIO(data), formats=_FORMATS) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ThumbnailFailed(f"the image is {image.width} x {image.height} pixels")
            image.load()
            flat = _on_white(image)
    except ThumbnailFailed:
        raise
    # Pillow's decoders raise more than OSError on broken files (SyntaxError, struct.error,
    # DecompressionBombError …): any of them means this image cannot be used.
    except Exception as exc:
        raise ThumbnailFailed(f"not a usable image ({_what(exc)})") from None
    flat.thumbnail((WIDTH, round(WIDTH * MAX_RATIO)), Image.Resampling.LANCZOS)
    return _webp(flat)


def _what(exc: Exception) -> str:
    return str(exc) or exc.__class__.__name__


def _on_white(image: Image.Image) -> Image.Image:
    """RGB, transparent parts on white (as a page would be)."""
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def _webp(image: Image.Image) -> bytes:
    """Lossless WebP: a rendered page is mostly small text, which lossy coding blurs and
    bloats. A synthetic page of 48 lines at 640 px took 7.5 kB lossless, 139 kB lossy at
    quality 80 and 30 kB as optimised PNG; with a smooth figure on it 27, 80 and 51 kB (each
    encoded in under 0.1 s)."""
    out = io.BytesIO()
    image.save(out, "WEBP", lossless=True)
    return out.getvalue()
