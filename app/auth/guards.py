"""Guards of the areas that need an account (STYLE.md rule 5: authorization by structure)."""

from __future__ import annotations

from flask_login import current_user
from werkzeug.wrappers import Response

from app.extensions import login_manager


def require_account() -> Response | None:
    """A blueprint's ``before_request``: anonymous visitors go to the sign-in page.

    Returns the redirect (with ``next``) for them, None for a signed-in account.
    Which objects the account may see is for the route's ``get_owned_…_or_404``.
    """
    if not current_user.is_authenticated:
        response: Response = login_manager.unauthorized()
        return response
    return None
