"""The signed-in account's page: its private name and e-mail, and its public name."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.account import bp
from app.auth.forms import AccountForm
from app.auth.services import set_public_name
from app.extensions import db


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
