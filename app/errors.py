"""Error pages: a readable message for every 4xx, a generic page for 5xx."""

from __future__ import annotations

import json
import logging
import math
import time
import traceback
from http import HTTPStatus

from flask import Flask, Response, g, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    SecurityError,
    ServiceUnavailable,
)
from werkzeug.wrappers import Response as BaseResponse

from app.extensions import db, limiter

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


# While the rate limits' Redis does not answer, how long a page asks visitors to wait,
# and how often (per process) the refusals are logged.
REDIS_DOWN_RETRY_AFTER = 60
_REDIS_DOWN_LOGGED_AT = "vigil.redis_down_logged_at"


def retry_after_seconds(error: HTTPException) -> int:
    """Seconds until ``error`` (a 429) may be retried, rounded up to what the page can say.

    From the limit that was hit, else from a ``Retry-After`` the raiser set, else a minute.
    Rounded up to whole minutes from two minutes on and to whole hours from two hours on, so
    the ``Retry-After`` header can say exactly what the words say (``wait_in_words``).
    """
    seconds = 60
    current = limiter.current_limit if isinstance(error, RateLimitExceeded) else None
    if current is not None:
        # The window's exact end: RequestLimit.reset_at adds a second of its own.
        seconds = math.ceil(current.window.reset_time - time.time())
    else:
        header = error.get_response().headers.get("Retry-After", "")
        if header.isdigit():
            seconds = int(header)
    seconds = max(seconds, 1)
    for unit in (3600, 60):
        if seconds >= 2 * unit:
            return math.ceil(seconds / unit) * unit
    return seconds


