"""Error pages: a readable message for every 4xx, a generic page for 5xx."""

from __future__ import annotations

import json
import logging
import traceback

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response as BaseResponse

from app.extensions import db

log = logging.getLogger(__name__)


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Check what you entered and try again."),
        403: _("You are not allowed to do that."),
        404: _("There is nothing here. The link may be wrong, or the page was removed."),
        405: _("This address does not accept that kind of request."),
        409: _("That cannot be done in the current state."),
        413: _("What you sent is too large."),
        422: _("Some of what you entered cannot be used. Correct it and try again."),
        429: _("Too many attempts. Wait a minute and try again."),
        500: _("Something went wrong on our side. Nothing you entered was saved."),
    }


def render_error(code: int, message: str | None = None) -> tuple[str, int]:
    """The error page for ``code``, with ``message`` or the standard one."""
    text = message or _messages().get(code) or _messages()[400 if code < 500 else 500]
    return render_template("errors/error.html", code=code, message=text), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> tuple[str, int]:
        return render_error(
            400,
            _(
                "This form has expired or was not sent from this site. "
                "Go back, reload the page and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> BaseResponse | HTTPException:
        code = error.code or 500
        if code < 400:
            return error
        if code >= 500:
            db.session.rollback()
        # A description passed to abort() is our own, already translated message.
        # Flask-Limiter puts the bare limit ("10 per 1 minute") there: not for people.
        custom = error.description if error.description != type(error).description else None
        if isinstance(error, RateLimitExceeded):
            custom = None
        # Start from the exception's response to keep Allow (405) and Retry-After (429).
        response = error.get_response()
        if request.path.endswith(".ics"):
            # Calendar clients show or log the body: plain text, not a page (design/ical.md).
            response.set_data(custom or _messages().get(code, _messages()[400]))
            response.content_type = "text/plain; charset=utf-8"
            return response
        if request.path.endswith((".geojson", ".json")):
            # Read by the map's script, which shows the message (static/js/maps.js).
            message = custom or _messages().get(code, _messages()[400])
            response.set_data(json.dumps({"error": message}, ensure_ascii=False))
            response.content_type = "application/json; charset=utf-8"
            return response
        body, status = render_error(code, custom)
        response.set_data(body)
        response.status_code = status
        response.content_type = "text/html; charset=utf-8"
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        db.session.rollback()
        # Where it failed, never what the data was: exception messages can carry user
        # input (SQLAlchemy and the database quote the offending values), so only the
        # type and the stack frames are logged (design/security.md T49).
        frames = "".join(traceback.format_tb(error.__traceback__))
        log.error("unhandled %s\n%s", type(error).__name__, frames.rstrip())
        return render_error(InternalServerError.code)
