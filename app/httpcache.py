"""HTTP caching: one set of rules for every document that is built once and fetched often.

Used by the feeds (app.feeds), the map's markers and city labels (app.maps) and the
page cache (app.pagecache), so a rule is right everywhere at once (STYLE.md rule 15):

- **Keys.** An entry is kept under the data *generation*, which every commit that
  changes data replaces (app.pagecache decides which commits do), the page language
  and, for documents that also change with time alone, the day or the hour. No change
  can make an entry stale, so none is ever deleted: old ones expire.
- **Aliases.** A document's validators are also kept under the raw path and query
  string of the request, so a repeated request (a calendar app polling, a map
  reloaded) is answered without reading its filters and without SQL, and a 304
  without reading the document; other spellings of the same filters share one build.
- **Validators.** A strong ETag per encoding: the SHA-256 of the body, with ``-gzip``
  for the gzip representation (RFC 9110 §8.8.3.3: each encoding is a representation
  of its own). ``Last-Modified`` for dated kinds: when the document first had its
  body (see ``_first_served``).
- **Conditional requests** (RFC 9110 §13.2.2): If-Match compares strongly (412);
  If-None-Match compares weakly (``W/"x"`` matches ``"x"``) and takes precedence
  over If-Modified-Since (304).
- **HEAD** gets GET's answer: Flask routes HEAD to the GET view and Werkzeug sends
  the headers (Content-Length included) without the body.
- **gzip.** A gzip kind is stored compressed, sent as it is to clients that accept
  gzip and unpacked for the others; ``Vary`` names Accept-Encoding then, and
  Accept-Language for documents in the page language (their keys hold it).
- **Recent documents.** Each worker keeps its last few documents of a kind, so a
  repeated request need not fetch a few hundred kilobytes from Redis, and its last
  aliases, so a repeated request (a 304 above all) needs no round trip at all.
- **Bounded.** Only a request whose query string holds exactly its canonical filters
  (in any order) gets an alias or a cached page; other spellings (unknown parameters,
  ``?junk=1``) are answered from the canonical entry and store nothing. Builds are
  rate limited per client by each feature, so one client adds a bounded number of
  entries; Redis' ``maxmemory`` bounds them all (README, Deploying).
- **Stored as bytes** (app.cachestore: nothing read from the cache is unpickled):
  a document is a short JSON header line and its body as it is, so reading one parses
  a few dozen bytes of JSON, never the body. An entry that does not decode is a miss.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, NamedTuple, Protocol, TypeVar
from urllib.parse import parse_qsl, urlencode

from flask import Flask, Response, current_app, request
from flask_babel import get_locale

from app.cachestore import RedisBytesCache
from app.clock import now_utc
from app.extensions import cache

T = TypeVar("T")
GENERATION_KEY = "page-generation"
# The generation of what changes often and shows only on some pages (RSVP counts:
# app.pagecache, "live" pages).
LIVE_GENERATION_KEY = "live-generation"
# A few hundred bytes each: the polled feeds, the map's data in a few languages.
ALIASES_IN_MEMORY = 512
# How long a worker trusts its copy of a generation before asking the cache again.
GENERATION_RECHECK = 1.0


class _Generation:
    """This process's view of the current value of one generation, one per app."""

    value: str | None = None
    checked_at = 0.0


def _known(name: str) -> _Generation:
    generations: dict[str, _Generation] = current_app.extensions["vigil_generation"]
    known = generations.get(name)
    if known is None:
        known = generations[name] = _Generation()
    return known


def current_generation(name: str = GENERATION_KEY) -> str:
    """The data generation: replaced after each commit that changed data.

    A worker trusts its copy for ``GENERATION_RECHECK`` seconds, so a change made in
    another worker shows here within that time (at once in the worker that made it).
    """
    known = _known(name)
    now = time.monotonic()
    if known.value is None or now - known.checked_at > GENERATION_RECHECK:
        value = _text(cache.get(name))
        if value is None:
            value = secrets.token_hex(8)
            cache.set(name, value.encode(), timeout=0)
        known.value, known.checked_at = value, now
    return known.value


def new_generation(name: str = GENERATION_KEY) -> None:
    """Make every cached entry unreachable (called after each commit that changed data)."""
    value = secrets.token_hex(8)
    cache.set(name, value.encode(), timeout=0)
    known = _known(name)
    known.value, known.checked_at = value, time.monotonic()


