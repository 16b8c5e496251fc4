"""Absolute URLs: every link that leaves the page is built on ``VIGIL_BASE_URL``.

Feeds (URL, SOURCE, descriptions), subscribe and webcal links, e-mails (notices,
manage links, invitations) and anything later (Open Graph, an API) take their
address from here, never from the request: a request's Host and scheme are what
the client says, so a link built on them can point anywhere, and a cached feed or
page would carry it to everyone (STYLE.md rule 15: one home for absolute URLs).

Flask's ``SERVER_NAME`` would also fix the host, but not the scheme inside a
request (it comes from the request, or from a proxy's header), and it changes how
requests are routed; the base URL builds links only. Requests for another host
are refused before they reach a view (``TRUSTED_HOSTS``, set in app.config).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import MapAdapter

_ADAPTER = "vigil_base_url_adapter"


def site_origin() -> str:
    """The site's origin, ``scheme://host[:port]`` without a slash (VIGIL_BASE_URL)."""
    origin: str = current_app.config["BASE_URL"]
    return origin


def _adapter() -> MapAdapter:
    # One adapter per app and base URL; building a URL does not change it.
    base = site_origin()
    known: tuple[str, MapAdapter] | None = current_app.extensions.get(_ADAPTER)
    if known is None or known[0] != base:
        parts = urlsplit(base)
        known = (base, current_app.url_map.bind(parts.netloc, url_scheme=parts.scheme))
        current_app.extensions[_ADAPTER] = known
    return known[1]


def absolute_url(endpoint: str, **values: Any) -> str:
    """The public address of ``endpoint`` (a full name such as ``events.show``).

    Built on VIGIL_BASE_URL whatever host or scheme the current request named, and
    also outside requests (a CLI command sending queued notices). Values that are
    not part of the route become the query string, as with ``url_for``. Raises
    werkzeug.routing.BuildError for an unknown endpoint or missing values.
    """
    current_app.inject_url_defaults(endpoint, values)
    url: str = _adapter().build(endpoint, values, force_external=True)
    return url
