"""Declarative base, the UTC column type and per-connection SQLite settings."""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

from flask import has_request_context, request
from sqlalchemy import DateTime, Engine, Enum, MetaData, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Named constraints let Alembic's batch mode alter them on SQLite (STYLE.md rule 13).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every model; its metadata carries the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored in UTC; refuses naive datetimes.

    SQLite silently drops the offset of an aware datetime (a two-hour error in
    Berlin summer), so values are converted to UTC before they are stored and
    come back as aware UTC datetimes on every database.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("UTCDateTime refuses a naive datetime; attach a time zone first.")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_type(members: type[enum.Enum], *, length: int, name: str) -> Enum:
    """A closed set (STYLE.md rule 3): a VARCHAR of ``length`` with a CHECK named ``name``.

    The column stores each member's *value* ("draft"), as every row written before
    the enums did; SQLAlchemy's default would store the member's name ("DRAFT").
    No native database enum: adding a member then needs no ``ALTER TYPE``, only a
    new CHECK. The CHECK is named ``ck_<table>_<name>`` by the naming convention,
    and rows load as members of ``members``.
    """
    return Enum(
        members,
        native_enum=False,
        create_constraint=True,
        values_callable=_member_values,
        length=length,
        name=name,
    )


def _member_values(members: type[enum.Enum]) -> list[str]:
    return [str(member.value) for member in members]


# Methods that change nothing (RFC 9110 "safe"): their transactions only read.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_writing: ContextVar[bool] = ContextVar("vigil_sqlite_writing", default=False)
_P = ParamSpec("_P")
_R = TypeVar("_R")


@contextmanager
def writer_transactions() -> Iterator[None]:
    """Within the block, each transaction begun on SQLite takes the write lock first.

    For work outside a request that writes (CLI commands): see ``configure_sqlite``.
    Changes nothing on other databases.
    """
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


def writes_database(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``func`` inside ``writer_transactions()``: the decorator of CLI commands that write."""

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with writer_transactions():
            return func(*args, **kwargs)

    return wrapper


def _takes_write_lock(conn: Any) -> bool:
    """Whether the transaction ``conn`` begins now must start with ``BEGIN IMMEDIATE``."""
    if conn.get_execution_options().get("sqlite_immediate", False) or _writing.get():
        return True
    return has_request_context() and request.method not in SAFE_METHODS


def configure_sqlite(engine: Engine) -> None:
    """Apply Vigil's settings to every SQLite connection of ``engine``.

    - ``secure_delete`` is per connection, so deleted e-mails would otherwise
      survive in the file (design/security.md §3.2, T51);
    - foreign keys are off by default in SQLite;
    - WAL lets readers run while one writer writes;
    - the driver's own implicit transactions are turned off so that we emit
      ``BEGIN`` ourselves, and ``BEGIN IMMEDIATE`` where a transaction may write:
      in every request with an unsafe method (POST…), inside
      ``writer_transactions()`` (CLI commands that write), and when a caller asks
      for the lock (execution option ``sqlite_immediate``, app.rsvp.services).
      A deferred transaction that reads and then writes cannot wait for the write
      lock: SQLite answers SQLITE_BUSY at once, without the busy timeout, when
      another connection writes (eight organizers creating events at once got a
      500 on 181 of 481 requests). ``BEGIN IMMEDIATE`` waits for the lock, up to
      the busy timeout, before the transaction reads anything; writers take
      turns, readers never wait.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA foreign_keys=ON",
            "PRAGMA secure_delete=ON",
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA busy_timeout=15000",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _takes_write_lock(conn) else "BEGIN")
