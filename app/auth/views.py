"""Routes for signing in and out, accepting invitations and open registration."""

from __future__ import annotations

import hmac
from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from app.auth import bp
from app.auth.forms import (
    AcceptInviteForm,
    ConfirmRegistrationForm,
    LoginForm,
    RegisterForm,
    SecondFactorForm,
)
from app.auth.services import (
    AccountError,
    accept_invite,
    authenticate,
    end_sessions,
    find_valid_invite,
    finish_registration,
    send_registration_mail,
    start_registration,
)
from app.auth.throttle import forget_login_failures, login_wait_seconds, record_login_failure
from app.auth.twofactor import recovery_codes_left, verify_second_factor
from app.clock import now_utc
from app.extensions import db, limiter, login_manager
from app.forms import EmptyForm
from app.models import User
from app.safe_redirect import safe_next

login_manager.login_view = "auth.login"
login_manager.login_message = ""
login_manager.session_protection = None  # sessions are revoked by token, not by IP/agent

# Between the password and the second factor: who, until when, and where to go after.
_PENDING = "second_step_identity"
_PENDING_UNTIL = "second_step_until"
_PENDING_NEXT = "second_step_next"
SECOND_STEP_TIME = timedelta(minutes=5)


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    """Resolve ``<id>:<session token>``; a rotated token or deactivation ends the session."""
    user_id, _sep, token = session_id.partition(":")
    if not user_id.isdigit() or len(user_id) > 10:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active:
        return None
    if not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


def _start_session(user: User) -> None:
    # A fresh session on login defeats fixation (design/security.md T23).
    session.clear()
    login_user(user)
    session.permanent = True
    session["auth_at"] = now_utc().timestamp()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login() -> Response | tuple[str, int] | str:
    """Sign in. Wrong e-mail and wrong password get the same answer.

    429 with Retry-After when this client failed too often on this account
    (app.auth.throttle); clients that have not been failing are never held back
    by others' failures on the account.
    """
    if current_user.is_authenticated:
        return redirect(url_for("organize.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data or ""
        wait = login_wait_seconds(email)
        if wait:
            raise TooManyRequests(retry_after=wait)
        user = authenticate(email, form.password.data or "")
        if user is not None:
            db.session.commit()  # a rehash may have changed the stored hash
            target = safe_next(request.args.get("next"), url_for("organize.index"))
            if user.has_second_factor:
                # Not signed in yet: the failures of this client are forgotten only
                # after the second step (app.auth.throttle counts both steps).
                _start_second_step(user, target)
                return redirect(url_for("auth.second_factor"), 303)
            forget_login_failures(email)
            _start_session(user)
            return redirect(target, 303)
        record_login_failure(email)
        form.password.errors = [_("The e-mail or the password is wrong.")]
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


def _start_second_step(user: User, target: str) -> None:
    # Only who passed the password, and until when: no Flask-Login identity yet, so
    # every guarded page still sends this session to the sign-in page. The session
    # token in the identity makes a password change or sign-out elsewhere end it too.
    session.clear()
    session[_PENDING] = user.get_id()
    session[_PENDING_UNTIL] = (now_utc() + SECOND_STEP_TIME).timestamp()
    session[_PENDING_NEXT] = target


def _pending_user() -> User | None:
    """The account that passed the password step in this session, if still in time."""
    until = session.get(_PENDING_UNTIL)
    if not isinstance(until, float) or until < now_utc().timestamp():
        return None
    identity = session.get(_PENDING)
    return _load_user(identity) if isinstance(identity, str) else None


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def second_factor() -> Response | tuple[str, int] | str:
    """The second step of signing in, for accounts with a second factor.

    Takes a code of the authenticator app (each accepted once) or a recovery code (used
    up). The same limits as the password step apply (app.auth.throttle): 429 with
    Retry-After. Without a recent password step in this session: back to the sign-in page.
    """
    user = _pending_user()
    if user is None:
        session.pop(_PENDING, None)
        return redirect(url_for("auth.login"), 303)
    form = SecondFactorForm()
    if form.validate_on_submit():
        wait = login_wait_seconds(user.email)
        if wait:
            raise TooManyRequests(retry_after=wait)
        accepted = verify_second_factor(user, form.code.data)
        if accepted is not None:
            target = str(session.get(_PENDING_NEXT) or url_for("organize.index"))
            db.session.commit()  # the used step or recovery code
            forget_login_failures(user.email)
            _start_session(user)
            if accepted == "recovery":
                flash(
                    ngettext(
                        "You used a recovery code; %(num)d is left. Each works once.",
                        "You used a recovery code; %(num)d are left. Each works once.",
                        recovery_codes_left(user),
                    )
                )
            return redirect(target, 303)
        record_login_failure(user.email)
        form.code.errors = [_("This code is wrong or was used already.")]
    status = 422 if form.errors else 200
    return render_template("auth/second_factor.html", form=form), status


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Sign out and end every session of the account, including copied cookies."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    end_sessions(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are signed out."))
    return redirect(url_for("campaign.home"), 303)


