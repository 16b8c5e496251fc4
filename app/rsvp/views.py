"""RSVP routes: say "I'll be there", see the private link once, manage it with the code.

The manage code never travels in a URL the server sees (design/security.md
decision 9): links are ``/rsvp/manage#<code>``, a script or a paste box puts the
code in a form, and every manage action POSTs it again. The server keeps no
session state about an RSVP.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from flask import (
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf
from werkzeug.wrappers import Response

from app.clock import now_utc
from app.events.queries import get_public_event_or_404, is_slug, when_on
from app.extensions import csrf, limiter
from app.feeds.links import add_links
from app.models import Event, OccurrenceSkip
from app.models.rsvp import Rsvp
from app.privacy import client_key_for
from app.rsvp import bp, consent, notices
from app.rsvp.forms import (
    CancelRsvpForm,
    ChangePartySizeForm,
    ConfirmEmailForm,
    LostLinkForm,
    ManageForm,
    RsvpForm,
)
from app.rsvp.queries import (
    RsvpClosedReason,
    closed_reason,
    closed_reason_of,
    date_starts,
    event_with_venue,
    rsvp_panel,
    waitlist_position,
)
from app.rsvp.services import (
    RsvpClosedError,
    RsvpDateRequiredError,
    RsvpNotFoundError,
    RsvpResult,
    cancel_rsvps,
    change_party_size,
    create_rsvp,
    find_rsvps,
)
from app.venues.countries import place_line

# The new RSVP's code, kept in the session for exactly one request: from the
# POST's 303 to the confirmation page, which pops it. It is neither in the
# redirect URL (it would reach logs and history) nor shown again on reload. The
# session cookie is signed and HttpOnly, and the code leaves it at once.
FRESH_CODE_KEY = "rsvp_fresh_token"
# What became of the first mail to the address given (sent, failed, limited), for the same page.
MAIL_STATE_KEY = "rsvp_mail_state"

_manage_limit = limiter.shared_limit(
    lambda: current_app.config["MANAGE_RATE_LIMIT"], scope="rsvp-manage", methods=["POST"]
)


def _place(event: Event) -> str:
    return place_line(event.venue, str(get_locale()))


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
    try:
        if current_app.config["WTF_CSRF_ENABLED"]:
            csrf.protect()  # exempted from the check before every view: see _token_again
    except CSRFError:
        return _token_again(slug, form)
    if not form.validate_on_submit() or form.party_size_value is None:
        return _form_again(slug, form)
    email, mail_state = _admitted(form.notice_email)
    confirm_code, confirm_hash = consent.new_code() if email else (None, None)
    # The hot path of an RSVP rush (bench/rsvp.py): the service reads the event
    # under its lock and nothing reads it before. Only published events take
    # RSVPs, and everyone may see those; any refusal is sorted out below.
    try:
        result = create_rsvp(
            slug,
            display_name=form.display_name.data or None,
            party_size=form.party_size_value,
            email=email,
            dates=form.dates_value,
            confirm_hash=confirm_hash,
            locale=str(get_locale()),  # later notices are written in it
        )
    except RsvpDateRequiredError:
        form.require_a_date()
        return _form_again(slug, form)
    except (RsvpClosedError, RsvpNotFoundError) as exc:
        _explain_refusal(slug, exc)
    if email is not None and confirm_code is not None:
        mail_state = _first_mail(email, confirm_code, result)
    session[FRESH_CODE_KEY] = result.token
    session[MAIL_STATE_KEY] = mail_state
    return redirect(url_for("rsvp.done"), 303)


def _admitted(email: str | None) -> tuple[str | None, str | None]:
    """The address to keep, and what the page will say of its mail.

    The first mail to an address asks its owner to confirm it (app.rsvp.consent); an
    address whose daily budget of such mails is spent is not kept at all.
    """
    if email is None:
        return None, None
    if not consent.may_mail(email):
        return None, "limited"
    return email, "sent"


def _first_mail(email: str, confirm_code: str, result: RsvpResult) -> str:
    """Mail the private link and the confirmation link; "sent" or "failed"."""
    sent = notices.send_manage_link(
        recipient=email,
        event=event_with_venue(result.event_id),
        days=[stored.occurs_on for stored in result.dates],
        manage_url=consent.manage_url(result.token),
        locale=str(get_locale()),
        waiting=not result.all_going,
        several=len(result.dates) > 1,
        confirm_url=consent.confirm_url(confirm_code),
    )
    return "sent" if sent else "failed"


def _form_again(slug: str, form: RsvpForm) -> tuple[str, int]:
    """The form with what the visitor typed and what to correct (422)."""
    event = _event_taking_rsvps_or_abort(slug)
    page = render_template(
        "rsvp/form.html", event=event, place=_place(event), form=form, panel=rsvp_panel(event)
    )
    return page, 422


def _token_again(slug: str, form: RsvpForm) -> tuple[str, int]:
    """The form again, as sent, with the visitor's token, recording nothing (400).

    The event page is cached and shared, so its form has no token of its own
    (app.rsvp.panels); its script fetches one from ``token``. Without that script, or
    from another site, the form comes back here with a token only this visitor's
    browser can read: one more press sends it.
    """
    event = _event_taking_rsvps_or_abort(slug)
    notice = _("Your RSVP is not recorded yet. Check it and press the button again to send it.")
    page = render_template(
        "rsvp/form.html",
        event=event,
        place=_place(event),
        form=form,
        panel=rsvp_panel(event),
        notice=notice,
    )
    return page, 400


csrf.exempt(create)


@bp.get("/rsvp/token")
def token() -> Response:
    """A CSRF token for this visitor, for the RSVP form of a cached event page."""
    return jsonify(csrf_token=generate_csrf())


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
    mail_state = session.pop(MAIL_STATE_KEY, None)
    rsvps = find_rsvps(token) if isinstance(token, str) else []
    if not rsvps:
        return render_template("rsvp/done.html", rsvps=[])
    event = event_with_venue(rsvps[0].event_id)
    dates = _date_lines(event, rsvps)
    place = _place(event)
    # "Add to calendar" as on the event's page: the .ics of all dates, and the first date
    # of this RSVP for Google and Outlook. The links name the event's page, never the code.
    first_date = next((line for line in dates if line.cancelled is None), None)
    return render_template(
        "rsvp/done.html",
        dates=dates,
        first=rsvps[0],
        all_going=all(rsvp.is_going for rsvp in rsvps),
        event=event,
        place=place,
        calendar=add_links(event, first_date, place) if first_date is not None else None,
        manage_link=consent.manage_url(token),
        # Only what became of the mail: the page never shows the address.
        mail_state=mail_state,
    )


@dataclass(frozen=True)
class _RsvpDate:
    """One date of a code's RSVPs as the confirmation and manage pages show it."""

    rsvp: Rsvp
    starts_at: datetime
    ends_at: datetime
    position: int | None  # on that date's waiting list
    closed_reason: RsvpClosedReason | None
    cancelled: OccurrenceSkip | None  # the organizer cancelled this date

    @property
    def is_gone(self) -> bool:
        """The date is no longer one of the event's dates (its series changed)."""
        return self.closed_reason == RsvpClosedReason.NOT_A_DATE


