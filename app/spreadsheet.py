"""CSV cells that no spreadsheet runs as a formula (design/security.md T19).

The one home of the rule for every CSV download: the RSVP list, the audit log.
"""

from __future__ import annotations

# Spreadsheets run a cell that starts with one of these as a formula
# (design/security.md T19); a leading apostrophe makes it plain text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """``value`` as a cell no spreadsheet runs as a formula.

    Every ``;``-separated piece is neutralised on its own: German and French spreadsheets
    split a line on ``;``, so ``Sara;=1+1`` would otherwise open with a formula cell.
    """
    return ";".join(
        "'" + piece if piece.startswith(_FORMULA_STARTS) else piece for piece in value.split(";")
    )
