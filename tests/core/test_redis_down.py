"""Redis down: pages keep answering, limited writes answer 503 and write nothing, and
everything resumes when it is back, without a restart.

The app talks to the test Redis through a TCP proxy in this process that the test
closes (every connection dropped, new ones refused) and opens again on the same port.
Needs TEST_REDIS_URL; skipped without it, so `make test-fast` leaves it out.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import cachestore
from tests.conftest import TEST_REDIS_URL, csrf_token, login
from tests.events.forms import event_form, post_event
from tests.factories import PASSWORD, berlin_embassy, make_event, make_user
from tests.rsvp.pages import rsvp_count, rsvp_form

pytestmark = pytest.mark.skipif(not TEST_REDIS_URL, reason="needs TEST_REDIS_URL")

MESSAGE = "part of the site is not answering. Nothing was saved."


class RedisProxy:
    """A TCP proxy to Redis on a loopback port that can be closed and opened again."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = 0
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def open(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def close(self) -> None:
        """Refuse new connections and cut every open one, as a stopped Redis would."""
        if self._listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone would not.
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # closed
            server = socket.create_connection(self.upstream)
            with self._lock:
                self._sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def proxy() -> Iterator[RedisProxy]:
    parts = urlsplit(TEST_REDIS_URL or "")
    running = RedisProxy((parts.hostname or "127.0.0.1", parts.port or 6379))
    running.open()
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def app_overrides(proxy: RedisProxy) -> dict[str, Any]:
    parts = urlsplit(TEST_REDIS_URL or "")
    url = parts._replace(netloc=f"127.0.0.1:{proxy.port}").geturl()
    return {"REDIS_URL": url, "CACHE_REDIS_URL": url}


def _warnings(logs: pytest.LogCaptureFixture, name: str) -> list[str]:
    return [r.getMessage() for r in logs.records if r.name == name and r.levelname == "WARNING"]


def _visit(app: Flask, path: str) -> Any:
    """``path`` for a first-time visitor: no cookie, so cached pages may answer."""
    return app.test_client().get(path)


def _wait_for_retry() -> None:
    # The cache asks a Redis that was down again at most once per RETRY_AFTER.
    time.sleep(cachestore.RETRY_AFTER + 0.2)


def test_pages_answer_and_limited_writes_refuse_while_redis_is_down(
    app: Flask, client: FlaskClient, proxy: RedisProxy, app_logs: pytest.LogCaptureFixture
) -> None:
    venue = berlin_embassy()
    organizer = make_user()
    event = make_event(venue, organizer=organizer, title="Vigil before the outage", capacity=10)
    # An organizer signed in before the outage.
    organizer_client = app.test_client()
    assert login(organizer_client, organizer.email, PASSWORD).status_code == 303
    # Cached while Redis answers: the anonymous list and the event page.
    assert "Vigil before the outage" in _visit(app, "/events").get_data(as_text=True)
    assert "Vigil before the outage" in _visit(app, "/events").get_data(as_text=True)
    rsvp_token = csrf_token(client, f"/events/{event.slug}")
    login_token = csrf_token(client, "/auth/login")

    proxy.close()
    # Organizer forms need no rate limit: an edit is saved, though the cache cannot be
    # told of it (a new generation).
    edited = event_form(
        venue,
        title="Vigil during the outage",
        starts_at="2026-12-05T15:00",
        ends_at="2026-12-05T17:00",
        capacity="10",
    )
    edit = f"/organize/events/{event.id}/edit"
    assert post_event(organizer_client, edit, edited).status_code == 303

    for round_ in range(2):
        for path in ("/", "/events", f"/events/{event.slug}", "/map", "/healthz"):
            response = _visit(app, path)
            assert response.status_code == 200, (round_, path)
        if round_ == 0:
            _wait_for_retry()  # the second round asks Redis again: still no second warning
    assert "Vigil during the outage" in _visit(app, "/events").get_data(as_text=True)
    assert len(_warnings(app_logs, "app.cachestore")) == 1

    # An RSVP needs its rate limits: 503 with the message, nothing stored.
    response = client.post(
        f"/events/{event.slug}/rsvp", data={**rsvp_form(), "csrf_token": rsvp_token}
    )
    assert response.status_code == 503
    assert MESSAGE in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "60"
    assert rsvp_count() == 0
    # So does a sign-in, and a JSON API answer the cache cannot give.
    response = client.post(
        "/auth/login",
        data={"email": organizer.email, "password": PASSWORD, "csrf_token": login_token},
    )
    assert response.status_code == 503
    assert MESSAGE in response.get_data(as_text=True)
    api = _visit(app, "/api/v1/events")
    assert api.status_code == 503
    assert api.content_type == "application/problem+json"
    assert MESSAGE in json.loads(api.data)["detail"]
    # Readiness says which part is missing; liveness does not care.
    assert _visit(app, "/readyz").status_code == 503
    # Logged once per outage and process, never the server's address.
    assert len(_warnings(app_logs, "app.errors")) == 1
    assert "127.0.0.1" not in app_logs.text

    proxy.open()
    _wait_for_retry()
    assert _visit(app, "/readyz").status_code == 200
    response = client.post(
        f"/events/{event.slug}/rsvp", data={**rsvp_form(), "csrf_token": rsvp_token}
    )
    assert response.status_code == 303
    assert rsvp_count() == 1
    # The page cached before the outage is not served again: the generation was replaced.
    for _n in range(2):
        page = _visit(app, "/events").get_data(as_text=True)
        assert "Vigil during the outage" in page
        assert "Vigil before the outage" not in page
    assert _warnings(app_logs, "app.cachestore")[-1].startswith("the cache's Redis answers again")
