"""Liveness and readiness probes, answered before Flask's request machinery.

``/healthz`` says the process is up and serving: no database, Redis, session, locale
or hook is touched, so it costs about what a bare WSGI hello costs and a load
balancer may probe it as often as it likes. ``/readyz`` says this server can do its
work: the database answers, its schema is at Alembic's head, and Redis (rate limits
and cache) answers when it is configured; 503 names the check that failed.

Both are the same for every visitor and every Host (a load balancer probes by
address), carry no data, and are never cached (``Cache-Control: no-store``). Their
bodies name checks, never a host, URL or error text.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask
from sqlalchemy import text

from app.extensions import cache, db, limiter

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
_TEXT_HEADERS = [
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
]
_JSON_HEADERS = [
    ("Content-Type", "application/json"),
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
]
_OK = b"ok\n"


class Probes:
    """WSGI middleware: ``/healthz`` and ``/readyz`` for ``app``, everything else to ``wrapped``."""

    def __init__(self, app: Flask, wrapped: WSGIApplication, migrations: Path) -> None:
        self.app = app
        self.wrapped = wrapped
        self.migrations = migrations
        self._heads: frozenset[str] | None = None
        self._last_failed: tuple[str, ...] = ()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path == HEALTH_PATH:
            return _answer(environ, start_response, "200 OK", _TEXT_HEADERS, _OK)
        if path == READY_PATH:
            checks = self.checks()
            failed = tuple(name for name, state in checks.items() if state != "ok")
            self._log_change(failed)
            body = json.dumps(
                {"status": "unavailable" if failed else "ok", "checks": checks},
                separators=(",", ":"),
            ).encode()
            status = "503 Service Unavailable" if failed else "200 OK"
            return _answer(environ, start_response, status, _JSON_HEADERS, body + b"\n")
        return self.wrapped(environ, start_response)

    def checks(self) -> dict[str, str]:
        """Each check's state: "ok", or a word saying what is wrong (never error text)."""
        with self.app.app_context():
            results = self._database()
            if self.app.config["REDIS_URL"]:
                results["redis"] = "ok" if _redis_answers() else "unreachable"
        return results

    def _database(self) -> dict[str, str]:
        try:
            connection = db.engine.connect()
        except Exception:  # any driver's failure to connect is "unreachable"
            return {"database": "unreachable", "migrations": "unknown"}
        with connection:
            try:
                found = frozenset(
                    connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
                )
            except Exception:  # no alembic_version table yet: never migrated
                found = frozenset()
        return {"database": "ok", "migrations": "ok" if found == self.heads() else "not at head"}

    def heads(self) -> frozenset[str]:
        """The revisions at Alembic's head, read once from the migration scripts."""
        if self._heads is None:
            from alembic.script import ScriptDirectory

            self._heads = frozenset(ScriptDirectory(str(self.migrations)).get_heads())
        return self._heads

    def _log_change(self, failed: tuple[str, ...]) -> None:
        # One line when readiness changes, not one per probe.
        if failed != self._last_failed:
            if failed:
                log.warning("not ready: %s", ", ".join(failed))
            else:
                log.warning("ready again")
            self._last_failed = failed


def _redis_answers() -> bool:
    """Whether the rate limiter's and the cache's Redis databases both answer a ping."""
    if not limiter.storage.check():
        return False
    backend: Any = cache.cache
    ping: Callable[[], bool] | None = getattr(backend, "ping", None)
    return ping is None or ping()


def _answer(
    environ: WSGIEnvironment,
    start_response: StartResponse,
    status: str,
    headers: list[tuple[str, str]],
    body: bytes,
) -> Iterable[bytes]:
    method = environ.get("REQUEST_METHOD")
    if method not in {"GET", "HEAD"}:
        start_response(
            "405 Method Not Allowed",
            [*headers[1:], ("Allow", "GET, HEAD"), ("Content-Length", "0")],
        )
        return []
    start_response(status, [*headers, ("Content-Length", str(len(body)))])
    return [] if method == "HEAD" else [body]


def init_app(app: Flask, migrations: Path) -> None:
    """Answer the probes in front of ``app``'s WSGI application (and its other middleware)."""
    app.wsgi_app = Probes(app, app.wsgi_app, migrations)  # type: ignore[method-assign]