def _date_lines(event: Event, rsvps: list[Rsvp]) -> list[_RsvpDate]:
    now = now_utc()
    starts = date_starts(event.id, [rsvp.occurs_on for rsvp in rsvps])
    skipped = {skip.occurs_on: skip for skip in event.skips}
    lines = []
    for rsvp in rsvps:
        starts_at, ends_at = when_on(event, rsvp.occurs_on)
        lines.append(
            _RsvpDate(
                rsvp=rsvp,
                starts_at=starts_at,
                ends_at=ends_at,
                position=waitlist_position(rsvp),
                closed_reason=closed_reason_of(event.status, starts.get(rsvp.occurs_on), now),
                cancelled=skipped.get(rsvp.occurs_on),
            )
        )
    return lines


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
    rsvps: list[Rsvp],
    token: str,
    *,
    change_form: ChangePartySizeForm | None = None,
    notice: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The manage page: the code's dates, each with its status or why it is closed."""
    first = rsvps[0]
    event = event_with_venue(first.event_id)
    dates = _date_lines(event, rsvps)
    if change_form is None:
        change_form = ChangePartySizeForm(formdata=None, party_size=str(first.party_size))
    change_form.token.data = token
    page = render_template(
        "rsvp/details.html",
        first=first,
        dates=dates,
        event=event,
        place=_place(event),
        closed_message=_change_closed_message(dates),
        change_form=change_form,
        cancel_form=CancelRsvpForm(formdata=None, token=token),
        token=token,
        notice=notice,
    )
    return page, status


def _change_closed_message(dates: list[_RsvpDate]) -> str | None:
    """Why the party size can no longer change (no date of the code takes RSVPs), or None."""
    reasons = [line.closed_reason for line in dates]
    if any(reason is None for reason in reasons):
        return None
    return next(reason.message for reason in reasons if reason is not None)


def _code_of(pasted: str | None) -> str:
    """The code alone, also from a pasted whole link (``https://…/rsvp/manage#code``)."""
    text = (pasted or "").strip()
    return text.rpartition("#")[2].strip()


