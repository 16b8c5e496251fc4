"""Text rules shared by every form: what Unicode we accept and how we store it.

design/security.md T44/T45: NUL, other control characters and bidi overrides
are refused (they hide or reorder text: spoofing); Persian ZWNJ/ZWJ, emoji and
variation selectors are kept byte-exact after NFC normalisation.
"""

from __future__ import annotations

import re
import unicodedata

# U+202A–U+202E (embeddings, overrides) and U+2066–U+2069 (isolates).
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# C0 and C1 controls and DEL, except TAB and LF which multi-line text may hold.
_CONTROL_SINGLE = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTI = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class TextError(ValueError):
    """The text contains a character we refuse; the message is user-facing."""


def clean_text(value: str, *, multiline: bool = False) -> str:
    """Return ``value`` trimmed and NFC-normalised, or raise TextError.

    Multi-line text has CRLF and CR normalised to LF first.
    """
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = unicodedata.normalize("NFC", value).strip()
    if "\x00" in value:
        raise TextError("NUL")
    if _BIDI_CONTROLS.search(value):
        raise TextError("bidi")
    pattern = _CONTROL_MULTI if multiline else _CONTROL_SINGLE
    if pattern.search(value):
        raise TextError("control")
    return value
