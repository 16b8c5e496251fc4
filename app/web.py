"""Request plumbing shared by every page: locale, time formatting, headers, converters."""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from babel import Locale
from flask import Flask, Response, current_app, g, redirect, request, session, url_for
from flask_babel import get_locale
from markupsafe import Markup
from werkzeug.datastructures import Headers, LanguageAccept
from werkzeug.http import parse_accept_header
from werkzeug.routing import IntegerConverter, ValidationError
from werkzeug.wrappers import Response as BaseResponse

from app.clock import now_utc
from app.config import LANGUAGES, RTL_LANGUAGES

# Where pages' dates and times are formatted; re-exported for the features that import
# them from here.
from app.dates import format_calendar_date as format_calendar_date
from app.dates import format_day as format_day
from app.dates import format_day_time, page_digits, when_html, zone_place
from app.dates import format_distance as format_distance
from app.dates import format_when as format_when
from app.dates import local_datetime as local_datetime
from app.dates import zone_abbreviation as zone_abbreviation
from app.models.event import Repeat
from app.safe_redirect import safe_next

LANG_COOKIE = "lang"

# design/security.md decision 5 and T38. No inline script runs (maps load theirs from
# their own URLs); images may also come from the operator's tile server.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:{images}; font-src 'self'; connect-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors {ancestors}; object-src 'none'"
)
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=(), interest-cohort=()",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# The policy of a page with a button that asks for the visitor's position when clicked
# (the map's "Use my location", the place pickers' "Sort by distance"); every other page
# may not ask.
LOCATION_PERMISSIONS_POLICY = "geolocation=(self), camera=(), microphone=(), interest-cohort=()"
# Pages that show account or organizer data must not be cached anywhere.
PRIVATE_PREFIXES = ("/auth/", "/organize/", "/admin/", "/rsvp/")


def allow_framing(origins: tuple[str, ...]) -> None:
    """Let the sites ``origins`` show this response's page in a frame (app.syndication).

    Sets CSP ``frame-ancestors`` to them (``'none'`` if empty) and leaves out
    X-Frame-Options, which cannot name a site; every other page may not be framed.
    """
    g.frame_ancestors = origins


def allow_location() -> None:
    """Let this response's page ask the browser for the visitor's position.

    Only for a page whose script asks on a click and keeps the answer in the browser or
    rounds it before it is sent (design/security.md §1.3).
    """
    g.allow_location = True


def _content_security_policy(tile_origin: str | None, ancestors: tuple[str, ...]) -> str:
    return CONTENT_SECURITY_POLICY.format(
        images=f" {tile_origin}" if tile_origin else "",
        ancestors=" ".join(ancestors) or "'none'",
    )


def _add_vary_cookie(headers: Headers) -> None:
    # The header by hand: Response.vary parses it into a set and writes it back.
    vary = headers.get("Vary")
    if vary is None:
        headers["Vary"] = "Cookie"
    elif "cookie" not in vary.lower():
        headers["Vary"] = f"{vary}, Cookie"


class IdConverter(IntegerConverter):
    """A database id: 1 to 2**31 - 1. Anything else is a 404, never an overflow."""

    regex = r"[1-9][0-9]{0,9}"

    def to_python(self, value: str) -> Any:
        number = int(value)
        if number > 2**31 - 1:
            raise ValidationError
        return number


def select_locale() -> Locale:
    """The visitor's chosen language (cookie), else the browser's best match."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen not in LANGUAGES:
        header = request.headers.get("Accept-Language", "")
        chosen = _best_language(header) or current_app.config["DEFAULT_LOCALE"]
    return _locale(chosen)


@lru_cache(maxsize=512)
def _best_language(header: str) -> str | None:
    # Browsers send a handful of distinct headers; parsing one costs more than the lookup.
    # In the visitor's order, each tag or else its language ("de-CH" is German): Werkzeug's
    # best_match would take a later exact "en" over a first "de-CH".
    for tag, _quality in parse_accept_header(header, LanguageAccept):
        for candidate in (tag.lower(), tag.split("-")[0].lower()):
            if candidate in LANGUAGES:
                return candidate
    return None


def isolate(value: object) -> Markup:
    """``value`` escaped inside ``<bdi>`` (the ``bdi`` filter), for a name or title put
    into a translated sentence: a Latin title in Persian text keeps its own direction
    and cannot pull the sentence's punctuation or digits around."""
    return Markup("<bdi>%s</bdi>") % value


