"""An event's RSVPs for its organizers: counts and the display names people chose to give."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from app.events.queries import get_owned_event_or_404
from app.forms import EmptyForm
from app.rsvp.export import rsvps_csv
from app.rsvp.organize import bp
from app.rsvp.queries import attendance, closed_reason, event_rsvps
from app.rsvp.services import RsvpClosedError, RsvpNotFoundError, remove_rsvp


@bp.get("/events/<id:event_id>/rsvps")
def index(event_id: int) -> str:
    """Counts and the display names people chose to give; never an e-mail address."""
    event = get_owned_event_or_404(event_id, current_user)
    return render_template(
        "rsvp/organize/index.html",
        event=event,
        counts=attendance(event.id),
        rows=event_rsvps(event.id),
        # RSVPs can be removed while the event takes them: later, nobody could move up.
        can_remove=closed_reason(event) is None,
    )


@bp.post("/events/<id:event_id>/rsvps/<id:rsvp_id>/remove")
def remove(event_id: int, rsvp_id: int) -> BaseResponse:
    """Take one RSVP off the list; 303 back to the list with what happened.

    404 for another organizer's event. An RSVP that is not (or no longer) on this
    event's list gets the same answer whether it exists elsewhere or not.
    """
    event = get_owned_event_or_404(event_id, current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        promoted = remove_rsvp(event.id, rsvp_id)
    except RsvpNotFoundError:
        flash(_("That RSVP is no longer on the list."))
    except RsvpClosedError as exc:
        flash(exc.reason.message)
    else:
        if promoted:
            flash(
                ngettext(
                    "The RSVP was removed. %(num)d RSVP moved up from the waiting list; "
                    "if it gave an e-mail address, it is told.",
                    "The RSVP was removed. %(num)d RSVPs moved up from the waiting list; "
                    "those who gave an e-mail address are told.",
                    len(promoted),
                )
            )
        else:
            flash(_("The RSVP was removed."))
    return redirect(url_for("rsvp.organize.index", event_id=event.id), 303)


@bp.get("/events/<id:event_id>/rsvps.csv")
def export(event_id: int) -> Response:
    """The organizer's list as a download: display name, people, status, date; no e-mail."""
    event = get_owned_event_or_404(event_id, current_user)
    response = Response(rsvps_csv(event_rsvps(event.id)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="rsvps-{event.id}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
