"""Public routes of proposals: propose, confirm by e-mail, and the host's private page.

Codes come only from forms (a script copies them from the mailed link's #fragment),
never from the address: a GET confirms or shows nothing (mail scanners open links).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.extensions import db, limiter
from app.models import Proposal, ProposalStatus
from app.privacy import client_key_for
from app.proposals import bp, mails
from app.proposals.forms import (
    CodeForm,
    ConfirmProposalForm,
    HostCancelForm,
    HostEditForm,
    ProposalForm,
    started_stamp,
)
from app.proposals.queries import open_missions
from app.proposals.services import (
    ProposalStateError,
    cancel_by_host,
    confirm_proposal,
    create_proposal,
    edit_by_host,
    possible_duplicates,
    proposal_by_manage_code,
)
from app.rsvp.consent import may_mail
from app.rsvp.queries import attendance_by_event
from app.venues.countries import place_line
from app.web import allow_location

# The new proposal's id, for the page right after the POST's 303 (it shows possible
# duplicates); popped there. Never a code: the code goes only to the mailbox.
SENT_KEY = "proposal_sent"

_code_limit = limiter.shared_limit(
    lambda: current_app.config["PROPOSAL_CONFIRM_RATE_LIMIT"],
    scope="proposal-code",
    methods=["POST"],
    key_func=lambda: client_key_for("proposal-code"),
)


@bp.after_request
def _no_store(response: Response) -> Response:
    # Pages carrying a private code or a host's own details (design/security.md T38).
    if request.endpoint and request.endpoint.startswith("proposals."):
        response.headers["Cache-Control"] = "no-store"
    return response


def _refuse_query_string() -> None:
    # design/security.md T08: a code in the address would be in logs and history.
    if request.args:
        abort(400, description=_("This page takes the private code only from the form."))


def _code_of(pasted: str | None) -> str:
    """The code alone, also from a pasted whole link (``https://…#code``)."""
    return (pasted or "").strip().rpartition("#")[2].strip()


@bp.route("/campaign/host", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["PROPOSAL_RATE_LIMIT"],
    methods=["POST"],
    key_func=lambda: client_key_for("proposal"),
    # Only proposals actually recorded count; a typo corrected twice is not a flood.
    deduct_when=lambda response: response.status_code == 303,
)
def host() -> Response | tuple[str, int]:
    """The proposal form; ``?venue=<id>`` preselects an open mission. 303 to the sent page,
    422 with the form again on invalid input or when it looks sent by a robot.

    The page may ask for the visitor's position: its "Sort by distance" button does, on a
    click, and sorts the missions in the browser.
    """
    allow_location()
    venues = open_missions()
    form = ProposalForm(venues=venues)
    if not form.is_submitted():
        asked = request.args.get("venue", "")
        if asked in {str(venue.id) for venue in venues}:
            form.venue.data = asked
        return render_template("proposals/host.html", form=form), 200
    if form.is_robot:
        # Nothing is stored or mailed; a person who was just very quick sends it again.
        form.started.data = started_stamp()
        return render_template("proposals/host.html", form=form, robot=True), 422
    if not form.validate() or form.chosen_venue is None or form.times is None:
        return render_template("proposals/host.html", form=form), 422
    proposal, code = create_proposal(
        venue=form.chosen_venue,
        times=form.times,
        description=form.description.data or "",
        host_name=form.host_name.data,
        host_email=form.email.data,
    )
    db.session.commit()
    # The address's daily budget of mails that are not notices, shared with RSVP links
    # (app.rsvp.consent): the form cannot be used to flood someone's mailbox.
    sent = may_mail(form.email.data) and mails.send_confirmation(proposal, code, str(get_locale()))
    session[SENT_KEY] = {"id": proposal.id, "mailed": sent}
    return redirect(url_for("proposals.sent"), 303)


@bp.get("/campaign/host/sent")
def sent() -> Response | str:
    """Check your mail; and the events that may already be what you propose."""
    state = session.pop(SENT_KEY, None)
    proposal = db.session.get(Proposal, state["id"]) if isinstance(state, dict) else None
    if proposal is None:
        return redirect(url_for("proposals.host"), 303)
    return render_template(
        "proposals/sent.html",
        proposal=proposal,
        mailed=bool(state.get("mailed")) if isinstance(state, dict) else False,
        duplicates=possible_duplicates(proposal),
    )


@bp.route("/campaign/host/confirm", methods=["GET", "POST"])
@_code_limit
def confirm() -> tuple[str, int]:
    """Confirm a proposal from the mailed ``/campaign/host/confirm#<code>``: the host presses
    the button. 404 with the same answer for an unknown, used or expired code."""
    _refuse_query_string()
    form = ConfirmProposalForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("proposals/confirm.html", form=form), status
    proposal = confirm_proposal(_code_of(form.code.data))
    if proposal is None:
        return render_template("proposals/confirm.html", form=form, unknown=True), 404
    db.session.commit()
    return render_template("proposals/confirmed.html"), 200


def _manage_page(
    proposal: Proposal,
    code: str,
    *,
    edit_form: HostEditForm | None = None,
    notice: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    if edit_form is None:
        zone = ZoneInfo(proposal.timezone)
        local_start = proposal.starts_at.astimezone(zone)
        local_end = proposal.ends_at.astimezone(zone)
        edit_form = HostEditForm(
            formdata=None,
            timezone=proposal.timezone,
            starts_at=local_start.replace(tzinfo=None),
            ends_at=local_end.replace(tzinfo=None),
            repeat=proposal.repeat.value,
            repeat_until=proposal.repeat_until_on,
            description=proposal.description,
        )
    edit_form.code.data = code
    event = proposal.event
    counts = attendance_by_event([event.id]).get(event.id) if event is not None else None
    page = render_template(
        "proposals/manage.html",
        proposal=proposal,
        event=event,
        counts=counts,
        place=place_line(proposal.venue, str(get_locale())),
        edit_form=edit_form,
        cancel_form=HostCancelForm(formdata=None, code=code),
        notice=notice,
        may_edit=_may_edit(proposal),
    )
    return page, status


def _may_edit(proposal: Proposal) -> bool:
    if proposal.status == ProposalStatus.CHANGES_REQUESTED:
        return True
    event = proposal.event
    return (
        proposal.status == ProposalStatus.APPROVED
        and event is not None
        and event.is_public
        and not event.is_cancelled
    )


def _unknown_code() -> tuple[str, int]:
    return render_template("proposals/unknown.html"), 404


@bp.route("/campaign/host/manage", methods=["GET", "POST"])
@_code_limit
def manage() -> tuple[str, int]:
    """GET: the form for the code. POST: the host's proposal or vigil, with its actions."""
    _refuse_query_string()
    form = CodeForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("proposals/manage_code.html", form=form), status
    code = _code_of(form.code.data)
    proposal = proposal_by_manage_code(code)
    if proposal is None:
        return _unknown_code()
    return _manage_page(proposal, code)


@bp.post("/campaign/host/manage/edit")
@_code_limit
def edit() -> tuple[str, int]:
    """The host changes time or description: of the event (RSVPs are told) or, when the
    reviewers asked for changes, of the proposal, which goes back to them."""
    code = _code_of(request.form.get("code"))
    proposal = proposal_by_manage_code(code)
    if proposal is None:
        return _unknown_code()
    form = HostEditForm(timezone=proposal.timezone)
    if not form.validate_on_submit() or form.times is None:
        return _manage_page(proposal, code, edit_form=form, status=422)
    try:
        edit_by_host(proposal, times=form.times, description=form.description.data or "")
    except ProposalStateError:
        abort(409, description=_("This vigil can no longer be changed."))
    db.session.commit()
    notice = (
        _("Your changes are saved.")
        if proposal.status == ProposalStatus.APPROVED
        else _("Your changes are saved and the proposal is back with the reviewers.")
    )
    return _manage_page(proposal, code, notice=notice)


@bp.post("/campaign/host/manage/cancel")
@_code_limit
def cancel() -> tuple[str, int]:
    """The host cancels their vigil; people who RSVPed with an address are told."""
    code = _code_of(request.form.get("code"))
    proposal = proposal_by_manage_code(code)
    if proposal is None:
        return _unknown_code()
    form = HostCancelForm()
    if not form.validate_on_submit():
        return _manage_page(proposal, code, status=422)
    try:
        cancel_by_host(proposal, reason=form.reason.data)
    except ProposalStateError:
        abort(409, description=_("This vigil can no longer be cancelled."))
    db.session.commit()
    return _manage_page(proposal, code, notice=_("Your vigil is cancelled."))