def wait_in_words(seconds: int) -> str:
    """``seconds`` (as rounded by ``retry_after_seconds``) in words: "90 seconds", "5 minutes"."""
    if seconds >= 2 * 3600:
        words = ngettext("%(num)d hour", "%(num)d hours", seconds // 3600)
    elif seconds >= 2 * 60:
        words = ngettext("%(num)d minute", "%(num)d minutes", seconds // 60)
    else:
        words = ngettext("%(num)d second", "%(num)d seconds", seconds)
    return str(words)


def render_error(code: int, message: str | None = None) -> tuple[str, int]:
    """The error page for ``code``, with ``message`` or the standard one."""
    text = message or _messages().get(code) or _messages()[400 if code < 500 else 500]
    return render_template("errors/error.html", code=code, message=text), code


# Answers under this prefix are the JSON API's (app.api): errors as problem details.
API_PREFIX = "/api/"
PROBLEM_CONTENT_TYPE = "application/problem+json"


def is_api_request() -> bool:
    """True for requests to the JSON API, whose errors are problem details."""
    return request.path.startswith(API_PREFIX)


def problem_body(code: int, detail: str) -> bytes:
    """An RFC 9457 problem details object for ``code``: type, title, status and detail.

    ``type`` is "about:blank": the status code says all there is, and ``title`` is
    then its standard phrase (RFC 9457 §4.2.1); ``detail`` is the readable message.
    """
    try:
        title = HTTPStatus(code).phrase
    except ValueError:
        title = "Error"
    problem = {"type": "about:blank", "title": title, "status": code, "detail": detail}
    return json.dumps(problem, ensure_ascii=False).encode()


def problem_response(code: int, detail: str, response: BaseResponse | None = None) -> BaseResponse:
    """``response`` (or a new one) as the problem details of ``code`` with ``detail``.

    Headers of ``response`` (Allow of a 405, Retry-After of a 429) are kept.
    """
    answer = response if response is not None else Response()
    answer.set_data(problem_body(code, detail))
    answer.status_code = code
    answer.content_type = PROBLEM_CONTENT_TYPE
    # A problem is about this request only: no shared cache keeps it.
    answer.headers["Cache-Control"] = "no-store"
    return answer


def init_app(app: Flask) -> None:
    @app.errorhandler(SecurityError)
    def _other_host(_error: SecurityError) -> tuple[str, int, dict[str, str]]:
        # A Host outside TRUSTED_HOSTS (VIGIL_BASE_URL's): Flask refused it before
        # routing, so no URL can be built for this request, and no page is rendered.
        message = _("This site is not served under that address.")
        return message, 400, {"Content-Type": "text/plain; charset=utf-8"}

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
        if code == 429:
            # Say how long to wait; _retry_after_as_said makes the header say the same.
            g.retry_after_seconds = retry_after_seconds(error)
            wait = _(
                "Too many attempts. Wait %(wait)s and try again.",
                wait=wait_in_words(g.retry_after_seconds),
            )
            custom = f"{custom} {wait}" if custom else wait
        # Start from the exception's response to keep Allow (405) and Retry-After (429).
        response = error.get_response()
        if is_api_request():
            # API clients read problem details (RFC 9457), the same shape for every error.
            return problem_response(
                code, custom or _messages().get(code, _messages()[400]), response
            )
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

    def _retry_after_as_said(response: BaseResponse) -> BaseResponse:
        """The 429's ``Retry-After`` is the wait its body states."""
        seconds = g.get("retry_after_seconds")
        if seconds is not None and response.status_code == 429:
            response.headers["Retry-After"] = str(seconds)
        return response

    # Flask runs after-request hooks last-registered first; Flask-Limiter's hook writes its
    # own, truncated Retry-After, so this one goes to the front of the list to run after it.
    app.after_request_funcs.setdefault(None, []).insert(0, _retry_after_as_said)

    @app.errorhandler(RedisError)
    def _redis_down(error: RedisError) -> BaseResponse:
        # The rate limits (and sign-in throttle, mail budgets) live in Redis. Without them
        # a write that must be limited is refused before it starts: nothing half-written.
        db.session.rollback()
        now = time.monotonic()
        logged_at = app.extensions.get(_REDIS_DOWN_LOGGED_AT)
        if logged_at is None or now - logged_at > REDIS_DOWN_RETRY_AFTER:
            app.extensions[_REDIS_DOWN_LOGGED_AT] = now
            # The type only: the message names the server.
            log.warning(
                "the rate limits' Redis does not answer (%s): refusing what needs it with 503",
                type(error).__name__,
            )
        message = _(
            "This cannot be done right now because part of the site is not answering. "
            "Nothing was saved. Try again in a few minutes."
        )
        answer = _http(ServiceUnavailable(description=message))
        response = answer.get_response() if isinstance(answer, HTTPException) else answer
        response.headers["Retry-After"] = str(REDIS_DOWN_RETRY_AFTER)
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> BaseResponse | tuple[str, int]:
        db.session.rollback()
        # Where it failed, never what the data was: exception messages can carry user
        # input (SQLAlchemy and the database quote the offending values), so only the
        # type and the stack frames are logged (design/security.md T49).
        frames = "".join(traceback.format_tb(error.__traceback__))
        log.error("unhandled %s%s\n%s", type(error).__name__, _driver_error(error), frames.rstrip())
        if is_api_request():
            return problem_response(InternalServerError.code, _messages()[500])
        return render_error(InternalServerError.code)


def _driver_error(error: BaseException) -> str:
    """For a database error, " (<driver's exception class> <error code>)", else "".

    The code tells an operator "database is locked" (SQLITE_BUSY) or a serialization
    failure (SQLSTATE 40001) from a bug. Only the class and the code: the driver's
    message can quote the values that failed (PostgreSQL's "Key (email)=(…)").
    """
    if not isinstance(error, DBAPIError) or error.orig is None:
        return ""
    orig = error.orig
    driver = f"{type(orig).__module__}.{type(orig).__qualname__}"
    # sqlite3 (Python 3.11+): the extended result code's name, such as SQLITE_BUSY.
    code = getattr(orig, "sqlite_errorname", None)
    if code is None:
        # psycopg 3: sqlstate (also in diag); psycopg2: pgcode.
        diag = getattr(orig, "diag", None)
        code = (
            getattr(orig, "sqlstate", None)
            or getattr(diag, "sqlstate", None)
            or getattr(orig, "pgcode", None)
        )
        code = f"SQLSTATE {code}" if code else None
    return f" ({driver} {code or 'without code'})"
