"""The shipped font: the committed files are the ones recorded, and they cover what we print."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from app.posters import render
from app.posters.render import BOLD, FONTS, REGULAR, printable

ROOT = Path(__file__).resolve().parents[2]


def _recorded() -> dict[str, str]:
    sums: dict[str, str] = {}
    for line in (FONTS / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        sums[name] = digest
    return sums


def test_committed_fonts_match_the_recorded_checksums() -> None:
    recorded = _recorded()
    assert set(recorded) == {"Vazirmatn-Regular.ttf", "Vazirmatn-Bold.ttf", "OFL.txt"}
    for name, digest in recorded.items():
        assert hashlib.sha256((FONTS / name).read_bytes()).hexdigest() == digest, name
    # The README's table says the same as SHA256SUMS.
    readme = (FONTS / "README.md").read_text()
    for name, digest in recorded.items():
        assert f"| `{name}` | `{digest}` |" in readme


def test_the_renderer_uses_only_recorded_files() -> None:
    assert {REGULAR.name, BOLD.name} <= set(_recorded())
    assert REGULAR.parent == BOLD.parent == FONTS


def test_the_licence_and_the_pinned_version_are_stated() -> None:
    assert "SIL Open Font License" in (FONTS / "OFL.txt").read_text()
    pinned = re.search(r"^VAZIRMATN_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.M)
    assert pinned is not None
    assert (
        f"Vazirmatn](https://github.com/rastikerdar/vazirmatn) {pinned[1]} "
        in (FONTS / "README.md").read_text()
    )


def test_the_font_draws_persian_and_latin() -> None:
    # ZWNJ (U+200C) is part of Persian spelling and must survive.
    for text in ("شب‌زنده‌داری برای زندانیان", "Vigil für die Gefangenen, 15:00–17:00 CET"):
        assert printable(text) == text
    # Emoji are not in the font: dropped rather than printed as empty boxes.
    assert printable("Vigil 🕯️ now") == "Vigil now"


def test_printable_removes_what_could_break_a_line() -> None:
    hostile = "a\x00b\tc\r\nd\u202eevil\u202c\u2067e\u2069\u2028f"
    assert printable(hostile) == "a b c devile f"
    assert printable("\x00\u202e🕯️") == ""
    render._covered.cache_clear()  # read again from the files: the same answer
    assert printable("b") == "b"
