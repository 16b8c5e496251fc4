"""The one place that asks for the current time; tests freeze it with ``freeze``."""

from __future__ import annotations

from datetime import UTC, datetime

_frozen: datetime | None = None


def now_utc() -> datetime:
    """Return the current instant as an aware UTC datetime."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def freeze(instant: datetime | None) -> None:
    """Make ``now_utc`` return ``instant`` (aware) until called with None. Tests only."""
    global _frozen
    if instant is not None and instant.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = instant
