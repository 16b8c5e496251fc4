"""The review queue: /admin/proposals, for admins and organizers marked as reviewers.

Reviewers see what the host typed and the mission, the host's address masked. Anonymous
visitors are sent to sign in; signed-in accounts that may not review get a 404, as in
the rest of the admin area (STYLE.md rule 5).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.admin.services import set_trusted
from app.auth.guards import require_account
from app.events.review import approve_event, events_awaiting_review, send_back
from app.extensions import db
from app.forms import EmptyForm
from app.models import Event, Proposal, User
from app.proposals import mails
from app.proposals.forms import ApproveEventForm, ReviewReasonForm
from app.proposals.queries import (
    get_pending_proposal_or_404,
    masked_email,
    proposals_with_links,
    review_queue,
)
from app.proposals.services import (
    approve_proposal,
    possible_duplicates,
    reject_proposal,
    request_changes,
    revoke_link,
)
from app.urls import absolute_url

bp = Blueprint("admin", __name__, url_prefix="/admin/proposals")


@bp.before_request
def _require_reviewer() -> Response | None:
    """Anonymous → sign-in page (with next); an account without the second factor it must
    have → its enrolment page; signed in but no active reviewer or admin → 404."""
    response = require_account()
    if response is not None:
        return response
    if not current_user.may_review:
        abort(404)
    return None


def _reviewer() -> User:
    user: User = current_user._get_current_object()
    return user


def _event_items(sent: tuple[str, int, ReviewReasonForm] | None) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    for event in events_awaiting_review():
        back = ReviewReasonForm(formdata=None, prefix=f"back-{event.id}")
        if sent is not None and sent[:2] == ("back", event.id):
            back = sent[2]
        approve = ApproveEventForm(formdata=None, prefix=f"approve-{event.id}")
        items.append({"event": event, "approve_form": approve, "back_form": back})
    return items


def _queue_page(
    *, sent: tuple[str, int, ReviewReasonForm] | None = None, status: int = 200
) -> tuple[str, int]:
    """The queue; ``sent``: (action, proposal or event id, form) of a reason form that came
    back invalid, shown with its errors."""
    items = []
    for proposal in review_queue():
        forms = {
            action: ReviewReasonForm(formdata=None, prefix=f"{action}-{proposal.id}")
            for action in ("reject", "changes")
        }
        if sent is not None and sent[0] in forms and sent[1] == proposal.id:
            forms[sent[0]] = sent[2]
        items.append(
            {
                "proposal": proposal,
                "email": masked_email(proposal.host_email),
                "duplicates": possible_duplicates(proposal),
                "reject_form": forms["reject"],
                "changes_form": forms["changes"],
            }
        )
    links: list[Proposal] = proposals_with_links() if _reviewer().is_admin else []
    page = render_template(
        "proposals/queue.html", items=items, events=_event_items(sent), links=links
    )
    return page, status


@bp.get("")
def index() -> tuple[str, int]:
    """Confirmed proposals waiting for review, oldest first, possible duplicates flagged."""
    return _queue_page()


@bp.post("/<id:proposal_id>/approve")
def approve(proposal_id: int) -> Response:
    """Publish the proposal as an event; the host is mailed the private management link.
    404 for a proposal not in the queue."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    proposal = get_pending_proposal_or_404(proposal_id)
    event, code = approve_proposal(proposal, reviewer=_reviewer())
    db.session.commit()
    mailed = mails.send_approved(
        proposal, code, str(get_locale()), absolute_url("events.show", slug=event.slug)
    )
    flash(
        _("The vigil is published and its host was mailed their private link.")
        if mailed
        else _("The vigil is published, but the mail to its host could not be sent.")
    )
    return redirect(url_for("proposals.admin.index"), 303)


@bp.post("/<id:proposal_id>/reject")
def reject(proposal_id: int) -> Response | tuple[str, int]:
    """Reject with a reason, mailed to the host; 422 without a reason."""
    proposal = get_pending_proposal_or_404(proposal_id)
    form = ReviewReasonForm(prefix=f"reject-{proposal.id}")
    if not form.validate_on_submit():
        return _queue_page(sent=("reject", proposal.id, form), status=422)
    reject_proposal(proposal, reviewer=_reviewer(), reason=form.reason.data)
    db.session.commit()
    mails.send_rejected(proposal, str(get_locale()))
    flash(_("The proposal is rejected and its host was told why."))
    return redirect(url_for("proposals.admin.index"), 303)


@bp.post("/<id:proposal_id>/changes")
def changes(proposal_id: int) -> Response | tuple[str, int]:
    """Ask the host for changes with a reason; they edit through their private link."""
    proposal = get_pending_proposal_or_404(proposal_id)
    form = ReviewReasonForm(prefix=f"changes-{proposal.id}")
    if not form.validate_on_submit():
        return _queue_page(sent=("changes", proposal.id, form), status=422)
    code = request_changes(proposal, reviewer=_reviewer(), reason=form.reason.data)
    db.session.commit()
    mails.send_changes_requested(proposal, code, str(get_locale()))
    flash(_("The host was asked for changes."))
    return redirect(url_for("proposals.admin.index"), 303)


def _awaiting_event_or_404(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or not event.awaits_review:
        abort(404)
    return event


@bp.post("/events/<id:event_id>/approve")
def approve_event_view(event_id: int) -> Response:
    """Publish an organizer's event that waited for review; the organizer is mailed. An admin
    may trust the organizer at the same time; a reviewer's "trust" is ignored."""
    event = _awaiting_event_or_404(event_id)
    form = ApproveEventForm(prefix=f"approve-{event.id}")
    if not form.validate_on_submit():
        abort(400)
    reviewer = _reviewer()
    approve_event(event, reviewer=reviewer)
    if form.trust.data and reviewer.is_admin and not event.organizer.is_trusted:
        set_trusted(event.organizer, trusted=True, acting_admin=reviewer)
    db.session.commit()
    mails.send_event_approved(event, str(get_locale()))
    flash(_("The event is published and its organizer was told."))
    return redirect(url_for("proposals.admin.index"), 303)


@bp.post("/events/<id:event_id>/send-back")
def send_back_view(event_id: int) -> Response | tuple[str, int]:
    """Return an event to its organizer as a draft, with a reason they are mailed."""
    event = _awaiting_event_or_404(event_id)
    form = ReviewReasonForm(prefix=f"back-{event.id}")
    if not form.validate_on_submit():
        return _queue_page(sent=("back", event.id, form), status=422)
    send_back(event, reviewer=_reviewer(), note=form.reason.data)
    db.session.commit()
    mails.send_event_sent_back(event, str(get_locale()))
    flash(_("The event went back to its organizer with your reason."))
    return redirect(url_for("proposals.admin.index"), 303)


@bp.post("/<id:proposal_id>/revoke")
def revoke(proposal_id: int) -> Response:
    """End a host's private link (admins only; 404 for reviewers and for no working link)."""
    if not _reviewer().is_admin:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.manage_hash is None:
        abort(404)
    revoke_link(proposal, admin=_reviewer())
    db.session.commit()
    flash(_("The host's link is revoked: it no longer opens anything."))
    return redirect(url_for("proposals.admin.index"), 303)
