"""Admin routes: organizer accounts, invitations and the pinned statement.

Every route is under /admin and behind ``_require_admin``: anonymous visitors
are sent to the sign-in page, signed-in organizers get a 404 so the area is
not even revealed (STYLE.md rule 5).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from app.admin import bp
from app.admin.forms import StatementForm
from app.admin.services import (
    SelfDeactivationError,
    deactivate_account,
    reactivate_account,
    set_review_new_organizers,
    set_reviewer,
    set_trusted,
)
from app.audit import bp as audit_bp
from app.auth.forms import InviteForm
from app.auth.guards import require_account
from app.auth.services import (
    AccountError,
    create_invite,
    list_accounts,
    list_open_invites,
    revoke_invite,
)
from app.auth.throttle import failed_sign_ins
from app.campaign.queries import (
    get_statement_version_or_404,
    pinned_in,
    pinned_statement,
    statement_history,
)
from app.campaign.services import pin_statement
from app.config import LANGUAGES
from app.events.review import site_settings
from app.extensions import db
from app.forms import EmptyForm
from app.markdown import render_markdown
from app.models import Invite, User
from app.urls import absolute_url


@bp.before_request
def require_admin() -> Response | None:
    """Anonymous → sign-in page (with next); an admin without the second factor it must
    have → its enrolment page; signed in but not an active admin → 404."""
    response = require_account()
    if response is not None:
        return response
    if not (current_user.is_admin and current_user.is_active):
        abort(404)
    return None


# The audit log's page belongs to the admin area and has its guard. The guard is set from
# here because the account services write to the log: app.audit cannot import app.auth.
audit_bp.before_request(require_admin)


def _admin() -> User:
    """The signed-in admin as a model instance (the proxy cannot be stored in a relationship)."""
    user: User = current_user._get_current_object()
    return user


def _organizers_page(
    form: InviteForm, *, status: int = 200, invite: Invite | None = None, link: str | None = None
) -> tuple[str, int]:
    accounts = list_accounts()
    page = render_template(
        "admin/organizers.html",
        form=form,
        accounts=accounts,
        failed_sign_ins=failed_sign_ins(accounts),
        invites=list_open_invites(),
        me=_admin(),
        new_invite=invite,
        invite_link=link,
        settings=site_settings(),
    )
    return page, status


@bp.get("/organizers")
def organizers() -> tuple[str, int]:
    """Accounts with role, state and recent failed sign-ins, open invitations, the invitation form.

    Failed sign-ins are counts per account; which clients failed is never shown.
    """
    return _organizers_page(InviteForm())


@bp.post("/organizers/invite")
def invite() -> tuple[str, int]:
    """Create a one-time invitation and show its link on this response only.

    The token travels in the link's fragment (never sent to a server) and only
    its hash is stored; the link is neither flashed, logged nor kept anywhere,
    so this page is the one chance to copy it.
    """
    form = InviteForm()
    if form.validate_on_submit():
        try:
            new_invite, token = create_invite(email=form.email.data or "", created_by=_admin())
        except AccountError as exc:
            form.email.errors = [
                _("An account with this e-mail already exists.")
                if str(exc) == "email-taken"
                else _("Enter an e-mail address such as name@example.org.")
            ]
        else:
            db.session.commit()
            link = absolute_url("auth.accept") + "#" + token
            return _organizers_page(InviteForm(formdata=None), invite=new_invite, link=link)
    return _organizers_page(form, status=422)


@bp.post("/organizers/invites/<id:invite_id>/revoke", endpoint="revoke_invite")
def revoke(invite_id: int) -> Response:
    """Revoke an open invitation: it is deleted, so its link no longer works.

    404 for an unknown (or already revoked) invitation, 409 for an accepted one.
    """
    if not EmptyForm().validate_on_submit():
        abort(400)
    open_invite = db.get_or_404(Invite, invite_id)
    try:
        revoke_invite(open_invite, revoked_by=_admin())
    except AccountError:
        abort(409, description=_("This invitation was already accepted."))
    db.session.commit()
    flash(_("The invitation is revoked: its link no longer works."))
    return redirect(url_for("admin.organizers"), 303)


@bp.post("/organizers/<id:user_id>/deactivate")
def deactivate(user_id: int) -> Response:
    """Deactivate an account; its sessions end at once. An admin cannot deactivate themselves."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    account = db.get_or_404(User, user_id)
    try:
        deactivate_account(account, acting_admin=_admin())
    except SelfDeactivationError:
        abort(409, description=_("You cannot deactivate your own account."))
    db.session.commit()
    flash(_("The account is deactivated and signed out everywhere."))
    return redirect(url_for("admin.organizers"), 303)