def _version(period: str, language: bool = True) -> str:
    when = now_utc().strftime(period) if period else ""
    return f"{current_generation()}:{when}:{get_locale() if language else ''}"


def cache_key(prefix: str, name: str, period: str = "") -> str:
    """The key of ``name`` now: under the generation, the clock ``period`` and the language.

    ``period`` is a ``strftime`` format of the UTC clock for what also changes with
    time alone ("%Y%m%d%H": a new key every hour); "" for what changes only with data.
    """
    return f"{prefix}:{_version(period)}:{name}"


@dataclass(frozen=True)
class Kind:
    """How one kind of document is cached and served.

    ``period``: see ``cache_key``. ``seconds``: how long the shared cache keeps it.
    ``gzip_level``: stored gzip-compressed at that level (None: as built). ``dated``:
    it has a Last-Modified. ``recent``: how many of them each worker keeps in memory.
    ``language``: it is written in the page language (its keys hold the language,
    ``Vary`` names Accept-Language).
    """

    name: str
    content_type: str
    cache_control: str
    period: str = ""
    seconds: int = 3600
    gzip_level: int | None = None
    dated: bool = False
    recent: int = 0
    language: bool = True


class Built(NamedTuple):
    """A freshly built body and the newest change inside it (its Last-Modified floor)."""

    body: bytes
    newest: datetime | None = None


class Document(NamedTuple):
    """A document as stored: its body (gzip for gzip kinds) and validators."""

    etag: str  # SHA-256 of the uncompressed body, hex
    body: bytes
    last_modified: datetime | None = None


class _Validators(NamedTuple):
    """What an alias holds: where the document is kept, and enough to answer a 304."""

    key: str
    etag: str
    last_modified: datetime | None


class Source(Protocol):
    """What a request asks for, as ``serve`` needs it."""

    def canonical(self) -> str:
        """The request's document in one spelling (filters in a fixed order).

        May abort, e.g. 400 for invalid filters. Called when the raw query string
        is not known yet, and on a build of a dated kind (it names the document's
        first-served date).
        """

    def build(self) -> Built:
        """Build the document (from the database); may abort (404, 429)."""


def make_document(kind: Kind, body: bytes, last_modified: datetime | None = None) -> Document:
    """``body`` as ``kind`` stores it, with its strong ETag."""
    etag = hashlib.sha256(body).hexdigest()
    if kind.gzip_level is not None:
        body = gzip.compress(body, compresslevel=kind.gzip_level)
    return Document(etag, body, last_modified)


def serve(kind: Kind, source: Source, headers: Mapping[str, str] | None = None) -> Response:
    """Answer this GET or HEAD with ``source``'s document, built at most once per key.

    A request whose raw path and query string were seen under this version is
    answered from the alias: 304/412 from it alone, 200 from this worker's memory or
    the shared cache. Otherwise ``source.canonical()`` names the document (and may
    abort); ``source.build()`` runs on a miss. ``headers`` are added to every answer.
    """
    version = _version(kind.period, kind.language)
    query = query_key(request.query_string.decode("utf-8", "replace"))
    alias = f"{kind.name}-raw:{version}:{request.path}?{query}"
    aliases: Recent[_Validators] = current_app.extensions["vigil_aliases"]
    known = aliases.get(alias)
    if known is None:
        known = _unpack_validators(cache.get(alias))
        if known is not None:
            aliases.put(alias, known)
    document: Document | None = None
    canonical: str | None = None
    if known is not None:
        status = _precondition(kind, known.etag, known.last_modified)
        if status is not None:
            response = _response(kind, known.etag, known.last_modified, headers)
            response.status_code = status
            return response
        key = known.key
        document = _recent(kind).get(key)
    else:
        canonical = source.canonical()
        key = f"{kind.name}:{version}:{canonical}"
    if document is None:
        document = unpack_document(cache.get(key))
        if document is None:
            document = _build(kind, source)
            cache.set(key, _pack_document(document), timeout=kind.seconds)
        validators = _Validators(key, document.etag, document.last_modified)
        # Only the canonical spelling gets an alias: one per document, not one per
        # query string a client can make up (a name that is not a query string, as one
        # event's file has, allows only the empty query).
        is_canonical = canonical is None or query in ("", query_key(canonical))
        if known != validators and is_canonical:
            cache.set(alias, _pack_validators(validators), timeout=kind.seconds)
            aliases.put(alias, validators)
    _recent(kind).put(key, document)
    return respond(kind, document, headers)


