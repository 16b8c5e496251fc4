"""Alembic migrations build exactly the models' schema (STYLE.md rule 13).

Runs on the suite's database: a fresh SQLite file, or a scratch schema in the
TEST_DATABASE_URL PostgreSQL database (so the shared schema is left alone).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app import PROJECT_ROOT
from app.extensions import db
from tests.conftest import TEST_DATABASE_URL, make_app

SCRATCH_SCHEMA = "vigil_migration_test"


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    engine = create_engine(TEST_DATABASE_URL)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCRATCH_SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCRATCH_SCHEMA}"))
    url = make_url(TEST_DATABASE_URL).update_query_dict(
        {"options": f"-csearch_path={SCRATCH_SCHEMA}"}
    )
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCRATCH_SCHEMA} CASCADE"))
        engine.dispose()


@pytest.fixture
def empty_app(empty_database_url: str) -> Iterator[Flask]:
    app = make_app(empty_database_url)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _differences() -> list[Any]:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, db.metadata))


def _tables() -> set[str]:
    with db.engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def test_upgrade_from_empty_matches_the_models(empty_app: Flask) -> None:
    assert _tables() == set()
    upgrade()
    assert _tables() == {table.name for table in db.metadata.sorted_tables} | {"alembic_version"}
    assert _differences() == []


def test_downgrade_to_base_and_upgrade_again(empty_app: Flask) -> None:
    upgrade()
    downgrade(revision="base")
    assert _tables() <= {"alembic_version"}
    upgrade()
    assert _differences() == []


def test_the_differences_check_can_fail(empty_app: Flask) -> None:
    upgrade()
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE stray (id INTEGER PRIMARY KEY)"))
    assert [diff[0] for diff in _differences()] == ["remove_table"]


def _scripts() -> ScriptDirectory:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(PROJECT_ROOT) / "migrations"))
    return ScriptDirectory.from_config(config)


def test_one_head() -> None:
    assert len(_scripts().get_heads()) == 1


def test_revision_files_are_named_by_date() -> None:
    names = [path.name for path in (Path(PROJECT_ROOT) / "migrations" / "versions").glob("*.py")]
    assert names
    pattern = re.compile(r"^\d{8}_\d{4}_[0-9a-f]+_[a-z0-9_]+\.py$")
    assert [name for name in names if not pattern.match(name)] == []
