"""An organizer's own account, under /organize: its public name (STYLE.md rule 5: guarded)."""

from flask import Blueprint

from app.auth.guards import require_account

bp = Blueprint("account", __name__, url_prefix="/organize/account")
bp.before_request(require_account)

from app.auth.account import views  # noqa: E402,F401  (routes register on import)