def respond(kind: Kind, document: Document, headers: Mapping[str, str] | None = None) -> Response:
    """Answer this GET or HEAD with ``document`` (``serve``, or a document held in memory).

    412 or 304 when the request's conditions say so; else the body: for a gzip kind
    as stored to clients that accept gzip, unpacked for the others.
    """
    status = _precondition(kind, document.etag, document.last_modified)
    response = _response(kind, document.etag, document.last_modified, headers)
    if status is not None:
        response.status_code = status
    elif kind.gzip_level is None:
        response.set_data(document.body)
    elif _accepts_gzip():
        response.set_data(document.body)
        response.content_encoding = "gzip"
    else:
        response.set_data(gzip.decompress(document.body))
    return response


def _accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def _representation_etag(kind: Kind, etag: str) -> str:
    # Each encoding is its own representation, with its own strong validator.
    return f"{etag}-gzip" if kind.gzip_level is not None and _accepts_gzip() else etag


def _precondition(kind: Kind, etag: str, last_modified: datetime | None) -> int | None:
    """412 or 304 if the request's conditions say so (RFC 9110 §13.2.2), else None."""
    tag = _representation_etag(kind, etag)
    if request.if_match and not request.if_match.contains(tag):
        return 412
    if request.if_none_match:
        # If-None-Match compares weakly (RFC 9110 §13.1.2) and overrides the date.
        return 304 if request.if_none_match.contains_weak(tag) else None
    since = request.if_modified_since
    if since is not None and last_modified is not None:
        # The header has whole seconds.
        return 304 if last_modified.replace(microsecond=0) <= since else None
    return None


def _response(
    kind: Kind, etag: str, last_modified: datetime | None, headers: Mapping[str, str] | None
) -> Response:
    response = Response(content_type=kind.content_type)
    response.set_etag(_representation_etag(kind, etag))
    if last_modified is not None:
        response.last_modified = last_modified
    response.headers["Cache-Control"] = kind.cache_control
    if headers:
        response.headers.update(headers)
    # Written as text: Response.vary parses the header into a set and quotes it back.
    vary = [
        *(("Accept-Encoding",) if kind.gzip_level is not None else ()),
        *(("Accept-Language",) if kind.language else ()),
    ]
    if vary:
        response.headers["Vary"] = ", ".join(vary)
    return response


def _build(kind: Kind, source: Source) -> Document:
    built = source.build()
    document = make_document(kind, built.body)
    if not kind.dated:
        return document
    seen = f"{kind.name}-seen:{get_locale() if kind.language else ''}:{source.canonical()}"
    first = _first_served(seen, document.etag, built.newest, timeout=4 * kind.seconds)
    return document._replace(last_modified=first)


def _first_served(seen: str, etag: str, newest: datetime | None, timeout: int) -> datetime:
    """When the document named ``seen`` first had the body ``etag``: its Last-Modified.

    Not simply the newest change inside the body: that goes back in time when an
    item leaves the document (an event unpublished, moved to another city, over), so
    clients that only send If-Modified-Since would get 304 for a changed document.
    Never earlier than ``newest`` (an edit stamped ahead of this clock).
    """
    found = _unpack(cache.get(seen), _SEEN)
    if found is not None and isinstance(found[0], list) and len(found[0]) == 2:
        known_etag, at = found[0]
        first = _datetime(at)
        if known_etag == etag and first is not None:
            return first
    first = max(now_utc(), newest) if newest is not None else now_utc()
    # Kept longer than the documents it dates, so a rebuilt document keeps its date.
    cache.set(seen, _pack(_SEEN, [etag, first.isoformat()]), timeout=timeout)
    return first


def query_key(query: str) -> str:
    """``query`` (a query string) in one order, blank values left out.

    How aliases and cached pages name a request: the same filters in another order
    share an entry. Compared with the canonical filters to decide what may be stored.
    """
    return urlencode(sorted(parse_qsl(query)))


# What is stored (app.cachestore keeps bytes): a tag, a JSON header line, and for
# documents and pages the body as it is. Each reader checks what it reads: a value it
# does not recognise (planted, or from another version) is a miss.
_DOCUMENT, _ALIAS, _SEEN, _PAGE = b"D1", b"A1", b"S1", b"P1"
# Longer headers are not ours (a page's script hashes are the longest).
_HEADER_MAX = 4096
_TEXT = re.compile(rb"[\w-]{1,64}", re.ASCII)


