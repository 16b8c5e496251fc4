"""Reading share images and posters back as people and machines do."""

from __future__ import annotations

import io

import pypdf
import pypdfium2
import zxingcpp
from PIL import Image, ImageChops

from app.posters.render import BACKGROUND

PERSIAN = {"Accept-Language": "fa"}
# A short Persian title: "Vigil for the political prisoners" (with a ZWNJ in شب‌زنده‌داری).
PERSIAN_TITLE = "شب‌زنده‌داری برای زندانیان سیاسی"


def image(body: bytes) -> Image.Image:
    """The PNG ``body``, decoded (raises if it is not a PNG)."""
    found = Image.open(io.BytesIO(body))
    assert found.format == "PNG"
    found.load()
    return found


def ink_box(picture: Image.Image, bottom: int) -> tuple[int, int, int, int]:
    """The box around everything drawn on the background above the height ``bottom``."""
    top = picture.convert("RGB").crop((0, 0, picture.width, bottom))
    plain = Image.new("RGB", top.size, BACKGROUND)
    box = ImageChops.difference(top, plain).getbbox()
    assert box is not None, "nothing drawn"
    return box


def pdf_pages(body: bytes) -> list[pypdf.PageObject]:
    assert body.startswith(b"%PDF-")
    return list(pypdf.PdfReader(io.BytesIO(body)).pages)


def pdf_text(body: bytes) -> str:
    """The text layer of the poster's one page."""
    pages = pdf_pages(body)
    assert len(pages) == 1
    return pages[0].extract_text()


def page_size(body: bytes) -> tuple[float, float]:
    """Width and height of the poster's page in points."""
    box = pdf_pages(body)[0].mediabox
    return round(float(box.width), 1), round(float(box.height), 1)


def qr_codes(body: bytes, scale: float = 2.0) -> list[str]:
    """The QR codes a phone would read on the printed poster (rendered at 144 dpi)."""
    document = pypdfium2.PdfDocument(body)
    try:
        picture = document[0].render(scale=scale).to_pil()
    finally:
        document.close()
    return [
        found.text
        for found in zxingcpp.read_barcodes(picture)
        if found.format == zxingcpp.BarcodeFormat.QRCode
    ]
