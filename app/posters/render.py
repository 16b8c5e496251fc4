"""Share images (Pillow) and printable posters (fpdf2) of one event, from plain text.

No Flask and no database here: app.posters.documents turns an event into a ``Sheet``
in the page language, this module draws it. Both use Vazirmatn (fonts/README.md), which
covers Persian and Latin, and shape text with HarfBuzz: Pillow through libraqm
(``ImageFont.Layout.RAQM``), fpdf2 through uharfbuzz (``set_text_shaping``). Without
shaping, Persian letters would print in their isolated forms, left to right.

Text from organizers passes ``printable`` first: controls (NUL included) become spaces,
bidi embeddings, overrides and isolates are dropped (they could reorder the rest of a
line: design/security.md T45) and so is anything the font cannot draw (emoji), so
no hostile title can break a layout or fill a poster with empty boxes.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

import segno
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # fontTools has no types
from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, XPos, YPos
from PIL import Image, ImageDraw, ImageFont, features

log = logging.getLogger(__name__)

FONTS = Path(__file__).parent / "fonts"
REGULAR = FONTS / "Vazirmatn-Regular.ttf"
BOLD = FONTS / "Vazirmatn-Bold.ttf"

# --- text ------------------------------------------------------------------------------

# C0 and C1 controls, DEL, and line and paragraph separators: one line each, as spaces.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Embeddings, overrides (U+202A–U+202E) and isolates (U+2066–U+2069).
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")
ELLIPSIS = "…"


@cache
def _covered() -> frozenset[int]:
    """The code points both weights of the font can draw (read once per process)."""
    sets = []
    for path in (REGULAR, BOLD):
        font = TTFont(path, lazy=True)
        try:
            sets.append(frozenset(int(point) for point in font.getBestCmap()))
        finally:
            font.close()
    return sets[0] & sets[1]


def printable(text: str) -> str:
    """``text`` as one line the font can draw: see the module docstring.

    ZWNJ and ZWJ stay (Persian spelling needs them); runs of spaces become one.
    """
    text = unicodedata.normalize("NFC", text)
    text = _BIDI_CONTROLS.sub("", _CONTROLS.sub(" ", text))
    covered = _covered()
    text = "".join(char for char in text if char.isspace() or ord(char) in covered)
    return _SPACES.sub(" ", text).strip()


def base_direction(text: str, default: str) -> str:
    """ "rtl" or "ltr": the direction of the first strong character (as ``dir="auto"``).

    ``default`` (the page's) when ``text`` has none, e.g. only digits.
    """
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return default


@dataclass(frozen=True)
class Sheet:
    """What a share image or poster says, already in the page language, as plain text.

    ``banner`` is "" unless the event is cancelled. ``when`` holds the date and time line
    and, for a series, its rule ("Every week until …"). ``url`` is the event page.
    """

    title: str
    banner: str
    when: Sequence[str]
    place: str
    safety: str
    site_name: str
    url: str
    language: str
    rtl: bool

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"


# --- share image ---------------------------------------------------------------------------

WIDTH, HEIGHT = 1200, 630  # what Open Graph and Twitter cards show at full size
MARGIN = 72
BACKGROUND = (11, 107, 58)  # --accent of static/css/site.css
INK = (255, 255, 255)
SOFT_INK = (231, 244, 236)
BANNER = (164, 22, 26)  # --danger
TITLE_SIZES = (72, 62, 54, 46)
TITLE_LINES = 3


@cache
def layout_engine() -> ImageFont.Layout:
    """RAQM (HarfBuzz shaping and bidi), or BASIC with one warning if Pillow lacks libraqm."""
    if features.check("raqm"):
        return ImageFont.Layout.RAQM
    log.warning("Pillow has no libraqm: share images will not shape Persian text")
    return ImageFont.Layout.BASIC


@cache
def _font(bold: bool, size: int, layout: ImageFont.Layout) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(BOLD if bold else REGULAR), size, layout_engine=layout)


class _Writer:
    """Measures, wraps and draws lines on one image in one layout engine."""

    def __init__(self, sheet: Sheet, layout: ImageFont.Layout) -> None:
        self.sheet = sheet
        self.layout = layout
        self.width = WIDTH - 2 * MARGIN

    def _raqm(self, value: str) -> str | None:
        # Direction and language need libraqm; BASIC refuses them.
        return value if self.layout == ImageFont.Layout.RAQM else None

    def length(self, font: ImageFont.FreeTypeFont, text: str, direction: str) -> float:
        return font.getlength(
            text, direction=self._raqm(direction), language=self._raqm(self.sheet.language)
        )

    def _prefix(self, font: ImageFont.FreeTypeFont, text: str, direction: str) -> int:
        """How many characters of ``text`` (a word too long for a line) fit on one."""
        low, high = 1, len(text)
        while low < high:
            middle = (low + high + 1) // 2
            if self.length(font, text[:middle], direction) <= self.width:
                low = middle
            else:
                high = middle - 1
        return low

    def wrap(
        self, font: ImageFont.FreeTypeFont, text: str, direction: str, max_lines: int
    ) -> tuple[list[str], bool]:
        """``text`` in lines of at most the text width; True if it had to be cut short."""
        lines: list[str] = []
        words = text.split(" ") if text else []
        current = ""
        while words:
            word = words[0]
            candidate = f"{current} {word}" if current else word
            if self.length(font, candidate, direction) <= self.width:
                current = candidate
                words.pop(0)
                continue
            if current:
                lines.append(current)
                current = ""
            else:  # one word wider than a line: break it
                cut = self._prefix(font, word, direction)
                lines.append(word[:cut])
                words[0] = word[cut:]
            if len(lines) == max_lines:
                break
        if current and len(lines) < max_lines:
            lines.append(current)
            current = ""
        cut_short = bool(words or current)
        if cut_short and lines:
            lines[-1] = self._ellipsize(font, lines[-1], direction)
        return lines, cut_short

    def _ellipsize(self, font: ImageFont.FreeTypeFont, line: str, direction: str) -> str:
        while line and self.length(font, f"{line}{ELLIPSIS}", direction) > self.width:
            line = line[:-1].rstrip()
        return f"{line}{ELLIPSIS}"

    def draw(
        self,
        canvas: ImageDraw.ImageDraw,
        y: float,
        line: str,
        font: ImageFont.FreeTypeFont,
        fill: tuple[int, int, int],
        direction: str,
    ) -> None:
        """One line at height ``y`` (its ascender), on the start side of the page."""
        x, anchor = (WIDTH - MARGIN, "ra") if self.sheet.rtl else (MARGIN, "la")
        canvas.text(
            (x, y),
            line,
            font=font,
            fill=fill,
            anchor=anchor,
            direction=self._raqm(direction),
            language=self._raqm(self.sheet.language),
        )


def share_png(sheet: Sheet, layout: ImageFont.Layout | None = None) -> bytes:
    """The 1200×630 share image of ``sheet`` as PNG (``layout``: default ``layout_engine()``).

    Title (at most three lines, as large as fits), date and time, place, the site name.
    """
    layout = layout if layout is not None else layout_engine()
    writer = _Writer(sheet, layout)
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    canvas = ImageDraw.Draw(image)
    page = sheet.direction
    y: float = MARGIN - 16

    if sheet.banner:
        font = _font(True, 34, layout)
        canvas.rectangle((0, y - 8, WIDTH, y + 50), fill=BANNER)
        writer.draw(canvas, y, sheet.banner, font, INK, page)
        y += 76

    footer_top = HEIGHT - MARGIN - 36
    small = _font(False, 34, layout)
    details: list[tuple[str, str]] = []
    for text in (*sheet.when, sheet.place):
        direction = base_direction(text, page)
        lines, _cut = writer.wrap(small, text, direction, 2 if text == sheet.place else 1)
        details += [(line, direction) for line in lines]
    details_height = 46 * len(details)

    title_direction = base_direction(sheet.title, page)
    for size in TITLE_SIZES:
        title_font = _font(True, size, layout)
        title, cut = writer.wrap(title_font, sheet.title, title_direction, TITLE_LINES)
        step = round(size * 1.25)
        if not cut and y + step * len(title) + 20 + details_height <= footer_top - 16:
            break
    for line in title:
        writer.draw(canvas, y, line, title_font, INK, title_direction)
        y += step
    y += 20
    for line, direction in details:
        writer.draw(canvas, y, line, small, SOFT_INK, direction)
        y += 46

    canvas.line((MARGIN, footer_top - 14, WIDTH - MARGIN, footer_top - 14), fill=SOFT_INK, width=2)
    writer.draw(canvas, footer_top, sheet.site_name, _font(True, 32, layout), INK, page)

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


# --- poster ------------------------------------------------------------------------------

# ?size= of /events/<slug>/poster.pdf: fpdf2's page formats.
PAGE_SIZES = {"a4": "A4", "letter": "Letter"}
PAGE_MARGIN = 18.0  # mm
QR_SIDE = 70.0  # mm: scans from a couple of metres on a notice board
QR_BORDER = 2  # modules of quiet zone, inside the white area of the page
FONT = "Vazirmatn"
PDF_INK = (27, 27, 31)  # --ink
PDF_MUTED = (85, 85, 94)  # --muted
POSTER_TITLE_SIZES = (44, 38, 32, 27, 22)  # pt
POSTER_TITLE_LINES = 4
LEADING = 0.45  # line height in mm per point of type: about 1.28 lines


class _Poster:
    """Writes a sheet onto one page, each paragraph shaped in its own direction."""

    def __init__(self, sheet: Sheet, size: str) -> None:
        self.sheet = sheet
        self.pdf = FPDF(orientation="portrait", unit="mm", format=PAGE_SIZES[size])
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margins(PAGE_MARGIN, PAGE_MARGIN, PAGE_MARGIN)
        self.pdf.add_font(FONT, "", str(REGULAR))
        self.pdf.add_font(FONT, "B", str(BOLD))
        self.align = Align.R if sheet.rtl else Align.L

    def shape(self, text: str) -> None:
        direction = base_direction(text, self.sheet.direction)
        self.pdf.set_text_shaping(True, direction=direction)

    def paragraph(
        self, text: str, *, size: float, bold: bool = False, align: Align | None = None
    ) -> None:
        self.shape(text)
        self.pdf.set_font(FONT, "B" if bold else "", size)
        self.pdf.multi_cell(
            0,
            size * LEADING,
            text,
            align=align or self.align,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    def lines(self, text: str, size: float, bold: bool = False) -> int:
        """How many lines ``paragraph`` would take for ``text``."""
        self.shape(text)
        self.pdf.set_font(FONT, "B" if bold else "", size)
        lines = self.pdf.multi_cell(
            0, size * LEADING, text, dry_run=True, output=MethodReturnValue.LINES
        )
        return len(lines) if isinstance(lines, list) else 1

    def qr(self, x: float, y: float) -> None:
        """The event page's QR code, as filled rectangles (sharp at any print size)."""
        code = segno.make(self.sheet.url, error="m", micro=False)
        matrix = code.matrix
        module = QR_SIDE / (len(matrix) + 2 * QR_BORDER)
        x0, y0 = x + QR_BORDER * module, y + QR_BORDER * module
        self.pdf.set_fill_color(0, 0, 0)
        for row, cells in enumerate(matrix):
            start: int | None = None
            # One rectangle per run of dark modules: fewer seams between them when rendered.
            for column, dark in enumerate((*cells, 0)):
                if dark and start is None:
                    start = column
                elif not dark and start is not None:
                    width = (column - start) * module
                    self.pdf.rect(x0 + start * module, y0 + row * module, width, module, "F")
                    start = None

    def build(self, created: datetime) -> bytes:
        pdf, sheet = self.pdf, self.sheet
        pdf.set_creation_date(created)  # the same event gives the same file
        pdf.set_title(sheet.title)
        pdf.set_lang(sheet.language)
        pdf.set_creator(sheet.site_name)
        pdf.add_page()
        width, height = pdf.w, pdf.h

        # The site's name in a band across the top.
        pdf.set_fill_color(*BACKGROUND)
        pdf.rect(0, 0, width, 24, "F")
        pdf.set_text_color(*INK)
        pdf.set_xy(PAGE_MARGIN, 7)
        self.paragraph(sheet.site_name, size=20, bold=True)

        pdf.set_xy(PAGE_MARGIN, 36)
        if sheet.banner:
            pdf.set_text_color(*BANNER)
            self.paragraph(sheet.banner, size=26, bold=True)
            pdf.set_y(pdf.get_y() + 4)

        # The title as large as fits in four lines and in the room the rest leaves above
        # the QR code (a cancelled series at a long address on US Letter has the least).
        qr_top = height - PAGE_MARGIN - 27 - QR_SIDE
        when = [
            (line, 20 if index == 0 else 16, index == 0) for index, line in enumerate(sheet.when)
        ]
        rest = sum(self.lines(text, size, bold) * size * LEADING for text, size, bold in when)
        rest += self.lines(sheet.place, 18) * 18 * LEADING + 6 + 3
        room = qr_top - 4 - pdf.get_y() - rest
        title_size = POSTER_TITLE_SIZES[-1]
        for size in POSTER_TITLE_SIZES:
            count = self.lines(sheet.title, size, bold=True)
            if count <= POSTER_TITLE_LINES and count * size * LEADING <= room:
                title_size = size
                break
        pdf.set_text_color(*PDF_INK)
        self.paragraph(sheet.title, size=title_size, bold=True)
        pdf.set_y(pdf.get_y() + 6)
        for text, size, bold in when:
            self.paragraph(text, size=size, bold=bold)
        pdf.set_y(pdf.get_y() + 3)
        self.paragraph(sheet.place, size=18)

        # From the bottom up: the safety line, the page's address, its QR code above it.
        pdf.set_text_color(*PDF_MUTED)
        pdf.set_xy(PAGE_MARGIN, height - PAGE_MARGIN - 14)
        self.paragraph(sheet.safety, size=13, align=Align.C)
        pdf.set_text_color(*PDF_INK)
        pdf.set_xy(PAGE_MARGIN, height - PAGE_MARGIN - 24)
        self.paragraph(sheet.url, size=11, align=Align.C)
        self.qr((width - QR_SIDE) / 2, qr_top)
        return bytes(pdf.output())


def poster_pdf(sheet: Sheet, size: str, created: datetime) -> bytes:
    """A one-page poster of ``sheet`` on ``size`` paper (a key of ``PAGE_SIZES``).

    ``created`` is the PDF's creation date (the event's last change, so a rebuild of the
    same event gives the same bytes). Raises KeyError for an unknown size.
    """
    return _Poster(sheet, size).build(created)
