"""RSVP routes: say "I'll be there", see the private link once, manage it with the code.

The manage code never travels in a URL the server sees (design/security.md
decision 9): links are ``/rsvp/manage#<code>``, a script or a paste box puts the
code in a form, and every manage action POSTs it again. The server keeps no
session state about an RSVP.
"""

from __future__ import annotations

from typing import NoReturn

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.events.queries import get_public_event_or_404, is_slug
from app.extensions import limiter
from app.models import Event
from app.models.rsvp import Rsvp
from app.privacy import client_key_for
from app.rsvp import bp, notices
from app.rsvp.forms import CancelRsvpForm, ChangePartySizeForm, ManageForm, RsvpForm
from app.rsvp.queries import closed_reason, event_with_venue, waitlist_position
from app.rsvp.services import (
    RsvpClosedError,
    RsvpNotFoundError,
    cancel_rsvp,
    change_party_size,
    create_rsvp,
    find_rsvp,
)
from app.urls import absolute_url
from app.venues.countries import place_line

# The new RSVP's code, kept in the session for exactly one request: from the
# POST's 303 to the confirmation page, which pops it. It is neither in the
# redirect URL (it would reach logs and history) nor shown again on reload. The
# session cookie is signed and HttpOnly, and the code leaves it at once.
FRESH_CODE_KEY = "rsvp_fresh_token"

_manage_limit = limiter.shared_limit(
    lambda: current_app.config["MANAGE_RATE_LIMIT"], scope="rsvp-manage", methods=["POST"]
)


def _place(event: Event) -> str:
    return place_line(event.venue, str(get_locale()))


def _manage_link(token: str) -> str:
    """The private link: the code rides in the #fragment, which browsers never send."""
    return absolute_url("rsvp.manage") + "#" + token


@bp.after_request
def _no_store(response: Response) -> Response:
    # Confirmation and manage pages carry a private link or code (design/security.md T38).
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/events/<slug>/rsvp")
@limiter.limit(
    lambda: current_app.config["RSVP_RATE_LIMIT"],
    methods=["POST"],
    # Only RSVPs actually recorded count; a typo corrected twice is not a flood.
    deduct_when=lambda response: response.status_code == 303,
)
@limiter.limit(
    lambda: current_app.config["RSVP_EVENT_RATE_LIMIT"],
    methods=["POST"],
    # Per client and event, so that one client cannot fill an event within its hourly budget.
    key_func=lambda: client_key_for("rsvp-event", str((request.view_args or {}).get("slug"))),
    deduct_when=lambda response: response.status_code == 303,
)
def create(slug: str) -> Response | tuple[str, int]:
    """Record an RSVP and answer 303 to the confirmation page.

    404 for events the visitor cannot see, 409 when the event takes no RSVPs
    (cancelled, started, draft), 422 with the form again on invalid input.
    """
    if not is_slug(slug):
        abort(404)
    form = RsvpForm()
    if not form.validate_on_submit() or form.party_size_value is None:
        event = _event_taking_rsvps_or_abort(slug)
        return render_template("rsvp/form.html", event=event, place=_place(event), form=form), 422
    # The hot path of an RSVP rush (bench/rsvp.py): the service reads the event
    # under its lock and nothing reads it before. Only published events take
    # RSVPs, and everyone may see those; any refusal is sorted out below.
    try:
        result = create_rsvp(
            slug,
            display_name=form.display_name.data or None,
            party_size=form.party_size_value,
            email=form.notice_email,
            locale=str(get_locale()),  # later notices are written in it
        )
    except (RsvpClosedError, RsvpNotFoundError) as exc:
        _explain_refusal(slug, exc)
    if form.notice_email is not None:
        notices.send_manage_link(
            recipient=form.notice_email,
            event=event_with_venue(result.event_id),
            manage_url=_manage_link(result.token),
            locale=str(get_locale()),
        )
    session[FRESH_CODE_KEY] = result.token
    return redirect(url_for("rsvp.done"), 303)


def _explain_refusal(slug: str, refusal: RsvpClosedError | RsvpNotFoundError) -> NoReturn:
    """Abort with what the visitor may know of an RSVP refused under the event's lock.

    This read only turns the refusal into a 404 for a visitor who may not see the
    event (unknown, or someone else's draft); others get the 409 with its reason.
    """
    _event_taking_rsvps_or_abort(slug)
    if isinstance(refusal, RsvpClosedError):
        abort(409, description=refusal.reason.message)
    abort(404)


def _event_taking_rsvps_or_abort(slug: str) -> Event:
    """The event, if the visitor may see it (else 404) and it takes RSVPs (else 409)."""
    viewer = current_user if current_user.is_authenticated else None
    event = get_public_event_or_404(slug, viewer, details=False)
    reason = closed_reason(event)
    if reason is not None:
        abort(409, description=reason.message)
    return event


