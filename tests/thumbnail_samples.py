"""Real documents for the thumbnail tests, made here rather than shipped: a one-page PDF whose
text is set in a standard PDF font, written by PDFium itself (no fixture file, no library
added for the tests), and PNG images shaped like Hugging Face's thumbnails (1200 x 648)."""

from __future__ import annotations

import ctypes
import io

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]
from PIL import Image, ImageDraw

LETTER = (612.0, 792.0)  # US Letter, in points


def one_page_pdf(
    title: str, lines: tuple[str, ...] = (), size: tuple[float, float] = LETTER
) -> bytes:
    """A PDF of one page: `title` in 24 pt Times Bold near the top, then `lines` in 11 pt."""
    document = pdfium.PdfDocument.new()
    width, height = size
    page = document.new_page(width, height)

    def text(value: str, x: float, y: float, points: float) -> None:
        obj = pdfium_c.FPDFPageObj_NewTextObj(document.raw, b"Times-Bold", ctypes.c_float(points))
        wide = ctypes.create_string_buffer((value + "\0").encode("utf-16-le"))
        pdfium_c.FPDFText_SetText(obj, ctypes.cast(wide, ctypes.POINTER(pdfium_c.FPDF_WCHAR)))
        pdfium_c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x, y)
        pdfium_c.FPDFPage_InsertObject(page.raw, obj)

    text(title, 72, height - 92, 24)
    for n, line in enumerate(lines):
        text(line, 72, height - 132 - 14 * n, 11)
    assert pdfium_c.FPDFPage_GenerateContent(page.raw)
    out = io.BytesIO()
    document.save(out)
    page.close()
    document.close()
    return out.getvalue()


def png(size: tuple[int, int] = (1200, 648), colour: tuple[int, int, int] = (30, 60, 160)) -> bytes:
    """A PNG with a coloured band across its top half on white, like a social card."""
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).rectangle((0, 0, size[0], size[1] // 2), fill=colour)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def decoded(data: bytes) -> Image.Image:
    """An image file's pixels (RGB), checking its format is WebP on the way."""
    image = Image.open(io.BytesIO(data))
    assert image.format == "WEBP", image.format
    return image.convert("RGB")


def dark_share(image: Image.Image, box: tuple[int, int, int, int]) -> float:
    """The share of pixels in `box` darker than mid-grey: ink on a page."""
    region = image.crop(box).convert("L")
    histogram = region.histogram()
    return sum(histogram[:128]) / max(1, sum(histogram))
