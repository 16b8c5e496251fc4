"""The signed-in account's page: its private name and e-mail, its public name, and
two-step sign-in."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.account import bp
from app.auth.forms import AccountForm, DisableSecondFactorForm, EnrolForm
from app.auth.services import set_public_name
from app.auth.twofactor import (
    confirm_enrolment,
    group_key,
    needs_second_factor,
    provisioning_uri,
    qr_svg,
    recovery_codes_left,
    remove_second_factor,
    start_enrolment,
    verify_second_factor,
)
from app.extensions import db, limiter
from app.models import User


@bp.route("/", methods=["GET", "POST"])
def edit() -> Response | tuple[str, int]:
    """Show the account and set its optional public name."""
    form = AccountForm(data={"public_name": current_user.public_name or ""})
    if form.validate_on_submit():
        changed = set_public_name(current_user, form.public_name.data)
        db.session.commit()
        flash(_("Your public name is saved.") if changed else _("Nothing was changed."))
        return redirect(url_for("account.edit"), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("auth/account.html", form=form), status


def _user() -> User:
    """The signed-in account as a model instance (the proxy is not a User to mypy)."""
    user: User = current_user._get_current_object()
    return user


@bp.route("/2fa", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def two_factor() -> Response | tuple[str, int] | str:
    """Two-step sign-in: set it up (key as QR code and as text, confirmed by a first
    code), or see that it is on and turn it off.

    The recovery codes are shown once, in the answer that confirms the key; only their
    hashes are kept. The pending key is made on the first visit and kept until confirmed,
    so reloading shows the same one.
    """
    user = _user()
    if user.has_second_factor:
        return render_template(
            "auth/two_factor_on.html",
            form=DisableSecondFactorForm(),
            codes_left=recovery_codes_left(user),
            required=needs_second_factor(user),
        )
    key = start_enrolment(user)
    db.session.commit()
    form = EnrolForm()
    if form.validate_on_submit():
        codes = confirm_enrolment(user, form.code.data)
        if codes is not None:
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes)
        form.code.errors = [_("This code is wrong. Check the time on your phone and try again.")]
    title = _("QR code of the key for your authenticator app")
    status = 422 if form.errors else 200
    return render_template(
        "auth/two_factor_enrol.html",
        form=form,
        key=group_key(key),
        qr=qr_svg(provisioning_uri(user, key), title),
        required=needs_second_factor(user),
    ), status


@bp.post("/2fa/off")
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
def disable_two_factor() -> Response | tuple[str, int]:
    """Turn two-step sign-in off; needs a current code (or a recovery code).

    400 without a valid CSRF token (app.errors). An account that must have a second factor is sent
    to set up a new one at once (a new phone).
    """
    user = _user()
    form = DisableSecondFactorForm()
    if not user.has_second_factor:
        return redirect(url_for("account.two_factor"), 303)
    if form.validate_on_submit():
        if verify_second_factor(user, form.code.data) is not None:
            remove_second_factor(user, actor=user)
            db.session.commit()
            flash(_("Two-step sign-in is off."))
            return redirect(url_for("account.two_factor"), 303)
        db.session.commit()  # nothing to keep, but ends the transaction like every view
        form.code.errors = [_("This code is wrong or was used already.")]
    return render_template(
        "auth/two_factor_on.html",
        form=form,
        codes_left=recovery_codes_left(user),
        required=needs_second_factor(user),
    ), 422
