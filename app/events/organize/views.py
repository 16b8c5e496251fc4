"""The organizer area: list, create, edit, cancel and duplicate one's own events."""

from __future__ import annotations

import csv
import io

from flask import Response as FlaskResponse
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.events.forms import CancelForm, EventForm
from app.events.organize import bp
from app.events.queries import get_owned_event_or_404, owned_events
from app.events.services import cancel_event, create_event, duplicate_event, update_event
from app.extensions import db, login_manager
from app.forms import EmptyForm
from app.maps.rendering import picker_map, tile_settings
from app.models import Event
from app.rsvp.queries import RsvpRow, attendance, event_rsvps
from app.venues.queries import selectable_venues

# Spreadsheets run a cell that starts with one of these as a formula
# (design/security.md T19); a leading apostrophe makes it plain text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@bp.before_request
def _require_organizer() -> Response | None:
    """Every route here needs a signed-in account (STYLE.md rule 5)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()  # type: ignore[no-any-return]
    return None


@bp.get("/")
def index() -> str:
    """The organizer's events (all events for admins), next first."""
    return render_template("events/organize/index.html", rows=owned_events(current_user))


def _render_form(form: EventForm, event: Event | None) -> tuple[str, int]:
    status = 422 if form.is_submitted() else 200
    picker = picker_map(*form.typed_position())
    page = render_template(
        "events/organize/form.html", form=form, event=event, picker=picker, tiles=tile_settings()
    )
    return page, status


@bp.route("/events/new", methods=["GET", "POST"])
def new() -> Response | tuple[str, int]:
    form = EventForm(venues=selectable_venues(current_user), is_new=True)
    if form.validate_on_submit() and form.result is not None:
        event = create_event(organizer=current_user, data=form.result)
        db.session.commit()
        flash(_("The event is saved."))
        return redirect(url_for("organize.edit", event_id=event.id), 303)
    return _render_form(form, None)


@bp.route("/events/<id:event_id>/edit", methods=["GET", "POST"])
def edit(event_id: int) -> Response | tuple[str, int]:
    event = get_owned_event_or_404(event_id, current_user)
    if event.is_cancelled:
        abort(409, description=_("A cancelled event cannot be changed. Duplicate it instead."))
    form = EventForm.for_event(event, venues=selectable_venues(current_user))
    if form.validate_on_submit() and form.result is not None:
        changed = update_event(event, data=form.result, editor=current_user)
        db.session.commit()
        flash(_("The event is saved.") if changed else _("Nothing was changed."))
        return redirect(url_for("organize.edit", event_id=event.id), 303)
    return _render_form(form, event)


@bp.route("/events/<id:event_id>/cancel", methods=["GET", "POST"])
def cancel(event_id: int) -> Response | tuple[str, int] | str:
    """Ask for a reason, then cancel; the event stays public with a banner."""
    event = get_owned_event_or_404(event_id, current_user)
    if event.is_cancelled:
        abort(409, description=_("This event is already cancelled."))
    form = CancelForm()
    if form.validate_on_submit():
        cancel_event(event, reason=form.reason.data or "", editor=current_user)
        db.session.commit()
        flash(_("The event is cancelled. Its page now says so."))
        return redirect(url_for("organize.index"), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("events/organize/cancel.html", form=form, event=event), status


@bp.post("/events/<id:event_id>/duplicate")
def duplicate(event_id: int) -> Response:
    """Copy the event as a new draft and open it for editing."""
    event = get_owned_event_or_404(event_id, current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    copy = duplicate_event(event, organizer=current_user)
    db.session.commit()
    flash(_("This is a copy. Adjust the date and publish it."))
    return redirect(url_for("organize.edit", event_id=copy.id), 303)


@bp.get("/events/<id:event_id>/rsvps")
def rsvps(event_id: int) -> str:
    """Counts and the display names people chose to give; never an e-mail address."""
    event = get_owned_event_or_404(event_id, current_user)
    return render_template(
        "events/organize/rsvps.html",
        event=event,
        counts=attendance(event.id),
        rows=event_rsvps(event.id),
    )


def _csv_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _rsvps_csv(rows: list[RsvpRow]) -> str:
    """The list as CSV with a byte-order mark, so spreadsheets read Persian names right."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([_("Display name"), _("People"), _("Status"), _("RSVP date")])
    for row in rows:
        writer.writerow(
            [
                _csv_cell(row.display_name or ""),
                row.party_size,
                _csv_cell(row.status.label),
                row.created_on.isoformat(),
            ]
        )
    return buffer.getvalue()


@bp.get("/events/<id:event_id>/rsvps.csv")
def rsvps_csv(event_id: int) -> FlaskResponse:
    """The organizer's list as a download: display name, people, status, date; no e-mail."""
    event = get_owned_event_or_404(event_id, current_user)
    response = FlaskResponse(_rsvps_csv(event_rsvps(event.id)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="rsvps-{event.id}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
