"""Cache backends that store bytes only: nothing read back from the cache can run code.

Flask-Caching's Redis and file caches pickle what they store, so anyone who can write
to Redis (or to the cache directory) could make the app run code of their choosing
when it reads an entry (``pickle.loads``). These backends keep the same storage but
with a serializer of bytes: a value is bytes (or str, stored as UTF-8, or an int, which
the file cache uses for its own entry count), written with a one-byte tag, and read
back as bytes (or int). Anything else found under a key, a pickle included, reads as
a miss. What the bytes mean is decided by their one reader, app.httpcache, which
checks them like any other untrusted input.

The Redis backend also outlives Redis: while its server does not answer, every read
is a miss and every write is dropped (pages are rendered and documents built as if
nothing were cached), one warning is logged per outage, and Redis is asked again at
most once a second per process. When it answers again, the ``on_recovery`` callbacks
run (app.httpcache replaces the generation: commits made meanwhile could not).

Selected by ``CACHE_TYPE`` (app.config).
"""

from __future__ import annotations

import logging
import pickle  # only its protocol constant, for the base classes' signatures
import time
from collections.abc import Callable
from datetime import timedelta
from typing import IO, Any, BinaryIO, TypeVar

from cachelib.serializers import FileSystemSerializer, RedisSerializer
from flask_caching.backends.filesystemcache import FileSystemCache
from flask_caching.backends.rediscache import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
T = TypeVar("T")
# While Redis is down, how long a process goes without asking it again.
RETRY_AFTER = 1.0

_BYTES = b"b"
_INT = b"i"


def dumps(value: Any) -> bytes:
    """``value`` tagged; TypeError for anything but bytes, str or int."""
    if isinstance(value, bytes):
        return _BYTES + value
    if isinstance(value, str):
        return _BYTES + value.encode()
    # Exactly int: a bool would read back as a number.
    if type(value) is int:
        return _INT + str(value).encode("ascii")
    raise TypeError(f"the cache stores bytes, str or int, not {type(value).__name__}")


def loads(raw: bytes | None) -> bytes | int | None:
    """What ``dumps`` wrote; None (a miss) for anything else, a pickle included."""
    if not raw:
        return None
    tag, data = raw[:1], raw[1:]
    if tag == _BYTES:
        return data
    if tag == _INT and data.isascii() and data.lstrip(b"-").isdigit():
        return int(data)
    return None


class RedisBytesSerializer(RedisSerializer):
    """``dumps``/``loads`` for Redis, in place of Flask-Caching's pickles."""

    def dumps(self, value: Any, protocol: int = pickle.HIGHEST_PROTOCOL) -> bytes:
        return dumps(value)

    def loads(self, value: bytes | None) -> Any:
        return loads(value)


class FileBytesSerializer(FileSystemSerializer):
    """``dumps``/``loads`` for cache files, in place of Flask-Caching's pickles."""

    def dump(self, value: Any, f: IO[bytes], protocol: int = pickle.HIGHEST_PROTOCOL) -> None:
        f.write(dumps(value))

    def load(self, f: BinaryIO) -> Any:
        return loads(f.read())


class RedisBytesCache(RedisCache):
    """Flask-Caching's Redis cache, storing bytes, never pickles; bypassed while Redis is down."""

    serializer = RedisBytesSerializer()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.down_since: float | None = None
        self._retry_at = 0.0
        self.on_recovery: list[Callable[[], None]] = []

    def _guarded(self, operation: Callable[[], T], fallback: T) -> T:
        """``operation()``, or ``fallback`` while Redis does not answer (see the module doc)."""
        if self.down_since is not None and not self._answers_again():
            return fallback
        try:
            return operation()
        except RedisError as error:
            now = time.monotonic()
            if self.down_since is None:
                self.down_since = now
                # The error's type only: its text names the server.
                log.warning(
                    "the cache's Redis does not answer (%s): serving without cache",
                    type(error).__name__,
                )
            self._retry_at = now + RETRY_AFTER
            return fallback

    def _answers_again(self) -> bool:
        """After an outage, at most once per RETRY_AFTER: whether Redis is back.

        If it is, the ``on_recovery`` callbacks run before the operation that asked, so
        that operation already sees what they changed.
        """
        now = time.monotonic()
        if now < self._retry_at:
            return False
        if not self.ping():
            self._retry_at = now + RETRY_AFTER
            return False
        log.warning("the cache's Redis answers again after %.0f s", now - (self.down_since or now))
        self.down_since = None
        for callback in self.on_recovery:
            callback()
        return True

    def ping(self) -> bool:
        """Whether Redis answers now (app.health); never raises, never waits for a retry."""
        try:
            return bool(self._read_client.ping())
        except RedisError:
            return False

    def get(self, key: str) -> Any:
        return self._guarded(lambda: super(RedisBytesCache, self).get(key), None)

    def get_many(self, *keys: str) -> list[Any]:
        return self._guarded(
            lambda: super(RedisBytesCache, self).get_many(*keys), [None] * len(keys)
        )

    def set(self, key: str, value: Any, timeout: int | timedelta | None = None) -> Any:
        return self._guarded(lambda: super(RedisBytesCache, self).set(key, value, timeout), False)

    def add(self, key: str, value: Any, timeout: int | timedelta | None = None) -> Any:
        return self._guarded(lambda: super(RedisBytesCache, self).add(key, value, timeout), False)

    def set_many(self, mapping: dict[str, Any], timeout: int | timedelta | None = None) -> Any:
        return self._guarded(lambda: super(RedisBytesCache, self).set_many(mapping, timeout), [])

    def delete(self, key: str) -> Any:
        return self._guarded(lambda: super(RedisBytesCache, self).delete(key), False)

    def delete_many(self, *keys: str) -> Any:
        return self._guarded(lambda: super(RedisBytesCache, self).delete_many(*keys), [])

    def has(self, key: str) -> Any:
        return self._guarded(lambda: super(RedisBytesCache, self).has(key), False)

    def inc(self, key: str, delta: int = 1) -> Any:
        return self._guarded(lambda: super(RedisBytesCache, self).inc(key, delta), None)


class FileBytesCache(FileSystemCache):
    """Flask-Caching's file cache, storing bytes, never pickles."""

    serializer = FileBytesSerializer()
