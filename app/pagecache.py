"""Rendered public pages, cached for anonymous visitors until the data changes.

A public page costs tens of times more than a bare route (template, SQL,
date formatting); most visitors are anonymous and see the same HTML. Pages are
cached per path, query string and language under the data *generation*
(app.httpcache, which keys every cached document) that this module replaces after
every commit that changed what pages show, so a change shows at once in the
process that made it and within ``GENERATION_RECHECK`` seconds in other workers
(app.httpcache). Pages for
signed-in users, or whose session holds anything (flashed messages), are never
cached or served from cache.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec

from flask import Flask, current_app, g, request, session
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import cache, db
from app.httpcache import cache_key, new_generation
from app.web import script_hashes

P = ParamSpec("P")
_DIRTY = "vigil_pagecache_dirty"
_IGNORED = "vigil_pagecache_ignored"


def ignore_models(app: Flask, *models: type[Any]) -> None:
    """Changes to rows of ``models`` leave the cached pages of ``app`` alone.

    For data no cached page shows, registered by the feature that owns it
    (app.rsvp: an RSVP rush must not empty the page cache).
    """
    known: tuple[type[Any], ...] = app.extensions.get(_IGNORED, ())
    app.extensions[_IGNORED] = tuple(dict.fromkeys((*known, *models)))


def _mark_dirty(session_: Session, *_args: Any) -> None:
    changed = (*session_.new, *session_.dirty, *session_.deleted)
    not_shown: tuple[type[Any], ...] = current_app.extensions.get(_IGNORED, ())
    if any(not isinstance(obj, not_shown) for obj in changed):
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
        key = cache_key("page", request.full_path)
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
    """Replace the generation (app.httpcache) after every commit that changed something."""
    target = db.session
    if not event.contains(target, "before_flush", _mark_dirty):
        event.listen(target, "before_flush", _mark_dirty)
        event.listen(target, "after_commit", _after_commit)
        event.listen(target, "after_soft_rollback", _after_rollback)
