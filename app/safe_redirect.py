"""Same-origin redirect targets (design/security.md TH16, T30)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


def safe_next(target: str | None, default: str) -> str:
    """Return ``target`` if it is a path on this site, else ``default``.

    Refuses scheme-relative (``//x``), backslash (``/\\x``), encoded and
    control-character forms that browsers turn into another origin.
    """
    if not target:
        return default
    decoded = unquote(target)
    if (
        not target.startswith("/")
        or target.startswith("//")
        or "\\" in decoded
        or decoded.startswith("//")
        or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in decoded)
    ):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
