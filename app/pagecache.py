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

A page with a query string is stored only when the string holds exactly the page's
canonical filters (``set_canonical_query``: in any order, defaults given or left out);
unknown parameters and other spellings are rendered each time, and rendering a page
with a query string the cache cannot answer is rate limited per client
(``PAGE_BUILD_RATE_LIMIT``), so one client adds a bounded number of pages.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec

from flask import Flask, current_app, g, request, session
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import cache, db, limiter
from app.httpcache import cache_key, new_generation, pack_page, query_key, unpack_page

P = ParamSpec("P")
_DIRTY = "vigil_pagecache_dirty"
_IGNORED = "vigil_pagecache_ignored"
_CANONICAL = "vigil_canonical_query"


def set_canonical_query(*queries: str) -> None:
    """Name ``queries`` as the spellings of this request's filters (app.events.filters).

    A page requested with exactly the arguments of one of them may be cached.
    """
    g.setdefault(_CANONICAL, frozenset(query_key(query) for query in queries))


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
        query = query_key(request.query_string.decode("utf-8", "replace"))
        key = cache_key("page", f"{request.path}?{query}")
        cached = unpack_page(cache.get(key))
        if cached is not None:
            return cached
        if query:
            # Filters, or made-up arguments, the cache cannot answer: a render each.
            with limiter.limit(lambda: current_app.config["PAGE_BUILD_RATE_LIMIT"]):
                result = view(*args, **kwargs)
        else:
            result = view(*args, **kwargs)
        # Only a plain 200 page, only if rendering put nothing in the session, and only
        # for the canonical spelling of its arguments.
        canonical = not query or query in g.get(_CANONICAL, ())
        if isinstance(result, str) and not session and canonical:
            cache.set(key, pack_page(result))
        return result

    return wrapper


def init_app(app: Flask) -> None:
    """Replace the generation (app.httpcache) after every commit that changed something."""
    target = db.session
    if not event.contains(target, "before_flush", _mark_dirty):
        event.listen(target, "before_flush", _mark_dirty)
        event.listen(target, "after_commit", _after_commit)
        event.listen(target, "after_soft_rollback", _after_rollback)
