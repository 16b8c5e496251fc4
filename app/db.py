"""Declarative base, the UTC column type and per-connection SQLite settings."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

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


def configure_sqlite(engine: Engine) -> None:
    """Apply Vigil's settings to every SQLite connection of ``engine``.

    - ``secure_delete`` is per connection, so deleted e-mails would otherwise
      survive in the file (design/security.md §3.2, T51);
    - foreign keys are off by default in SQLite;
    - WAL lets readers run while one writer writes;
    - the driver's own implicit transactions are turned off so that we emit
      ``BEGIN`` ourselves, and ``BEGIN IMMEDIATE`` when a caller asks for the
      write lock up front (execution option ``sqlite_immediate``).
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
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
