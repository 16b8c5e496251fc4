"""Writes of the campaign statement. Functions flush, the caller commits (STYLE.md rule 2)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import or_, update

from app.audit import record
from app.campaign.queries import pinned_statement
from app.config import LANGUAGES
from app.extensions import db
from app.models import AuditAction, AuditSubject, StatementVersion, User
from app.text import TextError, clean_text

log = logging.getLogger(__name__)

# Limits of the statement_versions columns; the admin form uses the same numbers.
TITLE_MAX = 200
SUBTITLE_MAX = 300
BYLINE_MAX = 500
# Far below what Text holds; a statement is a page, not a book.
BODY_MAX = 50_000

_FENCE = "---"


class StatementFileError(ValueError):
    """The statement file cannot be used; the message says why and where."""


@dataclass(frozen=True)
class StatementData:
    """The parts of a statement, cleaned and within the column limits."""

    title: str
    subtitle: str
    byline: str
    body: str
    language: str = "en"
    is_translation: bool = False


def _field(meta: dict[str, Any], name: str, limit: int, path: Path, *, required: bool) -> str:
    value = meta.get(name)
    if value is None:
        if required:
            raise StatementFileError(f"{path}: the front matter has no {name!r}.")
        return ""
    if not isinstance(value, str):
        raise StatementFileError(f"{path}: {name!r} in the front matter must be text.")
    try:
        value = clean_text(value)
    except TextError:
        raise StatementFileError(
            f"{path}: {name!r} contains control or direction-override characters."
        ) from None
    if required and not value:
        raise StatementFileError(f"{path}: {name!r} is empty.")
    if len(value) > limit:
        raise StatementFileError(f"{path}: {name!r} is longer than {limit} characters.")
    return value


def _language(meta: dict[str, Any], name: str, path: Path) -> str | None:
    value = meta.get(name)
    if value is None:
        return None
    if value not in LANGUAGES:
        raise StatementFileError(
            f"{path}: {name!r} in the front matter must be one of {', '.join(LANGUAGES)}."
        )
    return str(value)


def parse_statement_file(path: Path | str) -> StatementData:
    """Read a Markdown file with YAML front matter (title, subtitle, byline, language).

    The file starts with a line ``---``, then YAML, then another ``---`` line;
    the Markdown body follows. ``language`` (default ``en``) names the language of
    the text; ``translation_of`` (the original's language) marks it as a translation.
    Other front-matter keys are ignored.
    Raises StatementFileError with a readable message if the file is missing,
    not UTF-8, malformed, or a value is missing, not text or too long.
    """
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StatementFileError(f"{path}: no such file.") from None
    except UnicodeDecodeError:
        raise StatementFileError(f"{path}: the file is not UTF-8 text.") from None
    except OSError as exc:
        raise StatementFileError(f"{path}: cannot be read ({exc.strerror}).") from None

    lines = raw.removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != _FENCE:
        raise StatementFileError(f"{path}: the file must start with a '---' front-matter line.")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == _FENCE)
    except StopIteration:
        raise StatementFileError(f"{path}: the front matter has no closing '---' line.") from None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise StatementFileError(f"{path}: the front matter is not valid YAML{where}.") from None
    if not isinstance(meta, dict):
        raise StatementFileError(f"{path}: the front matter must be 'key: value' lines.")

    try:
        body = clean_text("\n".join(lines[end + 1 :]), multiline=True)
    except TextError:
        raise StatementFileError(
            f"{path}: the text contains control or direction-override characters."
        ) from None
    if not body:
        raise StatementFileError(f"{path}: the statement text after the front matter is empty.")
    if len(body) > BODY_MAX:
        raise StatementFileError(f"{path}: the text is longer than {BODY_MAX} characters.")
    return StatementData(
        title=_field(meta, "title", TITLE_MAX, path, required=True),
        subtitle=_field(meta, "subtitle", SUBTITLE_MAX, path, required=False),
        byline=_field(meta, "byline", BYLINE_MAX, path, required=False),
        body=body,
        language=_language(meta, "language", path) or "en",
        is_translation=_language(meta, "translation_of", path) is not None,
    )


def pin_statement(
    *,
    title: str,
    subtitle: str,
    byline: str,
    body: str,
    created_by: User | None,
    language: str = "en",
    is_translation: bool = False,
) -> StatementVersion:
    """Store a new version of the statement in ``language`` and pin it there.

    The version pinned in that language, and for a new original the pinned original,
    are unpinned and stay in the history. Both changes are flushed, not committed:
    they take effect with the caller's commit, so a language is never without its
    pinned version. Two concurrent calls cannot both win: the partial unique indexes
    make the later commit fail with an IntegrityError.
    """
    same_place = StatementVersion.language == language
    if not is_translation:
        same_place = or_(same_place, ~StatementVersion.is_translation)
    # Unpin first and flush, so the INSERT below never meets a second pinned row.
    db.session.execute(
        update(StatementVersion)
        .where(StatementVersion.is_pinned, same_place)
        .values(is_pinned=False)
        .execution_options(synchronize_session="fetch")
    )
    version = StatementVersion(
        title=title,
        subtitle=subtitle,
        byline=byline,
        body=body,
        language=language,
        is_translation=is_translation,
        is_pinned=True,
        created_by=created_by,
    )
    db.session.add(version)
    db.session.flush()
    log.info("statement version %s pinned (%s)", version.id, language)
    record(
        AuditAction.STATEMENT_PUBLISHED,
        actor=created_by,
        subject_type=AuditSubject.STATEMENT,
        subject_id=version.id,
        label=title,
        summary=language + (" (translation)" if is_translation else ""),
    )
    return version


def pin_statement_data(data: StatementData) -> StatementVersion:
    """``pin_statement`` with what a statement file holds (no author: loaded from a file)."""
    return pin_statement(
        title=data.title,
        subtitle=data.subtitle,
        byline=data.byline,
        body=data.body,
        language=data.language,
        is_translation=data.is_translation,
        created_by=None,
    )


def load_statement_if_missing(path: Path | str) -> bool:
    """Pin the statement from ``path`` if no original is pinned yet; True if it did.

    Raises StatementFileError (see parse_statement_file) only when it reads the file.
    """
    if pinned_statement() is not None:
        return False
    pin_statement_data(parse_statement_file(path))
    return True
