"""The organizer's RSVP list as CSV: date, display name, people, status; never an e-mail."""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from app.rsvp.queries import RsvpRow
from app.spreadsheet import csv_cell


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
