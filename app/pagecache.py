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
from app.httpcache import (
    LIVE_GENERATION_KEY,
    Recent,
    cache_key,
    current_generation,
    new_generation,
    pack_page,
    query_key,
    unpack_page,
)

P = ParamSpec("P")
_DIRTY = "vigil_pagecache_dirty"
_LIVE_DIRTY = "vigil_pagecache_live_dirty"
_IGNORED = "vigil_pagecache_ignored"
_LIVE = "vigil_pagecache_live"
_CANONICAL = "vigil_canonical_query"
_MEMORY = "vigil_pages"
# About 3 MB per worker: pages weigh 10-60 kB.
PAGES_IN_MEMORY = 64
PAGE_MEMORY_SECONDS = 5.0


def set_canonical_query(*queries: str) -> None:
    """Name ``queries`` as the spellings of this request's filters (app.events.filters).

    A page requested with exactly the arguments of one of them may be cached.
    """
    g.setdefault(_CANONICAL, frozenset(query_key(query) for query in queries))


def ignore_models(app: Flask, *models: type[Any]) -> None:
    """Changes to rows of ``models`` leave the cached pages of ``app`` alone.

    For data no cached page shows, registered by the feature that owns it
    (app.rsvp: the mail outbox).
    """
    _register(app, _IGNORED, models)


def live_models(app: Flask, *models: type[Any]) -> None:
    """Changes to rows of ``models`` renew only the *live* pages (``cached_live_page``).

    For data that changes often and shows only there (app.rsvp: the counts of an
    event page): an RSVP rush must not empty the rest of the page cache.
    """
    _register(app, _LIVE, models)


def live_data_written() -> None:
    """Say that this transaction wrote rows of live models with SQL statements.

    ``live_models`` sees only rows written through the ORM session; the RSVP insert
    of a rush is a single statement (app.rsvp.services).
    """
    db.session.info[_LIVE_DIRTY] = True


def _register(app: Flask, name: str, models: tuple[type[Any], ...]) -> None:
    known: tuple[type[Any], ...] = app.extensions.get(name, ())
    app.extensions[name] = tuple(dict.fromkeys((*known, *models)))


def _mark_dirty(session_: Session, *_args: Any) -> None:
    not_shown: tuple[type[Any], ...] = current_app.extensions.get(_IGNORED, ())
    live: tuple[type[Any], ...] = current_app.extensions.get(_LIVE, ())
    for obj in (*session_.new, *session_.dirty, *session_.deleted):
        if isinstance(obj, live):
            session_.info[_LIVE_DIRTY] = True
        elif not isinstance(obj, not_shown):
            session_.info[_DIRTY] = True


def _after_commit(session_: Session) -> None:
    if session_.info.pop(_DIRTY, False):
        new_generation()
    if session_.info.pop(_LIVE_DIRTY, False):
        new_generation(LIVE_GENERATION_KEY)


def _after_rollback(session_: Session, _previous_transaction: Any) -> None:
    session_.info.pop(_DIRTY, None)
    session_.info.pop(_LIVE_DIRTY, None)


def _cacheable() -> bool:
    # An empty session: anonymous, no flashed message, no form token issued.
    return request.method == "GET" and not session


def cached_page(view: Callable[P, Any]) -> Callable[P, Any]:
    """Serve ``view``'s 200 HTML from the cache for anonymous visitors."""
    return _caching(view, query_matters=True, live=False)


def cached_live_page(view: Callable[P, Any]) -> Callable[P, Any]:
    """``cached_page`` for a page that shows RSVP counts and reads no query string.

    Kept under the live generation too (``live_models``), so a count is never older
    than ``GENERATION_RECHECK`` (app.httpcache) in any worker, and a worker builds it
    at most once a second however fast RSVPs come. Any query string (a messenger's
    ``?fbclid=…``) gets the page as without one: an event page shared to thousands at
    once is built once, whatever links they followed.
    """
    return _caching(view, query_matters=False, live=True)


def _caching(view: Callable[P, Any], query_matters: bool, live: bool) -> Callable[P, Any]:
    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
        if not _cacheable():
            return view(*args, **kwargs)
        raw = request.query_string.decode("utf-8", "replace") if query_matters else ""
        query = query_key(raw)
        name = f"{request.path}?{query}"
        if live:
            name = f"{current_generation(LIVE_GENERATION_KEY)}:{name}"
        key = cache_key("page", name)
        memory: Recent[str] = current_app.extensions[_MEMORY]
        cached = memory.get(key)
        if cached is None:
            cached = unpack_page(cache.get(key))
            if cached is not None:
                memory.put(key, cached)
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
            memory.put(key, result)
        return result

    return wrapper


def init_app(app: Flask) -> None:
    """Replace the generation (app.httpcache) after every commit that changed something.

    Each worker also keeps its last ``PAGES_IN_MEMORY`` pages, each for at most
    ``PAGE_MEMORY_SECONDS``: a page asked for again (the shared event page of a rush)
    costs no round trip to the cache, and what changes without a new generation (dates
    that pass) stays within ``PAGE_CACHE_SECONDS`` + ``PAGE_MEMORY_SECONDS`` of the truth.
    """
    size = PAGES_IN_MEMORY if app.config["PAGE_CACHE_SECONDS"] else 0
    app.extensions[_MEMORY] = Recent[str](size, PAGE_MEMORY_SECONDS)
    target = db.session
    if not event.contains(target, "before_flush", _mark_dirty):
        event.listen(target, "before_flush", _mark_dirty)
        event.listen(target, "after_commit", _after_commit)
        event.listen(target, "after_soft_rollback", _after_rollback)
