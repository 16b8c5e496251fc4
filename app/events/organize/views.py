"""The organizer area: list, create, edit, cancel and duplicate one's own events."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.guards import require_account
from app.events.forms import CancelDateForm, CancelForm, EventForm, ReinstateForm
from app.events.organize import bp
from app.events.organize.flashes import notified_sentence
from app.events.panels import EVENT_FORM, EventFormPage, event_columns, event_links
from app.events.queries import get_owned_event_or_404, owned_events
from app.events.review import needs_review, request_review, withdraw_review
from app.events.services import (
    DateNotCancellableError,
    EventInput,
    cancel_date,
    cancel_event,
    create_event,
    duplicate_event,
    reinstate_event,
    update_event,
)
from app.extensions import db
from app.forms import EmptyForm
from app.models import Event
from app.venues.queries import selectable_venues
from app.web import allow_location

# Every route here needs a signed-in account (STYLE.md rule 5).
bp.before_request(require_account)


@bp.context_processor
def _feature_links() -> dict[str, object]:
    # Other features' pages about an event (its RSVPs), registered in app.events.panels.
    return {"event_links": event_links()}


@bp.get("/")
def index() -> str:
    """The organizer's events (all events for admins), next first, with other features'
    columns (RSVP counts), each filled by one query for the whole list."""
    rows = owned_events(current_user)
    event_ids = [event.id for event, _next in rows]
    columns = [(column.label, column.cells(event_ids)) for column in event_columns()]
    return render_template("events/organize/index.html", rows=rows, columns=columns)


def _render_form(form: EventForm, event: Event | None) -> tuple[str, int]:
    status = 422 if form.is_submitted() else 200
    allow_location()  # "Sort by distance" sorts the places in the browser, on a click
    latitude, longitude = form.typed_position()
    place = form.new_venue
    panels = EVENT_FORM.render(  # the map for picking a position
        EventFormPage(event, latitude, longitude, place.latitude.id, place.longitude.id)
    )
    page = render_template(
        "events/organize/form.html",
        form=form,
        event=event,
        panels=panels,
        needs_review=needs_review(current_user),
    )
    return page, status


def _held(data: EventInput, event: Event | None) -> bool:
    """Whether "Publish" of a new event or a draft must wait for a reviewer."""
    return data.publish and (event is None or event.is_draft) and needs_review(current_user)


_SENT_FOR_REVIEW = _l(
    "Sent to the reviewers: the event stays a draft until one of them publishes it."
)


@bp.route("/events/new", methods=["GET", "POST"])
def new() -> Response | tuple[str, int]:
    form = EventForm(
        venues=selectable_venues(current_user), is_new=True, organized_by=current_user.public_name
    )
    if form.validate_on_submit() and form.result is not None:
        held = _held(form.result, None)
        data = replace(form.result, publish=False) if held else form.result
        event = create_event(organizer=current_user, data=data)
        if held:
            request_review(event, editor=current_user)
        db.session.commit()
        if held:
            flash(str(_SENT_FOR_REVIEW))
        elif event.is_draft:
            flash(_("Saved as a draft: only you and admins can see it."))
        else:
            flash(_("Published: everyone can see it now."))
        return redirect(url_for("events.show", slug=event.slug), 303)
    return _render_form(form, None)


@bp.route("/events/<id:event_id>/edit", methods=["GET", "POST"])
def edit(event_id: int) -> Response | tuple[str, int]:
    event = get_owned_event_or_404(event_id, current_user)
    if event.is_cancelled:
        abort(409, description=_("A cancelled event cannot be changed. Reinstate or duplicate it."))
    was_draft = event.is_draft
    form = EventForm.for_event(event, venues=selectable_venues(current_user))
    if form.validate_on_submit() and form.result is not None:
        held = _held(form.result, event)
        data = replace(form.result, publish=False) if held else form.result
        outcome = update_event(event, data=data, editor=current_user)
        if held:
            request_review(event, editor=current_user)
        elif event.is_draft:
            withdraw_review(event)
        db.session.commit()
        if held:
            message = str(_SENT_FOR_REVIEW)
        elif not outcome.changed:
            message = _("Nothing was changed.")
        elif was_draft and not event.is_draft:
            message = _("Published: everyone can see it now.")
        elif event.is_draft and not was_draft:
            message = _("Saved as a draft: only you and admins can see it now.")
        else:
            message = _("Saved.")
        if outcome.concerned_rsvps:
            message += " " + notified_sentence(outcome.notified)
        flash(message)
        return redirect(url_for("events.show", slug=event.slug), 303)
    return _render_form(form, event)


@bp.route("/events/<id:event_id>/cancel", methods=["GET", "POST"])
def cancel(event_id: int) -> Response | tuple[str, int] | str:
    """Ask for a reason, then cancel; the event stays public with a banner."""
    event = get_owned_event_or_404(event_id, current_user)
    if event.is_cancelled:
        abort(409, description=_("This event is already cancelled."))
    if event.is_draft:
        # A cancelled event is public: cancelling a draft would publish it.
        abort(409, description=_("A draft is seen by nobody else, so there is nothing to cancel."))
    form = CancelForm()
    if form.validate_on_submit():
        notified = cancel_event(event, reason=form.reason.data or "", editor=current_user)
        db.session.commit()
        flash(
            _("The event is cancelled. Its page now says so.") + " " + notified_sentence(notified)
        )
        return redirect(url_for("organize.index"), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("events/organize/cancel.html", form=form, event=event), status


@bp.route("/events/<id:event_id>/dates/<day>/cancel", methods=["GET", "POST"])
def cancel_one_date(event_id: int, day: str) -> Response | tuple[str, int] | str:
    """Ask for a reason, then cancel one date of a series; only its RSVPs are told."""
    event = get_owned_event_or_404(event_id, current_user)
    try:
        occurs_on = date.fromisoformat(day)
    except ValueError:
        abort(404)
    when = next((o for o in event.occurrences if o.occurs_on == occurs_on), None)
    if when is None or not event.is_recurring or event.is_cancelled:
        abort(404)
    form = CancelDateForm()
    if form.validate_on_submit():
        try:
            notified = cancel_date(
                event, occurs_on, reason=form.reason.data or "", editor=current_user
            )
        except DateNotCancellableError:
            abort(409, description=_("This date has started, so it can no longer be cancelled."))
        db.session.commit()
        flash(
            _("The date is cancelled. The event page says so.") + " " + notified_sentence(notified)
        )
        return redirect(url_for("organize.edit", event_id=event.id), 303)
    status = 422 if form.is_submitted() else 200
    page = render_template("events/organize/cancel_date.html", form=form, event=event, when=when)
    return page, status


@bp.route("/events/<id:event_id>/reinstate", methods=["GET", "POST"])
def reinstate(event_id: int) -> Response | tuple[str, int] | str:
    """Ask, then reinstate a cancelled event: published again, its RSVPs told."""
    event = get_owned_event_or_404(event_id, current_user)
    if not event.is_cancelled:
        abort(409, description=_("Only a cancelled event can be reinstated."))
    form = ReinstateForm()
    if form.validate_on_submit():
        notified = reinstate_event(event, editor=current_user)
        db.session.commit()
        flash(_("The event is reinstated and published.") + " " + notified_sentence(notified))
        return redirect(url_for("events.show", slug=event.slug), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("events/organize/reinstate.html", form=form, event=event), status


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