def language_name(code: str) -> str:
    """The name of the language ``code`` in the page language: "English", "انگلیسی"."""
    name: str = _locale(code).get_display_name(get_locale()) or code
    return name


@cache
def _locale(code: str) -> Locale:
    # One parsed Babel locale per language (Flask-Babel would parse the code per request).
    return Locale.parse(code)


def text_direction(language: str | None = None) -> str:
    """``rtl`` or ``ltr``: of ``language``, by default of the page."""
    return "rtl" if (language or str(get_locale())) in RTL_LANGUAGES else "ltr"


def init_app(app: Flask) -> None:
    """Register converters, template helpers, the language switch and response headers."""
    app.url_map.converters["id"] = IdConverter
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["when"] = when_html
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.filters["day_time"] = format_day_time
    app.jinja_env.filters["calendar_date"] = format_calendar_date
    app.jinja_env.filters["bdi"] = isolate
    app.jinja_env.filters["page_digits"] = page_digits
    app.jinja_env.filters["zone_place"] = zone_place
    app.jinja_env.globals.update(
        text_direction=text_direction,
        get_locale=get_locale,
        languages=LANGUAGES,
        language_name=language_name,
        zone_abbreviation=zone_abbreviation,
        distance=format_distance,
        # Templates compare states with members, never with spelled-out values.
        Repeat=Repeat,
    )

    @app.context_processor
    def _site() -> dict[str, Any]:
        return {"site_name": app.config["SITE_NAME"]}

    @app.get("/favicon.ico")
    def favicon() -> Response:
        """The icon at the address browsers and feed readers try without a <link rel=icon>.

        Pages name static/favicon.svg; this answers the same file, so that no first
        visit logs a 404 (SVG: Chromium and Firefox take it at any address).
        """
        return app.send_static_file("favicon.svg")

    @app.get("/language/<code>")
    def set_language(code: str) -> BaseResponse:
        """Remember the chosen language in a cookie and go back to ``next``."""
        target = safe_next(request.args.get("next"), url_for("campaign.home"))
        response = redirect(target, 303)
        if code in LANGUAGES:
            response.set_cookie(
                LANG_COOKIE,
                code,
                max_age=365 * 24 * 3600,
                secure=app.config["SESSION_COOKIE_SECURE"],
                httponly=True,
                samesite="Lax",
            )
        return response

    @app.before_request
    def _absolute_session_timeout() -> None:
        # The cookie's signature already enforces the 30-minute idle limit;
        # this adds the 12-hour absolute one (design/security.md decision 8).
        started = session.get("auth_at")
        if started is not None:
            age = now_utc().timestamp() - float(started)
            if age > app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds():
                session.clear()

    # Every answer's security headers, built once: this runs on every request.
    fixed = (
        ("Content-Security-Policy", _content_security_policy(app.config["TILE_ORIGIN"], ())),
        *SECURITY_HEADERS.items(),
    )

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        # A view's own value wins. Not headers.setdefault: Werkzeug's lookup of an absent
        # header raises and catches an HTTP exception.
        present = {name.lower() for name, _value in headers}
        ancestors = g.get("frame_ancestors")
        for name, value in fixed:
            if name.lower() in present:
                continue
            if name == "Permissions-Policy" and g.get("allow_location"):
                value = LOCATION_PERMISSIONS_POLICY
            elif ancestors is not None and name == "Content-Security-Policy":
                value = _content_security_policy(app.config["TILE_ORIGIN"], ancestors)
            elif ancestors and name == "X-Frame-Options":
                continue
            headers.add(name, value)
        if request.path.startswith(PRIVATE_PREFIXES):
            headers["Cache-Control"] = "no-store"
        _add_vary_cookie(headers)
        return response
