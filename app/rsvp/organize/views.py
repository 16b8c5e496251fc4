"""An event's RSVPs for its organizers: counts and the display names people chose to give."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from app.clock import now_utc
from app.events.organize.flashes import notified_sentence
from app.events.queries import get_owned_event_or_404
from app.forms import EmptyForm
from app.rsvp import notices
from app.rsvp.export import rsvps_csv
from app.rsvp.organize import bp
from app.rsvp.queries import (
    Attendance,
    attendance_by_date,
    closed_reason_of,
    date_starts,
    event_rsvps,
    open_dates,
)
from app.rsvp.services import RsvpClosedError, RsvpNotFoundError, remove_rsvp


def _requested_day() -> date | None:
    """The date of ``?on=YYYY-MM-DD``, None without one; 400 for anything else."""
    value = request.args.get("on", "")
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(400, description=_("Give the date as YYYY-MM-DD, for example 2026-12-10."))


@bp.get("/events/<id:event_id>/rsvps")
def index(event_id: int) -> str:
    """Per date: counts and the display names people chose to give; never an e-mail address.

    ``?on=`` picks the date; by default the next one (a single event has one).
    """
    event = get_owned_event_or_404(event_id, current_user)
    counts = attendance_by_date(event.id)
    today = now_utc().astimezone(event.zone).date()
    days = sorted({*counts, *(o.occurs_on for o in open_dates(event))})
    day = _requested_day() or next((d for d in days if d >= today), days[-1] if days else None)
    starts = date_starts(event.id, [day]) if day is not None else {}
    return render_template(
        "rsvp/organize/index.html",
        event=event,
        days=[(d, counts.get(d, Attendance())) for d in days],
        day=day,
        counts=counts.get(day, Attendance()) if day is not None else Attendance(),
        rows=event_rsvps(event.id, day) if day is not None else [],
        skipped={skip.occurs_on for skip in event.skips},
        # RSVPs can be removed while their date takes them: later, nobody could move up.
        can_remove=day is not None
        and closed_reason_of(event.status, starts.get(day), now_utc()) is None,
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
        message = _("The RSVP was removed.")
        if promoted:
            moved_up = ngettext(
                "%(num)d RSVP moved up from the waiting list.",
                "%(num)d RSVPs moved up from the waiting list.",
                len(promoted),
            )
            message += f" {moved_up} {notified_sentence(notices.committed_count())}"
        flash(message)
    return redirect(url_for("rsvp.organize.index", event_id=event.id, on=_requested_day()), 303)


@bp.get("/events/<id:event_id>/rsvps.csv")
def export(event_id: int) -> Response:
    """The organizer's list as a download: date, display name, people, status, RSVP date;
    no e-mail. ``?on=`` limits it to one date."""
    event = get_owned_event_or_404(event_id, current_user)
    day = _requested_day()
    response = Response(rsvps_csv(event_rsvps(event.id, day)), mimetype="text/csv")
    name = f"rsvps-{event.id}-{day.isoformat()}" if day is not None else f"rsvps-{event.id}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