@bp.get("/rsvp/done")
def done() -> str:
    """The confirmation: status and, this once, the private manage link."""
    token = session.pop(FRESH_CODE_KEY, None)
    rsvp = find_rsvp(token) if isinstance(token, str) else None
    if rsvp is None:
        return render_template("rsvp/done.html", rsvp=None)
    event = event_with_venue(rsvp.event_id)
    return render_template(
        "rsvp/done.html",
        rsvp=rsvp,
        event=event,
        place=_place(event),
        position=waitlist_position(rsvp),
        manage_link=_manage_link(token),
        # Only whether an address was given: the page never shows it.
        emailed=rsvp.email is not None,
    )


def _refuse_query_string() -> None:
    # design/security.md T08: a code in the address would already be in logs and
    # history; accepting it would teach people to send it that way.
    if request.args:
        abort(
            400,
            description=_(
                "This page takes the private code only from the form, never from the "
                "address. Open your private link as it was given to you, or paste the code."
            ),
        )


def _unknown_code() -> tuple[str, int]:
    """The same answer for an unknown, malformed or cancelled code (no oracle, T09)."""
    return render_template("rsvp/unknown.html"), 404


def _render_rsvp(
    rsvp: Rsvp,
    token: str,
    *,
    change_form: ChangePartySizeForm | None = None,
    notice: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    event = event_with_venue(rsvp.event_id)
    reason = closed_reason(event)
    if change_form is None:
        change_form = ChangePartySizeForm(formdata=None, party_size=str(rsvp.party_size))
    change_form.token.data = token
    cancel_form = CancelRsvpForm(formdata=None, token=token)
    page = render_template(
        "rsvp/details.html",
        rsvp=rsvp,
        event=event,
        place=_place(event),
        position=waitlist_position(rsvp),
        closed_message=reason.message if reason else None,
        change_form=change_form,
        cancel_form=cancel_form,
        notice=notice,
    )
    return page, status


def _posted_rsvp(token: str | None) -> tuple[Rsvp, str] | None:
    """The RSVP of a posted code and the code itself, or None if unknown or malformed."""
    token = (token or "").strip()
    rsvp = find_rsvp(token) if token else None
    return (rsvp, token) if rsvp is not None else None


@bp.route("/rsvp/manage", methods=["GET", "POST"])
@_manage_limit
def manage() -> tuple[str, int]:
    """GET: the form for the code. POST with the code: the event, the RSVP and its actions."""
    _refuse_query_string()
    form = ManageForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("rsvp/manage.html", form=form), status
    found = _posted_rsvp(form.token.data)
    if found is None:
        return _unknown_code()
    return _render_rsvp(*found)


@bp.post("/rsvp/manage/party-size")
@_manage_limit
def change() -> tuple[str, int]:
    """Set a new party size; the page shows the new status at once.

    The answer is the page itself, not a 303: without session state about the
    RSVP, a redirected GET could not know which RSVP to show. 404 (the neutral
    page) for an unknown code, 422 for a bad size, 409 once the event has
    started or was cancelled.
    """
    _refuse_query_string()
    form = ChangePartySizeForm()
    valid = form.validate_on_submit()  # CSRF was already checked by CSRFProtect
    found = _posted_rsvp(form.token.data)
    if found is None:
        return _unknown_code()
    rsvp, token = found
    if not valid or form.party_size_value is None:
        return _render_rsvp(rsvp, token, change_form=form, status=422)
    try:
        change_party_size(rsvp.id, form.party_size_value)
    except RsvpNotFoundError:  # cancelled meanwhile, from another tab
        return _unknown_code()
    except RsvpClosedError as exc:
        abort(409, description=exc.reason.message)
    changed = find_rsvp(token)
    if changed is None:  # cancelled meanwhile, from another tab
        return _unknown_code()
    notice = _("The number of people is now %(size)d.", size=changed.party_size)
    return _render_rsvp(changed, token, notice=notice)


@bp.post("/rsvp/manage/cancel")
@_manage_limit
def cancel() -> Response | tuple[str, int]:
    """Delete the RSVP at once (and any e-mail with it); 303 to a short confirmation."""
    _refuse_query_string()
    # The form holds only the code and the CSRF token, which CSRFProtect has checked.
    found = _posted_rsvp(CancelRsvpForm().token.data)
    if found is None:
        return _unknown_code()
    cancel_rsvp(found[0].id)
    return redirect(url_for("rsvp.cancelled"), 303)


@bp.get("/rsvp/cancelled")
def cancelled() -> str:
    """After a cancellation: nothing is left to show, and the page says so."""
    return render_template("rsvp/cancelled.html")
