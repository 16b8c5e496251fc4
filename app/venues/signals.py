"""What a venue announces to the features built on it (STYLE.md, "Layout").

Venues know nothing of the events held at them; when the mission import changes
a venue, it sends ``venue_changed`` with the Venue as sender, inside the import's
transaction. Receivers (app.events, connected when the app is created) write
through the same ``db.session`` and flush, never commit.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

venue_changed = _signals.signal(
    "venue-changed",
    doc="The venue's name, address, position, zone or status changed.",
)
