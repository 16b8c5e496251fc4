"""The statement in the page language: the Persian translation, and the original elsewhere."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.campaign.cli import default_statement_paths
from app.campaign.queries import pinned_in, pinned_statement
from app.campaign.services import parse_statement_file, pin_statement_data
from app.extensions import db
from tests.factories import make_statement

ENGLISH_TITLE = "So That the “Woman, Life, Freedom” Movement Does Not Die!"
PERSIAN_TITLE = "تا جنبش «زن، زندگی، آزادی» نمیرد!"
ENGLISH_OPENING = "For more than three weeks, the world has seen a new face of Iran."
PERSIAN_OPENING = "بیش از سه هفته است که جهان چهرهٔ تازه‌ای از ایران را می‌بیند."
PERSIAN_LATER = "رژیم اسلامی، همچون خیزش‌های پیشین"
# On German pages (the statement has no German version).
FALLBACK_NOTE = "Dieser Aufruf liegt in deiner Sprache noch nicht vor; hier ist das Original."
RTL_PAGE = '<html lang="fa" dir="rtl">'
ARTICLE = '<article class="statement" aria-labelledby="statement-title" lang="{}" dir="{}">'
TRANSLATION_NOTE = re.compile(
    r'<p class="statement-note"[^>]*>\s*Translation; the original is in '
    r'<a href="/statement/en" hreflang="en">([^<]+)</a>\.\s*</p>'
)
# The same note on Persian pages.
PERSIAN_TRANSLATION_NOTE = re.compile(
    r'<p class="statement-note"[^>]*>\s*ترجمه؛ متن اصلی به زبان '
    r'<a href="/statement/en" hreflang="en">([^<]+)</a> است\.\s*</p>'
)


@pytest.fixture
def loaded(app: Flask) -> None:
    """The statement files `make run` loads: the English original and its Persian translation."""
    for path in default_statement_paths():
        pin_statement_data(parse_statement_file(path))
    db.session.commit()


def _get(client: FlaskClient, path: str, language: str) -> str:
    client.set_cookie("lang", language)
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_persian_file_is_a_translation_of_the_english_original() -> None:
    paths = default_statement_paths()
    assert [path.name for path in paths] == ["statement.md", "statement.fa.md"]
    original, persian = (parse_statement_file(path) for path in paths)
    assert (original.language, original.is_translation) == ("en", False)
    assert (persian.language, persian.is_translation) == ("fa", True)
    assert persian.title == PERSIAN_TITLE
    # Paragraph for paragraph, so nothing was left out.
    assert persian.body.count("\n\n") == original.body.count("\n\n")
    assert not re.search(r"[A-Za-z]", persian.body)


def test_persian_statement_page_is_the_translation(client: FlaskClient, loaded: None) -> None:
    html = _get(client, "/statement", "fa")
    assert (
        '<article class="statement" aria-labelledby="statement-title" lang="fa" dir="rtl">' in html
    )
    assert PERSIAN_TITLE in html
    assert PERSIAN_OPENING in html
    assert ENGLISH_OPENING not in html
    note = PERSIAN_TRANSLATION_NOTE.search(html)
    assert note is not None
    assert note.group(1) == "انگلیسی"  # "English", named in the page language
    assert FALLBACK_NOTE not in html


def test_english_statement_page_is_the_original_without_a_note(
    client: FlaskClient, loaded: None
) -> None:
    html = _get(client, "/statement", "en")
    assert 'lang="en" dir="ltr"' in html
    assert ENGLISH_OPENING in html
    assert PERSIAN_OPENING not in html
    assert "statement-note" not in html


def test_a_language_without_a_version_shows_the_original_with_a_note(
    client: FlaskClient, loaded: None
) -> None:
    html = _get(client, "/statement", "de")
    assert '<html lang="de" dir="ltr">' in html
    # The text is marked English inside the German page.
    assert (
        '<article class="statement" aria-labelledby="statement-title" lang="en" dir="ltr">' in html
    )
    assert ENGLISH_TITLE in html
    assert ENGLISH_OPENING in html
    assert f'<p class="statement-note" lang="de" dir="ltr">{FALLBACK_NOTE}</p>' in html


def test_the_original_has_its_own_page_in_every_page_language(
    client: FlaskClient, loaded: None
) -> None:
    html = _get(client, "/statement/en", "fa")
    assert RTL_PAGE in html
    assert (
        '<article class="statement" aria-labelledby="statement-title" lang="en" dir="ltr">' in html
    )
    assert ENGLISH_OPENING in html
    assert "statement-note" not in html
    persian = _get(client, "/statement/fa", "en")
    assert PERSIAN_OPENING in persian
    assert TRANSLATION_NOTE.search(persian).group(1) == "English"  # type: ignore[union-attr]


@pytest.mark.parametrize("path", ["/statement/de", "/statement/xx", "/statement/EN"])
def test_a_language_without_a_version_has_no_page(
    client: FlaskClient, loaded: None, path: str
) -> None:
    assert client.get(path).status_code == 404


def test_home_teaser_follows_the_page_language(client: FlaskClient, loaded: None) -> None:
    persian = _get(client, "/", "fa")
    assert PERSIAN_TITLE in persian
    assert PERSIAN_OPENING in persian
    assert PERSIAN_LATER not in persian  # the first paragraph only
    assert PERSIAN_TRANSLATION_NOTE.search(persian) is not None
    assert ENGLISH_OPENING not in persian

    german = _get(client, "/", "de")
    assert ENGLISH_OPENING in german
    assert FALLBACK_NOTE in german

    english = _get(client, "/", "en")
    assert ENGLISH_OPENING in english
    assert "statement-note" not in english


@pytest.mark.parametrize("path", ["/", "/statement"])
def test_cached_pages_keep_their_language(client: FlaskClient, loaded: None, path: str) -> None:
    """The page cache keys by language (app.httpcache.cache_key): no language gets another's."""
    for _round in range(2):  # the second round is answered from the cache
        assert PERSIAN_OPENING in _get(client, path, "fa")
        assert FALLBACK_NOTE in _get(client, path, "de")
        english = _get(client, path, "en")
        assert ENGLISH_OPENING in english
        assert FALLBACK_NOTE not in english
    client.delete_cookie("lang")
    response = client.get(path, headers={"Accept-Language": "fa-IR"})
    assert PERSIAN_OPENING in response.get_data(as_text=True)


def test_a_new_original_leaves_the_translation_pinned(loaded: None) -> None:
    translation = pinned_in("fa")
    new = make_statement(title="A new original", body="New text.")
    assert pinned_statement() == new
    assert pinned_in("fa") == translation