@bp.route("/invite", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def accept() -> Response | tuple[str, int] | str:
    """Create an organizer account from an invitation.

    The link is ``/auth/invite#<code>``: the code stays in the fragment, out of
    server logs and Referer; a small script copies it into the form.
    """
    form = AcceptInviteForm()
    if form.validate_on_submit():
        invite = find_valid_invite(form.token.data or "")
        if invite is None:
            form.token.errors = [_("This invitation is unknown, used or expired.")]
        else:
            try:
                user = accept_invite(
                    invite, display_name=form.display_name.data, password=form.password.data or ""
                )
            except AccountError:
                form.token.errors = [_("An account with this e-mail already exists.")]
            else:
                db.session.commit()
                _start_session(user)
                flash(_("Welcome. Your organizer account is ready."))
                return redirect(url_for("organize.index"), 303)
    status = 422 if form.errors else 200
    return render_template("auth/accept_invite.html", form=form), status


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def register() -> Response | tuple[str, int] | str:
    """Open registration; exists only when VIGIL_OPEN_REGISTRATION is true.

    A valid form gets the same answer in the same time whether or not the e-mail has
    an account (design/security.md TH13): the address is mailed either way, with a link
    that finishes the registration or with a note that it already has an account.
    """
    if not current_app.config["OPEN_REGISTRATION"]:
        abort(404)
    form = RegisterForm()
    if form.validate_on_submit():
        email = form.email.data or ""
        token = start_registration(
            email=email, display_name=form.display_name.data, password=form.password.data or ""
        )
        send_registration_mail(email=email, token=token)
        return redirect(url_for("auth.registration_sent"), 303)
    status = 422 if form.errors else 200
    return render_template("auth/register.html", form=form), status


@bp.get("/register/sent")
def registration_sent() -> str:
    """The one answer to a valid registration: look in your mailbox."""
    if not current_app.config["OPEN_REGISTRATION"]:
        abort(404)
    return render_template("auth/registration_sent.html")


@bp.route("/register/confirm", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def confirm_registration() -> Response | tuple[str, int]:
    """Finish open registration from the mailed link ``/auth/register/confirm#<code>``.

    The code stays in the fragment, out of server logs; a script copies it into the
    form, which creates the account and signs it in.
    """
    if not current_app.config["OPEN_REGISTRATION"]:
        abort(404)
    form = ConfirmRegistrationForm()
    if form.validate_on_submit():
        try:
            user = finish_registration(form.token.data or "")
        except AccountError:
            form.token.errors = [
                _(
                    "This link does not work: it is incomplete, older than two days or "
                    "already used. Sign in, or register again."
                )
            ]
        else:
            db.session.commit()
            _start_session(user)
            return redirect(url_for("organize.index"), 303)
    status = 422 if form.errors else 200
    return render_template("auth/confirm_registration.html", form=form), status
