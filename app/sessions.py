"""Sessions: the signed cookie, except on answers that are the same for everyone.

The JSON API (``/api/``) and the embeds (``/embed/``) are public data, shared by every
visitor and kept by shared caches. They must neither know nor change who the visitor
is here: a signed-in organizer's permanent session is refreshed by every answer that
opens it, and a ``Set-Cookie`` on a ``public`` answer could be kept by a proxy and
handed to others. There they get an empty session that is never saved.
"""

from __future__ import annotations

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin

COOKIELESS_PREFIXES = ("/api/", "/embed/")


class DetachedSession(SecureCookieSession):
    """An empty session that is never saved, whatever a view or extension writes to it.

    Flask sets a cookie only for a modified (or permanent) session and adds ``Vary:
    Cookie`` only for an accessed one; this one is none of them.
    """

    @property
    def modified(self) -> bool:
        return False

    @modified.setter
    def modified(self, _value: bool) -> None:
        pass

    @property
    def accessed(self) -> bool:
        return False

    @accessed.setter
    def accessed(self, _value: bool) -> None:
        pass

    @property
    def permanent(self) -> bool:
        return False

    @permanent.setter
    def permanent(self, _value: bool) -> None:
        pass


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, detached on the cookie-free paths."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith(COOKIELESS_PREFIXES):
            return DetachedSession()
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            # Most visitors have no session: Flask would build the signing serializer
            # (key derivation included) before finding that out.
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not session and not session.modified:
            # Nothing to write. Flask would still add "Vary: Cookie" for a session that
            # was looked at (by parsing and rewriting the header); every answer has it
            # already (app.web).
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