@bp.post("/organizers/<id:user_id>/reactivate")
def reactivate(user_id: int) -> Response:
    """Let a deactivated account sign in again."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    account = db.get_or_404(User, user_id)
    reactivate_account(account, acting_admin=_admin())
    db.session.commit()
    flash(_("The account can sign in again."))
    return redirect(url_for("admin.organizers"), 303)


@bp.post("/organizers/<id:user_id>/reviewer")
def reviewer(user_id: int) -> Response:
    """Switch whether an account may review supporters' proposals (admins always may)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    account = db.get_or_404(User, user_id)
    set_reviewer(account, is_reviewer=not account.is_reviewer, acting_admin=_admin())
    db.session.commit()
    flash(
        _("The account may now review proposals.")
        if account.is_reviewer
        else _("The account may no longer review proposals.")
    )
    return redirect(url_for("admin.organizers"), 303)


@bp.post("/organizers/<id:user_id>/trust")
def trust(user_id: int) -> Response:
    """Switch whether an account publishes without a reviewer (app.events.review)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    account = db.get_or_404(User, user_id)
    set_trusted(account, trusted=not account.is_trusted, acting_admin=_admin())
    db.session.commit()
    flash(
        _("The account publishes directly now.")
        if account.is_trusted
        else _(
            "The account is no longer trusted: while new organizers are reviewed, "
            "a reviewer publishes its events."
        )
    )
    return redirect(url_for("admin.organizers"), 303)


@bp.post("/organizers/review-setting")
def review_setting() -> Response:
    """Switch the review of untrusted organizers' events on or off."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    enabled = not site_settings().review_new_organizers
    set_review_new_organizers(enabled, acting_admin=_admin())
    db.session.commit()
    flash(
        _("Events of organizers who are not trusted now wait for a reviewer.")
        if enabled
        else _("Every organizer publishes directly now.")
    )
    return redirect(url_for("admin.organizers"), 303)


@bp.route("/statement", methods=["GET", "POST"])
def statement() -> Response | tuple[str, int]:
    """Publish a new version of the statement in one language; the history is listed below.

    ``?language=fa`` fills the form with the version pinned in that language (else the
    original).
    """
    asked = request.args.get("language", "")
    chosen = asked if asked in LANGUAGES else None
    current = (pinned_in(chosen) if chosen else None) or pinned_statement()
    form = StatementForm(obj=current)
    if chosen and not form.is_submitted():
        form.language.data = chosen
        if current is not None and current.language != chosen:
            # No version in that language yet: a translation, starting from the original.
            form.is_translation.data = True
    if form.validate_on_submit():
        try:
            pin_statement(
                title=form.title.data,
                subtitle=form.subtitle.data,
                byline=form.byline.data,
                body=form.body.data,
                language=form.language.data,
                is_translation=form.is_translation.data,
                created_by=_admin(),
            )
            db.session.commit()
        except IntegrityError:
            # Another admin pinned a version at the same moment (partial unique index).
            db.session.rollback()
            abort(
                409,
                description=_(
                    "Someone else published a new version at the same moment. "
                    "Reload the page, check their text and try again."
                ),
            )
        flash(_("The new version is published and pinned."))
        return redirect(url_for("admin.statement"), 303)
    page = render_template(
        "admin/statement.html", form=form, current=current, history=statement_history()
    )
    return page, 422 if form.errors else 200


@bp.get("/statement/<id:version_id>")
def statement_version(version_id: int) -> str:
    """One version of the statement, as it was published."""
    version = get_statement_version_or_404(version_id)
    return render_template(
        "admin/statement_version.html", version=version, body_html=render_markdown(version.body)
    )
