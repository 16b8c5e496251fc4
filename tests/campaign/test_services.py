"""Loading the statement file and pinning versions."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import PROJECT_ROOT
from app.campaign.queries import pinned_statement, statement_history
from app.campaign.services import (
    StatementFileError,
    load_statement_if_missing,
    parse_statement_file,
    pin_statement,
)
from app.extensions import db
from app.models import StatementVersion
from tests.factories import make_user

STATEMENT_FILE = PROJECT_ROOT / "data" / "statement.md"


def pinned_count() -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(StatementVersion).where(StatementVersion.is_pinned)
        )
        or 0
    )


def test_bundled_file_parses() -> None:
    data = parse_statement_file(STATEMENT_FILE)
    assert data.title == "So That the “Woman, Life, Freedom” Movement Does Not Die!"
    assert (
        data.subtitle == "A call for solidarity with the political prisoners of the Iranian regime"
    )
    assert data.byline.startswith("A statement in support of the protests in Iran")
    assert data.body.startswith("For more than three weeks, the world has seen a new face of Iran.")
    assert data.body.endswith("Long live international solidarity!")
    assert "first_published_by" not in data.body


def test_bundled_file_is_the_shared_copy() -> None:
    shared = Path("/work/shared/campaign/statement.md")
    if shared.exists():  # the shared folder is outside the repository
        assert STATEMENT_FILE.read_bytes() == shared.read_bytes()


def test_crlf_and_bom_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "s.md"
    path.write_bytes("\ufeff---\r\ntitle: T\r\n---\r\nline one\r\nline two\r\n".encode())
    data = parse_statement_file(path)
    assert (data.title, data.subtitle, data.byline) == ("T", "", "")
    assert data.body == "line one\nline two"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("title: T\n\nbody", "must start with a '---'"),
        ("---\ntitle: T\nbody without end", "no closing '---'"),
        ("---\ntitle: [unclosed\n---\nbody", "not valid YAML (line 2)"),
        ("---\n- a\n- b\n---\nbody", "'key: value' lines"),
        ("---\n---\nbody", "'key: value' lines"),
        ("---\nsubtitle: S\n---\nbody", "has no 'title'"),
        ("---\ntitle: ''\n---\nbody", "'title' is empty"),
        ("---\ntitle: 42\n---\nbody", "'title' in the front matter must be text"),
        ("---\ntitle: T\nbyline: [a]\n---\nbody", "'byline' in the front matter must be text"),
        ("---\ntitle: " + "x" * 201 + "\n---\nbody", "'title' is longer than 200"),
        ("---\ntitle: T\nsubtitle: " + "x" * 301 + "\n---\nbody", "'subtitle' is longer"),
        ("---\ntitle: T\n---\n\n  \n", "text after the front matter is empty"),
        ("---\ntitle: T\n---\n" + "x" * 50_001, "longer than 50000"),
        ("---\ntitle: T\n---\nbad \x00 byte", "control or direction-override"),
        ('---\ntitle: "T\\u202e"\n---\nbody', "'title' contains control"),
    ],
)
def test_malformed_files_raise_readable_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "s.md"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(StatementFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_statement_file(path)


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(StatementFileError, match="no such file"):
        parse_statement_file(tmp_path / "absent.md")
    binary = tmp_path / "b.md"
    binary.write_bytes(b"---\ntitle: \xff\xfe\n---\nbody")
    with pytest.raises(StatementFileError, match="not UTF-8"):
        parse_statement_file(binary)


def test_pin_statement_keeps_history_and_one_pinned(app: Flask) -> None:
    admin = make_user(display_name="Admin Ada")
    first = pin_statement(title="One", subtitle="", byline="", body="b1", created_by=None)
    db.session.commit()
    second = pin_statement(title="Two", subtitle="s", byline="b", body="b2", created_by=admin)
    db.session.commit()
    assert pinned_statement() == second
    assert first.is_pinned is False
    assert pinned_count() == 1
    assert [v.title for v in statement_history()] == ["Two", "One"]
    assert second.created_by == admin


def test_database_refuses_two_pinned_rows(app: Flask) -> None:
    pin_statement(title="One", subtitle="", byline="", body="b", created_by=None)
    db.session.commit()
    db.session.add(StatementVersion(title="Rogue", body="b", is_pinned=True))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert pinned_count() == 1


def test_load_statement_if_missing_is_idempotent(app: Flask) -> None:
    assert load_statement_if_missing(STATEMENT_FILE) is True
    db.session.commit()
    assert load_statement_if_missing(STATEMENT_FILE) is False
    db.session.commit()
    assert len(statement_history()) == 1
    pinned = pinned_statement()
    assert pinned is not None
    assert pinned.created_by is None


def test_load_statement_if_missing_does_not_read_file_when_pinned(
    app: Flask, tmp_path: Path
) -> None:
    pin_statement(title="One", subtitle="", byline="", body="b", created_by=None)
    db.session.commit()
    assert load_statement_if_missing(tmp_path / "absent.md") is False
