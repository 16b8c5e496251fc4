"""One structured log line per request, and the request id that ties lines together.

Each request gets an id: the ``X-Request-ID`` a proxy in front sent, if it is a plain
token (8–64 letters, digits, ``.``, ``_``, ``-``: nothing that could carry a name or
break a log line), else a new random one. It is echoed in the response's
``X-Request-ID`` and kept in ``environ["vigil.request_id"]`` for other log lines.

After the app has answered, one JSON line goes to the ``app.access`` logger, e.g.::

    {"method":"GET","route":"/events/<slug>","status":200,"ms":3.1,"request_id":"9f…"}

``route`` is the URL rule's pattern, never the path, so neither a slug nor a token in
a path, nor a query string (which may hold a place), nor a client address, name or
e-mail is ever written (design/security.md decision 11). A request that matched no
route is ``null``. ``ms`` is the time until the app returned its answer.

Replaces gunicorn's access log, which writes the path (the Makefile and the README's
service run gunicorn without one).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from flask import Flask, request

if TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger("app.access")

REQUEST_ID_HEADER = "X-Request-ID"
ENVIRON_KEY = "vigil.request_id"
ROUTE_KEY = "vigil.route"
_VALID_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def request_id(incoming: str | None) -> str:
    """``incoming`` if it is a valid request id, else a new random one (64 bits, hex)."""
    if incoming is not None and _VALID_ID.fullmatch(incoming):
        return incoming
    return os.urandom(8).hex()


class RequestLog:
    """WSGI middleware: the request id and the access line (see the module docstring)."""

    def __init__(self, wrapped: WSGIApplication) -> None:
        self.wrapped = wrapped

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        rid = environ[ENVIRON_KEY] = request_id(environ.get("HTTP_X_REQUEST_ID"))
        status = "500"

        def start(
            line: str, headers: list[tuple[str, str]], exc_info: OptExcInfo | None = None, /
        ) -> Callable[[bytes], object]:
            nonlocal status
            status = line
            headers.append((REQUEST_ID_HEADER, rid))
            return start_response(line, headers, exc_info)

        try:
            return self.wrapped(environ, start)
        finally:
            if log.isEnabledFor(logging.INFO):
                log.info(_line(environ, status, started, rid))


def _line(environ: WSGIEnvironment, status: str, started: float, rid: str) -> str:
    # Built by hand, not with json.dumps of a dict (a quarter of the line's cost): the
    # method is one of _METHODS, the status digits and the id a checked token; only the
    # route, a pattern of our own, goes through the JSON encoder.
    ms = (time.perf_counter() - started) * 1000
    method = environ.get("REQUEST_METHOD", "")
    route = environ.get(ROUTE_KEY)
    return (
        f'{{"method":"{method if method in _METHODS else "OTHER"}",'
        f'"route":{"null" if route is None else json.dumps(route)},'
        f'"status":{int(status[:3]) if status[:3].isdigit() else 0},'
        f'"ms":{ms:.1f},"request_id":"{rid}"}}'
    )


class _Stderr(logging.Handler):
    """Writes to the current ``sys.stderr`` (the service's journal), one record a line."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:  # logging must never break a request
            self.handleError(record)


def init_app(app: Flask) -> None:
    """Wrap ``app``'s WSGI application; send ``app.access`` lines to stderr once per process.

    gunicorn configures no handler for the app's loggers, so without one these INFO
    lines would be dropped. They also reach the root logger's handlers, if any, and
    follow ``VIGIL_LOG_LEVEL`` (WARNING leaves them out).
    """
    if not any(isinstance(handler, _Stderr) for handler in log.handlers):
        log.addHandler(_Stderr())

    @app.teardown_request
    def _remember_route(_error: BaseException | None) -> None:
        # Flask forgets the request when its context ends, before the line is written.
        rule = request.url_rule
        if rule is not None:
            request.environ[ROUTE_KEY] = rule.rule

    app.wsgi_app = RequestLog(app.wsgi_app)  # type: ignore[method-assign]
