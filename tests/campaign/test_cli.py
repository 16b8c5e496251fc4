"""``flask statement load``."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner

from app.campaign.queries import pinned_in, pinned_statement, statement_history
from app.extensions import db
from tests.campaign.test_services import pinned_count


def test_load_default_files_then_idempotent_then_force(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["statement", "load"])
    assert result.exit_code == 0, result.output
    assert "Pinned the statement from" in result.output
    assert "data/statement.md" in result.output
    assert "data/statement.fa.md" in result.output
    first = pinned_statement()
    assert first is not None
    assert first.title.startswith("So That the “Woman, Life, Freedom”")
    assert (first.language, first.is_translation) == ("en", False)
    persian = pinned_in("fa")
    assert persian is not None
    assert persian.title == "تا جنبش «زن، زندگی، آزادی» نمیرد!"
    assert (persian.language, persian.is_translation) == ("fa", True)
    assert "\u200c" in persian.body  # the zero-width non-joiners of Persian words are kept

    result = runner.invoke(args=["statement", "load"])
    assert result.exit_code == 0
    assert "already pinned" in result.output
    db.session.expire_all()
    assert len(statement_history()) == 2

    result = runner.invoke(args=["statement", "load", "--force"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    history = statement_history()
    assert len(history) == 4
    assert [(v.language, v.is_pinned) for v in history] == [
        ("fa", True),
        ("en", True),
        ("fa", False),
        ("en", False),
    ]
    assert history[1].id != first.id
    assert pinned_count() == 2


def test_a_bad_translation_file_writes_nothing(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    good = tmp_path / "statement.md"
    good.write_text("---\ntitle: Free them all\n---\nText.\n", encoding="utf-8")
    bad = tmp_path / "statement.xx.md"
    bad.write_text("---\ntitle: T\nlanguage: xx\n---\nText.\n", encoding="utf-8")
    result = runner.invoke(args=["statement", "load", str(good), str(bad)])
    assert result.exit_code == 1
    assert "'language' in the front matter must be one of en, de, fa" in result.output
    assert statement_history() == []


def test_load_explicit_path(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = tmp_path / "other.md"
    path.write_text("---\ntitle: Free them all\nbyline: Us\n---\nText.\n", encoding="utf-8")
    result = runner.invoke(args=["statement", "load", str(path)])
    assert result.exit_code == 0, result.output
    pinned = pinned_statement()
    assert pinned is not None
    assert (pinned.title, pinned.byline, pinned.body) == ("Free them all", "Us", "Text.")


def test_bad_file_fails_cleanly_and_writes_nothing(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "bad.md"
    path.write_text("no front matter\n", encoding="utf-8")
    result = runner.invoke(args=["statement", "load", str(path)])
    assert result.exit_code == 1
    assert "must start with a '---'" in result.output
    assert "Traceback" not in result.output
    assert statement_history() == []

    result = runner.invoke(args=["statement", "load", str(tmp_path / "absent.md")])
    assert result.exit_code == 1
    assert "no such file" in result.output
    assert statement_history() == []
