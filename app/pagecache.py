"""Rendered public pages, cached for anonymous visitors until the data changes.

A public page costs tens of times more than a bare route (template, SQL,
date formatting); most visitors are anonymous and see the same HTML. Pages are
cached per path, query string and language under a *generation* that every
database commit replaces, so a change shows at once in the process that made
it and within ``GENERATION_RECHECK`` seconds in other workers. Pages for
signed-in users, or whose session holds anything (flashed messages), are never
cached or served from cache.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec

from flask import Flask, current_app, g, request, session
from flask_babel import get_locale
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import cache, db
from app.models import OutboxMessage, Rsvp
from app.web import script_hashes

P = ParamSpec("P")
GENERATION_KEY = "page-generation"
# How long a worker trusts its copy of the generation before asking the cache again.
GENERATION_RECHECK = 1.0
_DIRTY = "vigil_pagecache_dirty"


class _Generation:
    """This process's view of the current generation, one per app (its cache)."""

    value: str | None = None
    checked_at = 0.0


def _known() -> _Generation:
    known: _Generation = current_app.extensions["vigil_generation"]
    return known


def current_generation() -> str:
    known = _known()
    now = time.monotonic()
    if known.value is None or now - known.checked_at > GENERATION_RECHECK:
        value = cache.get(GENERATION_KEY)
        if not isinstance(value, str):
            value = secrets.token_hex(8)
            cache.set(GENERATION_KEY, value, timeout=0)
        known.value, known.checked_at = value, now
    return known.value


def new_generation() -> None:
    """Invalidate every cached page (called after each commit that changed data)."""
    value = secrets.token_hex(8)
    cache.set(GENERATION_KEY, value, timeout=0)
    known = _known()
    known.value, known.checked_at = value, time.monotonic()


# Changes no cached page shows: an RSVP rush must not empty the page cache.
_NOT_SHOWN = (Rsvp, OutboxMessage)


def _mark_dirty(session_: Session, *_args: Any) -> None:
    changed = (*session_.new, *session_.dirty, *session_.deleted)
    if any(not isinstance(obj, _NOT_SHOWN) for obj in changed):
        session_.info[_DIRTY] = True


def _after_commit(session_: Session) -> None:
    if session_.info.pop(_DIRTY, False):
        new_generation()


def _after_rollback(session_: Session, _previous_transaction: Any) -> None:
    session_.info.pop(_DIRTY, None)


def _cacheable() -> bool:
    # An empty session: anonymous, no flashed message, no form token issued.
    return request.method == "GET" and not session


def cached_page(view: Callable[P, Any]) -> Callable[P, Any]:
    """Serve ``view``'s 200 HTML from the cache for anonymous visitors."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
        if not _cacheable():
            return view(*args, **kwargs)
        key = f"page:{current_generation()}:{get_locale()}:{request.full_path}"
        cached = cache.get(key)
        if isinstance(cached, tuple):
            page, hashes = cached
            g.script_hashes = list(hashes)  # the page's inline scripts (app.web)
            return page
        result = view(*args, **kwargs)
        # Only a plain 200 page, and only if rendering put nothing in the session.
        if isinstance(result, str) and not session:
            cache.set(key, (result, tuple(script_hashes())))
        return result

    return wrapper


def init_app(app: Flask) -> None:
    """Replace the generation after every commit that changed something."""
    app.extensions["vigil_generation"] = _Generation()
    target = db.session
    if not event.contains(target, "before_flush", _mark_dirty):
        event.listen(target, "before_flush", _mark_dirty)
        event.listen(target, "after_commit", _after_commit)
        event.listen(target, "after_soft_rollback", _after_rollback)
