"""Guards of the areas that need an account (STYLE.md rule 5: authorization by structure)."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.twofactor import must_enrol
from app.extensions import login_manager

# The one page an account that must set up a second factor may open before it has.
ENROLMENT_ENDPOINT = "account.two_factor"


def require_account() -> Response | None:
    """A blueprint's ``before_request``: anonymous visitors go to the sign-in page.

    Returns the redirect (with ``next``) for them; for an account that must have a second
    factor and has none (app.auth.twofactor), the redirect to its enrolment page; None for
    a signed-in account. Which objects the account may see is for the route's
    ``get_owned_…_or_404``.
    """
    if not current_user.is_authenticated:
        response: Response = login_manager.unauthorized()
        return response
    if request.endpoint != ENROLMENT_ENDPOINT and must_enrol(current_user):
        return redirect(url_for(ENROLMENT_ENDPOINT), 303)
    return None
