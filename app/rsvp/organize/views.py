"""An event's RSVPs for its organizers: counts and the display names people chose to give."""

from __future__ import annotations

from flask import Response, render_template
from flask_login import current_user

from app.events.queries import get_owned_event_or_404
from app.rsvp.export import rsvps_csv
from app.rsvp.organize import bp
from app.rsvp.queries import attendance, event_rsvps


@bp.get("/events/<id:event_id>/rsvps")
def index(event_id: int) -> str:
    """Counts and the display names people chose to give; never an e-mail address."""
    event = get_owned_event_or_404(event_id, current_user)
    return render_template(
        "rsvp/organize/index.html",
        event=event,
        counts=attendance(event.id),
        rows=event_rsvps(event.id),
    )


@bp.get("/events/<id:event_id>/rsvps.csv")
def export(event_id: int) -> Response:
    """The organizer's list as a download: display name, people, status, date; no e-mail."""
    event = get_owned_event_or_404(event_id, current_user)
    response = Response(rsvps_csv(event_rsvps(event.id)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="rsvps-{event.id}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
