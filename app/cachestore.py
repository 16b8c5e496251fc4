"""Cache backends that store bytes only: nothing read back from the cache can run code.

Flask-Caching's Redis and file caches pickle what they store, so anyone who can write
to Redis (or to the cache directory) could make the app run code of their choosing
when it reads an entry (``pickle.loads``). These backends keep the same storage but
with a serializer of bytes: a value is bytes (or str, stored as UTF-8, or an int, which
the file cache uses for its own entry count), written with a one-byte tag, and read
back as bytes (or int). Anything else found under a key, a pickle included, reads as
a miss. What the bytes mean is decided by their one reader, app.httpcache, which
checks them like any other untrusted input.

Selected by ``CACHE_TYPE`` (app.config).
"""

from __future__ import annotations

import pickle  # only its protocol constant, for the base classes' signatures
from typing import IO, Any, BinaryIO

from cachelib.serializers import FileSystemSerializer, RedisSerializer
from flask_caching.backends.filesystemcache import FileSystemCache
from flask_caching.backends.rediscache import RedisCache

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
    """Flask-Caching's Redis cache, storing bytes, never pickles."""

    serializer = RedisBytesSerializer()


class FileBytesCache(FileSystemCache):
    """Flask-Caching's file cache, storing bytes, never pickles."""

    serializer = FileBytesSerializer()
