"""The organizer's RSVP list as CSV: date, display name, people, status; never an e-mail."""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from app.rsvp.queries import RsvpRow

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


def rsvps_csv(rows: list[RsvpRow]) -> str:
    """The list as CSV with a byte-order mark, so spreadsheets read Persian names right."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    # Every field quoted, numbers included: no spreadsheet guesses a type (design/security.md T19).
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow([_("Date"), _("Display name"), _("People"), _("Status"), _("RSVP date")])
    for row in rows:
        writer.writerow(
            [
                row.occurs_on.isoformat(),
                csv_cell(row.display_name or ""),
                row.party_size,
                csv_cell(row.status.label),
                row.created_on.isoformat(),
            ]
        )
    return buffer.getvalue()
