"""The audit log as CSV, with the same filters as the page."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask_babel import gettext as _

from app.models import AuditEntry
from app.spreadsheet import csv_cell


def actor_label(entry: AuditEntry) -> str:
    """Who acted, as the page and the CSV say it."""
    return entry.actor_name if entry.actor_id is not None else _("command line")


def audit_csv(entries: Iterable[AuditEntry]) -> str:
    """The entries as CSV with a byte-order mark (Persian names), every cell quoted."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow(
        [
            _("When (UTC)"),
            _("Who"),
            _("Account"),
            _("Action"),
            _("Subject"),
            _("Subject id"),
            _("Label"),
            _("Changed"),
        ]
    )
    for entry in entries:
        writer.writerow(
            [
                entry.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                csv_cell(actor_label(entry)),
                entry.actor_id if entry.actor_id is not None else "",
                entry.action.value,
                entry.subject_type.value,
                entry.subject_id if entry.subject_id is not None else "",
                csv_cell(entry.label),
                csv_cell(entry.summary),
            ]
        )
    return buffer.getvalue()
