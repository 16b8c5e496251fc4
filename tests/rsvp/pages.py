"""The RSVP pages used as a supporter uses them, and what the requests stored."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import Event
from app.models.rsvp import Rsvp
from tests.conftest import csrf_token

MANAGE_LINK = re.compile(r'href="http://localhost/rsvp/manage#([A-Za-z0-9_-]+)"')


def rsvp_form(**overrides: Any) -> dict[str, Any]:
    """A valid RSVP: anonymous, one person, no e-mail. ``None`` drops a field."""
    data: dict[str, Any] = {"display_name": "", "party_size": "1", "email": ""}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def post_rsvp(client: FlaskClient, event: Event, **overrides: Any) -> Any:
    """POST the RSVP form of ``event`` with a valid CSRF token from its page."""
    token = csrf_token(client, f"/events/{event.slug}")
    return client.post(
        f"/events/{event.slug}/rsvp", data={**rsvp_form(**overrides), "csrf_token": token}
    )


def rsvp(client: FlaskClient, event: Event, **overrides: Any) -> str:
    """RSVP through the pages and return the private code from the confirmation page."""
    response = post_rsvp(client, event, **overrides)
    assert response.status_code == 303, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    match = MANAGE_LINK.search(page)
    assert match, "no manage link on the confirmation page"
    return match.group(1)


def post_manage(client: FlaskClient, path: str, **data: Any) -> Any:
    """POST to a manage route (``/rsvp/manage…``) with a valid CSRF token."""
    token = csrf_token(client, "/rsvp/manage")
    return client.post(path, data={**data, "csrf_token": token})


def rsvp_count() -> int:
    """How many RSVPs are stored, as the requests committed them."""
    db.session.rollback()  # a fresh snapshot: requests committed in other sessions
    return db.session.scalar(select(func.count()).select_from(Rsvp)) or 0


def all_rsvps() -> list[Rsvp]:
    """Every stored RSVP, oldest first, as the requests committed them."""
    db.session.rollback()
    return list(db.session.scalars(select(Rsvp).order_by(Rsvp.id)))
