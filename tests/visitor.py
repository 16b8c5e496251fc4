"""A visitor of a real server on a loopback port, without a browser: cookies and forms.

For the tests that start gunicorn (tests/core/test_sqlite_writers.py,
tests/core/test_two_servers.py). Redirects are not followed: the 303 itself is
usually what is under test.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        return None


@dataclass
class Visitor:
    """One browser: its own cookies, seen by the app at ``address`` (X-Forwarded-For).

    Paths are joined to ``base_url``; with none, they are whole URLs.
    """

    address: str
    base_url: str = ""
    timeout: float = 20
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        """GET ``path`` (POST ``data`` as a form if given): the status and the body."""
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(  # noqa: S310 - our own loopback servers
            self.base_url + path, data=body, headers={"X-Forwarded-For": self.address}
        )
        try:
            with opener.open(request, timeout=self.timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def csrf_token(self, path: str) -> str:
        """The token of the form on ``path``, or, for a cached event page, from its source."""
        status, page = self.request(path)
        assert status == 200, f"{path}: {status}"
        match = CSRF.search(page)
        if match:
            return match.group(1)
        # The RSVP form of a cached event page: its script fetches the token (app.rsvp.panels).
        status, answer = self.request(urllib.parse.urljoin(path, "/rsvp/token"))
        assert status == 200, f"no form on {path}"
        token: str = json.loads(answer)["csrf_token"]
        return token

    def post_form(self, path: str, data: dict[str, str], form_path: str | None = None) -> int:
        """POST ``data`` to ``path`` with the token of the form on ``form_path`` (or ``path``)."""
        token = self.csrf_token(form_path or path)
        return self.request(path, {**data, "csrf_token": token})[0]

    def copy(self) -> Visitor:
        """Another browser holding the same cookies."""
        jar = http.cookiejar.CookieJar()
        for cookie in self.jar:
            jar.set_cookie(cookie)
        return Visitor(self.address, self.base_url, self.timeout, jar)