def _pack(tag: bytes, header: Any, body: bytes = b"") -> bytes:
    return tag + json.dumps(header, separators=(",", ":")).encode() + b"\n" + body


def _unpack(raw: object, tag: bytes) -> tuple[Any, bytes] | None:
    """The header and body of a value packed with ``tag``; None if it is anything else."""
    if not isinstance(raw, bytes) or not raw.startswith(tag):
        return None
    end = raw.find(b"\n", len(tag), len(tag) + _HEADER_MAX)
    if end < 0:
        return None
    try:
        header = json.loads(raw[len(tag) : end])
    except ValueError:
        return None
    return header, raw[end + 1 :]


def _text(raw: object) -> str | None:
    """A short ASCII value (the generation) as text; None if it is anything else."""
    if not isinstance(raw, bytes) or _TEXT.fullmatch(raw) is None:
        return None
    return raw.decode("ascii")


def _datetime(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _pack_document(document: Document) -> bytes:
    return _pack(_DOCUMENT, [document.etag, _iso(document.last_modified)], document.body)


def unpack_document(raw: object) -> Document | None:
    """A document as the cache stores it; None for anything else (a miss)."""
    found = _unpack(raw, _DOCUMENT)
    if found is None or not isinstance(found[0], list) or len(found[0]) != 2:
        return None
    (etag, modified), body = found
    last_modified = _datetime(modified)
    if not isinstance(etag, str) or (modified is not None and last_modified is None):
        return None
    return Document(etag, body, last_modified)


def _pack_validators(validators: _Validators) -> bytes:
    return _pack(_ALIAS, [validators.key, validators.etag, _iso(validators.last_modified)])


def _unpack_validators(raw: object) -> _Validators | None:
    found = _unpack(raw, _ALIAS)
    if found is None or not isinstance(found[0], list) or len(found[0]) != 3:
        return None
    key, etag, modified = found[0]
    last_modified = _datetime(modified)
    if not isinstance(key, str) or not isinstance(etag, str):
        return None
    if modified is not None and last_modified is None:
        return None
    return _Validators(key, etag, last_modified)


def pack_page(html: str) -> bytes:
    """A rendered page as the cache stores it."""
    return _pack(_PAGE, None, html.encode())


def unpack_page(raw: object) -> str | None:
    """What ``pack_page`` stored; None for anything else (a miss)."""
    found = _unpack(raw, _PAGE)
    if found is None:
        return None
    try:
        return found[1].decode()
    except UnicodeDecodeError:
        return None


class Recent(Generic[T]):
    """A worker's copies of its last ``size`` entries of one sort, by cache key.

    Documents, their aliases (app.httpcache) and pages (app.pagecache). A key names a
    generation, a period, a language and a request, so a copy is never out of date;
    ``seconds`` bounds how long one is kept for what also changes without a new
    generation (a page's "upcoming"). A locked update: gunicorn's workers have one
    thread, ``flask run`` does not.
    """

    def __init__(self, size: int, seconds: float | None = None) -> None:
        self.size, self.seconds = size, seconds
        self.entries: OrderedDict[str, tuple[float, T]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> T | None:
        entry = self.entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        with self.lock:
            if key in self.entries:  # the most used stay: the shared page of a rush
                self.entries.move_to_end(key)
        return entry[1]

    def put(self, key: str, value: T) -> None:
        if self.size <= 0:
            return
        until = time.monotonic() + self.seconds if self.seconds is not None else math.inf
        with self.lock:
            self.entries[key] = (until, value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


def _recent(kind: Kind) -> Recent[Document]:
    memories: dict[str, Recent[Document]] = current_app.extensions["vigil_recent"]
    memory = memories.get(kind.name)
    if memory is None:
        memory = memories[kind.name] = Recent[Document](kind.recent)
    return memory


def init_app(app: Flask) -> None:
    """Give ``app`` its view of the generations and its workers' recent documents.

    When the cache's Redis answers again after an outage, the generations are dropped
    (new ones are made on the next read): commits made meanwhile could not replace
    them, so entries kept from before would otherwise be served as current.
    """
    app.extensions["vigil_generation"] = {}
    app.extensions["vigil_recent"] = {}
    app.extensions["vigil_aliases"] = Recent[_Validators](ALIASES_IN_MEMORY)
    backend = app.extensions["cache"][cache]
    if isinstance(backend, RedisBytesCache):
        backend.on_recovery.append(lambda: backend.delete_many(GENERATION_KEY, LIVE_GENERATION_KEY))
