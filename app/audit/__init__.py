"""The audit log: an append-only record of who changed accounts, events and the statement.

Features record through ``record`` in their own transaction. Events do not know this
package (dependencies run one way, STYLE.md "Layout"): the app factory hands ``init_app``
the events' ``event_changed_by`` signal, and the receiver records from it. The admins
read the log at /admin/audit (``bp``, guarded by the admin area's ``require_admin``, set by
app.admin.views).
"""

from __future__ import annotations

from blinker import NamedSignal
from flask import Blueprint, Flask

from app.audit.services import record, record_event_change

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

__all__ = ["bp", "init_app", "record"]


def init_app(app: Flask, *, event_changes: NamedSignal) -> None:
    """Record the events' changes; connecting again (one app per test) changes nothing."""
    event_changes.connect(record_event_change)


from app.audit import views  # noqa: E402, F401  (the routes register on bp)