def _posted_rsvps(pasted: str | None) -> tuple[list[Rsvp], str] | None:
    """The RSVPs of a posted code and the code itself, or None if unknown or malformed."""
    token = _code_of(pasted)
    rsvps = find_rsvps(token) if token else []
    return (rsvps, token) if rsvps else None


@bp.route("/rsvp/manage", methods=["GET", "POST"])
@_manage_limit
def manage() -> tuple[str, int]:
    """GET: the form for the code. POST with the code: the event, the RSVP and its actions."""
    _refuse_query_string()
    form = ManageForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("rsvp/manage.html", form=form), status
    found = _posted_rsvps(form.token.data)
    if found is None:
        return _unknown_code()
    return _render_rsvp(*found)


@bp.post("/rsvp/manage/party-size")
@_manage_limit
def change() -> tuple[str, int]:
    """Set a new party size on every date that has not started; the page shows the new
    statuses at once.

    The answer is the page itself, not a 303: without session state about the
    RSVP, a redirected GET could not know which RSVP to show. 404 (the neutral
    page) for an unknown code, 422 for a bad size, 409 once no date of the code
    takes RSVPs (started, cancelled).
    """
    _refuse_query_string()
    form = ChangePartySizeForm()
    valid = form.validate_on_submit()  # CSRF was already checked by CSRFProtect
    found = _posted_rsvps(form.token.data)
    if found is None:
        return _unknown_code()
    rsvps, token = found
    if not valid or form.party_size_value is None:
        return _render_rsvp(rsvps, token, change_form=form, status=422)
    try:
        change_party_size(token, form.party_size_value)
    except RsvpNotFoundError:  # cancelled meanwhile, from another tab
        return _unknown_code()
    except RsvpClosedError as exc:
        abort(409, description=exc.reason.message)
    return _render_again(
        token, _("The number of people is now %(size)d.", size=form.party_size_value)
    )


def _render_again(token: str, notice: str) -> tuple[str, int]:
    """The manage page after a change, or the neutral page if the RSVPs are gone meanwhile."""
    rsvps = find_rsvps(token)
    if not rsvps:  # cancelled meanwhile, from another tab
        return _unknown_code()
    return _render_rsvp(rsvps, token, notice=notice)


@bp.post("/rsvp/manage/cancel")
@_manage_limit
def cancel() -> Response | tuple[str, int]:
    """Delete the RSVP at once (and any e-mail with it), for one date or all; 303 to a
    short confirmation once nothing is left, else the page with the remaining dates."""
    _refuse_query_string()
    # The form holds the code, maybe a date, and the CSRF token, which CSRFProtect has checked.
    form = CancelRsvpForm()
    found = _posted_rsvps(form.token.data)
    if found is None:
        return _unknown_code()
    try:
        day = form.chosen_date()
    except ValueError:
        abort(400, description=_("That is not a date of your RSVP."))
    rsvps, token = found
    if day is not None and day not in {rsvp.occurs_on for rsvp in rsvps}:
        abort(400, description=_("That is not a date of your RSVP."))
    cancel_rsvps(token, day)
    if day is None or not find_rsvps(token):
        return redirect(url_for("rsvp.cancelled"), 303)
    return _render_again(token, _("Your RSVP for that date is cancelled."))


@bp.get("/rsvp/cancelled")
def cancelled() -> str:
    """After a cancellation: nothing is left to show, and the page says so."""
    return render_template("rsvp/cancelled.html")


@bp.route("/rsvp/confirm-email", methods=["GET", "POST"])
@_manage_limit
def confirm_email() -> tuple[str, int]:
    """Confirm the address given with an RSVP, from the mailed ``/rsvp/confirm-email#<code>``.

    A script copies the code from the fragment into the form; the owner presses the
    button (a GET confirms nothing: mail scanners open links). The same neutral answer
    for an unknown, used or expired code.
    """
    _refuse_query_string()
    form = ConfirmEmailForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("rsvp/confirm_email.html", form=form), status
    if not consent.confirm(_code_of(form.code.data)):
        return render_template("rsvp/confirm_email.html", form=form, unknown=True), 404
    return render_template("rsvp/confirmed.html"), 200


@bp.route("/rsvp/lost", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RSVP_RATE_LIMIT"], methods=["POST"])
def lost() -> tuple[str, int]:
    """Mail new private links to the address given with RSVPs; the old links stop working.

    The answer is the same whether or not the address has RSVPs, and so is the work:
    a mail goes out either way (saying there is none), within the address's daily budget.
    """
    form = LostLinkForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("rsvp/lost.html", form=form), status
    address = form.email.data or ""
    if consent.may_mail(address):
        links = consent.replace_links(address)
        if not consent.send_new_links(address, links, str(get_locale())):
            consent.restore_links(links)  # the old links keep working
    return render_template("rsvp/lost_sent.html"), 200
